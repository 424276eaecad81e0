"""The ticket lifecycle: transitions, stamps, pauses, extensions, confirmation and closure.

Each function takes a loaded Support Ticket, changes it as one action, saves it once and leaves a timeline
entry. Permission is checked by the caller (``ts_sla.api``) through ``services.permissions.check_action``;
these functions check the action's own rules (required reason, summary, rating range ...).
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from ts_sla.services import sla
from ts_sla.services.clocks import aware, get_calendar, naive
from ts_sla.sla import Basis, Target, due

OPEN = ("New", "Assigned", "In Progress", "Waiting for Customer", "Resolved", "Confirmed")
TRANSITIONS = {
	"New": {"Assigned", "Cancelled"},
	"Assigned": {"In Progress", "Cancelled"},
	"In Progress": {"Waiting for Customer", "Resolved", "Cancelled"},
	"Waiting for Customer": {"In Progress", "Resolved", "Cancelled"},
	"Resolved": {"Confirmed", "In Progress", "Closed", "Cancelled"},
	"Confirmed": {"Closed", "Cancelled"},
	"Closed": set(),
	"Cancelled": set(),
}


def check_transition(old: str, new: str) -> None:
	if old != new and new not in TRANSITIONS.get(old, set()):
		frappe.throw(
			_("A ticket cannot go from {0} to {1}").format(_(old), _(new)), title=_("Invalid status change")
		)


def _required(value, label: str) -> str:
	value = (value or "").strip() if isinstance(value, str) else value
	if not value:
		frappe.throw(_("{0} is required").format(_(label)), frappe.MandatoryError, title=_("Missing value"))
	return value


def _save(ticket, action: str, comment: str | None = None) -> None:
	"""Save the action's changes; the controller's validate recomputes deadlines and states."""
	ticket.flags.ts_action = action
	ticket.save(ignore_permissions=True)  # the caller checked the action's permission
	if comment:
		ticket.add_comment("Info", comment)


def _now() -> dt.datetime:
	return now_datetime().replace(microsecond=0)


# -- assignment and response ------------------------------------------------------------------------------


def assign(
	ticket, user: str, tier: str | None = None, team: str | None = None, note: str | None = None
) -> None:
	"""Assign the ticket to an engineer through Frappe's assignment (ToDo), keeping the ticket's fields in step."""
	from frappe.desk.form import assign_to

	if not frappe.db.exists("User", {"name": user, "enabled": 1}):
		frappe.throw(_("User {0} does not exist or is disabled").format(user), title=_("Invalid assignee"))
	previous = ticket.assigned_to
	if previous and previous != user:
		assign_to.remove(ticket.doctype, ticket.name, previous, ignore_permissions=True)
	if previous != user:
		assign_to.add(
			{
				"doctype": ticket.doctype,
				"name": ticket.name,
				"assign_to": [user],
				"description": ticket.subject,
				"priority": {"P0": "High", "P1": "High", "P2": "Medium"}.get(ticket.priority, "Low"),
			},
			ignore_permissions=True,
		)
		ticket.reload()
	ticket.assigned_to = user
	if tier:
		ticket.support_tier = tier
	if team:
		ticket.support_team = team
	if not ticket.assigned_at:
		ticket.assigned_at = _now()
	if ticket.status == "New":
		ticket.status = "Assigned"
	text = (
		_("Reassigned from {0} to {1}").format(previous, user)
		if previous and previous != user
		else _("Assigned to {0}").format(user)
	)
	_save(ticket, "assign", f"{text}{': ' + note if note else ''}")


def respond(ticket, note: str | None = None) -> None:
	"""The engineer's first response to the reporter: stops the response clock."""
	if not ticket.first_responded_at:
		ticket.first_responded_at = _now()
	ticket.status = "In Progress"
	_save(ticket, "respond", _("First response: {0}").format(note) if note else _("First response given"))


def stamp_first_response(ticket, at: dt.datetime | None = None) -> None:
	"""A reply or comment by the assignee counts as the first response (no status regression)."""
	if ticket.first_responded_at or ticket.status not in ("Assigned", "In Progress", "Waiting for Customer"):
		return
	ticket.first_responded_at = at or _now()
	if ticket.status == "Assigned":
		ticket.status = "In Progress"
	_save(ticket, "respond")


def add_progress(ticket, progress_status: str, note: str | None = None) -> None:
	progress_status = _required(progress_status, "Progress Status")
	now = _now()
	ticket.append(
		"progress_updates",
		{
			"updated_at": now,
			"progress_status": progress_status,
			"note": note,
			"updated_by": frappe.session.user,
		},
	)
	ticket.progress_status = progress_status
	ticket.last_progress_at = now
	_save(ticket, "add_progress")


# -- pauses -------------------------------------------------------------------------------------------------


