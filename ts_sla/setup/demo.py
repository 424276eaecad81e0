"""Demo data: a calendar, the technical domains, one team per domain with L2/L3 engineers, today's duty
roster, and the three tickets of the source document's tracking table (TS001-TS003), closed as recorded there.

Run with ``bench --site <site> ts-sla-demo``. Safe to run twice: existing records are kept.
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe.utils import get_datetime, now_datetime

from ts_sla.setup.defaults import DOMAINS, create_defaults

DEMO_PASSWORD = "TsSla-Demo-2026"
TEAMS = {
	"System Operations": ("System Operations Team", "sysops"),
	"Application Development": ("Application Development Team", "appdev"),
	"Hardware Support": ("Hardware Support Team", "hardware"),
	"Network": ("Network Team", "network"),
}
STAFF = {
	"agent@ts-sla.example": ("Wang Fang", ["Support Agent"]),
	"supervisor@ts-sla.example": ("Chen Jing", ["Support Supervisor"]),
	"manager@ts-sla.example": ("Liu Yang", ["Support Manager"]),
	"lead@ts-sla.example": ("Zhao Lei", ["Support Supervisor", "Support Engineer"]),
	"reporter@ts-sla.example": ("Sun Li", []),
}
# The source document's tracking table: row, ticket fields, stamps, outcome.
SOURCE_TICKETS = [
	{
		"source": "TS001",
		"subject": "ERP cannot submit expense claims",
		"priority": "P1",
		"technical_domain": "System Operations",
		"received_at": "2023-10-25 09:15:00",
		"first_responded_at": "2023-10-25 09:30:00",
		"resolved_at": "2023-10-25 11:45:00",
		"resolution_result": "System cache cleared successfully",
		"customer_satisfaction": 5,
		"delay_reason": None,
	},
	{
		"source": "TS002",
		"subject": "Payment API returns timeout errors",
		"priority": "P0",
		"technical_domain": "Application Development",
		"received_at": "2023-10-25 14:20:00",
		"first_responded_at": "2023-10-25 14:35:00",
		"resolved_at": "2023-10-25 15:50:00",
		"resolution_result": "Interface parameters optimised",
		"customer_satisfaction": 4,
		"delay_reason": "Temporary high database concurrency",
	},
	{
		"source": "TS003",
		"subject": "New employee cannot activate mailbox",
		"priority": "P2",
		"technical_domain": "System Operations",
		"received_at": "2023-10-25 16:45:00",
		"first_responded_at": "2023-10-25 17:10:00",
		"resolved_at": "2023-10-26 09:20:00",
		"resolution_result": "Account permissions granted",
		"customer_satisfaction": 5,
		"delay_reason": "Needs cross-department coordination with HR",
	},
]


def ensure_user(email: str, full_name: str, roles: list[str], password: str = DEMO_PASSWORD) -> str:
	"""A user with these roles (a Website User when none), created once; also used by the test factories."""
	if not frappe.db.exists("User", email):
		first, _sep, last = full_name.partition(" ")
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first,
				"last_name": last,
				"user_type": "System User" if roles else "Website User",
				"send_welcome_email": 0,
				"new_password": password,
				"roles": [{"role": r} for r in roles],
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	return email


def make_demo() -> dict:
	"""Create the demo records; returns what was made, for the command to print."""
	create_defaults()
	for email, (name, roles) in STAFF.items():
		ensure_user(email, name, roles)
	teams = {}
	for domain in DOMAINS:
		team, slug = TEAMS[domain]
		l2 = ensure_user(f"{slug}.l2@ts-sla.example", f"{slug.title()} Engineer", ["Support Engineer"])
		l2b = ensure_user(f"{slug}.l2b@ts-sla.example", f"{slug.title()} Engineer-B", ["Support Engineer"])
		l3 = ensure_user(f"{slug}.l3@ts-sla.example", f"{slug.title()} Expert", ["Support Engineer"])
		if not frappe.db.exists("Support Team", team):
			frappe.get_doc(
				{
					"doctype": "Support Team",
					"team_name": team,
					"lead": "lead@ts-sla.example",
					"supervisor": "supervisor@ts-sla.example",
					"assignment_method": "Round Robin",
					"domains": [{"technical_domain": domain}],
					"members": [
						{"user": l2, "tier": "L2", "active": 1},
						{"user": l2b, "tier": "L2", "active": 1},
						{"user": l3, "tier": "L3", "active": 1},
					],
				}
			).insert(ignore_permissions=True)
		teams[domain] = (team, l2)
	today = now_datetime().replace(hour=0, minute=0, second=0, microsecond=0)
	if not frappe.db.exists("Duty Roster", {"from_datetime": today, "duty_role": "On-Duty Lead"}):
		frappe.get_doc(
			{
				"doctype": "Duty Roster",
				"user": "lead@ts-sla.example",
				"duty_role": "On-Duty Lead",
				"from_datetime": today,
				"to_datetime": today + dt.timedelta(days=1),
			}
		).insert(ignore_permissions=True)
		for team, l2 in teams.values():
			frappe.get_doc(
				{
					"doctype": "Duty Roster",
					"user": l2,
					"duty_role": "L2 On Call",
					"support_team": team,
					"from_datetime": today,
					"to_datetime": today + dt.timedelta(days=1),
				}
			).insert(ignore_permissions=True)
	tickets = [_source_ticket(row, *teams[row["technical_domain"]]) for row in SOURCE_TICKETS]
	return {"tickets": tickets, "password": DEMO_PASSWORD, "users": sorted(STAFF)}


def _source_ticket(row: dict, team: str, engineer: str) -> str:
	"""A source ticket imported as closed, with the stamps of the tracking table."""
	existing = frappe.db.get_value(
		"Support Ticket", {"subject": row["subject"], "received_at": row["received_at"]}
	)
	if existing:
		return existing
	resolved = get_datetime(row["resolved_at"])
	ticket = frappe.get_doc(
		{
			"doctype": "Support Ticket",
			"subject": row["subject"],
			"description": f"{row['subject']} (source document row {row['source']})",
			"reporter_type": "Internal Employee",
			"reporter_name": "Sun Li",
			"reporter_user": "reporter@ts-sla.example",
			"contact_method": "Phone",
			"contact_detail": "+86 10 8888 0000",
			"channel": "Phone",
			"problem_type": "Software",
			"technical_domain": row["technical_domain"],
			"priority": row["priority"],
			"received_at": row["received_at"],
			"registered_at": row["received_at"],
			"support_team": team,
			"assigned_to": engineer,
			"support_tier": "L2",
			"assigned_at": row["received_at"],
			"first_responded_at": row["first_responded_at"],
			"resolved_at": resolved,
			"confirmed_at": resolved + dt.timedelta(minutes=10),
			"closed_at": resolved + dt.timedelta(minutes=20),
			"status": "Closed",
			"resolution_summary": row["resolution_result"],
			"resolution_result": row["resolution_result"],
			"customer_satisfaction": row["customer_satisfaction"],
			"delay_reason": row["delay_reason"],
			"reviewed_by": "supervisor@ts-sla.example",
			"review_note": "Imported from the source document's tracking table",
		}
	)
	frappe.flags.in_import = True
	try:
		ticket.insert(ignore_permissions=True)
	finally:
		frappe.flags.in_import = False
	return ticket.name
