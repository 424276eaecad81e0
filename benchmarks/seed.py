"""What the bulk-seeding benchmarks share: one real ticket's row, as the app computes it, to copy into many
rows with multi-row INSERTs (benchmark data only)."""

from __future__ import annotations

import datetime as dt

import frappe
from frappe.utils import now_datetime

#: Frappe's per-row bookkeeping columns, which a copied row does not take.
BOOKKEEPING = ("name", "_user_tags", "_comments", "_assign", "_liked_by", "_seen")


def template_row(age: dt.timedelta, skip=()) -> tuple[dict, list[str]]:
	"""A P2 ticket received ``age`` ago, inserted through the real code, read back and deleted: its row and
	the columns to copy (all but Frappe's bookkeeping and ``skip``)."""
	from ts_sla.tests.utils import make_ticket

	frappe.flags.mute_emails = True
	template = make_ticket(priority="P2", received_at=now_datetime().replace(microsecond=0) - age)
	row = frappe.db.get_value("Support Ticket", template.name, "*", as_dict=True)
	frappe.delete_doc("Support Ticket", template.name, force=True, ignore_permissions=True)
	excluded = {*BOOKKEEPING, *skip}
	return row, [c for c in row if c not in excluded]
