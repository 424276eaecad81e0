"""The assignee's first reply (email) or comment on a ticket counts as the first response."""

import frappe

from ts_sla.services import lifecycle


def _ticket_for(doctype: str | None, name: str | None):
	if doctype != "Support Ticket" or not name or not frappe.db.exists("Support Ticket", name):
		return None
	return frappe.get_doc("Support Ticket", name)


def on_comment(comment, method=None) -> None:
	if comment.comment_type != "Comment":
		return
	ticket = _ticket_for(comment.reference_doctype, comment.reference_name)
	if ticket and ticket.assigned_to and comment.owner == ticket.assigned_to:
		lifecycle.stamp_first_response(ticket)


def on_communication(communication, method=None) -> None:
	if communication.communication_type != "Communication" or communication.sent_or_received != "Sent":
		return
	ticket = _ticket_for(communication.reference_doctype, communication.reference_name)
	if (
		ticket
		and ticket.assigned_to
		and communication.sender
		in (ticket.assigned_to, frappe.db.get_value("User", ticket.assigned_to, "email"))
	):
		lifecycle.stamp_first_response(ticket)
