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
			"width": 150,
		},
		{"fieldname": "total", "label": _("Tickets"), "fieldtype": "Int", "width": 80},
		{"fieldname": "met", "label": _("Met"), "fieldtype": "Int", "width": 70},
		{"fieldname": "breached", "label": _("Breached"), "fieldtype": "Int", "width": 80},
		{"fieldname": "achievement", "label": _("Achievement %"), "fieldtype": "Percent", "width": 120},
		{
			"fieldname": "satisfaction",
			"label": _("Average Satisfaction"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 140,
		},
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
	):
		for group, figures in result["by"][key].items():
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


def chart(result: dict) -> dict:
	return {
		"data": {
			"labels": [str(w["week"]) for w in result["trend"]],
			"datasets": [
				{"name": _("SLA Met %"), "values": [w["achievement"] or 0 for w in result["trend"]]},
				{"name": _("Tickets"), "values": [w["total"] for w in result["trend"]]},
			],
		},
		"type": "line",
		"title": _("Last 12 weeks"),
	}


def summary(result: dict) -> list[dict]:
	totals = result["totals"]
	return [
		{"label": _("Tickets"), "value": totals["total"], "datatype": "Int"},
		{
			"label": _("SLA Achievement"),
			"value": totals["achievement"] or 0,
			"datatype": "Percent",
			"indicator": "Green" if (totals["achievement"] or 0) >= 90 else "Red",
		},
		{
			"label": _("Breached"),
			"value": totals["breached"],
			"datatype": "Int",
			"indicator": "Red" if totals["breached"] else "Green",
		},
		{"label": _("Average Satisfaction"), "value": totals["satisfaction"] or 0, "datatype": "Float"},
		{
			"label": _("Recurring Problems"),
			"value": sum(1 for g in result["recurring"] if g["recurring"]),
			"datatype": "Int",
		},
	]
