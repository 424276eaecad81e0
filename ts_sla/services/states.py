"""The vocabulary of a ticket's lifecycle, defined once: statuses, their groups and the transitions.

Imports nothing else of ts_sla, so every layer (services, doctypes, api) can use it.
"""

from __future__ import annotations

NEW, ASSIGNED, IN_PROGRESS, WAITING = "New", "Assigned", "In Progress", "Waiting for Customer"
RESOLVED, CONFIRMED, CLOSED, CANCELLED = "Resolved", "Confirmed", "Closed", "Cancelled"

STATUSES = (NEW, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CONFIRMED, CLOSED, CANCELLED)
#: An engineer is working the ticket.
WORKING = (ASSIGNED, IN_PROGRESS, WAITING)
#: Priorities, most urgent first; an API insert without one gets the default (the Desk makes the agent choose).
PRIORITIES = ("P0", "P1", "P2", "P3")
DEFAULT_PRIORITY = "P2"
#: Not yet closed or cancelled.
OPEN = (NEW, *WORKING, RESOLVED, CONFIRMED)
#: Nothing changes any more.
FINAL = (CLOSED, CANCELLED)
#: The resolution clock has stopped.
RESOLVED_STATES = (RESOLVED, CONFIRMED, CLOSED)

#: action -> {status it may be taken in: status it leaves}. The only way a ticket's status changes; the
#: transition table and the states each action is allowed in are derived from it.
MOVES: dict[str, dict[str, str]] = {
	"assign": {NEW: ASSIGNED, ASSIGNED: ASSIGNED, IN_PROGRESS: IN_PROGRESS, WAITING: WAITING},
	"reclassify": {s: s for s in (NEW, *WORKING)},
	"respond": {ASSIGNED: IN_PROGRESS},
	"add_progress": {s: s for s in WORKING},
	"wait_for_customer": {IN_PROGRESS: WAITING},
	"resume": {WAITING: IN_PROGRESS},
	"request_extension": {s: s for s in WORKING},
	"decide_extension": {s: s for s in OPEN},
	"fulfil_collaboration": {s: s for s in OPEN},
	"resolve": {IN_PROGRESS: RESOLVED, WAITING: RESOLVED},
	"confirm": {RESOLVED: CONFIRMED},
	"reject_resolution": {RESOLVED: IN_PROGRESS},
	"rate": {RESOLVED: RESOLVED, CONFIRMED: CONFIRMED, CLOSED: CLOSED},
	"close": {RESOLVED: CLOSED, CONFIRMED: CLOSED},
	"cancel": {s: CANCELLED for s in OPEN},
}

#: status -> the statuses an action can move it to.
TRANSITIONS: dict[str, frozenset[str]] = {
	status: frozenset(
		target
		for moves in MOVES.values()
		for source, target in moves.items()
		if source == status and target != status
	)
	for status in STATUSES
}


def allowed_in(action: str) -> tuple[str, ...]:
	"""The statuses an action may be taken in."""
	return tuple(MOVES[action])


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
