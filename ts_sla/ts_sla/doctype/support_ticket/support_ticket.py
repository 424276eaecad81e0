"""Support Ticket: a thin controller. Deadlines come from services.sla, actions from services.lifecycle,
input checks and the protection of server-kept fields and rows from services.guard."""

import frappe
from frappe.utils import now_datetime

from ts_sla.services import (
	guard,
	issues,
	lifecycle,
	monitor,
	naming,
	notes,
	permissions,
	portal,
	reporters,
	sla,
)
from ts_sla.services.states import DEFAULT_PRIORITY, FINAL


class SupportTicket(guard.CheckedDocument):
	def before_insert(self):
		guard.normalise_datetimes(self)
		guard.validate_times(self)
		guard.validate_satisfaction(self)
		guard.reset_server_fields(self)
		self.priority = self.priority or DEFAULT_PRIORITY  # the documented API default; the Desk asks
		if not (frappe.flags.in_import and self.registered_at):
			self.registered_at = now_datetime().replace(microsecond=0)
		guard.not_after_registration(self)

	def autoname(self):
		self.name = naming.next_ticket_id(self.received_at)

	def validate(self):
		reporters.fill_reporter(self)  # a contact or employee picked: who they are
		issues.check_link(self)
		if self.is_new():
			lifecycle.prepare_registration(self)  # the engineer goes in with the insert
		else:
			guard.normalise_datetimes(self)
			guard.validate_times(self)
			guard.protect_server_fields(self)
		guard.validate_external_ref(self)
		guard.validate_satisfaction(self)
		guard.stamp_collaborations(self)  # before the recompute: a new request is a clock to watch
		# server-kept, from the rows: what the list's "Pending Extensions" filter and reports select on
		self.extension_pending = int(any(e.status == "Pending" for e in self.get("extensions") or []))
		sla.recompute(self)

	def after_insert(self):
		if frappe.flags.in_import and self.status in FINAL:
			monitor.record_imported(self)
		elif not frappe.flags.in_import:
			lifecycle.after_registration(self)  # the ToDo and the P0 alarm follow the commit
			portal.note_suggestion(self)  # a reporter's suggested priority, for the first line to confirm

	def on_update(self):
		if self.flags.sla_change_note:
			notes.comment(self, self.flags.pop("sla_change_note"))
		if self.status in FINAL and self.has_value_changed("status"):
			lifecycle.close_assignments(self)
		issues.follow_ticket(self)  # an ERPNext Issue registered as this ticket follows its status

	def onload(self):
		self.set_onload("allowed_actions", permissions.allowed_actions(self))
		panel = sla.clock_panel(self) if not self.is_new() else []
		self.set_onload("clocks", panel)
		self.set_onload("headline", sla.headline(panel))
		if not self.is_new():
			self.set_onload("explanation", sla.read_explanation(self))
