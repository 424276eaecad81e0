"""The support portal's actions (``/support``), for the logged-in reporter of a ticket.

Confirming, rejecting and rating use the ticket actions of ``ts_sla.api.ticket`` (the reporter is allowed
them on their own ticket); these add what only the portal does: open a ticket and reply in its conversation.
Every method refuses Guest and answers "not found" for a ticket that is not the caller's own.
"""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import guard, portal


def _logged_in() -> None:
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to use the support portal"), frappe.PermissionError)


def _files(files) -> list:
	files = guard.json_argument(files, "files") if files else []
	if not isinstance(files, list):
		frappe.throw(_("Attachments must be a list"), title=_("Invalid value"))
	return files


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def create_ticket(
	subject: str,
	description: str,
	problem_type: str,
	technical_domain: str | None = None,
	contact_method: str | None = None,
	contact_detail: str | None = None,
	suggested_priority: str | None = None,
	files: str | list | None = None,
) -> dict:
	"""Open a ticket as its reporter; the priority given is a suggestion the first line confirms."""
	_logged_in()
	name = portal.create_ticket(
		{
			"subject": subject,
			"description": description,
			"problem_type": problem_type,
			"technical_domain": technical_domain,
			"contact_method": contact_method,
			"contact_detail": contact_detail,
			"suggested_priority": suggested_priority,
		},
		_files(files),
	)
	return {"name": name, "route": f"/support/{name}"}


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def reply(ticket: str, message: str, files: str | list | None = None) -> dict:
	"""The reporter's public reply on their ticket (a waiting ticket resumes)."""
	_logged_in()
	return {"communication": portal.reply(ticket, message, _files(files))}


@frappe.whitelist()
@frappe.read_only()
def my_tickets() -> list[dict]:
	"""The caller's own tickets, as the portal lists them."""
	_logged_in()
	return portal.my_tickets()
