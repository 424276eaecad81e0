"""SLA What-If: a simulation's tickets under the current rules beside the draft — met % and the median and
p90 of each clock's time (on its own basis) by priority and clock, and every ticket whose outcome changes."""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import jobs, whatif


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	if not filters.simulation:
		return (
			columns(),
			[],
			_("Choose a simulation, or start one with Simulate on an SLA Policy or Support Calendar."),
		)
	doc, result = whatif.result_of(filters.simulation)
	if result is None:
		if doc.status == "Failed":
			return columns(), [], _("The simulation failed: {0}").format(doc.error or "")
		if doc.status == "Queued" and not jobs.queue_has_worker("long"):
			return (
				columns(),
				[],
				_(
					"Simulation {0} is queued, waiting for a background worker (none is running); it starts "
					"when one does."
				).format(doc.name),
			)
		return (
			columns(),
			[],
			_("Simulation {0} is {1} ({2} %); this report refreshes when it completes.").format(
				doc.name, _(doc.status), round(doc.progress or 0)
			),
		)
	return columns(), rows(result), message(result), chart(result), summary(result)


def columns() -> list[dict]:
	def duration(fieldname: str, label: str) -> dict:
		return {"fieldname": fieldname, "label": label, "fieldtype": "Duration", "width": 115}

	return [
		{"fieldname": "section", "label": _("Section"), "fieldtype": "Data", "width": 110},
		{
			"fieldname": "ticket",
			"label": _("Ticket ID"),
			"fieldtype": "Link",
			"options": "Support Ticket",
			"width": 165,
		},
		{"fieldname": "priority", "label": _("Priority"), "fieldtype": "Data", "width": 75},
		{"fieldname": "clock", "label": _("Clock"), "fieldtype": "Data", "width": 100},
		{"fieldname": "current_outcome", "label": _("Outcome Now"), "fieldtype": "Data", "width": 115},
		{"fieldname": "draft_outcome", "label": _("Outcome Under Draft"), "fieldtype": "Data", "width": 160},
		{"fieldname": "current_due", "label": _("Due Now"), "fieldtype": "Datetime", "width": 155},
		{"fieldname": "draft_due", "label": _("Due Under Draft"), "fieldtype": "Datetime", "width": 155},
		{"fieldname": "basis", "label": _("Basis"), "fieldtype": "Data", "width": 150},
		{"fieldname": "tickets", "label": _("Tickets"), "fieldtype": "Int", "width": 75},
		{"fieldname": "current_met", "label": _("Met % Now"), "fieldtype": "Percent", "width": 100},
		{"fieldname": "draft_met", "label": _("Met % Draft"), "fieldtype": "Percent", "width": 105},
		{"fieldname": "met_to_breached", "label": _("Met → Breached"), "fieldtype": "Int", "width": 125},
		{"fieldname": "breached_to_met", "label": _("Breached → Met"), "fieldtype": "Int", "width": 125},
		duration("current_median", _("Median Now")),
		duration("draft_median", _("Median Draft")),
		duration("current_p90", _("p90 Now")),
		duration("draft_p90", _("p90 Draft")),
	]


def _seconds(minutes: float | None) -> int | None:
	return None if minutes is None else round(minutes * 60)


def _basis(now: str, draft: str) -> str:
	return now if now == draft else _("{0} → {1}").format(now or "—", draft or "—")


def rows(result: dict) -> list[dict]:
	out = []
	by_team = [{**g, "priority": g["team"] or _("(no team)")} for g in result.get("teams") or []]
	for section, group in [(_("By Priority"), g) for g in result["groups"]] + [
		(_("By Team"), g) for g in by_team
	]:
		now, draft = group["current"], group["draft"]
		out.append(
			{
				"section": section,
				"priority": group["priority"],
				"clock": _(group["clock"]),
				"basis": _basis(now["basis"], draft["basis"]),
				"tickets": group["tickets"],
				"current_met": now["met_percent"],
				"draft_met": draft["met_percent"],
				"met_to_breached": group["met_to_breached"],
				"breached_to_met": group["breached_to_met"],
				"current_median": _seconds(now["median"]),
				"draft_median": _seconds(draft["median"]),
				"current_p90": _seconds(now["p90"]),
				"draft_p90": _seconds(draft["p90"]),
			}
		)
	for change in result["changes"]:
		out.append(
			{
				"section": _("Changes"),
				"ticket": change["ticket"],
				"priority": change["priority"],
				"clock": _(change["clock"]),
				"current_due": change["current_due"],
				"current_outcome": _(change["current_outcome"]) if change["current_outcome"] else "—",
				"draft_due": change["draft_due"],
				"draft_outcome": _(change["draft_outcome"]) if change["draft_outcome"] else "—",
			}
		)
	for skipped in result["skipped"]:
		out.append({"section": _("Not Replayed"), "ticket": skipped["ticket"], "basis": skipped["reason"]})
	return out


def message(result: dict) -> str:
	lines = [
		_("{0}: {1} tickets replayed under the current rules and under the draft.").format(
			result["scope"], result["tickets"]
		),
		_(
			"Times are medians and 90th percentiles on each clock's own basis (business time for business-hours and working-days clocks); extensions are not replayed."
		),
	]
	if result["changed"] > len(result["changes"]):
		lines.append(_("The first {0} changes are listed.").format(len(result["changes"])))
	return "<br>".join(frappe.utils.escape_html(line) for line in lines)


def chart(result: dict) -> dict | None:
	groups = [
		g
		for g in result["groups"]
		if g["current"]["met_percent"] is not None or g["draft"]["met_percent"] is not None
	]
	if not groups:
		return None
	return {
		"data": {
			"labels": [f"{g['priority']} {_(g['clock'])}" for g in groups],
			"datasets": [
				{"name": _("Met % Now"), "values": [g["current"]["met_percent"] or 0 for g in groups]},
				{"name": _("Met % Draft"), "values": [g["draft"]["met_percent"] or 0 for g in groups]},
			],
		},
		"type": "bar",
		"fieldtype": "Percent",
		"colors": ["#7cd6fd", "#5e64ff"],
	}


def summary(result: dict) -> list[dict]:
	def percent(value):
		return (
			{"value": "—", "datatype": "Data"} if value is None else {"value": value, "datatype": "Percent"}
		)

	now, draft = result["current_met_percent"], result["draft_met_percent"]
	cards = [
		{"label": _("Tickets Replayed"), "value": result["tickets"], "datatype": "Int"},
		{"label": _("Met % Now"), **percent(now)},
		{
			"label": _("Met % Under Draft"),
			**percent(draft),
			"indicator": "Grey" if draft is None or now is None else "Red" if draft < now else "Green",
		},
		{
			"label": _("Met → Breached"),
			"value": result["met_to_breached"],
			"datatype": "Int",
			"indicator": "Red" if result["met_to_breached"] else "Green",
		},
		{
			"label": _("Breached → Met"),
			"value": result["breached_to_met"],
			"datatype": "Int",
			"indicator": "Green" if result["breached_to_met"] else "Grey",
		},
		{"label": _("Tickets That Change"), "value": result["changed"], "datatype": "Int"},
	]
	if result["skipped_count"]:
		cards.append(
			{
				"label": _("Not Replayed"),
				"value": result["skipped_count"],
				"datatype": "Int",
				"indicator": "Orange",
			}
		)
	return cards
