"""The ticket lifecycle: transitions, stamps, pauses, extensions, confirmation and closure.

Each function takes a loaded Support Ticket, changes it as one action, saves it once and leaves a timeline
entry. Permission is checked by the caller (``ts_sla.api``) through ``services.permissions.check_action``;
these functions check the action's own rules (required reason, summary, rating range ...).
"""

from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from ts_sla.services import guard, jobs, notes, notifier, routing, sla, teams
from ts_sla.services.clocks import naive
from ts_sla.services.notes import Note, shown_value
from ts_sla.services.states import DEADLINE_FIELDS, EXTENDABLE, FINAL, PRIORITIES, WORKING


def _required(value, label: str) -> str:
	guard.check_text(value, label)
	value = (value or "").strip() if isinstance(value, str) else value
	if not value:
		frappe.throw(_("{0} is required").format(_(label)), frappe.MandatoryError, title=_("Missing value"))
	return value


def _save(ticket, action: str, comment: Note | None = None) -> None:
	"""Save the action's changes; the controller's validate recomputes deadlines and states."""
	ticket.flags.ts_action = action
	ticket.save(ignore_permissions=True)  # the caller checked the action's permission
	if comment:
		notes.comment(ticket, comment)


def _now() -> dt.datetime:
	return now_datetime().replace(microsecond=0)


# -- assignment and response ------------------------------------------------------------------------------


TIERS = ("L1", "L2", "L3")


def check_assignee(user, team: str | None, tier: str | None = None) -> None:
	"""The assignee must be able to own tickets of the team (``teams.can_own``), the tier one of ours."""
	if tier and tier not in TIERS:
		frappe.throw(_("Tier must be L1, L2 or L3"), title=_("Invalid tier"))
	if not isinstance(user, str) or not teams.can_own(user, team):
		frappe.throw(
			_("{0} cannot be assigned: choose an active member of {1} with the Support Engineer role").format(
				user, team or _("a support team")
			),
			title=_("Invalid assignee"),
		)


def assign(
	ticket, user: str, tier: str | None = None, team: str | None = None, note: str | Note | None = None
) -> None:
	"""Assign the ticket to an engineer through Frappe's assignment (ToDo), keeping the ticket's fields in step.

	The assignee must be able to own tickets of the team (``teams.can_own``); a reassignment away from
	someone needs a note saying why."""
	from frappe.desk.form import assign_to

	if not isinstance(note, Note):  # a note the monitor wrote is its own
		guard.check_text(note, "Note")
	if team and not frappe.db.exists("Support Team", team):
		frappe.throw(_("Support Team {0} not found").format(team), title=_("Invalid team"))
	check_assignee(user, team or ticket.support_team, tier)
	previous = ticket.assigned_to
	if previous and previous != user and not str(note or "").strip():
		frappe.throw(
			_("Say why the ticket moves from {0} to {1}").format(previous, user), title=_("Reason required")
		)
	if previous and previous != user:
		with _assigning():
			assign_to.remove(ticket.doctype, ticket.name, previous, ignore_permissions=True)
	if previous != user:
		_add_todo(ticket, user)
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
		Note("Reassigned from {0} to {1}", previous, user)
		if previous and previous != user
		else Note("Assigned to {0}", user)
	)
	_save(ticket, "assign", Note("{0}: {1}", text, note) if note else text)


@contextmanager
def _assigning():
	"""Marks the ToDo changes this module makes (see ``check_todo``)."""
	frappe.flags.ts_assigning = True
	try:
		yield
	finally:
		frappe.flags.ts_assigning = False


def check_todo(todo, method: str | None = None) -> None:
	"""ToDo validate hook: a ticket's assignment changes only through the Assign action (which keeps the
	status, tier, team and triage clock in step), not from the Desk sidebar's "Assigned To"."""
	if todo.reference_type != "Support Ticket" or frappe.flags.ts_assigning or frappe.flags.in_import:
		return
	if frappe.flags.in_install or frappe.flags.in_uninstall or frappe.flags.in_patch:
		return
	before = None if todo.is_new() else todo.get_doc_before_save()
	if todo.is_new() or (before and before.status != todo.status and todo.status == "Cancelled"):
		frappe.throw(
			_(
				"Assign or reassign ticket {0} with its Assign action, so its status and clocks stay in step"
			).format(todo.reference_name),
			title=_("Use the Assign action"),
		)


