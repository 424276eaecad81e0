"""The chart source "SLA Met % per Week" scrubbed to a folder that does not exist (a server error for anyone
opening the workspace); it is now "SLA Met Percent per Week". Remove the old record."""

import frappe


def execute():
	if frappe.db.exists("Dashboard Chart Source", "SLA Met % per Week"):
		frappe.delete_doc("Dashboard Chart Source", "SLA Met % per Week", force=True, ignore_permissions=True)
