"""ERPNext: register an Issue as a Support Ticket; what a picked contact or employee fills on a ticket."""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import guard, issues, reporters


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def create_ticket_from_issue(issue: str) -> dict:
	"""The Issue form's "Create Support Ticket": for who may read the Issue and create tickets."""
	if not issues.available():
		frappe.throw(_("ERPNext's Issue is not installed on this site"), title=_("Not available"))
	if not frappe.has_permission("Support Ticket", "create"):
		frappe.throw(_("You are not allowed to create Support Tickets"), frappe.PermissionError)
	if not frappe.db.exists("Issue", issue) or not frappe.has_permission("Issue", "read", issue):
		frappe.throw(_("Issue {0} not found").format(issue), frappe.DoesNotExistError)
	name = issues.create_from_issue(issue)
	return {"ticket": name, "priority": frappe.db.get_value("Support Ticket", name, "priority")}


@frappe.whitelist()
def reporter_details(contact: str | None = None, employee: str | None = None) -> dict:
	"""The reporter fields of a contact or an employee, for the ticket form (who may register tickets and
	read that record)."""
	if not (
		frappe.has_permission("Support Ticket", "create") or frappe.has_permission("Support Ticket", "write")
	):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	for doctype, name in (("Contact", contact), ("Employee", employee)):
		if name and not frappe.has_permission(doctype, "read", name):
			frappe.throw(_("Not permitted"), frappe.PermissionError)
	return reporters.details(contact=contact, employee=employee)