def close_assignments(ticket) -> None:
	"""Close the open assignments of a closed or cancelled ticket. (Frappe's close_all_assignments would
	also blank ``assigned_to``, which the ticket keeps as the record of who worked it.)"""
	with _assigning():
		for name in frappe.get_all(
			"ToDo",
			filters={"reference_type": ticket.doctype, "reference_name": ticket.name, "status": "Open"},
			pluck="name",
		):
			todo = frappe.get_doc("ToDo", name)
			todo.status = "Closed"
			todo.save(ignore_permissions=True)


def _add_todo(ticket, user: str, by_rule: bool = False) -> None:
	"""Frappe's assignment (ToDo, the Desk's "Assigned To" and the assignee's notification). ``by_rule``: the
	routing rule chose the engineer, not the person whose session this is (a customer on the portal, say):
	the ToDo, its timeline line and the assignee's notification name the system (Administrator)."""
	from frappe.desk.form import assign_to

	args = {
		"doctype": ticket.doctype,
		"name": ticket.name,
		"assign_to": [user],
		"description": ticket.subject,
		"priority": {"P0": "High", "P1": "High", "P2": "Medium"}.get(ticket.priority, "Low"),
	}
	if by_rule:
		args["assigned_by"] = "Administrator"
	started = frappe.utils.now_datetime() if by_rule else None  # as Frappe stamps "creation"
	with _assigning():
		assign_to.add(args, ignore_permissions=True)
	if by_rule and frappe.session.user != "Administrator":
		# Frappe writes the "… assigned …" timeline line as the session's user: it is the system's
		comment = frappe.qb.DocType("Comment")
		(
			frappe.qb.update(comment)
			.set(comment.owner, "Administrator")
			.set(comment.comment_email, "Administrator")
			.set(comment.comment_by, None)
			.where(comment.reference_doctype == ticket.doctype)
			.where(comment.reference_name == ticket.name)
			.where(comment.comment_type == "Assigned")
			.where(comment.creation >= started)
		).run()


#: What the reclassify action may change, besides the deadline fields.
RECLASSIFIABLE = (*DEADLINE_FIELDS, "problem_type", "support_team")


def reclassify(ticket, reason: str, changes: dict) -> list[str]:
	"""Change what the deadlines or the routing depend on (priority, receipt, policy, calendar, domain,
	team): a reason is required and recorded with who changed what; the deadlines are recomputed."""
	reason = _required(reason, "Reason")
	unknown = set(changes) - set(RECLASSIFIABLE)
	if unknown:
		frappe.throw(_("Cannot reclassify {0}").format(", ".join(sorted(unknown))), title=_("Invalid field"))
	changed = []
	for field, value in changes.items():
		if value in (None, ""):
			continue
		guard.check_text(value, ticket.meta.get_label(field))
		if str(value) != str(ticket.get(field) or ""):
			ticket.set(field, value)
			changed.append(field)
	if not changed:
		frappe.throw(_("Nothing to change"), title=_("Nothing to change"))
	if "priority" in changed and ticket.priority not in PRIORITIES:
		frappe.throw(_("Priority must be P0, P1, P2 or P3"), title=_("Invalid priority"))
	if (
		"support_team" in changed
		and ticket.assigned_to
		and not teams.can_own(ticket.assigned_to, ticket.support_team)
	):
		frappe.throw(
			_("{0} is not a member of {1}: assign the ticket to one of its engineers instead").format(
				ticket.assigned_to, ticket.support_team
			),
			title=_("Invalid team"),
		)
	if "sla_policy" in changed and not frappe.db.get_value("SLA Policy", ticket.sla_policy, "enabled"):
		frappe.throw(_("SLA Policy {0} is not enabled").format(ticket.sla_policy), title=_("Invalid policy"))
	ticket.flags.ts_reason = reason
	summary = Note.join(
		(Note("{0}: {1}", Note(ticket.meta.get_label(f)), shown_value(f, ticket.get(f))) for f in changed),
		"; ",
	)
	_save(
		ticket,
		"reclassify",
		Note("Reclassified by {0} ({1}). Reason: {2}", frappe.session.user, summary, reason),
	)
	return changed


def respond(ticket, note: str | None = None, reply: str | None = None) -> None:
	"""The engineer's first response to the reporter: stops the response clock. ``reply`` is a public
	reply (emailed to the reporter, in the conversation); ``note`` an internal note on the timeline."""
	guard.check_text(reply, "Reply")
	if not ticket.first_responded_at:
		ticket.first_responded_at = _now()
	ticket.status = "In Progress"
	_save(ticket, "respond", Note("First response: {0}", note) if note else Note("First response given"))
	if reply and reply.strip():
		notifier.public_reply(ticket, reply)


