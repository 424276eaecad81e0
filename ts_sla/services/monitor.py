"""Scheduled SLA monitoring: the minute tick, the daily progress check, SLA Events and escalation.

- The tick selects only tickets whose ``next_check_at`` (indexed) has passed: its cost follows the tickets
  whose state changes, not all open tickets.
- Every warning, breach, reminder and escalation is one SLA Event document, inserted (never raw SQL) so a
  site's Notifications and Webhooks on SLA Event fire. ``event_key`` is unique in the database, so two ticks
  at once (two workers) or a tick re-run after a crash cannot duplicate an event or its notifications:
  the event is inserted first and people are told only when that insert succeeded, in the same transaction.
- Tickets imported already closed, or received longer ago than the configured horizon, get their events
  recorded without notifications.
"""

from __future__ import annotations

import datetime as dt
import time

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint, get_datetime, get_time, now_datetime

from ts_sla.services import health, jobs, lifecycle, notifier, routing, sla, teams
from ts_sla.services.clocks import aware, get_calendar, naive
from ts_sla.services.states import FINAL, RESOLVED, WORKING
from ts_sla.services.teams import active_members, on_duty

BATCH = 1000
NEXT_TIER = {"L1": "L2", "L2": "L3"}
RAISE = {"P3": "P2", "P2": "P1", "P1": "P0"}
DEFAULT_RULE = {
	"Warning": (1, "Assignee"),
	"Breach": (2, "Supervisor"),
	"Escalation": (3, "Manager"),
	"Reminder": (1, "Assignee"),
}


def tick(now: dt.datetime | None = None, commit: bool = True) -> dict:
	"""Scheduler entry (every minute): check every ticket whose next check instant has passed.

	``commit=False`` keeps everything in the caller's transaction (tests roll it back). Its start, duration,
	counts and the backlog it left are recorded for the monitor's health (``services.health``)."""
	now = now or now_datetime()
	began = time.monotonic()
	health.tick_started(now)
	teams.forget_role_holders()  # read afresh once per tick
	lifecycle.complete_pending_registrations(commit=commit)
	ticket = DocType("Support Ticket")
	names = (
		frappe.qb.from_(ticket)
		.select(ticket.name)
		.where(ticket.next_check_at <= now)
		.where(ticket.status.notin(FINAL))
		.orderby(ticket.next_check_at)
		.limit(BATCH)
	).run(pluck=True)
	fired = checked = 0
	for name in names:
		fired_here = _guarded(name, commit, lambda name=name: _check_if_still_due(name, now))
		if fired_here is not None:
			checked += 1
			fired += fired_here
	jobs.isolated(
		lambda: health.tick_finished(now, time.monotonic() - began, checked, fired),
		commit,
		_("Recording the SLA monitor's health failed"),
	)
	return {"checked": checked, "fired": fired}


def _guarded(name: str, commit: bool, work):
	"""One ticket's check in its own transaction: its events, notifications and state commit together, a
	later ticket's error cannot undo them, and a crash re-runs only what did not commit."""
	return jobs.isolated(work, commit, _("SLA check failed for {0}").format(name))


def _check_if_still_due(name: str, now: dt.datetime) -> int:
	"""Lock the ticket row first: a second worker waits here, then sees the first one's work and skips."""
	row = frappe.db.get_value(
		"Support Ticket", name, ["next_check_at", "status"], as_dict=True, for_update=True
	)
	if not row or not row.next_check_at or row.next_check_at > now or row.status in FINAL:
		return 0
	return check_ticket(name, now)


def is_quiet(ticket, now: dt.datetime) -> bool:
	"""Imported-closed or older than the horizon: record events, tell nobody."""
	horizon = cint(frappe.db.get_single_value("TS SLA Settings", "notification_horizon_days")) or 30
	return ticket.status in FINAL or get_datetime(ticket.received_at) < now - dt.timedelta(days=horizon)


