"""Install / uninstall hooks: what the app adds to a site, and how it leaves nothing behind."""

import frappe

from ts_sla.services import erpnext

ROLES = ("Support Agent", "Support Engineer", "Support Supervisor", "Support Manager")
MODULE = "TS SLA"

# Records of other doctypes that point at ours through a dynamic link: (doctype, field naming our doctype).
DYNAMIC_REFERENCES = (
	("ToDo", "reference_type"),
	("Comment", "reference_doctype"),
	("Communication", "reference_doctype"),
	("Version", "ref_doctype"),
	("Notification Log", "document_type"),
	("Activity Log", "reference_doctype"),
	("DocShare", "share_doctype"),
	("File", "attached_to_doctype"),
	("Property Setter", "doc_type"),
	("Custom DocPerm", "parent"),
	("Notification", "document_type"),
	("Webhook", "webhook_doctype"),
	("Assignment Rule", "document_type"),
	("User Permission", "allow"),
	("Kanban Board", "reference_doctype"),
	("Calendar View", "reference_doctype"),
	("Report", "ref_doctype"),
)


def after_install() -> None:
	"""Insert the SPEC §3 defaults: calendar, policy, technical domains, settings."""
	from ts_sla.setup.defaults import create_defaults
	from ts_sla.setup.indexes import ensure_indexes
	from ts_sla.setup.workspace import ensure_monitor_block

	create_defaults()
	ensure_indexes()
	ensure_monitor_block()
	erpnext.sync_custom_fields()


def after_migrate() -> None:
	"""Indexes, the workspace's monitor block, and the ERPNext Custom Fields (ERPNext may have been installed
	after ts_sla)."""
	from ts_sla.setup.indexes import ensure_indexes
	from ts_sla.setup.workspace import ensure_monitor_block

	ensure_indexes()
	ensure_monitor_block()
	erpnext.sync_custom_fields()


def before_tests() -> None:
	"""Frappe's test runner hook: make sure the defaults exist."""
	from ts_sla.setup.defaults import create_defaults

	create_defaults()
	frappe.clear_cache()


def before_uninstall() -> None:
	"""Remove what module-based uninstall would leave: our Custom Fields (on ERPNext's doctypes too), our
	roles, records that link to our doctypes and the workspace's monitor block."""
	from ts_sla.setup.workspace import remove_monitor_block

	erpnext.remove_custom_fields()
	remove_monitor_block()
	doctypes = frappe.get_all("DocType", filters={"module": MODULE}, pluck="name")
	for doctype, field in DYNAMIC_REFERENCES:
		if doctypes and frappe.db.table_exists(doctype) and frappe.db.has_column(doctype, field):
			frappe.db.delete(doctype, {field: ("in", doctypes)})
	frappe.db.sql("DELETE FROM `tabSeries` WHERE `name` LIKE 'TS-________-'")
	for job in frappe.get_all("Scheduled Job Type", filters={"method": ("like", "ts_sla.%")}, pluck="name"):
		frappe.db.delete("Scheduled Job Log", {"scheduled_job_type": job})
		frappe.delete_doc("Scheduled Job Type", job, ignore_permissions=True, force=True)
	user = frappe.qb.DocType("User")  # no default workspace that will be gone
	frappe.qb.update(user).set(user.default_workspace, None).where(
		user.default_workspace == "Technical Support"
	).run()
	for role in ROLES:
		if frappe.db.exists("Role", role):
			frappe.db.delete("Has Role", {"role": role})
			frappe.db.delete("Custom DocPerm", {"role": role})
			frappe.delete_doc("Role", role, ignore_permissions=True, force=True)