def stamp_first_response(ticket, at: dt.datetime | None = None) -> None:
	"""A reply or comment by the assignee counts as the first response (no status regression)."""
	if ticket.first_responded_at or ticket.status not in WORKING:
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
	_save(ticket, "wait_for_customer", Note("Waiting for customer: {0}", reason) if reason else None)


def _close_open_pause(ticket, at: dt.datetime) -> None:
	for row in ticket.get("pauses") or []:
		if not row.paused_to:
			row.paused_to = at
			row.minutes = round((at - get_datetime(row.paused_from)).total_seconds() / 60, 2)


def resume(ticket, note: str | None = None, at: dt.datetime | None = None) -> None:
	"""The customer answered: the pause ends ``at`` (now unless given, e.g. an emailed reply's time)."""
	_close_open_pause(ticket, at or _now())
	ticket.status = "In Progress"
	_save(ticket, "resume", Note("Resumed: {0}", note) if note else Note("Resumed"))


# -- extensions ---------------------------------------------------------------------------------------------


#: The longest extension one request may ask for: the engine's horizon.
MAX_EXTENSION_MINUTES = 5 * 365 * 1440


def request_extension(
	ticket, clock: str, reason: str, extra_minutes: float | None = None, new_due=None
) -> None:
	"""Ask for more time on a running clock: ``extra_minutes`` on the clock's basis (business minutes for a
	working-days clock), or a ``new_due`` instant, turned into the same amount of time from today's due."""
	reason = _required(reason, "Reason")
	if clock not in EXTENDABLE:
		frappe.throw(_("An extension is for the Response or the Resolution clock"), title=_("Invalid clock"))
	if (clock == "Response" and ticket.first_responded_at) or (clock == "Resolution" and ticket.resolved_at):
		frappe.throw(_("The {0} clock has already stopped").format(_(clock)), title=_("Clock stopped"))
	current = get_datetime(ticket.response_due if clock == "Response" else ticket.resolution_due)
	if new_due not in (None, ""):
		new_due = guard.parse_datetime(new_due, "New Due")
		if new_due <= current:
			frappe.throw(
				_("The new due time must be after the current one ({0})").format(current),
				title=_("Invalid date"),
			)
		extra_minutes = _minutes(sla.extension_minutes(ticket, clock, current, new_due))
	else:
		new_due = None
		extra_minutes = _minutes(extra_minutes)
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
	_save(ticket, "request_extension", Note("Extension of the {0} clock requested: {1}", Note(clock), reason))
	notifier.extension_requested(ticket, ticket.extensions[-1])


def _minutes(value) -> float:
	"""Extra minutes from a client: a finite number above 0 and within the engine's horizon."""
	try:
		minutes = float(value)
	except (TypeError, ValueError):
		minutes = None
	if minutes is None or isinstance(value, bool) or not math.isfinite(minutes) or minutes <= 0:
		frappe.throw(
			_("Give the extra time as a number of minutes above 0, or a new due time"),
			title=_("Missing extension"),
		)
	if minutes > MAX_EXTENSION_MINUTES:
		frappe.throw(
			_("An extension can add at most {0} minutes (5 years)").format(MAX_EXTENSION_MINUTES),
			title=_("Extension too long"),
		)
	return round(minutes, 2)


