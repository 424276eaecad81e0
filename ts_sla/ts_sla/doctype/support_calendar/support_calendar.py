"""Support Calendar: the working time the SLA clocks count on; validated by the engine itself."""

import frappe
from frappe import _
from frappe.model.document import Document

from ts_sla.services.clocks import calendar_from_doc, clear_calendar_cache, engine_error
from ts_sla.sla import SLAError


class SupportCalendar(Document):
	def validate(self):
		if self.time_zone:
			self.time_zone = self.time_zone.strip()
		try:
			calendar_from_doc(self)
		except SLAError as error:
			engine_error(error, _("Invalid Support Calendar"))

	def on_update(self):
		clear_calendar_cache()


@frappe.whitelist()
def get_time_zones() -> list[str]:
	"""IANA zone names for the time-zone field's autocomplete."""
	from zoneinfo import available_timezones

	return sorted(available_timezones())
