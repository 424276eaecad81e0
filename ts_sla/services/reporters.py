"""Who reported a ticket, from the records the company already keeps: a Contact (Frappe's; on ERPNext linked to
its Customer) or, on ERPNext, an Employee.

- Picking a contact fills the reporter's name, contact method and detail, the reporter's user (when the
  contact has one) and, on ERPNext, the customer the contact is linked to; the reporter is then an external
  customer.
- Picking an employee fills the name, the contact (preferred email, else company email, else mobile), the
  user and the company; the reporter is an internal employee.

On a new ticket only blank fields are filled (what the agent or the integration typed stands); when the
contact or employee of a saved ticket changes, the reporter changed, so the fields follow it.
"""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import erpnext

EXTERNAL, INTERNAL = "External Customer", "Internal Employee"


def contact_details(contact: str) -> dict:
	"""The reporter fields a Contact gives."""
	row = frappe.db.get_value(
		"Contact",
		contact,
		["first_name", "last_name", "full_name", "email_id", "mobile_no", "phone", "user"],
		as_dict=True,
	)
	if not row:
		frappe.throw(_("Contact {0} not found").format(contact), frappe.DoesNotExistError)
	name = row.full_name or " ".join(p for p in (row.first_name, row.last_name) if p) or contact
	method, detail = _method(row.email_id, row.mobile_no or row.phone)
	customer = erpnext.contact_customer(contact)
	values = {
		"reporter_name": name[:140],
		"contact_method": method,
		"contact_detail": detail,
		"reporter_user": row.user,
	}
	if customer:
		values |= {"customer": customer, "reporter_type": EXTERNAL}
	return values


def employee_details(employee: str) -> dict:
	"""The reporter fields an Employee gives (ERPNext/HRMS)."""
	if not erpnext.exists("Employee"):
		return {}
	row = frappe.db.get_value(
		"Employee",
		employee,
		[
			"employee_name",
			"user_id",
			"company",
			"prefered_email",
			"company_email",
			"personal_email",
			"cell_number",
		],
		as_dict=True,
	)
	if not row:
		frappe.throw(_("Employee {0} not found").format(employee), frappe.DoesNotExistError)
	method, detail = _method(row.prefered_email or row.company_email or row.personal_email, row.cell_number)
	return {
		"reporter_name": (row.employee_name or employee)[:140],
		"reporter_type": INTERNAL,
		"contact_method": method,
		"contact_detail": detail,
		"reporter_user": row.user_id,
		"company": row.company,
	}


def _method(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
	if email:
		return "Email", email
	if phone:
		return "Phone", phone
	return None, None


#: The fields a new reporter always sets (they describe who the reporter is, not what was typed about them).
ALWAYS = ("reporter_type",)
#: A field that goes with another: the contact method follows the contact detail it describes.
FOLLOWS = {"contact_method": "contact_detail"}


def fill_reporter(ticket) -> None:
	"""Fill the reporter fields from the ticket's contact or employee when either is new or changed."""
	before = None if ticket.is_new() else ticket.get_doc_before_save()
	for field, details in (("contact", contact_details), ("employee", employee_details)):
		if not ticket.meta.has_field(field):
			continue
		value = ticket.get(field)
		if not value or (before is not None and before.get(field) == value):
			continue
		values = details(value)
		blank = {key for key in values if not ticket.get(FOLLOWS.get(key, key))}
		for key, new in values.items():
			if not new or not ticket.meta.has_field(key):
				continue
			if before is not None or key in ALWAYS or key in blank:
				ticket.set(key, new)


def details(contact: str | None = None, employee: str | None = None) -> dict:
	"""What picking a contact or an employee fills on the form (the Desk asks before it saves)."""
	if contact:
		return contact_details(contact)
	if employee:
		return employee_details(employee)
	return {}


def linked_by_email(address: str | None) -> dict:
	"""A sender's Contact and its Customer (on ERPNext), for a mail that opens a ticket."""
	contact = erpnext.contact_by_email(address)
	if not contact:
		return {}
	values = {"contact": contact}
	if (customer := erpnext.contact_customer(contact)) and erpnext.has_field("Support Ticket", "customer"):
		values |= {"customer": customer, "reporter_type": EXTERNAL}
	return values
