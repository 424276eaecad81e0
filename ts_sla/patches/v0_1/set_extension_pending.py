"""Support Ticket.extension_pending (new): set it on the tickets that already have an extension request
waiting for a decision, in one statement (the rows are the truth; the flag follows them on every save)."""

import frappe


def execute():
	frappe.db.sql(
		"""UPDATE `tabSupport Ticket` t SET t.`extension_pending` = EXISTS (
			SELECT 1 FROM `tabSupport Ticket Extension` e
			WHERE e.`parent` = t.`name` AND e.`parenttype` = 'Support Ticket' AND e.`status` = 'Pending')"""
	)
