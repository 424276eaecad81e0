"""The vocabulary of a ticket's lifecycle, defined once: statuses, their groups and the transitions.

Imports nothing else of ts_sla, so every layer (services, doctypes, api) can use it.
"""

from __future__ import annotations

NEW, ASSIGNED, IN_PROGRESS, WAITING = "New", "Assigned", "In Progress", "Waiting for Customer"
RESOLVED, CONFIRMED, CLOSED, CANCELLED = "Resolved", "Confirmed", "Closed", "Cancelled"

STATUSES = (NEW, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CONFIRMED, CLOSED, CANCELLED)
#: An engineer is working the ticket.
WORKING = (ASSIGNED, IN_PROGRESS, WAITING)
#: Not yet closed or cancelled.
OPEN = (NEW, *WORKING, RESOLVED, CONFIRMED)
#: Nothing changes any more.
FINAL = (CLOSED, CANCELLED)
#: The resolution clock has stopped.
RESOLVED_STATES = (RESOLVED, CONFIRMED, CLOSED)

TRANSITIONS: dict[str, frozenset[str]] = {
	NEW: frozenset({ASSIGNED, CANCELLED}),
	ASSIGNED: frozenset({IN_PROGRESS, CANCELLED}),
	IN_PROGRESS: frozenset({WAITING, RESOLVED, CANCELLED}),
	WAITING: frozenset({IN_PROGRESS, RESOLVED, CANCELLED}),
	RESOLVED: frozenset({CONFIRMED, IN_PROGRESS, CLOSED, CANCELLED}),
	CONFIRMED: frozenset({CLOSED, CANCELLED}),
	CLOSED: frozenset(),
	CANCELLED: frozenset(),
}

#: Clock names as SLA Events and pause rows record them.
REGISTRATION, TRIAGE, RESPONSE, RESOLUTION, HARD_LIMIT = (
	"Registration",
	"Triage",
	"Response",
	"Resolution",
	"Hard Limit",
)
#: Clocks an extension can move.
EXTENDABLE = (RESPONSE, RESOLUTION)

#: Fields that move deadlines or ownership: after registration they change only through an action
#: (reclassify, assign) that records who changed them and why.
DEADLINE_FIELDS = (
	"priority",
	"received_at",
	"occurred_at",
	"sla_policy",
	"support_calendar",
	"technical_domain",
)
OWNER_FIELDS = ("support_team", "assigned_to", "support_tier")

#: Roles of the app.
AGENT, ENGINEER, SUPERVISOR, MANAGER = (
	"Support Agent",
	"Support Engineer",
	"Support Supervisor",
	"Support Manager",
)
#: Roles that may own (be assigned) a ticket.
ASSIGNABLE_ROLES = (ENGINEER, SUPERVISOR, MANAGER)
