"""Weekly SLA Review: one week's achievement by priority, team and engineer, the overdue tickets with their
cause, recurring problems, satisfaction, and a 12-week trend."""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import review


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	result = review.build(filters.week)
	return columns(), rows(result), None, chart(result), summary(result)


def columns() -> list[dict]:
	return [
		{"fieldname": "section", "label": _("Section"), "fieldtype": "Data", "width": 150},
		{"fieldname": "item", "label": _("Item"), "fieldtype": "Data", "width": 260},
		{
			"fieldname": "ticket",
			"label": _("Ticket ID"),
			"fieldtype": "Link",
			"options": "Support Ticket",
			"width": 175,
		},
		{"fieldname": "total", "label": _("Tickets"), "fieldtype": "Int", "width": 80},
		{"fieldname": "met", "label": _("Met"), "fieldtype": "Int", "width": 70},
		{"fieldname": "breached", "label": _("Breached"), "fieldtype": "Int", "width": 95},
		{"fieldname": "achievement", "label": _("Achievement %"), "fieldtype": "Percent", "width": 135},
		{
			"fieldname": "satisfaction",
			"label": _("Average Satisfaction"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 165,
		},
		{"fieldname": "response_p50", "label": _("Response p50 (min)"), "fieldtype": "Float", "width": 140},
		{"fieldname": "response_p90", "label": _("Response p90 (min)"), "fieldtype": "Float", "width": 140},
		{
			"fieldname": "resolution_p50",
			"label": _("Resolution p50 (min)"),
			"fieldtype": "Float",
			"width": 150,
		},
		{
			"fieldname": "resolution_p90",
			"label": _("Resolution p90 (min)"),
			"fieldtype": "Float",
			"width": 150,
		},
		{"fieldname": "reopened", "label": _("Reopened"), "fieldtype": "Int", "width": 90},
		{"fieldname": "cause", "label": _("Overdue Cause"), "fieldtype": "Data", "width": 160},
		{"fieldname": "note", "label": _("Delay Reason / Tickets"), "fieldtype": "Data", "width": 280},
		{"fieldname": "suggestion", "label": _("Suggestion"), "fieldtype": "Data", "width": 220},
	]


def rows(result: dict) -> list[dict]:
	out = []
	for key, title in (
		("priority", _("By Priority")),
		("team", _("By Team")),
		("engineer", _("By Engineer")),
		("customer", _("By Customer")),  # on ERPNext, when tickets name their customer
	):
		for group, figures in result["by"].get(key, {}).items():
			out.append({"section": title, "item": group, **figures})
	for t in result["overdue"]:
		out.append(
			{
				"section": _("Overdue"),
				"item": t.subject,
				"ticket": t.name,
				"cause": _(t.overdue_cause) if t.overdue_cause else _("(cause not recorded)"),
				"note": t.delay_reason,
			}
		)
	for group in result["recurring"]:
		if not group["recurring"]:
			continue
		out.append(
			{
				"section": _("Recurring"),
				"item": group["problem"],
				"total": group["count"],
				"note": ", ".join(group["tickets"]),
				"suggestion": "" if group["known_problem"] else _("Create a Known Problem for this group"),
			}
		)
	return out


def chart(result: dict) -> dict | None:
	"""Met % per week over the last 12: weeks without a decided ticket have no met % and are left out
	(never drawn as 0 %)."""
	weeks = [w for w in result["trend"] if w["achievement"] is not None]
	if not weeks:
		return None
	return {
		"data": {
			"labels": [review.week_label(w["week"]) for w in weeks],
			"datasets": [
				{"name": _("SLA Met %"), "values": [w["achievement"] for w in weeks]},
			],
		},
		"fieldtype": "Percent",
		"colors": ["#28a745"],
		"type": "bar",  # bars draw a single week too (a one-point line is a broken path)
		"title": _("Last 12 weeks"),
	}


def summary(result: dict) -> list[dict]:
	totals = result["totals"]
	achieved = totals["achievement"]
	return [
		{"label": _("Tickets"), "value": totals["total"], "datatype": "Int"},
		{  # a week without a decided ticket has no achievement: a grey dash, not a red 0 %
			"label": _("SLA Achievement"),
			"value": "—" if achieved is None else achieved,
			"datatype": "Data" if achieved is None else "Percent",
			"indicator": "Grey" if achieved is None else "Green" if achieved >= 90 else "Red",
		},
		{
			"label": _("Breached"),
			"value": totals["breached"],
			"datatype": "Int",
			"indicator": "Red" if totals["breached"] else "Green",
		},
		{
			"label": _("Average Satisfaction"),
			"value": "—" if totals["satisfaction"] is None else totals["satisfaction"],
			"datatype": "Data" if totals["satisfaction"] is None else "Float",
		},
		{
			"label": _("Recurring Problems"),
			"value": sum(1 for g in result["recurring"] if g["recurring"]),
			"datatype": "Int",
		},
	]