def check_ticket(name: str, now: dt.datetime | None = None) -> int:
	"""Fire the ticket's due occurrences as SLA Events, then store its current states and next check."""
	now = now or now_datetime()
	ticket = frappe.get_doc("Support Ticket", name)
	clocks, calendar = sla.clocks_of(ticket)
	known = set(frappe.get_all("SLA Event", filters={"ticket": name}, pluck="event_key"))
	fired = 0
	for occurrence in sla.occurrences(ticket, now, clocks, calendar):
		if aware(occurrence.at) <= aware(now):
			fired += fire(ticket, occurrence, now, known)
	if fired:  # an escalation action may have changed the ticket: read it again
		ticket.reload()
		sla.update_states(ticket, now)
	else:
		sla.update_states(ticket, now, clocks, calendar)
	frappe.db.set_value(
		"Support Ticket",
		name,
		{
			f: ticket.get(f)
			for f in ("sla_state", "response_status", "resolution_status", "next_due", "next_check_at")
		},
		update_modified=False,
	)
	return fired


def rules_for(ticket, occurrence) -> list[tuple[int, str, str]]:
	"""(level, notify, action) of the escalation rows matching the occurrence, or the default for its kind."""
	policy = frappe.get_cached_doc("SLA Policy", ticket.sla_policy)
	rules = [
		(cint(r.level) or 1, r.notify, r.action or "Notify")
		for r in sla.matching_rules(policy, occurrence.clock, ticket.priority)
		if float(r.threshold_percent) == float(occurrence.threshold)
	]
	if rules:
		return rules
	level, notify = DEFAULT_RULE[occurrence.kind]
	return [(level, notify, "Notify")]


def fire(ticket, occurrence, now: dt.datetime, known: set | None = None) -> int:
	"""Insert one SLA Event per matching rule; notify and act only for events this call inserted."""
	fired = 0
	quiet = is_quiet(ticket, now)
	for level, notify_whom, action in rules_for(ticket, occurrence):
		key = occurrence.event_key(ticket.name, level)
		if known is not None and key in known:
			continue
		recipients = [] if quiet else recipients_for(ticket, notify_whom)
		message = describe(ticket, occurrence)
		frappe.db.savepoint("ts_sla_event")
		try:
			event = frappe.get_doc(
				{
					"doctype": "SLA Event",
					"ticket": ticket.name,
					"clock": occurrence.clock,
					"kind": occurrence.kind,
					"level": level,
					"threshold_percent": occurrence.threshold,
					"due_at": naive(occurrence.due),
					"fired_at": now,
					"priority": ticket.priority,
					"support_team": ticket.support_team,
					"recipients": ", ".join(recipients),
					"message": message,
					"event_key": key,
					"notified": 0 if quiet else 1,
				}
			)
			event.insert(ignore_permissions=True)
		except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
			frappe.db.rollback(save_point="ts_sla_event")  # another worker recorded it: nothing more to do
			continue
		if known is not None:
			known.add(key)
		fired += 1
		if not quiet:
			subject = _("{0} {1}: {2} ({3})").format(
				_(occurrence.clock), _(occurrence.kind).lower(), ticket.subject, ticket.name
			)
			notifier.notify(recipients, subject, message, ticket)
		if action != "Notify" and not quiet:
			event.db_set("action_taken", act(ticket, action, occurrence), update_modified=False)
		ticket.add_comment("Info", _("SLA event: {0}").format(message))
	return fired


def describe(ticket, occurrence) -> str:
	if occurrence.kind == "Reminder":
		return _("{0} reminder for {1}: due {2}").format(
			_(occurrence.clock), ticket.name, naive(occurrence.due)
		)
	return _("{0} clock of {1} reached {2}% (due {3})").format(
		_(occurrence.clock), ticket.name, f"{occurrence.threshold:g}", naive(occurrence.due)
	)


def recipients_for(ticket, whom: str, team: str | None = None) -> list[str]:
	team = team or ticket.support_team
	if whom == "Assignee":
		users = [ticket.assigned_to] if ticket.assigned_to else teams.supervisors_of(team)
	elif whom == "Supervisor":
		users = teams.supervisors_of(team)
	elif whom == "On-Duty Lead":
		users = on_duty(duty_role="On-Duty Lead") or teams.supervisors_of(team)
	elif whom == "Manager":
		users = teams.role_holders("Support Manager")
	else:  # Team
		users = active_members(team) if team else []
	return sorted({u for u in users if u and u != "Administrator"})