def decide_extension(ticket, approve: bool, row_name: str | None = None, note: str | None = None) -> None:
	"""Approve or reject a pending extension. Approved, the clock's due moves from its current due (after the
	pauses since the request) by the requested time; nobody decides their own request."""
	guard.check_text(note, "Note")
	pending = [
		e
		for e in ticket.get("extensions") or []
		if e.status == "Pending" and (not row_name or e.name == row_name)
	]
	if not pending:
		frappe.throw(_("There is no pending extension to decide"), title=_("Nothing to decide"))
	others = [e for e in pending if e.requested_by != frappe.session.user]
	extension = others[-1] if others else pending[-1]
	if extension.requested_by == frappe.session.user:
		frappe.throw(
			_("You requested this extension: another supervisor must decide it"),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
	now = _now()
	extension.decided_by, extension.decided_at, extension.decision_note = frappe.session.user, now, note
	if not approve:
		extension.status = "Rejected"
		_save(ticket, "decide_extension", Note("Extension rejected{0}", ": " + note if note else ""))
		notifier.extension_decided(ticket, extension)
		return
	extension.status = "Approved"
	extension.new_due = naive(sla.extended_due(ticket, extension))
	extension.customer_notified = notifier.notify_extension(ticket, extension)
	_save(
		ticket,
		"decide_extension",
		Note(
			"Extension approved: the {0} clock is now due {1}{2}",
			Note(extension.clock),
			extension.new_due,
			": " + note if note else "",
		),
	)
	notifier.extension_decided(ticket, extension)


def fulfil_collaboration(ticket, request: str | None = None, note: str | None = None) -> None:
	"""The asked team delivered what the lead team needed: the request's 24-hour clock stops."""
	guard.check_text(note, "Note")
	open_requests = [
		c
		for c in ticket.get("collaborations") or []
		if not c.fulfilled_at and (not request or c.name == request)
	]
	if not open_requests:
		frappe.throw(_("There is no open collaboration request to fulfil"), title=_("Nothing to fulfil"))
	row = open_requests[0]
	row.fulfilled_at = _now()
	row.fulfilled_by = frappe.session.user
	if note:
		row.note = note
	_save(
		ticket,
		"fulfil_collaboration",
		Note("Team {0} delivered what was asked{1}", row.support_team, ": " + note if note else ""),
	)


# -- resolution, confirmation, closure ----------------------------------------------------------------------


def resolve_and_ask(ticket, resolution_summary: str, resolution_result: str, root_cause: str | None = None):
	"""Resolve, then ask the reporter to confirm (signed links by email, when they have an address)."""
	resolve(ticket, resolution_summary, resolution_result, root_cause)
	notifier.send_confirmation_request(ticket)


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
	# a resolution cycle ends: from the start, or from the rejection of the previous fix
	cycles = ticket.get("cycles") or []
	started = (cycles[-1].rejected_at if cycles else None) or ticket.received_at
	ticket.append(
		"cycles",
		{
			"cycle": len(cycles) + 1,
			"started_at": started,
			"resolved_at": now,
			"business_minutes": sla.resolution_minutes(ticket, get_datetime(started), now),
		},
	)
	_save(ticket, "resolve", Note("Resolved: {0}", ticket.resolution_summary))


def confirm(ticket, note: str | None = None, on_behalf: bool = False) -> None:
	if on_behalf:
		note = _required(note, "Note")
	ticket.confirmed_at = _now()
	ticket.confirmation_note = note
	ticket.status = "Confirmed"
	who = (
		Note("on behalf of the reporter by {0}", frappe.session.user)
		if on_behalf
		else Note("by the reporter")
	)
	_save(ticket, "confirm", Note("Resolution confirmed {0}{1}", who, ": " + note if note else ""))


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
	if ticket.get("cycles"):  # reopened: the next resolution starts a new cycle from now
		ticket.cycles[-1].rejected_at = now
		ticket.cycles[-1].reject_reason = reason
	ticket.status = "In Progress"
	who = Note("on behalf of the reporter") if on_behalf else Note("by the reporter")
	_save(ticket, "reject_resolution", Note("Fix rejected {0}: {1}", who, reason))


def rate(ticket, satisfaction: int, comment: str | None = None) -> None:
	try:
		score = int(satisfaction)
	except (TypeError, ValueError):
		score = 0
	if str(score) != str(satisfaction).strip() or not 1 <= score <= 5:
		frappe.throw(_("Satisfaction must be a whole number from 1 to 5"), title=_("Invalid rating"))
	if ticket.customer_satisfaction:  # given once: the first rating and its comment stay as they were
		frappe.throw(
			_("Ticket {0} is already rated {1}/5: a rating is given once").format(
				ticket.name, ticket.customer_satisfaction
			),
			title=_("Already rated"),
		)
	ticket.customer_satisfaction = score
	ticket.satisfaction_comment = comment
	_save(ticket, "rate", Note("Satisfaction rated {0}/5", score))


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
		Note("Closed by {0}{1}", frappe.session.user, ": " + review_note if review_note else ""),
	)


def cancel(ticket, reason: str) -> None:
	ticket.cancel_reason = _required(reason, "Cancellation Reason")
	_close_open_pause(ticket, _now())
	ticket.status = "Cancelled"
	_save(ticket, "cancel", Note("Cancelled: {0}", ticket.cancel_reason))


def answer_by_link(ticket, decision: str, reason: str | None = None) -> str:
	"""The reporter's answer from a verified emailed link (``services.confirmation``); returns the thanks."""
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		if decision == "confirm":
			confirm(ticket, _("Confirmed by the reporter through the emailed link"))
			return _("Thank you: ticket {0} is confirmed as resolved.").format(ticket.name)
		text = (reason or "").strip()[:2000] or _("no details given")
		reject_resolution(
			ticket, _("The reporter says the fix did not work (emailed link): {0}").format(text)
		)
		return _("Thank you: ticket {0} is back with the engineer.").format(ticket.name)
	finally:
		frappe.set_user(user)


