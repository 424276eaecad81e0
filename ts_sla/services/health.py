"""Monitor health: is the minute tick running, and is it keeping up?

- Each tick records when it started (at its start) and, at its end, how long it took, what it checked and
  fired and the due backlog it left — in Redis, one whole value per ``SET``, so two workers ticking at once
  overwrite each other but never mix their figures, and nothing is written to the database every minute.
- The backlog and the lag (now − the oldest ``next_check_at`` of an open ticket already due) are read
  live from the ``(next_check_at, status)`` index in one query.
- When the lag passes ``LAG_LIMIT`` the Support Managers are told once: the first checker to claim a Redis
  flag (``SET NX``) tells them; the flag is dropped when a check finds the lag back under the limit, so a
  later lag tells them again. The check runs after every tick (a backlog the tick could not reach), from a
  cron job of its own, and whenever the REST reading is polled (the only one left when workers are down).
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Min
from frappe.utils import get_datetime, now_datetime

from ts_sla.services import notifier, teams
from ts_sla.services.states import AGENT, ENGINEER, FINAL, MANAGER, SUPERVISOR

#: The lag past which the Support Managers are told, and the silence after which the tick counts as stopped.
LAG_LIMIT = dt.timedelta(minutes=5)
STOPPED_AFTER = dt.timedelta(minutes=5)
OK, LAGGING, STOPPED = "OK", "Lagging", "Stopped"
#: Who may read the figures (REST and the settings form).
READERS = frozenset({MANAGER, "System Manager"})
#: Who may read whether it runs (the workspace's monitor line): every support role.
STATE_READERS = frozenset({AGENT, ENGINEER, SUPERVISOR, *READERS})

TICK_STARTED = "ts_sla:monitor:tick_started"
LAST_TICK = "ts_sla:monitor:last_tick"
ALERTED = "ts_sla:monitor:lag_alerted"
KEEP_FIGURES = 7 * 86400  # seconds: the figures of a site whose scheduler is gone do not linger for ever


def _stamp(value: dt.datetime) -> str:
	"""The site's wall-clock time to the second, as the Desk shows it."""
	return value.strftime("%Y-%m-%d %H:%M:%S")


def may_read(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(READERS & set(frappe.get_roles(user)))


def tick_started(now: dt.datetime) -> None:
	frappe.cache.set_value(TICK_STARTED, _stamp(now), expires_in_sec=KEEP_FIGURES)


def tick_finished(now: dt.datetime, seconds: float, checked: int, fired: int) -> dict:
	"""Record the tick that started at ``now``, then tell the managers if what it left is lagging."""
	backlog, oldest = due(now)
	figures = {
		"started_at": _stamp(now),
		"duration_seconds": round(seconds, 3),
		"checked": checked,
		"fired": fired,
		"backlog": backlog,
	}
	frappe.cache.set_value(LAST_TICK, figures, expires_in_sec=KEEP_FIGURES)
	watch(lag_seconds(now, oldest), backlog, oldest)
	return figures


def due(now: dt.datetime) -> tuple[int, dt.datetime | None]:
	"""(open tickets whose next check has passed, the oldest such next check): one query on the index."""
	ticket = DocType("Support Ticket")
	count, oldest = (
		frappe.qb.from_(ticket)
		.select(Count("*"), Min(ticket.next_check_at))
		.where(ticket.next_check_at <= now)
		.where(ticket.status.notin(FINAL))
	).run()[0]
	return count, get_datetime(oldest) if oldest else None


def lag_seconds(now: dt.datetime, oldest: dt.datetime | None) -> int:
	return max(0, int((now - oldest).total_seconds())) if oldest else 0


def may_see_state(user: str | None = None) -> bool:
	"""Whether the monitor runs is every support role's business: their workspace says so."""
	user = user or frappe.session.user
	return user == "Administrator" or bool(STATE_READERS & set(frappe.get_roles(user)))


def state(now: dt.datetime | None = None) -> dict:
	"""Is the tick running and keeping up: a status (Stopped when no tick started within
	``STOPPED_AFTER``, else Lagging when the lag passes ``LAG_LIMIT``, else OK), when the last tick started,
	the due backlog and the lag. Times are the site's (system time zone) wall clock."""
	now = now or now_datetime()
	backlog, oldest = due(now)
	lag = lag_seconds(now, oldest)
	started = frappe.cache.get_value(TICK_STARTED, expires=True)
	if not started or now - get_datetime(started) > STOPPED_AFTER:
		status = STOPPED
	else:
		status = LAGGING if lag > LAG_LIMIT.total_seconds() else OK
	return {
		"status": status,
		"checked_at": _stamp(now),
		"last_tick_at": started,
		"backlog": backlog,
		"oldest_due_at": _stamp(oldest) if oldest else None,
		"lag_seconds": lag,
		"lag_limit_seconds": int(LAG_LIMIT.total_seconds()),
	}


def reading(now: dt.datetime | None = None) -> dict:
	"""``state`` with the last tick's own figures and the mail set-up: what the managers read."""
	return {
		**state(now),
		"last_tick": frappe.cache.get_value(LAST_TICK, expires=True),
		# can the site email its notices (an outgoing Email Account), and what went unsent without one
		"mail": notifier.mail_reading(),
	}


def check(now: dt.datetime | None = None) -> dict:
	"""Scheduler entry (every 5 minutes) and the REST reading: read the figures and alert on a lag."""
	figures = reading(now)
	oldest = get_datetime(figures["oldest_due_at"]) if figures["oldest_due_at"] else None
	figures["told"] = watch(figures["lag_seconds"], figures["backlog"], oldest)
	return figures


def watch(lag: int, backlog: int, oldest: dt.datetime | None) -> list[str]:
	"""Tell the Support Managers once per lag episode; returns who was told by this call."""
	if lag <= LAG_LIMIT.total_seconds():
		frappe.cache.delete_value(ALERTED)  # recovered: the next lag is news again
		return []
	if not frappe.cache.set(frappe.cache.make_key(ALERTED), str(now_datetime()), nx=True):
		return []  # already told (by this or another worker)
	try:
		return _tell(lag, backlog, oldest)
	except Exception:
		frappe.cache.delete_value(ALERTED)  # nobody was told: let the next check try again
		raise


def _tell(lag: int, backlog: int, oldest: dt.datetime) -> list[str]:
	ticket = frappe.db.get_value(
		"Support Ticket",
		{"next_check_at": oldest, "status": ("not in", FINAL)},
		["name", "priority"],
		as_dict=True,
	) or frappe._dict(name=None, priority=None)
	managers = [u for u in teams.role_holders(MANAGER) if u != "Administrator"]
	subject = _("SLA monitor is {0} minutes behind").format(lag // 60)
	message = _(
		"{0} open tickets wait for their SLA check; the oldest ({1}) has waited since {2}. Warnings, breaches"
		" and escalations are late until the scheduler and its workers run again (bench doctor)."
	).format(backlog, ticket.name, oldest)
	return notifier.notify(managers, subject, message, ticket)
