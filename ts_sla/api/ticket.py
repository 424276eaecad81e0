"""Ticket actions over REST: ``POST /api/method/ts_sla.api.ticket.<action>``.

Every method loads the ticket, checks that the session user may take the action in the ticket's current
state (``services.permissions.check_action``: a PermissionError is HTTP 403, a wrong state or bad input
HTTP 417 with a clear message) and hands over to ``services.lifecycle``. Each returns the updated ticket.
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime

from ts_sla.services import confirmation, guard, lifecycle, permissions, sla


def _load(ticket: str, action: str):
	if not ticket or not isinstance(ticket, str) or not frappe.db.exists("Support Ticket", ticket):
		frappe.throw(_("Support Ticket {0} not found").format(ticket), frappe.DoesNotExistError)
	doc = frappe.get_doc("Support Ticket", ticket)
	if not frappe.has_permission("Support Ticket", "read", doc):
		frappe.throw(_("You are not allowed to see ticket {0}").format(ticket), frappe.PermissionError)
	permissions.check_action(doc, action)
	return doc


def _result(doc) -> dict:
	doc.reload()
	out = doc.as_dict(convert_dates_to_str=True)
	out["allowed_actions"] = permissions.allowed_actions(doc)
	return out


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def assign(
	ticket: str, user: str, tier: str | None = None, team: str | None = None, note: str | None = None
) -> dict:
	"""Assign (or reassign) the ticket to an engineer; agents and supervisors."""
	doc = _load(ticket, "assign")
	lifecycle.assign(doc, user, tier=tier, team=team, note=note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def reclassify(
	ticket: str,
	reason: str,
	priority: str | None = None,
	received_at: str | None = None,
	occurred_at: str | None = None,
	sla_policy: str | None = None,
	support_calendar: str | None = None,
	technical_domain: str | None = None,
	problem_type: str | None = None,
	support_team: str | None = None,
) -> dict:
	"""Change what the deadlines or the routing depend on, with a reason; agents and supervisors."""
	doc = _load(ticket, "reclassify")
	changes = {
		"priority": priority,
		"received_at": received_at,
		"occurred_at": occurred_at,
		"sla_policy": sla_policy,
		"support_calendar": support_calendar,
		"technical_domain": technical_domain,
		"problem_type": problem_type,
		"support_team": support_team,
	}
	lifecycle.reclassify(doc, reason, changes)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def reprioritise(ticket: str, priority: str, reason: str) -> dict:
	"""Change the priority (the deadlines follow), with a reason; agents and supervisors."""
	doc = _load(ticket, "reclassify")
	lifecycle.reclassify(doc, reason, {"priority": priority})
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def fulfil_collaboration(ticket: str, request: str | None = None, note: str | None = None) -> dict:
	"""The asked team delivered: the collaboration request's clock stops."""
	doc = _load(ticket, "fulfil_collaboration")
	lifecycle.fulfil_collaboration(doc, request, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def respond(ticket: str, note: str | None = None, reply: str | None = None) -> dict:
	"""The engineer's first response (stops the response clock): ``reply`` goes to the reporter (emailed
	when they have an address), ``note`` stays internal."""
	doc = _load(ticket, "respond")
	lifecycle.respond(doc, note, reply)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def add_progress(ticket: str, progress_status: str, note: str | None = None) -> dict:
	"""Record a progress update (status + note); sets last_progress_at."""
	doc = _load(ticket, "add_progress")
	lifecycle.add_progress(doc, progress_status, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def wait_for_customer(ticket: str, reason: str | None = None) -> dict:
	"""Pause the policy's clocks while waiting for the customer."""
	doc = _load(ticket, "wait_for_customer")
	lifecycle.pause(doc, reason)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def resume(ticket: str, note: str | None = None) -> dict:
	"""The customer answered: the paused clocks run again, later by the paused time."""
	doc = _load(ticket, "resume")
	lifecycle.resume(doc, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def request_extension(
	ticket: str,
	clock: str,
	reason: str,
	extra_minutes: float | str | None = None,
	new_due: str | None = None,
) -> dict:
	"""Ask a supervisor for more time on the Response or Resolution clock (reason required)."""
	doc = _load(ticket, "request_extension")
	lifecycle.request_extension(doc, clock, reason, extra_minutes, new_due)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def decide_extension(
	ticket: str, approve: bool, extension: str | None = None, note: str | None = None
) -> dict:
	"""Approve or reject a pending extension; supervisors only."""
	doc = _load(ticket, "decide_extension")
	lifecycle.decide_extension(doc, bool(cint(approve)), extension, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def resolve(
	ticket: str, resolution_summary: str, resolution_result: str, root_cause: str | None = None
) -> dict:
	"""Mark the ticket resolved with a solution summary and result."""
	doc = _load(ticket, "resolve")
	lifecycle.resolve_and_ask(doc, resolution_summary, resolution_result, root_cause)
	return _result(doc)


def _on_behalf(doc) -> bool:
	return not permissions.is_reporter(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def confirm(ticket: str, note: str | None = None) -> dict:
	"""The reporter confirms the fix (a supervisor may, on their behalf, with a note)."""
	doc = _load(ticket, "confirm")
	lifecycle.confirm(doc, note, on_behalf=_on_behalf(doc))
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def reject_resolution(ticket: str, reason: str) -> dict:
	"""The reporter says the fix did not work: back to In Progress, the resolution clock resumes."""
	doc = _load(ticket, "reject_resolution")
	lifecycle.reject_resolution(doc, reason, on_behalf=_on_behalf(doc))
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def rate(ticket: str, satisfaction: int, comment: str | None = None) -> dict:
	"""The reporter's satisfaction, 1 to 5, with an optional comment."""
	doc = _load(ticket, "rate")
	lifecycle.rate(doc, satisfaction, comment)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def close(ticket: str, review_note: str | None = None, override_reason: str | None = None) -> dict:
	"""Supervisor review and closure (without confirmation only with a reason, after the follow-up)."""
	doc = _load(ticket, "close")
	lifecycle.close(doc, review_note, override_reason)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def cancel(ticket: str, reason: str) -> dict:
	"""Cancel an open ticket, with a reason."""
	doc = _load(ticket, "cancel")
	lifecycle.cancel(doc, reason)
	return _result(doc)


@frappe.whitelist()
@frappe.read_only()
@guard.required_arguments
def get_clocks(ticket: str) -> dict:
	"""Each clock's due time, state, percentage and paused flag, and the actions open to the user."""
	if not isinstance(ticket, str) or not frappe.db.exists("Support Ticket", ticket):
		frappe.throw(_("Support Ticket {0} not found").format(ticket), frappe.DoesNotExistError)
	if not frappe.has_permission("Support Ticket", "read", ticket):
		frappe.throw(_("You are not allowed to see ticket {0}").format(ticket), frappe.PermissionError)
	doc = frappe.get_doc("Support Ticket", ticket)
	panel = sla.clock_panel(doc)
	return {
		"clocks": panel,
		"headline": sla.headline(panel),
		"explanation": sla.read_explanation(doc),
		"allowed_actions": permissions.allowed_actions(doc),
		"sla_state": doc.sla_state,
		"now": str(now_datetime()),
	}


# -- confirmation by signed link ---------------------------------------------------------------------------


@frappe.whitelist(allow_guest=True, methods=["GET"])
def confirm_by_link(
	ticket: str = "", decision: str = "", resolved: str = "", expires: str = "", sig: str = ""
) -> None:
	"""The page a link in the resolution email opens: the ticket and the choice; nothing changes on a GET
	(mail scanners open links)."""
	doc, title, message, status = confirmation.check(ticket, decision, resolved, expires, sig)
	if not doc:
		frappe.respond_as_web_page(title, message, http_status_code=status, indicator_color="red")
		return
	frappe.respond_as_web_page(
		_("Ticket {0}").format(doc.name), confirmation.form(doc, decision, resolved, expires, sig)
	)


@frappe.whitelist(allow_guest=True, methods=["POST"])
def answer_by_link(
	ticket: str = "",
	decision: str = "",
	resolved: str = "",
	expires: str = "",
	sig: str = "",
	reason: str | None = None,
) -> None:
	"""The reporter's answer, posted from the page a signed link opened."""
	doc, title, message, status = confirmation.check(ticket, decision, resolved, expires, sig)
	if not doc:
		frappe.respond_as_web_page(title, message, http_status_code=status, indicator_color="red")
		return
	message = lifecycle.answer_by_link(doc, decision, reason)
	frappe.respond_as_web_page(_("Ticket {0}").format(doc.name), message, indicator_color="green")


@frappe.whitelist()
@frappe.read_only()
@guard.required_arguments
def calendar_events(
	start: str, end: str, filters: str | list | None = None, field_map=None, fields=None
) -> list[dict]:
	"""The calendar view: the open tickets the user may read whose next due time falls between ``start``
	and ``end``, each a 30-minute event at that time with its priority and SLA state."""
	if not frappe.has_permission("Support Ticket", "read"):
		frappe.throw(_("You are not allowed to see Support Tickets"), frappe.PermissionError)
	window = []
	for value, label in ((start, "Start"), (end, "End")):
		try:
			window.append(get_datetime(value) if isinstance(value, str) and value else None)
		except Exception:
			window.append(None)
		if window[-1] is None:
			frappe.throw(_("{0} must be a date and time").format(_(label)), title=_("Invalid value"))
	where = guard.json_argument(filters, "filters") if filters else []
	if not isinstance(where, list):
		frappe.throw(_("Filters must be a list"), title=_("Invalid value"))
	guard.check_filters("Support Ticket", where)
	rows = frappe.get_list(
		"Support Ticket",
		fields=["name", "subject", "priority", "sla_state", "status", "next_due"],
		filters=[*where, ["next_due", "between", window]],
		order_by="next_due asc",
		limit_page_length=500,
	)
	for row in rows:
		row.title = f"{row.priority} · {row.name} · {row.subject}"
		row.next_due_end = row.next_due + dt.timedelta(minutes=30)
		row.doctype = "Support Ticket"
	return rows