def act(ticket, action: str, occurrence) -> str:
	"""An escalation row's action, recorded on the timeline by the lifecycle and returned for the event."""
	ticket = frappe.get_doc("Support Ticket", ticket.name)
	if action == "Reassign to Next Tier":
		tier = NEXT_TIER.get(ticket.support_tier or "L2")
		if not tier or ticket.status in FINAL or ticket.status == RESOLVED:
			return _("no higher tier to reassign to")
		team, engineer, warning = routing.choose(ticket, tier=tier)
		if engineer:
			lifecycle.assign(
				ticket,
				engineer,
				tier=tier,
				team=team,
				note=_("escalated: {0}").format(describe(ticket, occurrence)),
			)
		elif warning:
			ticket.add_comment("Info", warning)
		return (
			_("reassigned to {0} ({1})").format(engineer, tier)
			if engineer
			else _("no active {0} engineer").format(tier)
		)
	if action == "Raise Priority":
		higher = RAISE.get(ticket.priority)
		if not higher or ticket.status in FINAL:
			return _("priority already at the top")
		ticket.priority = higher
		ticket.flags.ts_system = True
		ticket.save(ignore_permissions=True)
		return _("priority raised to {0}").format(higher)
	return ""


# -- daily progress cut-off ---------------------------------------------------------------------------------


def daily_progress_check(now: dt.datetime | None = None, commit: bool = True) -> int:
	"""Scheduler entry (every 10 minutes): past a policy's cut-off on a working day of its calendar (in the
	calendar's own zone), flag once each open ticket of that policy with no progress update that day. One
	ticket's failure is logged and skipped; it never stops the job."""
	now = now or now_datetime()
	fired = 0
	for policy in frappe.get_all(
		"SLA Policy", filters={"enabled": 1}, fields=["name", "daily_progress_cutoff", "support_calendar"]
	):
		calendar = get_calendar(policy.support_calendar)
		local_now = aware(now).astimezone(calendar.tz)
		today = local_now.date()
		cutoff_time = get_time(policy.daily_progress_cutoff or "17:00:00")
		local_cutoff = dt.datetime.combine(today, cutoff_time).replace(tzinfo=calendar.tz)
		local_midnight = dt.datetime.combine(today, dt.time()).replace(tzinfo=calendar.tz)
		marker = f"ts_sla:daily_progress:{policy.name}:{today}"
		if local_now < local_cutoff or frappe.cache.get_value(marker):
			continue
		if not calendar.is_working_day(today.toordinal()):
			frappe.cache.set_value(marker, 1, expires_in_sec=2 * 86400)
			continue
		cutoff, day_start = naive(local_cutoff), naive(local_midnight)
		ticket = DocType("Support Ticket")
		stale = (
			frappe.qb.from_(ticket)
			.select(ticket.name)
			.where(ticket.sla_policy == policy.name)
			.where(ticket.status.isin(WORKING))
			.where(ticket.registered_at < cutoff)
			.where(ticket.last_progress_at.isnull() | (ticket.last_progress_at < day_start))
		).run(pluck=True)
		occurrence = sla.Occurrence(
			"Daily Progress", "Reminder", 100.0, local_cutoff, local_cutoff, str(today)
		)
		for name in stale:
			result = _guarded(
				name, commit, lambda name=name: fire(frappe.get_doc("Support Ticket", name), occurrence, now)
			)
			fired += result or 0
		frappe.cache.set_value(marker, 1, expires_in_sec=2 * 86400)
	return fired


def record_imported(ticket) -> None:
	"""A ticket imported already closed: record what its clocks did, notify nobody."""
	now = now_datetime()
	known: set = set()
	for occurrence in sla.occurrences(ticket, now):
		if aware(occurrence.at) <= aware(now) and occurrence.kind != "Reminder":
			fire(ticket, occurrence, now, known)
