import frappe
from frappe import _
from frappe.utils.background_jobs import get_queues_timeout

from ts_sla.services import guard, health, im_intake, issues

#: The whole-number settings and their largest sensible values.
LIMITS = {
	"signed_link_validity_hours": 24 * 366,
	"notification_horizon_days": 1_000_000,
	"recurrence_threshold": 1000,
	"recurrence_window_days": 3660,
	"tick_fanout_threshold": 1_000_000,
	"tick_chunk_size": 20_000,
}


class TSSLASettings(guard.CheckedDocument):
	def onload(self):
		# the monitor's figures for the Monitor Health section, to those who may read them (nobody is told)
		if health.may_read():
			self.set_onload("monitor_health", health.reading())

	def validate(self):
		im_intake.validate_settings(self)
		issues.validate_priority_map(self)
		self.validate_numbers()
		self.validate_tick()

	def validate_numbers(self):
		"""Each whole-number setting that changed is from 0 to its largest sensible value. That it is a whole
		number at all (a REST client's "12" taken as 12; "abc", 1.5, NaN, huge values refused; blank = its
		default) is checked for every field before this (``guard.CheckedDocument``)."""
		for field, most in LIMITS.items():
			number = self.get(field)
			if number is None or not self.has_value_changed(field):
				continue
			label = _(self.meta.get_label(field))
			if number < 0:
				frappe.throw(_("{0} cannot be negative").format(label), title=_("Invalid value"))
			if number > most:
				frappe.throw(_("{0} cannot be more than {1}").format(label, most), title=_("Invalid value"))

	def validate_tick(self):
		"""The tick's queue must be one the bench's workers serve; its numbers positive (blank: defaults)."""
		queues = list(get_queues_timeout())
		if self.tick_queue and self.tick_queue not in queues:
			frappe.throw(
				_("Tick Queue must be one of the bench's queues: {0}").format(", ".join(queues)),
				title=_("Invalid queue"),
			)
