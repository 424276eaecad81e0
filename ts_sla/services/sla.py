"""Deadlines and clock states of a Support Ticket, computed by the engine.

``refresh(ticket)`` is the one entry point: it (re)computes every due field, the explanation, the clock
statuses, ``sla_state`` and ``next_check_at`` from the ticket's own data (policy, calendar, pauses, approved
extensions, stamps), so the result never depends on the order in which things happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import get_system_timezone, now_datetime

from ts_sla.services.clocks import aware, engine_error, get_calendar, make_target, naive
from ts_sla.services.policy import find_policy, priority_row
from ts_sla.sla import Basis, ClockState, SLAError, Target, due, elapsed, evaluate, explain
from ts_sla.sla.clock import pauses_to_us, threshold_us

RESOLVED_STATES = ("Resolved", "Confirmed", "Closed")
FINAL_STATES = ("Closed", "Cancelled")
#: Ticket fields that only the server sets (actions and this module); never taken from a client.
COMPUTED_FIELDS = (
	"registered_at",
	"registration_due",
	"triage_due",
	"response_due",
	"resolution_due",
	"resolution_limit",
	"sla_explanation",
	"response_status",
	"resolution_status",
	"sla_state",
	"paused_minutes",
	"next_check_at",
)


@dataclass
class Clock:
	"""One running or stopped clock of a ticket."""

	key: str
	label: str
	start: dt.datetime
	target: Target
	pauses: list
	stopped_at: dt.datetime | None
	due: dt.datetime | None = None


def _pauses(ticket, clock: str, open_ones: bool = False) -> list:
	"""The ticket's pause intervals that pause a clock (aware); open ones only when asked."""
	pauses = []
	for row in ticket.get("pauses") or []:
		if clock not in [c.strip() for c in (row.clocks or "").split(",")]:
			continue
		end = aware(row.paused_to)
		if end is None and not open_ones:
			continue
		pauses.append((aware(row.paused_from), end))
	return pauses


def _apply_extension(ticket, calendar, clock: Clock) -> None:
	"""An approved extension restarts the clock at the decision with the time left to its new due."""
	approved = [
		e
		for e in ticket.get("extensions") or []
		if e.status == "Approved" and e.clock == clock.key.title() and e.new_due and e.decided_at
	]
	if not approved:
		return
	extension = max(approved, key=lambda e: aware(e.decided_at))
	decided, new_due = aware(extension.decided_at), aware(extension.new_due)
	basis = Basis.BUSINESS if clock.target.basis is Basis.WORKING_DAYS else clock.target.basis
	minutes = elapsed(calendar, decided, new_due, basis) if new_due > decided else 0
	later = [(s, e) for s, e in clock.pauses if s >= decided]
	clock.start, clock.target, clock.pauses = decided, Target(minutes, basis), later
	clock.due = due(calendar, decided, clock.target, later)
	clock.label = _("{0} (extended)").format(clock.label)


def clocks_of(ticket) -> tuple[list[Clock], object]:
	"""The ticket's SLA clocks with their due instants, and the engine calendar they run on."""
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	row = priority_row(policy, ticket.priority)
	calendar = get_calendar(ticket.support_calendar or policy.support_calendar)
	received = aware(ticket.received_at)
	registered = aware(ticket.registered_at) or received
	p = ticket.priority
	# Which clocks a pause stops is recorded on the pause row itself (see lifecycle.pause).
	pause_response = _pauses(ticket, "Response")
	pause_resolution = _pauses(ticket, "Resolution")
	clocks = [
		Clock(
			"registration",
			_("Registration"),
			received,
			Target(policy.registration_minutes or 0),
			[],
			registered,
		),
		Clock(
			"triage", _("Triage"), registered, Target(row.triage_minutes or 0), [], aware(ticket.assigned_at)
		),
		Clock(
			"response",
			_("{0} response").format(p),
			received,
			make_target(row.response_time, row.response_unit, row.response_basis),
			pause_response,
			aware(ticket.first_responded_at),
		),
		Clock(
			"resolution",
			_("{0} resolution").format(p),
			received,
			make_target(row.resolution_time, row.resolution_unit, row.resolution_basis),
			pause_resolution,
			aware(ticket.resolved_at),
		),
	]
	if row.hard_limit_time:
		clocks.append(
			Clock(
				"limit",
				_("{0} hard limit").format(p),
				received,
				make_target(row.hard_limit_time, row.hard_limit_unit, row.hard_limit_basis),
				[],
				aware(ticket.resolved_at),
			)
		)
	try:
		for clock in clocks:
			clock.due = due(calendar, clock.start, clock.target, clock.pauses)
			if clock.key in ("response", "resolution"):
				_apply_extension(ticket, calendar, clock)
	except SLAError as error:
		engine_error(error)
	return clocks, calendar


