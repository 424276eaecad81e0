"""The weekly SLA review: achievement by priority, team and engineer; overdue tickets; recurring problems;
satisfaction; the 12-week trend. Used by the Weekly SLA Review report and the Monday Support Review draft."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, cint, get_datetime, getdate, today

from ts_sla.services import erpnext, permissions, whatif
from ts_sla.services.sla import percentile
from ts_sla.services.states import PRIORITIES

TICKET_FIELDS = [
	"name",
	"subject",
	"priority",
	"support_team",
	"assigned_to",
	"technical_domain",
	"known_problem",
	"received_at",
	"status",
	"response_status",
	"resolution_status",
	"customer_satisfaction",
	"overdue_cause",
	"delay_reason",
	"response_business_minutes",
	"resolution_business_minutes",
	"first_responded_at",
	"resolved_at",
	"reopen_count",
]


def week_bounds(day) -> tuple[dt.date, dt.date]:
	"""Monday and Sunday of the week containing ``day``."""
	day = getdate(day or today())
	start = day - dt.timedelta(days=day.weekday())
	return start, start + dt.timedelta(days=6)


def outcome(ticket) -> str | None:
	"""Met, Breached, or None while neither clock has decided."""
	if "Breached" in (ticket.response_status, ticket.resolution_status):
		return "Breached"
	if ticket.response_status == "Met" and ticket.resolution_status == "Met":
		return "Met"
	return None


def one_decimal(value: float) -> float:
	"""Half up to one decimal (4.25 -> 4.3), as the Desk's number formatting shows it."""
	return math.floor(float(value) * 10 + 0.5) / 10


def achievement(tickets) -> dict:
	met = sum(1 for t in tickets if outcome(t) == "Met")
	breached = sum(1 for t in tickets if outcome(t) == "Breached")
	scores = [t.customer_satisfaction for t in tickets if t.customer_satisfaction]
	# the times of the clocks that stopped (a running clock's stored 0 is "not yet", not "0 minutes")
	response = [t.response_business_minutes or 0 for t in tickets if t.get("first_responded_at")]
	resolution = [t.resolution_business_minutes or 0 for t in tickets if t.get("resolved_at")]
	return {
		"total": len(tickets),
		"met": met,
		"breached": breached,
		"achievement": round(100.0 * met / (met + breached), 1) if met + breached else None,
		"satisfaction": one_decimal(sum(scores) / len(scores)) if scores else None,
		# in the clocks' own (business) minutes: what the team spent, not the weekend in between
		"response_p50": percentile(response, 50),
		"response_p90": percentile(response, 90),
		"resolution_p50": percentile(resolution, 50),
		"resolution_p90": percentile(resolution, 90),
		"reopened": sum(1 for t in tickets if cint(t.get("reopen_count"))),
	}


def normalise(subject: str) -> str:
	"""Subjects that differ only in case, spacing, punctuation or numbers are the same problem."""
	text = re.sub(r"[\W_\d]+", " ", (subject or "").lower())
	return " ".join(text.split())


def recurring(tickets, threshold: int | None = None) -> list[dict]:
	"""Problems seen at least ``threshold`` times: grouped by known problem, else by normalised subject
	within a technical domain. Groups below the threshold are returned too, flagged ``recurring=False``."""
	threshold = threshold or cint(frappe.db.get_single_value("TS SLA Settings", "recurrence_threshold")) or 3
	groups: dict[tuple, list] = defaultdict(list)
	for t in tickets:
		key = (
			("known", t.known_problem)
			if t.known_problem
			else ("subject", t.technical_domain or "", normalise(t.subject))
		)
		groups[key].append(t)
	out = []
	for key, members in groups.items():
		if len(members) < 2:
			continue
		out.append(
			{
				"problem": frappe.db.get_value("Known Problem", key[1], "title")
				if key[0] == "known"
				else members[0].subject,
				"known_problem": key[1] if key[0] == "known" else None,
				"technical_domain": members[0].technical_domain,
				"count": len(members),
				"tickets": sorted(m.name for m in members),
				"recurring": len(members) >= threshold,
			}
		)
	return sorted(out, key=lambda g: (-g["count"], g["problem"] or ""))


