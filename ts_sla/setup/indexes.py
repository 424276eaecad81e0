"""Composite indexes the reports rely on (Frappe's ``search_index`` only makes single-column ones)."""

import frappe

INDEXES = {
	"Support Ticket": [
		# the weekly review's 12-week trend counts by week and outcome from the index alone
		("ts_sla_received_outcome", ["received_at", "response_status", "resolution_status"]),
		# the tick: due tickets by next check instant, open ones only
		("ts_sla_next_check_status", ["next_check_at", "status"]),
	],
}


UNIQUE = {
	# an integration's own ID is unique per channel, even under concurrent retries
	"Support Ticket": [("ts_sla_channel_external_ref", ["channel", "external_ref"])],
}


def ensure_indexes() -> None:
	"""Idempotent: ``add_index`` skips an index that exists. Called after install and after every migrate."""
	for doctype, indexes in INDEXES.items():
		for name, fields in indexes:
			frappe.db.add_index(doctype, fields, index_name=name)
	for doctype, constraints in UNIQUE.items():
		for name, fields in constraints:
			if not frappe.db.sql(
				f"SHOW INDEX FROM `tab{doctype}` WHERE Key_name = %s",
				(name,),  # nosemgrep: fixed names
			):
				frappe.db.add_unique(doctype, fields, constraint_name=name)
