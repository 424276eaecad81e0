"""The defaults of SPEC §3, inserted once at install (never overwritten afterwards: they are the site's to edit).

Frappe's fixtures are re-imported on every migrate and would undo a manager's edits to the policy, so only
the roles ship as fixtures; these records are created here when missing.
"""

import json

import frappe

DEFAULT_CALENDAR = "Default Support Calendar"
DEFAULT_POLICY = "Default SLA Policy"
KANBAN = "Support Tickets by Status"
#: What each card of the shipped board shows besides the subject.
KANBAN_CARD_FIELDS = ["priority", "sla_state", "next_due", "assigned_to"]
DOMAINS = ("System Operations", "Application Development", "Hardware Support", "Network")

PRIORITY_TARGETS = [
	# priority, triage min, response (time, unit, basis), resolution, hard limit, progress interval
	("P0", 0, (15, "Minutes", "Calendar"), (2, "Hours", "Calendar"), (4, "Hours", "Calendar"), 30),
	("P1", 10, (4, "Hours", "Calendar"), (8, "Hours", "Calendar"), None, 0),
	("P2", 10, (8, "Hours", "Calendar"), (24, "Hours", "Calendar"), None, 0),
	("P3", 10, (24, "Hours", "Calendar"), (3, "Days", "Working Days"), None, 0),
]

ESCALATION = [
	# clock, threshold %, level, notify, action
	("Registration", 100, 1, "Supervisor", "Notify"),
	("Triage", 100, 1, "Supervisor", "Notify"),
	("Response", 75, 1, "Assignee", "Notify"),
	("Response", 100, 2, "Supervisor", "Notify"),
	("Resolution", 75, 1, "Assignee", "Notify"),
	("Resolution", 100, 2, "Supervisor", "Notify"),
	("Resolution", 150, 3, "Manager", "Notify"),
	("Hard Limit", 100, 3, "On-Duty Lead", "Notify"),
	("P0 Progress", 100, 1, "Assignee", "Notify"),
	("Daily Progress", 100, 1, "Assignee", "Notify"),
	("Verification", 100, 1, "Assignee", "Notify"),
	("Closure", 100, 1, "Supervisor", "Notify"),
	("Collaboration", 100, 1, "Supervisor", "Notify"),
]


def create_defaults() -> None:
	for domain in DOMAINS:
		if not frappe.db.exists("Technical Domain", domain):
			frappe.get_doc({"doctype": "Technical Domain", "domain_name": domain}).insert(
				ignore_permissions=True
			)
	if not frappe.db.exists("Support Calendar", DEFAULT_CALENDAR):
		frappe.get_doc(
			{
				"doctype": "Support Calendar",
				"calendar_name": DEFAULT_CALENDAR,
				"time_zone": "",  # blank: the site's system time zone
				"working_hours": [
					{"weekday": day, "start_time": "09:00:00", "end_time": "18:00:00"}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
				],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("SLA Policy", DEFAULT_POLICY):
		frappe.get_doc(
			{
				"doctype": "SLA Policy",
				"policy_name": DEFAULT_POLICY,
				"enabled": 1,
				"is_default": 1,
				"support_calendar": DEFAULT_CALENDAR,
				# Time fields must be set explicitly: Frappe fills an unset Time field with the current time
				"daily_progress_cutoff": "17:00:00",
				"priorities": [
					{
						"priority": priority,
						"triage_minutes": triage,
						"response_time": response[0],
						"response_unit": response[1],
						"response_basis": response[2],
						"resolution_time": resolution[0],
						"resolution_unit": resolution[1],
						"resolution_basis": resolution[2],
						"hard_limit_time": limit[0] if limit else 0,
						"hard_limit_unit": limit[1] if limit else "Hours",
						"hard_limit_basis": limit[2] if limit else "Calendar",
						"progress_interval": progress,
						"warning_percent": 75,
					}
					for priority, triage, response, resolution, limit, progress in PRIORITY_TARGETS
				],
				"escalation_rules": [
					{"clock": c, "threshold_percent": t, "level": lvl, "notify": n, "action": a}
					for c, t, lvl, n, a in ESCALATION
				],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Kanban Board", KANBAN):
		frappe.get_doc(
			{
				"doctype": "Kanban Board",
				"kanban_board_name": KANBAN,
				"reference_doctype": "Support Ticket",
				"field_name": "status",
				"private": 0,
				"show_labels": 1,
				"fields": json.dumps(KANBAN_CARD_FIELDS),
				"columns": [
					{"column_name": s, "status": "Active", "indicator": c}
					for s, c in (
						("New", "Gray"),
						("Assigned", "Blue"),
						("In Progress", "Orange"),
						("Waiting for Customer", "Purple"),
						("Resolved", "Green"),
						("Confirmed", "Green"),
						("Closed", "Gray"),
					)
				],
			}
		).insert(ignore_permissions=True)
	elif not frappe.db.get_value("Kanban Board", KANBAN, "fields"):  # boards shipped before cards had fields
		frappe.db.set_value("Kanban Board", KANBAN, "fields", json.dumps(KANBAN_CARD_FIELDS))
	settings = frappe.get_single("TS SLA Settings")
	stored = set(frappe.db.sql_list("SELECT `field` FROM `tabSingles` WHERE `doctype` = 'TS SLA Settings'"))
	if not settings.default_policy or "auto_assign" not in stored:
		settings.default_policy = settings.default_policy or DEFAULT_POLICY
		if "auto_assign" not in stored:
			settings.auto_assign = 1
		settings.save(ignore_permissions=True)
