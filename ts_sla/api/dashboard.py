"""Figures for the Technical Support workspace (number cards and charts); read-permission checked."""

from __future__ import annotations

import datetime as dt

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, getdate, today

from ts_sla.services.review import trend, week_bounds


def _check() -> None:
	if not frappe.has_permission("Support Ticket", "read"):
		frappe.throw(_("Not permitted"), frappe.PermissionError)


@frappe.whitelist()
def breached_this_week(filters: str | dict | None = None) -> dict:
	"""Tickets received this week whose SLA is breached."""
	_check()
	start, end = week_bounds(today())
	value = frappe.db.count(
		"Support Ticket",
		{
			"sla_state": "Breached",
			"received_at": ("between", [get_datetime(f"{start} 00:00:00"), get_datetime(f"{end} 23:59:59")]),
		},
	)
	return {"value": value, "fieldtype": "Int"}


@frappe.whitelist()
def average_satisfaction(filters: str | dict | None = None) -> dict:
	"""Average satisfaction of tickets resolved in the last 30 days."""
	_check()
	value = frappe.db.sql(
		"SELECT AVG(`customer_satisfaction`) FROM `tabSupport Ticket`"
		" WHERE `customer_satisfaction` > 0 AND `resolved_at` >= %s",
		(get_datetime(add_days(today(), -30)),),
	)[0][0]
	return {"value": round(float(value or 0), 2), "fieldtype": "Float"}


def weekly_series(kind: str, weeks: int = 12) -> dict:
	"""Chart data for the last ``weeks`` weeks: tickets per priority, or SLA met %."""
	_check()
	end = week_bounds(today())[1]
	if kind == "met":
		points = trend(end, weeks)
		return {
			"labels": [str(p["week"]) for p in points],
			"datasets": [{"name": _("SLA Met %"), "values": [p["achievement"] or 0 for p in points]}],
		}
	start = end - dt.timedelta(days=7 * weeks - 1)
	rows = frappe.db.sql(
		"""
		SELECT DATE_SUB(DATE(`received_at`), INTERVAL WEEKDAY(`received_at`) DAY) AS week, `priority`, COUNT(*) AS n
		FROM `tabSupport Ticket` WHERE `received_at` BETWEEN %s AND %s GROUP BY week, `priority`
		""",
		(get_datetime(f"{start} 00:00:00"), get_datetime(f"{end} 23:59:59")),
		as_dict=True,
	)
	labels = [start + dt.timedelta(days=7 * i) for i in range(weeks)]
	counts = {(getdate(r.week), r.priority): r.n for r in rows}
	return {
		"labels": [str(w) for w in labels],
		"datasets": [
			{"name": p, "values": [counts.get((w, p), 0) for w in labels]} for p in ("P0", "P1", "P2", "P3")
		],
	}