def received_between(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
	"""The first and last instant of the days ``start`` to ``end`` (the reports' date filter)."""
	return get_datetime(f"{start} 00:00:00"), get_datetime(f"{end} 23:59:59.999999")


def ticket_fields() -> list[str]:
	"""TICKET_FIELDS, and the customer where ERPNext gives the ticket one."""
	return [*TICKET_FIELDS, "customer"] if erpnext.has_field("Support Ticket", "customer") else TICKET_FIELDS


def week_tickets(start: dt.date, end: dt.date, extra_filters: dict | None = None) -> list:
	filters = {"received_at": ("between", list(received_between(start, end)))}
	filters.update(extra_filters or {})
	return frappe.get_list(
		"Support Ticket", filters=filters, fields=ticket_fields(), order_by="received_at asc"
	)


#: The Monday of a ticket's received week, in SQL (the one place weeks are bucketed).
WEEK_SQL = "DATE_SUB(DATE(`received_at`), INTERVAL WEEKDAY(`received_at`) DAY)"


def trend(end: dt.date, weeks: int = 12, condition: str = "") -> list[dict]:
	"""Tickets and SLA met % for each of the ``weeks`` weeks ending with the week of ``end`` (one query);
	``condition`` restricts the tickets (the reader's row-level permission)."""
	start = end - dt.timedelta(days=7 * weeks - 1)
	rows = frappe.db.sql(
		f"""
		SELECT {WEEK_SQL} AS week,
			COUNT(*) AS total,
			SUM(`response_status` = 'Met' AND `resolution_status` = 'Met') AS met,
			SUM(`response_status` = 'Breached' OR `resolution_status` = 'Breached') AS breached
		FROM `tabSupport Ticket`
		WHERE `received_at` BETWEEN %s AND %s {"AND " + condition if condition else ""}
		GROUP BY week
		""",  # nosemgrep: WEEK_SQL is a constant, condition comes from the permission query
		received_between(start, end),
		as_dict=True,
	)
	by_week = {getdate(r.week): r for r in rows}
	out = []
	for i in range(weeks):
		week = start + dt.timedelta(days=7 * i)
		r = by_week.get(week)
		decided = (cint(r.met) + cint(r.breached)) if r else 0
		out.append(
			{
				"week": week,
				"total": cint(r.total) if r else 0,
				"achievement": round(100.0 * cint(r.met) / decided, 1) if decided else None,
			}
		)
	return out


def build(day=None) -> dict:
	"""Everything the weekly review shows, for the week containing ``day``."""
	start, end = week_bounds(day)
	tickets = week_tickets(start, end)
	by = {"priority": defaultdict(list), "team": defaultdict(list), "engineer": defaultdict(list)}
	names = full_names({t.assigned_to for t in tickets if t.assigned_to})
	for t in tickets:
		by["priority"][t.priority].append(t)
		by["team"][t.support_team or _("(no team)")].append(t)
		by["engineer"][names.get(t.assigned_to) or t.assigned_to or _("(unassigned)")].append(t)
	if any(t.get("customer") for t in tickets):  # the section appears when the field is in use
		by["customer"] = defaultdict(list)
		for t in tickets:
			by["customer"][t.get("customer") or _("(no customer)")].append(t)
	return {
		"start": start,
		"end": end,
		"totals": achievement(tickets),
		"by": {k: {g: achievement(ts) for g, ts in sorted(v.items())} for k, v in by.items()},
		"overdue": [t for t in tickets if outcome(t) == "Breached"],
		"recurring": recurring(tickets),
		"trend": trend(end),
	}


def full_names(users) -> dict[str, str]:
	"""user -> full name, in one query (people read names, not login emails)."""
	if not users:
		return {}
	return dict(frappe.get_all("User", {"name": ("in", list(users))}, ["name", "full_name"], as_list=True))


def week_label(week: dt.date) -> str:
	"""A week's chart label in the reader's language ("Oct 23", "10月23日")."""
	from babel.dates import format_skeleton

	try:
		return format_skeleton("MMMd", week, locale=(frappe.local.lang or "en").replace("-", "_"))
	except Exception:  # an unknown locale: the ISO date
		return week.isoformat()


def previous_week(day=None) -> dt.date:
	return week_bounds(add_days(getdate(day or today()), -7))[0]


def draft_weekly_review(day=None) -> str | None:
	"""Scheduler entry (Mondays 08:00): draft the previous week's Support Review once, tell the supervisors.

	Safe to re-run and to run twice at once: ``week_start`` is unique, so a second draft is refused."""
	start = previous_week(day)
	if frappe.db.exists("Support Review", {"week_start": start}):
		return None
	result = build(start)
	doc = frappe.get_doc(
		{
			"doctype": "Support Review",
			"week_start": start,
			"week_end": result["end"],
			"status": "Draft",
			"total_tickets": result["totals"]["total"],
			"achievement_percent": result["totals"]["achievement"] or 0,
			"average_satisfaction": result["totals"]["satisfaction"] or 0,
			"overdue_tickets": [
				{
					"ticket": t.name,
					"priority": t.priority,
					"overdue_cause": t.overdue_cause,
					"delay_reason": t.delay_reason,
				}
				for t in result["overdue"]
			],
			"recurring_problems": [
				{
					"problem": g["problem"],
					"technical_domain": g["technical_domain"],
					"known_problem": g["known_problem"],
					"occurrences": g["count"],
					"tickets": ", ".join(g["tickets"]),
				}
				for g in result["recurring"]
				if g["recurring"]
			],
		}
	)
	try:
		doc.insert(ignore_permissions=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		return None
	supervisors = frappe.get_all(
		"Has Role", {"role": "Support Supervisor", "parenttype": "User"}, pluck="parent"
	)
	for user in sorted(set(supervisors)):
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": "Support Review",
				"document_name": doc.name,
				"subject": _("Weekly SLA review for the week of {0} is drafted").format(start),
			}
		).insert(ignore_permissions=True)
	return doc.name


