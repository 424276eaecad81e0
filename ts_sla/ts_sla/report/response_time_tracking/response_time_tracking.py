"""Response Time Tracking: the source document's tracking table, one row per ticket, plus SLA columns."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_days, cint, get_datetime, getdate, now_datetime, today

from ts_sla.services import permissions, review

FIELDS = [
	"name",
	"received_at",
	"subject",
	"priority",
	"support_team",
	"assigned_to",
	"response_due",
	"first_responded_at",
	"resolution_due",
	"resolved_at",
	"resolution_result",
	"customer_satisfaction",
	"delay_reason",
	"response_status",
	"resolution_status",
	"status",
	"response_business_minutes",
	"resolution_business_minutes",
	"reopen_count",
]


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{"fieldname": "idx", "label": _("No."), "fieldtype": "Int", "width": 60},
		{
			"fieldname": "ticket",
			"label": _("Ticket ID"),
			"fieldtype": "Link",
			"options": "Support Ticket",
			"width": 175,
		},
		{"fieldname": "received_at", "label": _("Submitted At"), "fieldtype": "Datetime", "width": 195},
		{"fieldname": "description", "label": _("Description"), "fieldtype": "Data", "width": 240},
		{"fieldname": "priority", "label": _("Priority"), "fieldtype": "Data", "width": 80},
		{"fieldname": "team_engineer", "label": _("Team / Engineer"), "fieldtype": "Data", "width": 220},
		{"fieldname": "response_due", "label": _("Response Due"), "fieldtype": "Datetime", "width": 195},
		{
			"fieldname": "first_responded_at",
			"label": _("Actual Response"),
			"fieldtype": "Datetime",
			"width": 195,
		},
		{"fieldname": "resolved_at", "label": _("Resolved At"), "fieldtype": "Datetime", "width": 195},
		{"fieldname": "result", "label": _("Result"), "fieldtype": "Data", "width": 200},
		{
			"fieldname": "satisfaction",
			"label": _("Satisfaction (1-5)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
		{"fieldname": "remarks", "label": _("Remarks"), "fieldtype": "Data", "width": 220},
		{"fieldname": "response_met", "label": _("Response Met"), "fieldtype": "Check", "width": 110},
		{"fieldname": "resolution_met", "label": _("Resolution Met"), "fieldtype": "Check", "width": 110},
		{"fieldname": "overdue_minutes", "label": _("Overdue Minutes"), "fieldtype": "Int", "width": 120},
		# on each clock's own basis (business minutes for business hours and working days), pauses excluded
		{
			"fieldname": "response_minutes",
			"label": _("Response Time (business)"),
			"fieldtype": "Float",
			"width": 170,
		},
		{
			"fieldname": "resolution_minutes",
			"label": _("Resolution Time (business)"),
			"fieldtype": "Float",
			"width": 170,
		},
		{"fieldname": "cycles", "label": _("Resolution Cycles"), "fieldtype": "Int", "width": 120},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 120},
	]


def conditions(filters) -> dict:
	start = getdate(filters.from_date or add_days(today(), -6))
	end = getdate(filters.to_date or today())
	if start > end:
		frappe.throw(_("From Date must be on or before To Date"), title=_("Invalid dates"))
	where = {"received_at": ("between", list(review.received_between(start, end)))}
	for field, key in (
		("priority", "priority"),
		("support_team", "team"),
		("assigned_to", "engineer"),
		("status", "status"),
	):
		if filters.get(key):
			where[field] = filters.get(key)
	return where


def extension_reasons_for(window) -> dict[str, str]:
	"""The latest extension reason of each ticket received in the window (one join, no long IN list)."""
	ticket, extension = DocType("Support Ticket"), DocType("Support Ticket Extension")
	rows = (
		frappe.qb.from_(extension)
		.join(ticket)
		.on(extension.parent == ticket.name)
		.select(extension.parent, extension.reason)
		.where(extension.parenttype == "Support Ticket")
		.where(ticket.received_at[window[0] : window[1]])
		.orderby(extension.requested_at)
	).run()
	return dict(rows)


DATETIME_FIELDS = ("received_at", "response_due", "first_responded_at", "resolution_due", "resolved_at")


def fetch_tickets(where: dict) -> list:
	"""The period's rows, in one indexed query for every user: the reader's row-level permission (this
	app's rule, User Permissions, shares) is Frappe's own match condition, and datetimes are read as text
	(the driver's per-value datetime parsing was most of this report's cost on a busy week), so every user
	gets the same types."""
	columns = ", ".join(f"CAST(`{f}` AS CHAR) AS `{f}`" if f in DATETIME_FIELDS else f"`{f}`" for f in FIELDS)
	clauses, values = ["`received_at` BETWEEN %s AND %s"], list(where["received_at"][1])
	for field in ("priority", "support_team", "assigned_to", "status"):
		if field in where:
			clauses.append(f"`{field}` = %s")
			values.append(where[field])
	permitted = permissions.readable_condition()
	if permitted:
		clauses.append(f"({permitted})")
	return frappe.db.sql(
		f"SELECT {columns} FROM `tabSupport Ticket` WHERE {' AND '.join(clauses)}"  # nosemgrep: fixed fields
		" ORDER BY `received_at`, `name`",
		values,
		as_dict=True,
	)


def overdue_minutes(ticket, now: str) -> int:
	"""Minutes the resolution ran past its due time (to resolution, or to now while open); 0 if on time.

	Datetimes are compared as ISO strings first, so only late tickets are parsed (the report's hot loop)."""
	due = ticket.resolution_due
	end = ticket.resolved_at or (None if ticket.status == "Cancelled" else now)
	if not due or not end or str(end) <= str(due):
		return 0
	return max(0, int((get_datetime(end) - get_datetime(due)).total_seconds() // 60))


def met_flag(status: str | None) -> int | None:
	"""1 met, 0 breached, None still running (or cancelled before it stopped)."""
	return 1 if status == "Met" else 0 if status == "Breached" else None


def get_data(filters) -> list[dict]:
	tickets = fetch_tickets(conditions(filters))
	if not tickets:
		return []
	names = {t.assigned_to for t in tickets if t.assigned_to}
	full_names = (
		dict(frappe.get_all("User", {"name": ("in", list(names))}, ["name", "full_name"], as_list=True))
		if names
		else {}
	)
	extension_reasons = extension_reasons_for(conditions(filters)["received_at"][1])
	now = str(now_datetime())
	statuses = {}
	data = []
	for idx, t in enumerate(tickets, start=1):
		engineer = full_names.get(t.assigned_to) or t.assigned_to or ""
		if t.status not in statuses:
			statuses[t.status] = _(t.status)
		data.append(
			{
				"idx": idx,
				"ticket": t.name,
				"received_at": t.received_at,
				"description": t.subject,
				"priority": t.priority,
				"team_engineer": " / ".join(p for p in (t.support_team, engineer) if p),
				"response_due": t.response_due,
				"first_responded_at": t.first_responded_at,
				"resolved_at": t.resolved_at,
				"result": t.resolution_result,
				"satisfaction": t.customer_satisfaction or None,
				"remarks": t.delay_reason or extension_reasons.get(t.name) or "-",
				# None while the clock still runs: the report shows "—", not an unticked box
				"response_met": met_flag(t.response_status),
				"resolution_met": met_flag(t.resolution_status),
				"response_breached": t.response_status == "Breached",
				"resolution_breached": t.resolution_status == "Breached",
				"overdue_minutes": overdue_minutes(t, now),
				# a clock still running has no time yet ("—"), not 0 minutes
				"response_minutes": t.response_business_minutes if t.first_responded_at else None,
				"resolution_minutes": t.resolution_business_minutes if t.resolved_at else None,
				"cycles": cint(t.reopen_count) + 1,
				"status": statuses[t.status],
			}
		)
	return data
