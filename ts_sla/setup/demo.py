"""Demo data: a calendar, the technical domains, one team per domain with L2/L3 engineers, today's duty
roster, the three tickets of the source document's tracking table (TS001-TS003), closed as recorded there,
and, relative to the moment it runs, a live support desk:

- ``LIVE``: open tickets in every state a supervisor meets (on track, at risk, breached, paused, waiting for
  an extension decision, resolved awaiting the reporter's confirmation, a P0 the on-duty lead was alarmed of);
- last week: closed and rated tickets for the Weekly SLA Review (one recurring problem, one overdue with its
  cause);
- the last quarter: closed tickets on the default policy for what-if.

Run with ``bench --site <site> ts-sla-demo``. Safe to run twice: existing records are kept (tickets are
found by their subject, which the demo never repeats within a period).
"""

from __future__ import annotations

import datetime as dt
import random

import frappe
from frappe.model.document import Document
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
	now = now_datetime().replace(second=0, microsecond=0)
	live = {key: _live_ticket(key, now, teams) for key in LIVE}
	history = _history(now, teams)
	return {
		"tickets": tickets,
		"live": live,
		"history": history,
		"password": DEMO_PASSWORD,
		"users": sorted(STAFF),
	}


# The live desk, relative to now: key -> (subject, priority, domain, received minutes ago, the work done).
# The default policy counts P0-P2 on calendar time, so each state holds whenever the demo runs.
LIVE = {
	"on_track": ("VPN is slow for the sales team", "P2", "Network", 30, "responded"),
	"at_risk": ("Monthly sales report totals are wrong", "P1", "Application Development", 390, "responded"),
	"breached": ("Scanner on the 3rd floor is not found", "P1", "Hardware Support", 300, "assigned"),
	"paused": ("Shared drive quota increase", "P2", "System Operations", 120, "paused"),
	"extension": ("Invoice export times out", "P2", "Application Development", 1200, "extension"),
	"resolved": ("Password reset link has expired", "P2", "System Operations", 180, "resolved"),
	"p0": ("Payment channel returns errors", "P0", "Application Development", 5, "assigned"),
}
DEMO_REPORTER = ("Sun Li", "reporter@ts-sla.example")


def _find(subject: str, after: dt.datetime | None = None) -> str | None:
	filters = {"subject": subject}
	if after:
		filters["received_at"] = (">=", after)
	return frappe.db.get_value("Support Ticket", filters)


def _base(subject: str, priority: str, domain: str, received: dt.datetime, team: str, engineer: str) -> dict:
	return {
		"doctype": "Support Ticket",
		"subject": subject,
		"description": f"{subject} (demo)",
		"reporter_type": "Internal Employee",
		"reporter_name": DEMO_REPORTER[0],
		"reporter_user": DEMO_REPORTER[1],
		"contact_method": "Phone",
		"contact_detail": "+86 10 8888 0000",
		"channel": "Phone",
		"problem_type": "Hardware" if domain == "Hardware Support" else "Software",
		"technical_domain": domain,
		"priority": priority,
		"received_at": received,
		"registered_at": received,
		"support_team": team,
		"assigned_to": engineer,
		"support_tier": "L2",
		"assigned_at": received + dt.timedelta(minutes=2),
	}


def _import(values: dict) -> Document:
	"""Insert with the stamps given (as the importer does): the deadlines and states are computed from them."""
	ticket = frappe.get_doc(values)
	frappe.flags.in_import = True
	try:
		ticket.insert(ignore_permissions=True)
	finally:
		frappe.flags.in_import = False
	return ticket


