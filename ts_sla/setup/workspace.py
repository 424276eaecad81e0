"""The Technical Support workspace's monitor line: a Custom HTML Block, Frappe's own way to put a live element
on a workspace. Custom HTML Blocks belong to no module, so the block is not exported with the workspace: it is
made (and kept as the app ships it) after install and after every migrate, and removed at uninstall."""

import frappe

from ts_sla.services.health import STATE_READERS

MONITOR_BLOCK = "SLA Monitor Status"
BLOCK = {
	# the line itself is drawn by ts_sla.monitor_banner (public/js/ts_sla.js): translatable, and tested there
	"html": '<div class="ts-sla-monitor"></div>',
	"script": "ts_sla.monitor_banner(root_element);",
	"style": ".ts-sla-monitor { display: flex; flex-wrap: wrap; align-items: center; gap: 8px;"
	" min-height: 28px; padding: 2px 4px; font-size: var(--text-sm); }",
	"private": 0,
}
#: the block shows to those who may read the state it draws
ROLES = tuple(sorted(STATE_READERS))


def ensure_monitor_block() -> None:
	"""Idempotent: create the block, or put back what the app ships if it differs."""
	if frappe.db.exists("Custom HTML Block", MONITOR_BLOCK):
		doc = frappe.get_doc("Custom HTML Block", MONITOR_BLOCK)
		if all(doc.get(k) == v for k, v in BLOCK.items()) and {r.role for r in doc.roles} == set(ROLES):
			return
	else:
		doc = frappe.new_doc("Custom HTML Block")
		doc.name = MONITOR_BLOCK
	doc.update(BLOCK)
	doc.set("roles", [{"role": role} for role in ROLES])
	if doc.is_new():
		doc.insert(ignore_permissions=True)
	else:
		doc.save(ignore_permissions=True)


def remove_monitor_block() -> None:
	if frappe.db.exists("Custom HTML Block", MONITOR_BLOCK):
		frappe.delete_doc("Custom HTML Block", MONITOR_BLOCK, ignore_permissions=True, force=True)