# -- registration ---------------------------------------------------------------------------------------


def prepare_registration(ticket) -> None:
	"""Before the new ticket is written: choose its engineer (when auto-assignment is on), so the
	assignment goes in with the insert; what must follow the commit (the ToDo, the P0 alarm) is marked
	``registration_pending``."""
	if frappe.flags.in_import:
		return
	if ticket.assigned_to:  # assigned by whoever registers it: the same rules as the Assign action
		check_assignee(ticket.assigned_to, ticket.support_team, ticket.support_tier)
		ticket.assigned_at = ticket.registered_at or _now()
		ticket.status = "Assigned"
	elif cint(frappe.db.get_single_value("TS SLA Settings", "auto_assign")):
		team, engineer, warning = routing.choose(ticket)
		if team and not ticket.support_team:
			ticket.support_team = team
		if engineer:
			ticket.assigned_to, ticket.support_tier = engineer, "L2"
			ticket.assigned_at = ticket.registered_at or _now()
			ticket.status = "Assigned"
			ticket.flags.ts_routed = True  # the rule chose: the ToDo names the system, not the registrar
		if warning:
			ticket.flags.ts_triage_warning = warning
	ticket.registration_pending = 1 if (ticket.assigned_to or ticket.priority == "P0") else 0


def after_registration(ticket) -> None:
	"""After the insert (same transaction): the triage warning on the timeline; the rest after commit."""
	if ticket.flags.ts_triage_warning:
		notes.comment(ticket, ticket.flags.ts_triage_warning)
		frappe.msgprint(str(ticket.flags.ts_triage_warning), title=_("Triage needed"), indicator="orange")
	if ticket.assigned_to and ticket.flags.ts_routed:  # the rule's line, not the registrar's
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"reference_doctype": ticket.doctype,
				"reference_name": ticket.name,
				"content": Note("Assigned to {0}: routed by technical domain", ticket.assigned_to).content(),
				"comment_email": "Administrator",
				"owner": "Administrator",
			}
		).insert(ignore_permissions=True, ignore_links=True)  # the links: this ticket and its assignee
	elif ticket.assigned_to:
		notes.comment(ticket, Note("Assigned to {0} at registration", ticket.assigned_to))
	if ticket.registration_pending:
		routed = bool(ticket.flags.ts_routed)
		frappe.db.after_commit.add(lambda name=ticket.name: complete_registration(name, by_rule=routed))


def complete_registration(name: str, commit: bool = True, by_rule: bool = True) -> bool:
	"""After the insert committed: the assignee's ToDo (and Frappe's notification of it) and the P0 alarm,
	once. Runs right after the commit in the same request, and again from the minute tick for any ticket
	whose registration could not complete then (the job queue unreachable, say): the row lock and the
	``registration_pending`` flag make it happen exactly once."""

	def work() -> bool:
		# the fields the ToDo needs, not the whole ticket: Frappe's assignment loads it twice already
		ticket = frappe.db.get_value(
			"Support Ticket",
			name,
			["name", "registration_pending", "status", "assigned_to", "priority", "subject"],
			as_dict=True,
			for_update=True,
		)
		if not ticket or not ticket.registration_pending or ticket.status in FINAL:
			return False
		ticket.doctype = "Support Ticket"
		if ticket.assigned_to and not frappe.db.exists(
			"ToDo",
			{"reference_type": ticket.doctype, "reference_name": name, "allocated_to": ticket.assigned_to},
		):
			_add_todo(ticket, ticket.assigned_to, by_rule=by_rule)
		if ticket.priority == "P0":
			notifier.p0_alarm(frappe.get_doc("Support Ticket", name))
		frappe.db.set_value("Support Ticket", name, "registration_pending", 0, update_modified=False)
		return True

	return bool(jobs.isolated(work, commit, _("Routing and alerts of {0} deferred").format(name)))


def complete_pending_registrations(commit: bool = True, limit: int = 200) -> int:
	"""The tick's first step: finish the registrations that could not complete after their commit."""
	ticket = frappe.qb.DocType("Support Ticket")
	names = (
		frappe.qb.from_(ticket)
		.select(ticket.name)
		.where(ticket.registration_pending == 1)  # indexed; almost always no row
		.where(ticket.status.notin(FINAL))
		.limit(limit)
	).run(pluck=True)
	return sum(1 for name in names if complete_registration(name, commit=commit))
