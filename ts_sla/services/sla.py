"""Deadlines and clock states of a Support Ticket, computed by the engine.

``refresh(ticket)`` is the one entry point: it (re)computes every due field, the explanation, the clock
statuses, ``sla_state`` and ``next_check_at`` from the ticket's own data (policy, calendar, pauses, approved
extensions, stamps), so the result never depends on the order in which things happened.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import frappe
from frappe import _
from frappe.utils import get_system_timezone, now_datetime

from ts_sla.services.clocks import aware, engine_error, get_calendar, make_target, naive
from ts_sla.services.notes import Note, shown_value
from ts_sla.services.policy import find_policy, priority_row, why
from ts_sla.services.states import (
	CANCELLED,
	CONFIRMED,
	EXTENDABLE,
	HARD_LIMIT,
	REGISTRATION,
	RESOLUTION,
	RESOLVED,
	RESOLVED_STATES,
	RESPONSE,
	TRIAGE,
	WORKING,
)
from ts_sla.services.states import FINAL as FINAL_STATES
from ts_sla.sla import Basis, ClockState, SLAError, Target, due, elapsed, evaluate, explain, format_duration

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
	"response_business_minutes",
	"resolution_business_minutes",
	"next_due",
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
	#: (start, target, pauses) before an approved extension moved the clock: "Used" keeps counting against it
	original: tuple | None = None


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


def minutes_basis(target: Target) -> Basis:
	"""The basis a clock's minutes are counted on: its own, except that a working-days clock counts business
	minutes (its extensions, and the time it ran)."""
	return Basis.BUSINESS if target.basis is Basis.WORKING_DAYS else target.basis


def _extension_amount(calendar, clock: Clock, extension) -> float:
	"""The minutes an extension adds (rows from before amounts were recorded: from their new due)."""
	if extension.extra_minutes:
		return float(extension.extra_minutes)
	if extension.new_due and extension.previous_due:
		basis = minutes_basis(clock.target)
		return elapsed(calendar, aware(extension.previous_due), aware(extension.new_due), basis)
	return 0.0


def _apply_extension(ticket, calendar, clock: Clock) -> None:
	"""Approved extensions move the clock's due from its current due (every pause counted) by their time;
	the clock then runs from the last decision towards that due, so its warnings are of the extended span."""
	approved = sorted(
		(
			e
			for e in ticket.get("extensions") or []
			if e.status == "Approved" and e.clock == CLOCK_NAMES[clock.key] and e.decided_at
		),
		key=lambda e: aware(e.decided_at),
	)
	if not approved:
		return
	basis = minutes_basis(clock.target)
	extended = clock.due
	for extension in approved:
		extended = due(
			calendar, extended, Target(_extension_amount(calendar, clock, extension), basis), clock.pauses
		)
	decided = aware(approved[-1].decided_at)
	clock.original = (clock.start, clock.target, clock.pauses)
	if extended > decided:
		later = [(s, e) for s, e in clock.pauses if e is None or e > decided]
		clock.start, clock.pauses = decided, later
		clock.target = Target(elapsed(calendar, decided, extended, basis, later), basis)
		clock.due = due(calendar, decided, clock.target, later)
	else:  # extended, and still overdue at the decision
		clock.start, clock.target, clock.pauses, clock.due = extended, Target(0, basis), [], extended
	clock.label = _("{0} (extended)").format(clock.label)


def extension_minutes(ticket, clock_name: str, current: dt.datetime, new_due: dt.datetime) -> float:
	"""The time a requested new due adds to a clock's current due, on the clock's extension basis."""
	clocks, calendar = clocks_of(ticket)
	clock = next(c for c in clocks if CLOCK_NAMES[c.key] == clock_name)
	try:
		return round(elapsed(calendar, aware(current), aware(new_due), minutes_basis(clock.target)), 2)
	except SLAError as error:
		engine_error(error)


def extended_due(ticket, extension) -> dt.datetime:
	"""The due instant of the extension's clock with the extension (already marked Approved) applied."""
	clocks, _calendar = clocks_of(ticket)
	return next(c for c in clocks if CLOCK_NAMES[c.key] == extension.clock).due


