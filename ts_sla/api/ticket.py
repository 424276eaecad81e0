"""Ticket actions over REST: ``POST /api/method/ts_sla.api.ticket.<action>``.

Every method loads the ticket, checks that the session user may take the action in the ticket's current
state (``services.permissions.check_action``: a PermissionError is HTTP 403, a wrong state or bad input
HTTP 417 with a clear message) and hands over to ``services.lifecycle``. Each returns the updated ticket.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, get_url, now_datetime
from frappe.utils.verified_command import get_signed_params, verify_request

from ts_sla.services import lifecycle, permissions, sla


def _load(ticket: str, action: str):
	if not ticket or not frappe.db.exists("Support Ticket", ticket):
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
def assign(
	ticket: str, user: str, tier: str | None = None, team: str | None = None, note: str | None = None
) -> dict:
	"""Assign (or reassign) the ticket to an engineer; agents and supervisors."""
	doc = _load(ticket, "assign")
	if tier and tier not in ("L1", "L2", "L3"):
		frappe.throw(_("Tier must be L1, L2 or L3"))
	if team and not frappe.db.exists("Support Team", team):
		frappe.throw(_("Support Team {0} not found").format(team))
	lifecycle.assign(doc, user, tier=tier, team=team, note=note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def respond(ticket: str, note: str | None = None) -> dict:
	"""The engineer's first response to the reporter (stops the response clock)."""
	doc = _load(ticket, "respond")
	lifecycle.respond(doc, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def add_progress(ticket: str, progress_status: str, note: str | None = None) -> dict:
	"""Record a progress update (status + note); sets last_progress_at."""
	doc = _load(ticket, "add_progress")
	lifecycle.add_progress(doc, progress_status, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def wait_for_customer(ticket: str, reason: str | None = None) -> dict:
	"""Pause the policy's clocks while waiting for the customer."""
	doc = _load(ticket, "wait_for_customer")
	lifecycle.pause(doc, reason)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def resume(ticket: str, note: str | None = None) -> dict:
	"""The customer answered: the paused clocks run again, later by the paused time."""
	doc = _load(ticket, "resume")
	lifecycle.resume(doc, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def request_extension(
	ticket: str, clock: str, reason: str, extra_minutes: float | None = None, new_due: str | None = None
) -> dict:
	"""Ask a supervisor for more time on the Response or Resolution clock (reason required)."""
	doc = _load(ticket, "request_extension")
	lifecycle.request_extension(doc, clock, reason, extra_minutes, new_due)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def decide_extension(
	ticket: str, approve: bool, extension: str | None = None, note: str | None = None
) -> dict:
	"""Approve or reject a pending extension; supervisors only."""
	doc = _load(ticket, "decide_extension")
	lifecycle.decide_extension(doc, bool(cint(approve)), extension, note)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def resolve(
	ticket: str, resolution_summary: str, resolution_result: str, root_cause: str | None = None
) -> dict:
	"""Mark the ticket resolved with a solution summary and result."""
	doc = _load(ticket, "resolve")
	lifecycle.resolve(doc, resolution_summary, resolution_result, root_cause)
	send_confirmation_request(doc)
	return _result(doc)


def _on_behalf(doc) -> bool:
	return not permissions.is_reporter(doc)


@frappe.whitelist(methods=["POST"])
def confirm(ticket: str, note: str | None = None) -> dict:
	"""The reporter confirms the fix (a supervisor may, on their behalf, with a note)."""
	doc = _load(ticket, "confirm")
	lifecycle.confirm(doc, note, on_behalf=_on_behalf(doc))
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def reject_resolution(ticket: str, reason: str) -> dict:
	"""The reporter says the fix did not work: back to In Progress, the resolution clock resumes."""
	doc = _load(ticket, "reject_resolution")
	lifecycle.reject_resolution(doc, reason, on_behalf=_on_behalf(doc))
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def rate(ticket: str, satisfaction: int, comment: str | None = None) -> dict:
	"""The reporter's satisfaction, 1 to 5, with an optional comment."""
	doc = _load(ticket, "rate")
	lifecycle.rate(doc, satisfaction, comment)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def close(ticket: str, review_note: str | None = None, override_reason: str | None = None) -> dict:
	"""Supervisor review and closure (without confirmation only with a reason, after the follow-up)."""
	doc = _load(ticket, "close")
	lifecycle.close(doc, review_note, override_reason)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def cancel(ticket: str, reason: str) -> dict:
	"""Cancel an open ticket, with a reason."""
	doc = _load(ticket, "cancel")
	lifecycle.cancel(doc, reason)
	return _result(doc)


@frappe.whitelist()
def get_clocks(ticket: str) -> dict:
	"""Each clock's due time, state, percentage and paused flag, and the actions open to the user."""
	if not frappe.has_permission("Support Ticket", "read", ticket):
		frappe.throw(_("You are not allowed to see ticket {0}").format(ticket), frappe.PermissionError)
	doc = frappe.get_doc("Support Ticket", ticket)
	return {
		"clocks": sla.clock_panel(doc),
		"allowed_actions": permissions.allowed_actions(doc),
		"sla_state": doc.sla_state,
		"now": str(now_datetime()),
	}


# -- confirmation by signed link ---------------------------------------------------------------------------


def confirmation_link(ticket: str, decision: str) -> str:
	"""A signed link the reporter can open without logging in, valid for the configured hours."""
	hours = cint(frappe.db.get_single_value("TS SLA Settings", "signed_link_validity_hours")) or 72
	expires = add_to_date(now_datetime(), hours=hours).strftime("%Y%m%d%H%M%S")
	params = get_signed_params({"ticket": ticket, "decision": decision, "expires": expires})
	return get_url(f"/api/method/ts_sla.api.ticket.confirm_by_link?{params}")


def send_confirmation_request(doc) -> None:
	"""Email the reporter links to confirm or reject the fix, when their contact is an email address."""
	address = lifecycle.reporter_email(doc)
	if not address:
		return
	lifecycle.send_mail(
		recipients=[address],
		subject=_("Ticket {0} is resolved: please confirm").format(doc.name),
		message=_(
			"Dear {0},<br><br>Ticket {1} ({2}) was resolved: {3}<br><br>"
			'<a href="{4}">Confirm it is resolved</a> &nbsp; or &nbsp; <a href="{5}">Tell us it is not</a>'
		).format(
			doc.reporter_name,
			doc.name,
			doc.subject,
			doc.resolution_summary,
			confirmation_link(doc.name, "confirm"),
			confirmation_link(doc.name, "reject"),
		),
		reference_doctype=doc.doctype,
		reference_name=doc.name,
	)


@frappe.whitelist(allow_guest=True, methods=["GET"])
def confirm_by_link(ticket: str, decision: str, expires: str) -> None:
	"""The reporter's answer from the signed link in the resolution email."""
	if not verify_request():  # shows Frappe's "invalid link" page
		frappe.local.response["http_status_code"] = 403
		return
	if now_datetime().strftime("%Y%m%d%H%M%S") > expires:
		frappe.respond_as_web_page(
			_("Link expired"), _("This confirmation link has expired."), http_status_code=410
		)
		return
	doc = frappe.get_doc("Support Ticket", ticket)
	if doc.status != "Resolved":
		frappe.respond_as_web_page(
			_("Already answered"), _("Ticket {0} is {1}; nothing to confirm.").format(ticket, _(doc.status))
		)
		return
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		if decision == "confirm":
			lifecycle.confirm(doc, _("Confirmed by the reporter through the emailed link"))
			message = _("Thank you: ticket {0} is confirmed as resolved.").format(ticket)
		else:
			lifecycle.reject_resolution(doc, _("The reporter says the fix did not work (emailed link)"))
			message = _("Thank you: ticket {0} is back with the engineer.").format(ticket)
	finally:
		frappe.set_user(user)
	# An emailed link is a GET, and Frappe commits only unsafe methods: the answer must be kept explicitly.
	frappe.db.commit()  # nosemgrep
	frappe.respond_as_web_page(_("Ticket {0}").format(ticket), message, indicator_color="green")
