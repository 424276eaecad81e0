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


def ensure_indexes() -> None:
	"""Idempotent: ``add_index`` skips an index that exists. Called after install and after every migrate."""
	for doctype, indexes in INDEXES.items():
		for name, fields in indexes:
			frappe.db.add_index(doctype, fields, index_name=name)
