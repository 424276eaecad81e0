"""Support Calendar: the working time the SLA clocks count on; validated by the engine itself. A change that
moves deadlines (hours, holidays, make-up days, zone) repairs the open tickets on the calendar."""

import frappe
from frappe import _

from ts_sla.services import guard, holiday_sources, repair
from ts_sla.services.clocks import calendar_from_doc, clear_calendar_cache, engine_error
from ts_sla.services.notes import Note
from ts_sla.sla import SLAError


class SupportCalendar(guard.CheckedDocument):
	def validate(self):
		if self.time_zone:
			self.time_zone = self.time_zone.strip()
		holiday_sources.follow_holiday_list(self)  # an ERPNext Holiday List's holidays, when one is linked
		for row in self.holidays:  # a whole-day holiday has no times (Frappe stamps unset Time fields "now")
			if not row.partial_day:
				row.start_time = row.end_time = None
		try:
			calendar_from_doc(self)
		except SLAError as error:
			engine_error(error, _("Invalid Support Calendar"))

	def on_update(self):
		clear_calendar_cache()
		self.repair_open_tickets()

	def repair_open_tickets(self):
		"""Recompute the open tickets on this calendar when a part that moves deadlines changed (on the long
		queue; at once in tests or when ``flags.repair_now``)."""
		changed = repair.calendar_changes(self)
		if not changed:
			return
		reason = Note(
			"Support Calendar {0} changed ({1})",
			Note(self.name),
			Note.join((Note(self.meta.get_label(f)) for f in changed), ", "),
		)
		if self.flags.ts_reason:
			reason = Note("{0}: {1}", reason, self.flags.ts_reason)
		self.flags.repair_result = repair.enqueue(
			calendar=self.name, reason=reason, now=bool(self.flags.repair_now)
		)


@frappe.whitelist()
def get_time_zones() -> list[str]:
	"""IANA zone names for the time-zone field's autocomplete."""
	from zoneinfo import available_timezones

	return sorted(available_timezones())