def clocks_of(ticket) -> tuple[list[Clock], object]:
	"""The ticket's SLA clocks with their due instants, and the engine calendar they run on."""
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	row = priority_row(policy, ticket.priority)
	calendar = get_calendar(ticket.support_calendar or policy.support_calendar)
	received = aware(ticket.received_at)
	registered = aware(ticket.registered_at) or received
	p = ticket.priority

	def target_clock(key: str, label: str, prefix: str, pauses: list, stopped) -> Clock:
		"""A clock whose target is the priority row's ``{prefix}_time``, ``_unit`` and ``_basis``."""
		target = make_target(row.get(f"{prefix}_time"), row.get(f"{prefix}_unit"), row.get(f"{prefix}_basis"))
		return Clock(key, label, received, target, pauses, aware(stopped))

	# Which clocks a pause stops is recorded on the pause row itself (see lifecycle.pause).
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
		target_clock(
			"response",
			_("{0} response").format(p),
			"response",
			_pauses(ticket, RESPONSE),
			ticket.first_responded_at,
		),
		target_clock(
			"resolution",
			_("{0} resolution").format(p),
			"resolution",
			_pauses(ticket, RESOLUTION),
			ticket.resolved_at,
		),
	]
	if row.hard_limit_time:
		clocks.append(
			target_clock("limit", _("{0} hard limit").format(p), "hard_limit", [], ticket.resolved_at)
		)
	try:
		for clock in clocks:
			clock.due = due(calendar, clock.start, clock.target, clock.pauses)
			if CLOCK_NAMES[clock.key] in EXTENDABLE:
				_apply_extension(ticket, calendar, clock)
	except SLAError as error:
		engine_error(error)
	return clocks, calendar


#: Fields whose change means the deadlines must be recomputed (and the change explained on the timeline).
RECOMPUTE_ON = ("priority", "sla_policy", "support_calendar", "received_at")


def recompute(ticket) -> None:
	"""Recompute deadlines on save; when priority, policy, calendar or receipt changed, explain it on the
	timeline (with the reason the reclassify action was given)."""
	before = None if ticket.is_new() else ticket.get_doc_before_save()
	changed = [f for f in RECOMPUTE_ON if before and str(before.get(f) or "") != str(ticket.get(f) or "")]
	if "sla_policy" in changed and "support_calendar" not in changed:
		ticket.support_calendar = None  # follow the new policy's calendar
	refresh(ticket)
	if not changed:
		return
	label = ticket.meta.get_label
	what = Note.join(Note("{0}: {1} → {2}", Note(label(f)), *_names(f, before, ticket)) for f in changed)
	moved = [
		f
		for f in ("response_due", "resolution_due", "resolution_limit")
		if str(before.get(f) or "") != str(ticket.get(f) or "")
	]
	dues = Note.join(
		Note("{0} {1} → {2}", Note(label(f)), before.get(f) or "—", ticket.get(f) or "—") for f in moved
	)
	note = Note(
		"Deadlines recomputed because {0} changed. {1}",
		what,
		dues if moved else Note("The due times did not move."),
	)
	if ticket.flags.ts_reason:
		note = Note("{0} {1}", note, Note("Reason: {0}", ticket.flags.ts_reason))
	ticket.flags.sla_change_note = note