def quarterly_policy_reminder(day=None) -> int:
	"""Scheduler entry (first day of each quarter): a ToDo for each Support Manager to revise each enabled
	policy's priority standard and time limits; once per policy, manager and quarter."""
	day = getdate(day or today())
	quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
	managers = sorted(
		set(frappe.get_all("Has Role", {"role": "Support Manager", "parenttype": "User"}, pluck="parent"))
	)
	made = 0
	for policy in frappe.get_all("SLA Policy", {"enabled": 1}, pluck="name"):
		description = _(
			"Quarterly revision {0}: review the priority standard and the time limits of SLA Policy {1}"
		).format(quarter, policy)
		if not frappe.db.exists(
			"ToDo",
			{
				"reference_type": "SLA Policy",
				"reference_name": policy,
				"description": ("like", description + "%"),
			},
		):
			# the policy replayed over the last quarter: the starting point of a draft's what-if
			start, end = whatif.last_quarter(day)
			simulation = whatif.start(policy=policy, from_date=start, to_date=end)["simulation"]
			link = frappe.utils.get_url(f"/app/query-report/{whatif.REPORT}?simulation={simulation}")
			description += " — " + _('<a href="{0}">last quarter under this policy</a>').format(link)
		for manager in managers:
			if frappe.db.exists(
				"ToDo",
				{
					"reference_type": "SLA Policy",
					"reference_name": policy,
					"allocated_to": manager,
					"description": ("like", description.split(" — ")[0] + "%"),
				},
			):
				continue
			frappe.get_doc(
				{
					"doctype": "ToDo",
					"allocated_to": manager,
					"reference_type": "SLA Policy",
					"reference_name": policy,
					"description": description,
					"date": add_days(day, 14),
					"priority": "Medium",
				}
			).insert(ignore_permissions=True)
			made += 1
	return made


def weekly_series(kind: str, weeks: int = 12, condition: str = "") -> dict:
	"""Chart data for the last ``weeks`` weeks: tickets per priority, or SLA met %."""
	end = week_bounds(getdate())[1]
	if kind == "met":
		# a week without a decided ticket has no met % (not 0 %): it is left out, not drawn at zero
		points = [p for p in trend(end, weeks, condition) if p["achievement"] is not None]
		if not points:  # the Desk says "No Data" (an empty line would be drawn as a broken path)
			return {}
		return {
			"labels": [week_label(p["week"]) for p in points],
			"datasets": [{"name": _("SLA Met %"), "values": [p["achievement"] for p in points]}],
		}
	start = end - dt.timedelta(days=7 * weeks - 1)
	rows = frappe.db.sql(
		f"""
		SELECT {WEEK_SQL} AS week, `priority`, COUNT(*) AS n
		FROM `tabSupport Ticket` WHERE `received_at` BETWEEN %s AND %s {"AND " + condition if condition else ""}
		GROUP BY week, `priority`
		""",  # nosemgrep: WEEK_SQL is a constant, condition comes from the permission query
		received_between(start, end),
		as_dict=True,
	)
	labels = [start + dt.timedelta(days=7 * i) for i in range(weeks)]
	counts = {(getdate(r.week), r.priority): r.n for r in rows}
	return {
		"labels": [week_label(w) for w in labels],
		"datasets": [{"name": p, "values": [counts.get((w, p), 0) for w in labels]} for p in PRIORITIES],
	}


def readable_weekly_series(kind: str, weeks: int = 12) -> dict:
	"""``weekly_series`` over the tickets the session user may read (what the workspace charts show)."""
	return weekly_series(kind, weeks, permissions.readable_condition())
