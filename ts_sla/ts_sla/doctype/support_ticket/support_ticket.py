"""Support Ticket: a thin controller. Deadlines come from services.sla, actions from services.lifecycle."""

import datetime as dt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, now_datetime

from ts_sla.services import lifecycle, naming, permissions, sla
from ts_sla.services.clocks import system_zone

DATETIME_FIELDS = ("occurred_at", "received_at")
#: Fields whose change means the deadlines must be recomputed (and the change explained on the timeline).
RECOMPUTE_ON = ("priority", "sla_policy", "support_calendar", "received_at")
#: Fields only the server writes after insert: actions set them, clients cannot.
SERVER_FIELDS = (
	*sla.COMPUTED_FIELDS,
	"status",
	"assigned_at",
	"first_responded_at",
	"resolved_at",
	"confirmed_at",
	"closed_at",
	"reopen_count",
	"resolution_summary",
	"resolution_result",
	"customer_satisfaction",
	"satisfaction_comment",
	"reviewed_by",
	"confirmation_note",
	"close_override_reason",
	"cancel_reason",
	"last_progress_at",
	"progress_status",
)
SERVER_TABLES = ("pauses", "extensions", "progress_updates")


class SupportTicket(Document):
	def before_insert(self):
		self.normalise_datetimes()
		self.validate_times()
		self.validate_satisfaction()
		self.reset_server_fields()
		if not (frappe.flags.in_import and self.registered_at):
			self.registered_at = now_datetime().replace(microsecond=0)

	def autoname(self):
		self.name = naming.next_ticket_id(self.received_at)

	def validate(self):
		if not self.is_new():
			self.normalise_datetimes()
			self.validate_times()
			self.protect_server_fields()
		self.validate_satisfaction()
		self.recompute()
		self.stamp_collaborations()

	def after_insert(self):
		from ts_sla.services import monitor, routing

		if frappe.flags.in_import and self.status in ("Closed", "Cancelled"):
			monitor.record_imported(self)
		elif not frappe.flags.in_import:
			routing.on_registered(self)

	def on_update(self):
		if self.flags.sla_change_note:
			self.add_comment("Info", self.flags.pop("sla_change_note"))
		if self.status in ("Closed", "Cancelled") and self.has_value_changed("status"):
			self.close_todos()

	def onload(self):
		self.set_onload("allowed_actions", permissions.allowed_actions(self))
		self.set_onload("clocks", sla.clock_panel(self) if not self.is_new() else [])

	def close_todos(self):
		"""Close the open assignments. (Frappe's close_all_assignments would also blank ``assigned_to``,
		which the ticket keeps as the record of who worked it.)"""
		for name in frappe.get_all(
			"ToDo",
			filters={"reference_type": self.doctype, "reference_name": self.name, "status": "Open"},
			pluck="name",
		):
			todo = frappe.get_doc("ToDo", name)
			todo.status = "Closed"
			todo.save(ignore_permissions=True)

	# -- validation helpers ---------------------------------------------------------------------------

	def normalise_datetimes(self):
		"""Parse datetimes strictly; an aware value (ISO with offset) is converted to the system zone."""
		for field in DATETIME_FIELDS:
			value = self.get(field)
			if value in (None, ""):
				continue
			try:
				parsed = value if isinstance(value, dt.datetime) else get_datetime(value)
			except Exception:
				parsed = None
			if not isinstance(parsed, dt.datetime):
				frappe.throw(
					_("{0} is not a valid date and time: {1}").format(_(self.meta.get_label(field)), value),
					title=_("Invalid date"),
				)
			if parsed.tzinfo:
				parsed = parsed.astimezone(system_zone()).replace(tzinfo=None)
			self.set(field, parsed)

	def validate_times(self):
		if not self.received_at:
			self.received_at = now_datetime().replace(microsecond=0)
		received = get_datetime(self.received_at)
		if received > now_datetime() + dt.timedelta(minutes=5):
			frappe.throw(_("Received At cannot be in the future"), title=_("Invalid date"))
		if self.occurred_at and get_datetime(self.occurred_at) > received:
			frappe.throw(_("Occurred At cannot be after Received At"), title=_("Invalid date"))

	def reset_server_fields(self):
		if frappe.flags.in_import or self.flags.ts_action:
			return
		self.status = "New"
		for field in SERVER_FIELDS:
			if field not in ("status",):
				self.set(field, None)
		for table in SERVER_TABLES:
			self.set(table, [])
		self.reopen_count = 0

	def protect_server_fields(self):
		"""Outside an action, status and server-set fields cannot change (Desk or REST alike)."""
		before = self.get_doc_before_save()
		if not before or self.flags.ts_action or frappe.flags.in_import or self.flags.ts_system:
			if before and self.status != before.status:
				lifecycle.check_transition(before.status, self.status)
			return
		if self.status != before.status:
			lifecycle.check_transition(before.status, self.status)
			frappe.throw(
				_(
					"Change the status with the ticket's actions (respond, resolve, close ...), not by editing it"
				),
				title=_("Use an action"),
			)
		for field in SERVER_FIELDS:
			if field in sla.COMPUTED_FIELDS:
				self.set(field, before.get(field))
			elif str(self.get(field) or "") != str(before.get(field) or ""):
				frappe.throw(
					_("{0} is set by the ticket's actions and cannot be edited").format(
						_(self.meta.get_label(field))
					),
					title=_("Read-only field"),
				)
		for table in SERVER_TABLES:
			if len(self.get(table) or []) != len(before.get(table) or []):
				frappe.throw(
					_("{0} are recorded by the ticket's actions").format(_(self.meta.get_label(table))),
					title=_("Read-only table"),
				)
		if self.status in ("Closed", "Cancelled"):
			frappe.throw(
				_("A {0} ticket cannot be edited").format(_(self.status)), title=_("Ticket is final")
			)

	def stamp_collaborations(self):
		"""A new cross-team request is due the policy's collaboration hours after it is made."""
		hours = frappe.get_cached_value("SLA Policy", self.sla_policy, "collaboration_hours") or 24
		for row in self.get("collaborations") or []:
			if row.support_team == self.lead_team:
				frappe.throw(
					_("Row {0}: the lead team cannot ask itself").format(row.idx), title=_("Invalid request")
				)
			if not row.requested_at:
				row.requested_at = now_datetime().replace(microsecond=0)
			if not row.due_at:
				row.due_at = get_datetime(row.requested_at) + dt.timedelta(hours=hours)

	def validate_satisfaction(self):
		score = self.customer_satisfaction
		if score not in (None, "", 0) and not 1 <= int(score) <= 5:
			frappe.throw(_("Satisfaction must be a whole number from 1 to 5"), title=_("Invalid rating"))

	def recompute(self):
		"""Recompute deadlines; when priority, policy, calendar or receipt changed, explain it on the timeline."""
		before = None if self.is_new() else self.get_doc_before_save()
		changed = [f for f in RECOMPUTE_ON if before and str(before.get(f) or "") != str(self.get(f) or "")]
		if "sla_policy" in changed and "support_calendar" not in changed:
			self.support_calendar = None  # follow the new policy's calendar
		sla.refresh(self)
		if not changed:
			return
		what = "; ".join(
			_("{0}: {1} → {2}").format(_(self.meta.get_label(f)), before.get(f) or "—", self.get(f) or "—")
			for f in changed
		)
		dues = "; ".join(
			_("{0} {1} → {2}").format(_(self.meta.get_label(f)), before.get(f) or "—", self.get(f) or "—")
			for f in ("response_due", "resolution_due", "resolution_limit")
			if str(before.get(f) or "") != str(self.get(f) or "")
		)
		self.flags.sla_change_note = _("Deadlines recomputed because {0} changed. {1}").format(
			what, dues or _("The due times did not move.")
		)