def pause(ticket, reason: str | None = None) -> None:
	"""Waiting for Customer: the clocks the policy names stop until the ticket resumes."""
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	clocks = [
		name
		for name, flag in (("Response", policy.pause_response), ("Resolution", policy.pause_resolution))
		if flag
	]
	if ticket.first_responded_at and "Response" in clocks:
		clocks.remove("Response")
	ticket.append(
		"pauses",
		{
			"reason": reason or _("Waiting for Customer"),
			"paused_from": _now(),
			"clocks": ", ".join(clocks),
		},
	)
	ticket.status = "Waiting for Customer"
	_save(ticket, "wait_for_customer", _("Waiting for customer: {0}").format(reason) if reason else None)


def _close_open_pause(ticket, at: dt.datetime) -> None:
	for row in ticket.get("pauses") or []:
		if not row.paused_to:
			row.paused_to = at
			row.minutes = round((at - get_datetime(row.paused_from)).total_seconds() / 60, 2)


def resume(ticket, note: str | None = None) -> None:
	_close_open_pause(ticket, _now())
	ticket.status = "In Progress"
	_save(ticket, "resume", _("Resumed: {0}").format(note) if note else _("Resumed"))


# -- extensions ---------------------------------------------------------------------------------------------


def request_extension(
	ticket, clock: str, reason: str, extra_minutes: float | None = None, new_due: str | None = None
) -> None:
	reason = _required(reason, "Reason")
	if clock not in ("Response", "Resolution"):
		frappe.throw(_("An extension is for the Response or the Resolution clock"), title=_("Invalid clock"))
	if (clock == "Response" and ticket.first_responded_at) or (clock == "Resolution" and ticket.resolved_at):
		frappe.throw(_("The {0} clock has already stopped").format(_(clock)), title=_("Clock stopped"))
	current = get_datetime(ticket.response_due if clock == "Response" else ticket.resolution_due)
	if new_due:
		try:
			new_due = get_datetime(new_due)
		except Exception:
			frappe.throw(
				_("New Due is not a valid date and time: {0}").format(new_due), title=_("Invalid date")
			)
		if new_due <= current:
			frappe.throw(_("The new due time must be after the current one ({0})").format(current))
	elif not extra_minutes or float(extra_minutes) <= 0:
		frappe.throw(_("Give the extra time in minutes or a new due time"), title=_("Missing extension"))
	ticket.append(
		"extensions",
		{
			"clock": clock,
			"reason": reason,
			"extra_minutes": extra_minutes,
			"new_due": new_due,
			"status": "Pending",
			"previous_due": current,
			"requested_by": frappe.session.user,
			"requested_at": _now(),
		},
	)
	ticket.delay_reason = reason
	_save(
		ticket, "request_extension", _("Extension of the {0} clock requested: {1}").format(_(clock), reason)
	)


def decide_extension(ticket, approve: bool, row_name: str | None = None, note: str | None = None) -> None:
	pending = [
		e
		for e in ticket.get("extensions") or []
		if e.status == "Pending" and (not row_name or e.name == row_name)
	]
	if not pending:
		frappe.throw(_("There is no pending extension to decide"), title=_("Nothing to decide"))
	extension = pending[-1]
	now = _now()
	extension.decided_by, extension.decided_at, extension.decision_note = frappe.session.user, now, note
	if not approve:
		extension.status = "Rejected"
		_save(ticket, "decide_extension", _("Extension rejected{0}").format(": " + note if note else ""))
		return
	if not extension.new_due:
		clocks, calendar = sla.clocks_of(ticket)
		clock = next(c for c in clocks if c.key == extension.clock.lower())
		basis = Basis.BUSINESS if clock.target.basis is Basis.WORKING_DAYS else clock.target.basis
		extension.new_due = naive(
			due(
				calendar,
				aware(get_datetime(extension.previous_due)),
				Target(float(extension.extra_minutes), basis),
			)
		)
	extension.status = "Approved"
	extension.customer_notified = notify_reporter_of_extension(ticket, extension)
	_save(
		ticket,
		"decide_extension",
		_("Extension approved: the {0} clock is now due {1}{2}").format(
			_(extension.clock), extension.new_due, ": " + note if note else ""
		),
	)


def reporter_email(ticket) -> str | None:
	"""The reporter's email address, when their contact method is a valid email."""
	address = ticket.contact_detail if ticket.contact_method == "Email" else None
	return address if address and frappe.utils.validate_email_address(address) else None


