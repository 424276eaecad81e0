"""What ts_sla knows of ERPNext, when ERPNext is on the site: the Custom Fields that link our doctypes to its
Customer, Employee, Company, Holiday List and Issue, and the read-only look-ups the other services ask
(a customer's groups and territories with their parents, a contact's customer, a portal user's customers).

On a plain Frappe site every look-up answers "nothing" and no Custom Field is created: the fields appear
only for the target doctypes that exist (``sync_custom_fields`` in ``after_install`` / ``after_migrate``, so
installing ERPNext later adds them at the next migrate) and leave with the app (``remove_custom_fields``).
``Contact`` is Frappe's own doctype: Support Ticket's ``contact`` is a normal field everywhere.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils.caching import request_cache

TICKET, POLICY, CALENDAR, SETTINGS = "Support Ticket", "SLA Policy", "Support Calendar", "TS SLA Settings"
#: The doctypes whose Customer's "Portal Users" table lists the users who act for it.
PORTAL_USER = "Portal User"


def _link(fieldname: str, label: str, target: str, insert_after: str, **extra) -> dict:
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": "Link",
		"options": target,
		"insert_after": insert_after,
		"translatable": 0,
		**extra,
	}


#: (doctype the field is added to, the doctype it needs, the field). Labels are translated on the form.
FIELDS: tuple[tuple[str, str, dict], ...] = (
	(
		TICKET,
		"Customer",
		_link(
			"customer",
			"Customer",
			"Customer",
			"contact",
			search_index=1,
			description="The ERPNext Customer the reporter works for (filled from the contact when it links one).",
		),
	),
	(
		TICKET,
		"Employee",
		_link(
			"employee",
			"Employee",
			"Employee",
			"customer",
			description="An internal reporter: picking the employee fills the reporter's name and contact.",
		),
	),
	(TICKET, "Company", _link("company", "Company", "Company", "employee")),
	(
		TICKET,
		"Issue",
		_link(
			"issue",
			"ERPNext Issue",
			"Issue",
			"external_ref",
			read_only=1,
			no_copy=1,
			search_index=1,
			description="The ERPNext Issue this ticket was created from; its status follows the ticket.",
		),
	),
	(
		POLICY,
		"Customer",
		_link("customer", "Customer", "Customer", "channel", description="Blank = any customer."),
	),
	(
		POLICY,
		"Customer Group",
		_link(
			"customer_group",
			"Customer Group",
			"Customer Group",
			"customer",
			description="Applies to the customers of this group and of every group below it.",
		),
	),
	(
		POLICY,
		"Territory",
		_link(
			"territory",
			"Territory",
			"Territory",
			"customer_group",
			description="Applies to the customers of this territory and of every territory below it.",
		),
	),
	(
		CALENDAR,
		"Holiday List",
		_link(
			"holiday_list",
			"ERPNext Holiday List",
			"Holiday List",
			"holiday_subdivision",
			description=(
				"Holidays of this Holiday List are kept in step with it (rows marked with its name); weekly "
				"offs are left out, the working hours above already say which days are worked. A Holiday "
				"List cannot hold make-up working days: keep those under Extra Working Days below."
			),
		),
	),
	(
		"Issue",
		"Issue",
		_link(
			"support_ticket",
			"Support Ticket",
			TICKET,
			"priority",
			read_only=1,
			no_copy=1,
			allow_on_submit=1,
			description="The TS SLA ticket that carries this Issue's deadlines; its replies and status flow here.",
		),
	),
)


def exists(doctype: str) -> bool:
	return bool(frappe.db.exists("DocType", doctype))


def custom_field_names() -> list[str]:
	return [f"{dt}-{df['fieldname']}" for dt, _needs, df in FIELDS]


def sync_custom_fields() -> list[str]:
	"""Create (or update) the Custom Fields whose target doctypes exist on this site; returns their names."""
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	wanted: dict[str, list[dict]] = {}
	for doctype, needs, df in FIELDS:
		if exists(doctype) and exists(needs):
			wanted.setdefault(doctype, []).append(dict(df))
	if wanted:
		create_custom_fields(wanted, ignore_validate=True, update=True)
	return [f"{dt}-{df['fieldname']}" for dt, dfs in wanted.items() for df in dfs]


def remove_custom_fields() -> None:
	"""Delete our Custom Fields (uninstall), and the column ours added to ERPNext's Issue."""
	for name in custom_field_names():
		if frappe.db.exists("Custom Field", name):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	for doctype, _needs, df in FIELDS:
		if (
			doctype == "Issue"
			and frappe.db.table_exists(doctype)
			and frappe.db.has_column(doctype, df["fieldname"])
		):
			frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` DROP COLUMN `{df['fieldname']}`")
			frappe.clear_cache(doctype=doctype)


def has_field(doctype: str, fieldname: str) -> bool:
	"""The field is on the doctype here (a Custom Field present on an ERPNext site)."""
	return bool(frappe.get_meta(doctype).has_field(fieldname))


# -- customers ----------------------------------------------------------------------------------------------


def tree_upwards(doctype: str, name: str | None) -> list[str]:
	"""``name`` and its parents in a nested-set tree (Customer Group, Territory), nearest first."""
	if not name or not exists(doctype):
		return []
	node = frappe.db.get_value(doctype, name, ["lft", "rgt"], as_dict=True)
	if not node:
		return []
	return frappe.get_all(
		doctype,
		filters={"lft": ("<=", node.lft), "rgt": (">=", node.rgt)},
		order_by="lft desc",
		pluck="name",
	)


def customer_profile(customer: str | None) -> dict:
	"""A customer's group and territory, each with its parents (nearest first)."""
	if not customer or not exists("Customer"):
		return {"customer_group": [], "territory": []}
	group, territory = frappe.db.get_value("Customer", customer, ["customer_group", "territory"]) or (
		None,
		None,
	)
	return {
		"customer_group": tree_upwards("Customer Group", group),
		"territory": tree_upwards("Territory", territory),
	}


def contact_customer(contact: str | None) -> str | None:
	"""The Customer a Contact is linked to (its first Customer link), on an ERPNext site."""
	if not contact or not exists("Customer"):
		return None
	return frappe.db.get_value(
		"Dynamic Link",
		{"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"},
		"link_name",
		order_by="idx asc",
	)


def contact_by_email(address: str | None) -> str | None:
	"""The Contact that has this email address (its primary address first)."""
	address = (address or "").strip()
	if not address:
		return None
	return frappe.db.get_value("Contact", {"email_id": address}, "name") or frappe.db.get_value(
		"Contact Email", {"email_id": address, "parenttype": "Contact"}, "parent"
	)


def portal_customers_enabled() -> bool:
	"""The setting is on and the site has what it needs (Customer's Portal Users, the ticket's customer)."""
	return bool(
		frappe.db.get_single_value(SETTINGS, "portal_customer_tickets")
		and exists(PORTAL_USER)
		and has_field(TICKET, "customer")
	)


def portal_customers(user: str | None = None) -> list[str]:
	"""The customers whose Portal Users table lists the user, when the setting lets them see its tickets."""
	user = user or frappe.session.user
	if user == "Guest" or not portal_customers_enabled():
		return []
	return _portal_customers_of(user)


@request_cache
def _portal_customers_of(user: str) -> list[str]:
	return sorted(
		set(
			frappe.get_all(
				PORTAL_USER,
				filters={"parenttype": "Customer", "user": user},
				pluck="parent",
				ignore_permissions=True,  # the user's own memberships decide what they may read
			)
		)
	)


def customer_of_user(user: str) -> str | None:
	"""The one customer a portal user acts for (none when they act for several or none)."""
	if not exists(PORTAL_USER) or not has_field(TICKET, "customer"):
		return None
	customers = _portal_customers_of(user)
	return customers[0] if len(customers) == 1 else None


# -- the Customer form ---------------------------------------------------------------------------------------


def customer_dashboard(data: dict) -> dict:
	"""hooks ``override_doctype_dashboards``: the Customer form's connections list its Support Tickets (with
	counts, as every connection), in ERPNext's "Support" group beside Issue."""
	data = frappe._dict(data or {})
	data.setdefault("fieldname", "customer")
	if data.fieldname != "customer":
		data.setdefault("non_standard_fieldnames", {})[TICKET] = "customer"
	transactions = data.setdefault("transactions", [])
	for group in transactions:
		if "Issue" in (group.get("items") or []):
			if TICKET not in group["items"]:
				group["items"].append(TICKET)
			return data
	transactions.append({"label": _("Support"), "items": [TICKET]})
	return data