def refresh(ticket, now: dt.datetime | None = None) -> None:
	"""Recompute policy-derived deadlines, explanation and states on the ticket (no save)."""
	if not ticket.sla_policy:
		ticket.sla_policy = find_policy(ticket)
	if not ticket.support_calendar:
		ticket.support_calendar = frappe.db.get_value("SLA Policy", ticket.sla_policy, "support_calendar")
	clocks, calendar = clocks_of(ticket)
	by_key = {c.key: c for c in clocks}
	ticket.registration_due = naive(by_key["registration"].due)
	ticket.triage_due = naive(by_key["triage"].due)
	ticket.response_due = naive(by_key["response"].due)
	ticket.resolution_due = naive(by_key["resolution"].due)
	ticket.resolution_limit = naive(by_key["limit"].due) if "limit" in by_key else None
	lines = [
		explain(calendar, c.label, c.start, c.target, [p for p in c.pauses if p[1]], c.due).render(_)
		for c in clocks
	]
	lines.append(
		_("Deadlines are stored and shown in the system time zone ({0}).").format(get_system_timezone())
	)
	ticket.sla_explanation = "\n".join(lines)
	ticket.paused_minutes = round(
		sum(
			((aware(r.paused_to) or aware(now or now_datetime())) - aware(r.paused_from)).total_seconds() / 60
			for r in ticket.get("pauses") or []
		),
		2,
	)
	update_states(ticket, now, clocks, calendar)


def read_clock(ticket, clock: Clock, calendar, now: dt.datetime, warning: float):
	"""The engine's reading of one clock at ``now``; a pause still running counts (the hard limit never pauses)."""
	running = [p for p in _pauses(ticket, clock.key.title(), open_ones=True) if p[1] is None]
	return evaluate(
		calendar,
		clock.start,
		clock.target,
		now,
		pauses=[] if clock.key == "limit" else running + clock.pauses,
		stopped_at=clock.stopped_at,
		warning_percent=warning,
	)


def update_states(ticket, now=None, clocks=None, calendar=None) -> None:
	"""Set response/resolution status, sla_state and next_check_at from the clocks at ``now``."""
	now = aware(now or now_datetime())
	if clocks is None:
		clocks, calendar = clocks_of(ticket)
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	row = priority_row(policy, ticket.priority)
	warning = row.warning_percent or 75
	readings = {
		clock.key: read_clock(ticket, clock, calendar, now, warning)
		for clock in clocks
		if clock.key not in ("registration", "triage")
		and not (ticket.status == "Cancelled" and not clock.stopped_at)
	}
	for key, field in (("response", "response_status"), ("resolution", "resolution_status")):
		reading = readings.get(key)
		if reading is None:
			continue
		ticket.set(
			field,
			"Met"
			if reading.state is ClockState.MET
			else "Breached"
			if reading.state is ClockState.BREACHED
			else "Pending",
		)
	ticket.sla_state = _overall(ticket, readings)
	upcoming = [o.at for o in occurrences(ticket, now, clocks, calendar) if o.at > now]
	ticket.next_check_at = naive(min(upcoming)) if upcoming and ticket.status not in FINAL_STATES else None


CLOCK_NAMES = {
	"registration": "Registration",
	"triage": "Triage",
	"response": "Response",
	"resolution": "Resolution",
	"limit": "Hard Limit",
}
WORKING_STATES = ("Assigned", "In Progress", "Waiting for Customer")


@dataclass(frozen=True)
class Occurrence:
	"""A moment a clock crosses a threshold (or a reminder falls due): what the monitor turns into events."""

	clock: str
	kind: str
	threshold: float
	due: dt.datetime
	at: dt.datetime
	occurrence: str = ""