def notify_reporter_of_extension(ticket, extension) -> int:
	"""Tell the reporter the new due time when their contact is an email address."""
	address = reporter_email(ticket)
	if not address:
		return 0
	return send_mail(
		recipients=[address],
		subject=_("Ticket {0}: new target time").format(ticket.name),
		message=_(
			"Dear {0},<br><br>Your ticket {1} ({2}) needs more time: {3}.<br>The new target time is {4}."
		).format(ticket.reporter_name, ticket.name, ticket.subject, extension.reason, extension.new_due),
		reference_doctype=ticket.doctype,
		reference_name=ticket.name,
	)


def send_mail(**kwargs) -> int:
	"""Queue an email; without an outgoing email account, say so instead of failing the action."""
	try:
		frappe.sendmail(**kwargs)
	except frappe.OutgoingEmailError:
		frappe.msgprint(
			_("No outgoing email account is set up, so {0} was not emailed").format(
				", ".join(kwargs["recipients"])
			),
			indicator="orange",
			alert=True,
		)
		return 0
	return 1


# -- resolution, confirmation, closure ----------------------------------------------------------------------


def resolve(ticket, resolution_summary: str, resolution_result: str, root_cause: str | None = None) -> None:
	ticket.resolution_summary = _required(resolution_summary, "Solution Summary")
	ticket.resolution_result = _required(resolution_result, "Result")
	if root_cause:
		ticket.root_cause = root_cause
	now = _now()
	_close_open_pause(ticket, now)
	if not ticket.first_responded_at:
		ticket.first_responded_at = now
	ticket.resolved_at = now
	ticket.status = "Resolved"
	_save(ticket, "resolve", _("Resolved: {0}").format(ticket.resolution_summary))


def confirm(ticket, note: str | None = None, on_behalf: bool = False) -> None:
	if on_behalf:
		note = _required(note, "Note")
	ticket.confirmed_at = _now()
	ticket.confirmation_note = note
	ticket.status = "Confirmed"
	who = (
		_("on behalf of the reporter by {0}").format(frappe.session.user)
		if on_behalf
		else _("by the reporter")
	)
	_save(ticket, "confirm", _("Resolution confirmed {0}{1}").format(who, ": " + note if note else ""))


def reject_resolution(ticket, reason: str, on_behalf: bool = False) -> None:
	"""The fix did not hold: the resolution clock resumes; the wait for confirmation counts as a pause."""
	reason = _required(reason, "Reason")
	now = _now()
	ticket.append(
		"pauses",
		{
			"reason": _("Awaiting confirmation of the fix"),
			"paused_from": ticket.resolved_at,
			"paused_to": now,
			"minutes": round((now - get_datetime(ticket.resolved_at)).total_seconds() / 60, 2),
			"clocks": "Resolution",
		},
	)
	ticket.resolved_at = None
	ticket.resolution_status = "Pending"
	ticket.reopen_count = cint(ticket.reopen_count) + 1
	ticket.status = "In Progress"
	who = _("on behalf of the reporter") if on_behalf else _("by the reporter")
	_save(ticket, "reject_resolution", _("Fix rejected {0}: {1}").format(who, reason))


def rate(ticket, satisfaction: int, comment: str | None = None) -> None:
	try:
		score = int(satisfaction)
	except (TypeError, ValueError):
		score = 0
	if str(score) != str(satisfaction).strip() or not 1 <= score <= 5:
		frappe.throw(_("Satisfaction must be a whole number from 1 to 5"), title=_("Invalid rating"))
	ticket.customer_satisfaction = score
	ticket.satisfaction_comment = comment
	_save(ticket, "rate", _("Satisfaction rated {0}/5").format(score))


def follow_up_due(ticket) -> dt.datetime:
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	return get_datetime(ticket.resolved_at) + dt.timedelta(minutes=policy.verification_followup_minutes or 0)


def close(ticket, review_note: str | None = None, override_reason: str | None = None) -> None:
	"""Supervisor review and closure: needs the reporter's confirmation, or an override after the follow-up."""
	if ticket.status == "Resolved":
		override_reason = _required(override_reason, "Reason for closing without confirmation")
		if now_datetime() < follow_up_due(ticket):
			frappe.throw(
				_(
					"The reporter has until {0} to confirm; close without confirmation only after the follow-up"
				).format(follow_up_due(ticket)),
				title=_("Too early"),
			)
		ticket.close_override_reason = override_reason
	ticket.review_note = review_note or ticket.review_note
	ticket.reviewed_by = frappe.session.user
	ticket.closed_at = _now()
	ticket.status = "Closed"
	_save(
		ticket,
		"close",
		_("Closed by {0}{1}").format(frappe.session.user, ": " + review_note if review_note else ""),
	)


def cancel(ticket, reason: str) -> None:
	ticket.cancel_reason = _required(reason, "Cancellation Reason")
	_close_open_pause(ticket, _now())
	ticket.status = "Cancelled"
	_save(ticket, "cancel", _("Cancelled: {0}").format(ticket.cancel_reason))
