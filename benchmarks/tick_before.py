"""The per-ticket check as it was before issue 17 (commit e15573f), kept callable so that ``tick.py`` can time
the old and the new path in the same run on the same data. Benchmark code only: the app never imports it.

Before: the ticket document loaded (and reloaded after an event), the SLA Event keys read twice, the settings
and the recipients read per event, and per event one timeline comment and, inline in the tick's transaction,
one bell, one rendered email and one realtime alert per recipient."""

from __future__ import annotations

import datetime as dt

import frappe
from frappe import _
from frappe.utils import cint, get_datetime

from ts_sla.services import jobs, monitor, notifier, sla, teams
from ts_sla.services.clocks import aware, naive
from ts_sla.services.states import FINAL
from ts_sla.services.teams import active_members, on_duty


def tick_before(names: list[str], now: dt.datetime, commit: bool = True) -> tuple[int, int]:
	"""The old tick's loop over due tickets: (checked, fired)."""
	teams.forget_role_holders()
	checked = fired = 0
	for name in names:
		result = jobs.isolated(lambda name=name: _check_if_still_due(name, now), commit, "before")
		if result is not None:
			checked += 1
			fired += result
	return checked, fired


def _check_if_still_due(name: str, now: dt.datetime) -> int:
	row = frappe.db.get_value(
		"Support Ticket", name, ["next_check_at", "status"], as_dict=True, for_update=True
	)
	if not row or not row.next_check_at or row.next_check_at > now or row.status in FINAL:
		return 0
	return check_ticket(name, now)


def is_quiet(ticket, now: dt.datetime) -> bool:
	horizon = cint(frappe.db.get_single_value("TS SLA Settings", "notification_horizon_days")) or 30
	return ticket.status in FINAL or get_datetime(ticket.received_at) < now - dt.timedelta(days=horizon)


def check_ticket(name: str, now: dt.datetime) -> int:
	ticket = frappe.get_doc("Support Ticket", name)
	clocks, calendar = sla.clocks_of(ticket)
	known = set(frappe.get_all("SLA Event", filters={"ticket": name}, pluck="event_key"))
	fired = 0
	for occurrence in sla.occurrences(ticket, now, clocks, calendar):
		if aware(occurrence.at) <= aware(now):
			fired += fire(ticket, occurrence, now, known)
	if fired:
		ticket.reload()
		sla.update_states(ticket, now)
	else:
		sla.update_states(ticket, now, clocks, calendar)
	frappe.db.set_value(
		"Support Ticket",
		name,
		{f: ticket.get(f) for f in monitor.STATE_FIELDS},
		update_modified=False,
	)
	return fired


def recipients_for(ticket, whom: str) -> list[str]:
	team = ticket.support_team
	if whom == "Assignee":
		users = [ticket.assigned_to] if ticket.assigned_to else teams.supervisors_of(team)
	elif whom == "Supervisor":
		users = teams.supervisors_of(team)
	elif whom == "On-Duty Lead":
		users = on_duty(duty_role="On-Duty Lead") or teams.supervisors_of(team)
	elif whom == "Manager":
		users = teams.role_holders("Support Manager")
	else:
		users = active_members(team) if team else []
	return sorted({u for u in users if u and u != "Administrator"})


def fire(ticket, occurrence, now: dt.datetime, known: set) -> int:
	fired = 0
	quiet = is_quiet(ticket, now)
	for level, notify_whom, action in monitor.rules_for(ticket, occurrence):
		key = occurrence.event_key(ticket.name, level)
		if key in known:
			continue
		recipients = [] if quiet else recipients_for(ticket, notify_whom)
		message = monitor.describe(ticket, occurrence)
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
			frappe.db.rollback(save_point="ts_sla_event")
			continue
		known.add(key)
		fired += 1
		if not quiet:
			subject = _("{0} {1}: {2} ({3})").format(
				_(occurrence.clock), _(occurrence.kind).lower(), ticket.subject, ticket.name
			)
			notifier.notify(recipients, subject, message, ticket)
		if action != "Notify" and not quiet:
			event.db_set(
				"action_taken",
				monitor.act(frappe.get_doc("Support Ticket", ticket.name), action, occurrence),
				update_modified=False,
			)
		ticket.add_comment("Info", _("SLA event: {0}").format(message))
	return fired
