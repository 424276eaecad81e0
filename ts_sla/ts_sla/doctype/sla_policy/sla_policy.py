"""SLA Policy: targets per priority, step limits, applicability, escalation matrix."""

import frappe
from frappe import _
from frappe.utils import getdate

from ts_sla.services import guard, repair
from ts_sla.services.clocks import make_target
from ts_sla.services.notes import Note

PRIORITIES = ("P0", "P1", "P2", "P3")


class SLAPolicy(guard.CheckedDocument):
	def validate(self):
		if not self.daily_progress_cutoff:
			self.daily_progress_cutoff = "17:00:00"
		self.validate_priorities()
		self.validate_dates()
		self.validate_escalation_rules()

	def on_update(self):
		self.repair_open_tickets()
		if self.is_default:
			# only one default: the others lose the flag (without touching their modified stamp)
			frappe.db.set_value(
				"SLA Policy",
				{"is_default": 1, "name": ("!=", self.name)},
				"is_default",
				0,
				update_modified=False,
			)

	def repair_open_tickets(self):
		"""Recompute the open tickets under this policy when a target, its calendar or what it pauses changed
		(on the long queue; at once in tests or when ``flags.repair_now``). Closed tickets keep their record."""
		changed = repair.policy_changes(self)
		if not changed:
			return
		labels = repair.policy_change_labels(self, changed)
		reason = Note("SLA Policy {0} changed ({1})", Note(self.name), Note.join(labels, ", "))
		self.flags.repair_result = repair.enqueue(
			policy=self.name, reason=reason, now=bool(self.flags.repair_now)
		)

	def validate_priorities(self):
		seen = set()
		for row in self.priorities:
			if row.priority in seen:
				frappe.throw(
					_("Priority {0} appears more than once").format(row.priority),
					title=_("Duplicate priority"),
				)
			seen.add(row.priority)
			for label, (amount, unit, basis) in {
				_("response"): (row.response_time, row.response_unit, row.response_basis),
				_("resolution"): (row.resolution_time, row.resolution_unit, row.resolution_basis),
				_("hard limit"): (row.hard_limit_time, row.hard_limit_unit, row.hard_limit_basis),
			}.items():
				if amount is not None and amount < 0:
					frappe.throw(_("Row {0}: the {1} time cannot be negative").format(row.idx, label))
				if amount:
					make_target(amount, unit, basis)
			if not 0 < (row.warning_percent or 75) <= 100:
				frappe.throw(
					_("Row {0}: the warning percentage must be above 0 and at most 100").format(row.idx)
				)
			if (row.triage_minutes or 0) < 0 or (row.progress_interval or 0) < 0:
				frappe.throw(_("Row {0}: triage and progress times cannot be negative").format(row.idx))
		if self.is_default and seen != set(PRIORITIES):
			frappe.throw(
				_("The default policy needs targets for every priority (missing: {0})").format(
					", ".join(sorted(set(PRIORITIES) - seen))
				),
				title=_("Incomplete default policy"),
			)
		for field in (
			"registration_minutes",
			"verification_followup_minutes",
			"closure_minutes",
			"collaboration_hours",
		):
			if (self.get(field) or 0) < 0:
				frappe.throw(_("{0} cannot be negative").format(_(self.meta.get_label(field))))

	def validate_dates(self):
		if self.valid_from and self.valid_to and getdate(self.valid_from) > getdate(self.valid_to):
			frappe.throw(_("Valid From must be on or before Valid To"), title=_("Invalid dates"))

	def validate_escalation_rules(self):
		seen = set()
		for row in self.get("escalation_rules") or []:
			if (row.threshold_percent or 0) <= 0:
				frappe.throw(_("Escalation row {0}: the threshold must be above 0 %").format(row.idx))
			key = (row.clock, row.threshold_percent, row.level, row.priority or "")
			if key in seen:
				frappe.throw(_("Escalation row {0} repeats an earlier row").format(row.idx))
			seen.add(key)
