"""The reporter's answer by emailed link: confirm the fix, or say it did not work.

A link is signed (HMAC-SHA256 with the site's encryption key), expires after the configured hours and is
bound to the resolution it was sent for (the ticket's ``resolved_at``): a link from an earlier resolution
cannot answer a later one, and a used link finds the ticket no longer waiting. Opening a link (GET, as a
mail scanner does) only shows the ticket and the choice; the answer is a POST from that page.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, escape_html, get_datetime, get_url, now_datetime

from ts_sla.services.states import RESOLVED

DECISIONS = ("confirm", "reject")


def _secret() -> str:
	from frappe.utils.password import get_encryption_key

	return frappe.local.conf.get("secret") or get_encryption_key()


def _sign(ticket: str, decision: str, resolved: str, expires: str) -> str:
	message = f"{ticket}|{decision}|{resolved}|{expires}"
	return hmac.new(_secret().encode(), message.encode(), hashlib.sha256).hexdigest()


def _resolution_stamp(doc) -> str:
	"""Which resolution a link answers: when it was resolved, and how often the fix was rejected before."""
	if not doc.resolved_at:
		return ""
	return f"{get_datetime(doc.resolved_at):%Y%m%d%H%M%S}-{cint(doc.reopen_count)}"


def link(doc, decision: str) -> str:
	"""A signed link the reporter can open without logging in, valid for the configured hours."""
	hours = cint(frappe.db.get_single_value("TS SLA Settings", "signed_link_validity_hours")) or 72
	expires = add_to_date(now_datetime(), hours=hours).strftime("%Y%m%d%H%M%S")
	resolved = _resolution_stamp(doc)
	params = {
		"ticket": doc.name,
		"decision": decision,
		"resolved": resolved,
		"expires": expires,
		"sig": _sign(doc.name, decision, resolved, expires),
	}
	return get_url(f"/api/method/ts_sla.api.ticket.confirm_by_link?{urlencode(params)}")


def check(ticket: str, decision: str, resolved: str, expires: str, sig: str):
	"""The ticket the link answers, or ``(None, title, message, http status)`` saying why it cannot."""
	valid = (
		decision in DECISIONS
		and all(isinstance(v, str) for v in (ticket, resolved, expires, sig))
		and hmac.compare_digest(str(sig), _sign(ticket, decision, resolved, expires))
	)
	if not valid:
		return None, _("Invalid link"), _("This link is not valid. Please use the link from the email."), 403
	if now_datetime().strftime("%Y%m%d%H%M%S") > expires:
		return (
			None,
			_("Link expired"),
			_("This link has expired. Please reply to the email or contact the support team."),
			410,
		)
	if not frappe.db.exists("Support Ticket", ticket):
		return None, _("Invalid link"), _("Ticket {0} does not exist.").format(escape_html(ticket)), 404
	doc = frappe.get_doc("Support Ticket", ticket)
	if doc.status != RESOLVED or _resolution_stamp(doc) != resolved:
		return (
			None,
			_("Already answered"),
			_("Ticket {0} is {1}: this link is no longer needed.").format(doc.name, _(doc.status)),
			409,
		)
	return doc, None, None, 200


def form(doc, decision: str, resolved: str, expires: str, sig: str) -> str:
	"""The page a link opens: the ticket, its resolution and one button that answers (POST)."""
	hidden = {"ticket": doc.name, "decision": decision, "resolved": resolved, "expires": expires, "sig": sig}
	if frappe.session.user != "Guest":
		hidden["csrf_token"] = frappe.sessions.get_csrf_token()
	inputs = "".join(
		f'<input type="hidden" name="{k}" value="{escape_html(str(v))}">' for k, v in hidden.items()
	)
	if decision == "confirm":
		question = _("Is the problem solved?")
		extra = ""
		button = _("Yes, confirm it is resolved")
	else:
		question = _("Tell us what still does not work.")
		extra = (
			f'<textarea name="reason" class="form-control" rows="3" maxlength="2000" '
			f'placeholder="{escape_html(_("What still does not work"))}"></textarea><br>'
		)
		button = _("Send: the problem is not solved")
	return (
		f"<p><b>{escape_html(doc.name)}</b>: {escape_html(doc.subject or '')}</p>"
		f"<p>{escape_html(_('Solution'))}: {escape_html(doc.resolution_summary or '')}</p>"
		f"<p>{escape_html(question)}</p>"
		f'<form method="POST" action="/api/method/ts_sla.api.ticket.answer_by_link">{inputs}{extra}'
		f'<button type="submit" class="btn btn-primary btn-sm btn-block">{escape_html(button)}</button></form>'
	)