def _live_ticket(key: str, now: dt.datetime, teams: dict) -> str:
	"""One open ticket of the live desk, worked as far as ``LIVE`` says; its engineer has the ToDo."""
	from ts_sla.services import lifecycle, notifier

	subject, priority, domain, age, work = LIVE[key]
	team, engineer = teams[domain]
	received = now - dt.timedelta(minutes=age)
	if existing := _find(subject, after=received - dt.timedelta(days=7)):
		return existing
	values = {**_base(subject, priority, domain, received, team, engineer), "status": "Assigned"}

	def minutes(m: int) -> dt.datetime:
		return received + dt.timedelta(minutes=m)

	if work in ("responded", "paused", "extension", "resolved"):
		values.update(status="In Progress", first_responded_at=minutes(min(20, age // 4)))
		values["progress_updates"] = [
			{
				"updated_at": minutes(min(25, age // 3)),
				"progress_status": "Investigating",
				"note": "Reproduced; looking at the logs",
				"updated_by": engineer,
			}
		]
		values.update(last_progress_at=minutes(min(25, age // 3)), progress_status="Investigating")
	if work == "paused":
		policy = frappe.get_cached_doc(
			"SLA Policy", frappe.db.get_single_value("TS SLA Settings", "default_policy")
		)
		values.update(status="Waiting for Customer")
		values["pauses"] = [
			{
				"reason": "Waiting for the department head's approval",
				"paused_from": minutes(age - 60),
				"clocks": ", ".join(c for c, flag in (("Resolution", policy.pause_resolution),) if flag),
			}
		]
	if work == "extension":
		values["extensions"] = [
			{
				"clock": "Resolution",
				"reason": "The vendor's patch arrives tomorrow morning",
				"extra_minutes": 480,
				"status": "Pending",
				"previous_due": minutes(24 * 60),
				"requested_by": engineer,
				"requested_at": minutes(age - 30),
			}
		]
	if work == "resolved":
		values.update(
			status="Resolved",
			resolved_at=minutes(age - 15),
			resolution_summary="Sent a new reset link; the old one had expired after 24 h",
			resolution_result="The reporter can log in",
		)
	ticket = _import(values)
	lifecycle._add_todo(ticket, engineer, by_rule=True)
	if priority == "P0":
		notifier.p0_alarm(ticket)  # the on-duty lead and the team's L2 are alarmed, as at a real registration
	return ticket.name


# Closed history: (subject, priority, domain, responded after, resolved after (minutes), satisfaction, cause)
WEEK = [
	("Printer on the 2nd floor jams", "P2", "Hardware Support", 40, 300, 5, None),
	("Printer on the 2nd floor jams", "P2", "Hardware Support", 35, 240, 4, None),
	("Printer on the 2nd floor jams", "P2", "Hardware Support", 50, 360, 3, None),
	("Expense claim attachment upload fails", "P1", "Application Development", 30, 420, 4, None),
	(
		"Wi-Fi drops in meeting room B",
		"P2",
		"Network",
		90,
		1700,
		2,
		"Waited for the access point replacement",
	),
	("New laptop set-up for a new hire", "P3", "System Operations", 120, 900, 5, None),
]


def _history(now: dt.datetime, teams: dict) -> dict:
	"""Last week's closed, rated tickets (the Weekly SLA Review) and a quarter of closed tickets (what-if)."""
	monday = (now - dt.timedelta(days=now.weekday() + 7)).replace(hour=0, minute=0)
	week = []
	for i, (subject, priority, domain, responded, resolved, score, cause) in enumerate(WEEK):
		received = monday + dt.timedelta(days=i % 5, hours=9 + i)
		week.append(_closed(subject, priority, domain, received, responded, resolved, score, cause, teams))
	rng = random.Random(2026)  # the same quarter on every site
	quarter = []
	start = monday - dt.timedelta(days=84)
	subjects = [
		("Outlook keeps asking for the password", "System Operations"),
		("Report export to Excel is empty", "Application Development"),
		("Docking station not detected", "Hardware Support"),
		("VPN disconnects every hour", "Network"),
	]
	for n in range(24):
		subject, domain = subjects[n % len(subjects)]
		priority = ("P1", "P2", "P2", "P3")[n % 4]
		received = start + dt.timedelta(days=3 * n + rng.randint(0, 2), hours=rng.randint(9, 16))
		responded = rng.randint(10, 300)
		resolved = responded + rng.randint(60, 1500)
		quarter.append(
			_closed(
				f"{subject} (#{n + 1})",
				priority,
				domain,
				received,
				responded,
				resolved,
				rng.randint(3, 5),
				None,
				teams,
				start,
			)
		)
	return {"week": week, "quarter": quarter}


def _closed(
	subject, priority, domain, received, responded, resolved, score, cause, teams, period=None
) -> str:
	"""A ticket closed as the record says: responded and resolved after these minutes, confirmed, rated."""
	# last week's tickets are found by subject and receipt (a problem recurs within it); the quarter's by their
	# numbered subject alone, so a later run adds no second quarter
	found = (
		frappe.db.get_value("Support Ticket", {"subject": subject, "received_at": received})
		if period is None
		else _find(subject)
	)
	if found:
		return found
	team, engineer = teams[domain]
	done = received + dt.timedelta(minutes=resolved)
	values = {
		**_base(subject, priority, domain, received, team, engineer),
		"first_responded_at": received + dt.timedelta(minutes=responded),
		"resolved_at": done,
		"confirmed_at": done + dt.timedelta(minutes=30),
		"closed_at": done + dt.timedelta(minutes=60),
		"status": "Closed",
		"resolution_summary": "Fixed and checked with the reporter",
		"resolution_result": "Works again",
		"customer_satisfaction": score,
		"delay_reason": cause,
		"reviewed_by": "supervisor@ts-sla.example",
		"review_note": "Demo history",
	}
	return _import(values).name


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