def _names(field: str, before, ticket) -> tuple:
	"""A recomputing field's old and new value: a policy or calendar as its (translated) name."""
	return tuple(shown_value(field, v) if v else "—" for v in (before.get(field), ticket.get(field)))


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
	for key, field in (
		("response", "response_business_minutes"),
		("resolution", "resolution_business_minutes"),
	):
		# a running clock has no figure yet: 0, as the NOT NULL column keeps it (None would read back as 0 and
		# log "changed from 0 to null" on every save); readers look at the clock's stop (first_responded_at,
		# resolved_at) to tell "not yet" from "0 minutes"
		ticket.set(field, clock_minutes(calendar, by_key[key], by_key[key].stopped_at) or 0)
	ticket.sla_explanation = explanation(clocks, calendar, why(ticket))
	ticket.paused_minutes = round(
		sum(
			((aware(r.paused_to) or aware(now or now_datetime())) - aware(r.paused_from)).total_seconds() / 60
			for r in ticket.get("pauses") or []
		),
		2,
	)
	update_states(ticket, now, clocks, calendar)


def explanation(clocks: list[Clock], calendar, chosen: str = "") -> str:
	"""Why each due time is what it is (after ``chosen``: which rule chose the policy), in the language of
	whoever reads it now: the stored ``sla_explanation`` is in the saver's language, so the form and the API
	render it again from the clocks."""
	lines = [chosen] if chosen else []
	lines += [
		explain(calendar, c.label, c.start, c.target, [p for p in c.pauses if p[1]], c.due).render(_)
		for c in clocks
	]
	lines.append(
		_("Deadlines are stored and shown in the system time zone ({0}).").format(get_system_timezone())
	)
	return "\n".join(lines)


def percentile(values, percent: float) -> float | None:
	"""The percentile of the values, interpolated linearly between ranks (numpy's default), to two decimals;
	None for no values. The one definition the weekly review and the what-if share."""
	ordered = sorted(float(v) for v in values)
	if not ordered:
		return None
	rank = (len(ordered) - 1) * percent / 100
	low = math.floor(rank)
	high = min(low + 1, len(ordered) - 1)
	return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 2)


def clock_minutes(calendar, clock: Clock, end, start=None) -> float | None:
	"""How long a clock ran from its start (or ``start``, when later) to ``end``, in minutes on its own basis
	(business minutes for business hours and working days), its pauses excluded — "2 h 15 min of business
	time", not a wall-clock difference across a weekend. After an extension, still from the original start."""
	if not end:
		return None
	origin, target, pauses = clock.original or (clock.start, clock.target, clock.pauses)
	begin = max(origin, aware(start)) if start else origin
	end = aware(end)
	if end <= begin:
		return 0.0
	try:
		return round(elapsed(calendar, begin, end, minutes_basis(target), [p for p in pauses if p[1]]), 2)
	except SLAError as error:
		engine_error(error)


def resolution_minutes(ticket, start, end) -> float | None:
	"""The resolution clock's minutes between two instants (one resolution cycle)."""
	clocks, calendar = clocks_of(ticket)
	clock = next(c for c in clocks if c.key == "resolution")
	return clock_minutes(calendar, clock, end, start)


def read_explanation(ticket) -> str:
	"""The ticket's explanation rendered for the current reader."""
	if not ticket.sla_policy or not ticket.priority:
		return ticket.sla_explanation or ""
	return explanation(*clocks_of(ticket), why(ticket))


def read_clock(ticket, clock: Clock, calendar, now: dt.datetime, warning: float, thresholds=()):
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
		thresholds=thresholds,
	)


def levels_of(policy, row, clock: Clock, priority: str) -> list[float]:
	"""The percentages the monitor watches on a clock: the warning, 100 and the escalation rows."""
	warning = float(row.warning_percent or 75)
	return sorted({warning, 100.0, *rule_thresholds(policy, CLOCK_NAMES[clock.key], priority)})


