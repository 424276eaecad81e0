"""Figures for the Technical Support workspace (number cards and charts).

Every figure counts only the tickets the caller may read: a reporter sees figures over their own tickets,
an engineer over their teams' tickets, staff over all (the same row-level rule as the Support Ticket list).
"""

from __future__ import annotations

import frappe
from frappe.utils import add_days, get_datetime, today

from ts_sla.services import permissions, review


def _and(condition: str) -> str:
	return f" AND {condition}" if condition else ""


@frappe.whitelist()
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


@frappe.whitelist()
def average_satisfaction(filters: str | dict | None = None) -> dict:
	"""Average satisfaction of the caller's readable tickets resolved in the last 30 days."""
	condition = permissions.readable_condition()
	value = frappe.db.sql(
		"SELECT AVG(`customer_satisfaction`) FROM `tabSupport Ticket`"
		f" WHERE `customer_satisfaction` > 0 AND `resolved_at` >= %s{_and(condition)}",  # nosemgrep
		(get_datetime(add_days(today(), -30)),),
	)[0][0]
	return {"value": review.one_decimal(value or 0), "fieldtype": "Float"}  # as the review shows it


def weekly_series(kind: str, weeks: int = 12) -> dict:
	"""Chart data over the caller's readable tickets (see ``review.weekly_series``)."""
	return review.readable_weekly_series(kind, weeks)
