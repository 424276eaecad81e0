import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils.background_jobs import get_queues_timeout

from ts_sla.services import health, im_intake, issues


class TSSLASettings(Document):
	def onload(self):
		# the monitor's figures for the Monitor Health section, to those who may read them (nobody is told)
		if health.may_read():
			self.set_onload("monitor_health", health.reading())

	def validate(self):
		im_intake.validate_settings(self)
		issues.validate_priority_map(self)
		self.validate_tick()

	def validate_tick(self):
		"""The tick's queue must be one the bench's workers serve; its numbers positive (blank: defaults)."""
		queues = list(get_queues_timeout())
		if self.tick_queue and self.tick_queue not in queues:
			frappe.throw(
				_("Tick Queue must be one of the bench's queues: {0}").format(", ".join(queues)),
				title=_("Invalid queue"),
			)
		for field in ("tick_fanout_threshold", "tick_chunk_size"):
			if self.get(field) is not None and self.get(field) < 0:
				frappe.throw(
					_("{0} cannot be negative").format(_(self.meta.get_label(field))),
					title=_("Invalid value"),
				)