def update_states(ticket, now=None, clocks=None, calendar=None, recorded: set | None = None) -> None:
	"""Set response/resolution status, sla_state, next_due and next_check_at from the clocks at ``now``
	(``recorded``: the ticket's ``fired_refs`` when the caller has read them already)."""
	now = aware(now or now_datetime())
	if clocks is None:
		clocks, calendar = clocks_of(ticket)
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	row = priority_row(policy, ticket.priority)
	warning = row.warning_percent or 75
	# one engine reading per clock serves both the states and the monitor's occurrences
	every = {
		clock.key: read_clock(
			ticket, clock, calendar, now, warning, levels_of(policy, row, clock, ticket.priority)
		)
		for clock in clocks
	}
	# the overall state follows the clocks that drive the ticket: response, resolution and hard limit, and the
	# intake clocks (registration, triage) while they still run — a New ticket nobody triaged in time is
	# Breached, as its headline says; once triaged, that lateness stays in its SLA Events
	readings = {
		clock.key: every[clock.key]
		for clock in clocks
		if not (clock.key in ("registration", "triage") and clock.stopped_at)
		and not (ticket.status == CANCELLED and not clock.stopped_at)
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
	# the list's "next due": the earliest due of a clock still running (none once the ticket is final)
	running = [c.due for c in clocks if not c.stopped_at and c.due]
	ticket.next_due = naive(min(running)) if running and ticket.status not in FINAL_STATES else None
	ticket.next_check_at = next_check(
		ticket, occurrences(ticket, now, clocks, calendar, every), now, recorded
	)


def next_check(ticket, found: list, now: dt.datetime, recorded: set | None = None) -> dt.datetime | None:
	"""When the monitor must look at the ticket next: the earliest occurrence not yet recorded as an SLA
	Event — one already past (a late registration, a backdated receipt, a clock moved by an extension, a
	priority change or a resume) makes the ticket due at the next tick."""
	if ticket.status in FINAL_STATES:
		return None
	past = [o for o in found if o.at <= now]
	if recorded is None:
		recorded = fired_refs(ticket.name) if past and not ticket.is_new() else set()
	pending = [o.at for o in found if o.at > now or o.ref not in recorded]
	return naive(min(pending)) if pending else None


def fired_refs(ticket_name: str) -> set[tuple[str, str, str]]:
	"""(clock, threshold, occurrence) of every SLA Event recorded for the ticket (``Occurrence.event_key``
	read back)."""
	return refs_of(frappe.get_all("SLA Event", filters={"ticket": ticket_name}, pluck="event_key"))


def refs_of(event_keys) -> set[tuple[str, str, str]]:
	"""(clock, threshold, occurrence) of each event key."""
	refs = set()
	for key in event_keys:
		parts = key.split("|")
		if len(parts) >= 5:
			refs.add((parts[1], parts[2], "|".join(parts[4:])))
	return refs


CLOCK_NAMES = {
	"registration": REGISTRATION,
	"triage": TRIAGE,
	"response": RESPONSE,
	"resolution": RESOLUTION,
	"limit": HARD_LIMIT,
}


@dataclass(frozen=True)
class Occurrence:
	"""A moment a clock crosses a threshold (or a reminder falls due): what the monitor turns into events."""

	clock: str
	kind: str
	threshold: float
	due: dt.datetime
	at: dt.datetime
	occurrence: str = ""

	@property
	def when(self) -> str:
		"""What tells this occurrence from earlier ones of the same clock and threshold."""
		return self.occurrence or naive(self.due).isoformat()

	@property
	def ref(self) -> tuple[str, str, str]:
		"""(clock, threshold, occurrence): what ``fired_refs`` reads back from an event key."""
		return (self.clock, f"{self.threshold:g}", self.when)

	def event_key(self, ticket: str, level: int) -> str:
		"""The SLA Event's unique key: one event per ticket, clock, threshold, level and occurrence."""
		return f"{ticket}|{self.clock}|{self.threshold:g}|{level}|{self.when}"[:140]


def matching_rules(policy, clock: str, priority: str) -> list:
	"""The policy's escalation rows for a clock that apply to a priority (a blank priority applies to all)."""
	return [
		r
		for r in policy.get("escalation_rules") or []
		if r.clock == clock and (not r.priority or r.priority == priority)
	]


def rule_thresholds(policy, clock: str, priority: str) -> list[float]:
	return [float(r.threshold_percent) for r in matching_rules(policy, clock, priority)]


def occurrences(
	ticket, now: dt.datetime | None = None, clocks=None, calendar=None, readings: dict | None = None
) -> list[Occurrence]:
	"""Every threshold crossing and reminder of the ticket, past and future, from its own data (``readings``:
	the clocks' engine readings when the caller has them already)."""
	now = aware(now or now_datetime())
	if ticket.status == CANCELLED:
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
		levels = levels_of(policy, row, clock, ticket.priority)
		reading = (readings or {}).get(clock.key) or read_clock(ticket, clock, calendar, now, warning, levels)
		for level in levels:
			at = reading.instants[level]
			if clock.stopped_at and clock.stopped_at <= at:
				continue
			kind = "Warning" if level < 100 else "Breach" if level == 100 else "Escalation"
			out.append(Occurrence(name, kind, level, clock.due, at))
	interval = row.progress_interval or 0
	if interval and ticket.status in WORKING and not ticket.resolved_at:
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
	if ticket.status == RESOLVED and ticket.resolved_at:
		at = aware(ticket.resolved_at) + dt.timedelta(minutes=policy.verification_followup_minutes or 0)
		out.append(Occurrence("Verification", "Reminder", 100.0, at, at, naive(at).isoformat()))
	if ticket.status == CONFIRMED and ticket.confirmed_at:
		at = aware(ticket.confirmed_at) + dt.timedelta(minutes=policy.closure_minutes or 0)
		out.append(Occurrence("Closure", "Breach", 100.0, at, at))
	for request in ticket.get("collaborations") or []:
		if request.due_at and not request.fulfilled_at:
			# each request is a clock of its own (two requests to one team are two clocks)
			at = aware(request.due_at)
			out.append(Occurrence("Collaboration", "Breach", 100.0, at, at, request.name))
	return out


def _overall(ticket, readings) -> str:
	states = [r.state for r in readings.values()]
	if ClockState.BREACHED in states:
		return ClockState.BREACHED.value
	if ticket.status in RESOLVED_STATES or ticket.status == CANCELLED:
		return ClockState.MET.value
	if ClockState.PAUSED in states:  # only when the policy really pauses a running clock
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
		percent = reading.percent
		if clock.original:  # extended: the share of the original target used so far, which may pass 100 %
			start, target, pauses = clock.original
			percent = read_clock(
				ticket, replace(clock, start=start, target=target, pauses=pauses), calendar, now, warning
			).percent
		panel.append(
			{
				"clock": clock.key,
				"label": clock.label,
				"due": naive(reading.due),
				"state": reading.state.value,
				"percent": percent,
				"paused": reading.paused,
				"stopped_at": naive(clock.stopped_at),
				# computed here, in the system zone, so a browser in another zone shows the right time left
				"minutes_left": round((reading.due - now).total_seconds() / 60),
			}
		)
	return panel


def headline(panel: list[dict]) -> str:
	"""The one line the form shows above the clocks: the clock that drives the ticket's state now — the
	most overdue running clock, else the running clock due first ("Response due in 56 min", "Resolution
	breached 2 h ago", "Resolution paused")."""
	running = [c for c in panel if not c["stopped_at"]]
	if not running:
		return _("All clocks have stopped") if panel else ""
	overdue = [c for c in running if c["state"] == ClockState.BREACHED.value]
	if overdue:
		clock = min(overdue, key=lambda c: c["minutes_left"])
		return _("{0} breached {1} ago").format(
			clock["label"], format_duration(-clock["minutes_left"]).render(_)
		)
	clock = min(running, key=lambda c: c["minutes_left"])
	if clock["paused"]:
		return _("{0} paused").format(clock["label"])
	return _("{0} due in {1}").format(clock["label"], format_duration(clock["minutes_left"]).render(_))