def matching_rules(policy, clock: str, priority: str) -> list:
	"""The policy's escalation rows for a clock that apply to a priority (a blank priority applies to all)."""
	return [
		r
		for r in policy.get("escalation_rules") or []
		if r.clock == clock and (not r.priority or r.priority == priority)
	]


def rule_thresholds(policy, clock: str, priority: str) -> list[float]:
	return [float(r.threshold_percent) for r in matching_rules(policy, clock, priority)]


def occurrences(ticket, now: dt.datetime | None = None, clocks=None, calendar=None) -> list[Occurrence]:
	"""Every threshold crossing and reminder of the ticket, past and future, from its own data."""
	now = aware(now or now_datetime())
	if ticket.status == "Cancelled":
		return []
	if clocks is None:
		clocks, calendar = clocks_of(ticket)
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	row = priority_row(policy, ticket.priority)
	warning = float(row.warning_percent or 75)
	out: list[Occurrence] = []
	for clock in clocks:
		name = CLOCK_NAMES[clock.key]
		if any(end is None for _start, end in _pauses(ticket, name, open_ones=True)) and not clock.stopped_at:
			continue  # paused: nothing changes until it resumes
		start_us = calendar.to_us(clock.start)
		pauses = pauses_to_us(calendar, clock.pauses)
		due_at = calendar.to_us(clock.due)
		for level in sorted({warning, 100.0, *rule_thresholds(policy, name, ticket.priority)}):
			at = calendar.from_us(threshold_us(calendar, start_us, clock.target, level, pauses, due_at))
			if clock.stopped_at and clock.stopped_at <= at:
				continue
			kind = "Warning" if level < 100 else "Breach" if level == 100 else "Escalation"
			out.append(Occurrence(name, kind, level, clock.due, at))
	interval = row.progress_interval or 0
	if interval and ticket.status in WORKING_STATES and not ticket.resolved_at:
		anchor = max(
			t
			for t in (
				aware(ticket.last_progress_at),
				aware(ticket.first_responded_at),
				aware(ticket.registered_at),
			)
			if t
		)
		at = anchor + dt.timedelta(minutes=interval)
		out.append(Occurrence("P0 Progress", "Reminder", 100.0, at, at, naive(at).isoformat()))
	if ticket.status == "Resolved" and ticket.resolved_at:
		at = aware(ticket.resolved_at) + dt.timedelta(minutes=policy.verification_followup_minutes or 0)
		out.append(Occurrence("Verification", "Reminder", 100.0, at, at, naive(at).isoformat()))
	if ticket.status == "Confirmed" and ticket.confirmed_at:
		at = aware(ticket.confirmed_at) + dt.timedelta(minutes=policy.closure_minutes or 0)
		out.append(Occurrence("Closure", "Breach", 100.0, at, at))
	for request in ticket.get("collaborations") or []:
		if request.due_at and not request.fulfilled_at:
			at = aware(request.due_at)
			out.append(Occurrence("Collaboration", "Breach", 100.0, at, at, request.support_team))
	return out


def _overall(ticket, readings) -> str:
	states = [r.state for r in readings.values()]
	if ClockState.BREACHED in states:
		return ClockState.BREACHED.value
	if ticket.status in RESOLVED_STATES or ticket.status == "Cancelled":
		return ClockState.MET.value
	if ticket.status == "Waiting for Customer" or ClockState.PAUSED in states:
		return ClockState.PAUSED.value
	if ClockState.AT_RISK in states:
		return ClockState.AT_RISK.value
	return ClockState.ON_TRACK.value


def clock_panel(ticket) -> list[dict]:
	"""What the form's clocks panel shows: each clock's due time, state, percentage and paused flag."""
	if not ticket.sla_policy or not ticket.priority:
		return []
	clocks, calendar = clocks_of(ticket)
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	warning = priority_row(policy, ticket.priority).warning_percent or 75
	now = aware(now_datetime())
	panel = []
	for clock in clocks:
		reading = read_clock(ticket, clock, calendar, now, warning)
		panel.append(
			{
				"clock": clock.key,
				"label": clock.label,
				"due": naive(reading.due),
				"state": reading.state.value,
				"percent": reading.percent,
				"paused": reading.paused,
				"stopped_at": naive(clock.stopped_at),
				# computed here, in the system zone, so a browser in another zone shows the right time left
				"minutes_left": round((reading.due - now).total_seconds() / 60),
			}
		)
	return panel
