"""Figures for the Technical Support workspace (number cards and charts).

Every figure counts only the tickets the caller may read: a reporter sees figures over their own tickets,
an engineer over their teams' tickets, staff over all (the same row-level rule as the Support Ticket list).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, today

from ts_sla.services import permissions, review


def _and(condition: str) -> str:
	return f" AND {condition}" if condition else ""


@frappe.whitelist()
@frappe.read_only()
def breached_this_week(filters: str | dict | None = None) -> dict:
	"""Tickets received this week, readable by the caller, whose SLA is breached."""
	condition = permissions.readable_condition()
	start, end = review.week_bounds(today())
	value = frappe.db.sql(
		"SELECT COUNT(*) FROM `tabSupport Ticket` WHERE `sla_state` = 'Breached'"
		f" AND `received_at` BETWEEN %s AND %s{_and(condition)}",  # nosemgrep: permission query condition
		(get_datetime(f"{start} 00:00:00"), get_datetime(f"{end} 23:59:59.999999")),
	)[0][0]
	return {"value": int(value or 0), "fieldtype": "Int"}


def no_data(title: str) -> str:
	"""What a number card shows for a figure that has nothing to stand on: a muted "—", not a coloured 0.
	(A Custom card that returns text instead of ``{"value": ...}`` shows it as given.)"""
	return f'<span class="text-muted" title="{frappe.utils.escape_html(title)}">—</span>'


@frappe.whitelist()
@frappe.read_only()
def average_satisfaction(filters: str | dict | None = None) -> dict | str:
	"""Average satisfaction of the caller's readable tickets resolved in the last 30 days; ``no_data`` when
	none of them was rated (an average of nothing is not 0)."""
	condition = permissions.readable_condition()
	value = frappe.db.sql(
		"SELECT AVG(`customer_satisfaction`) FROM `tabSupport Ticket`"
		f" WHERE `customer_satisfaction` > 0 AND `resolved_at` >= %s{_and(condition)}",  # nosemgrep
		(get_datetime(add_days(today(), -30)),),
	)[0][0]
	if value is None:
		return no_data(_("No ticket resolved in the last 30 days was rated"))
	# as the review shows it: one decimal (4.3, not the site's float precision 4.300)
	return {"value": review.one_decimal(value), "fieldtype": "Float", "precision": 1}


def weekly_series(kind: str, weeks: int = 12) -> dict:
	"""Chart data over the caller's readable tickets (see ``review.weekly_series``)."""
	return review.readable_weekly_series(kind, weeks)
