"""Scheduled SLA monitoring: the minute tick, the daily progress check, SLA Events and escalation.

- The tick selects only tickets whose ``next_check_at`` (indexed) has passed: its cost follows the tickets
  whose state changes, not all open tickets.
- Up to the threshold of TS SLA Settings the tick checks them itself; above it, it splits them into chunks
  for the background workers of the settings' queue (``check_chunk``), so more workers work a backlog off
  faster. The tick writes each chunk's token into its rows (``tick_claim``) and commits before enqueueing
  it; a chunk checks only the rows that still carry its token, each under ``SELECT … FOR UPDATE SKIP
  LOCKED``, so no two workers take one ticket. Rows of a chunk still queued or working (its heartbeat in
  Redis) are not handed out again; a chunk whose worker died (no heartbeat for ``STALE_AFTER``) is handed
  out again by the next tick.
- Every warning, breach, reminder and escalation is one SLA Event document, inserted (never raw SQL) so a
  site's Notifications and Webhooks on SLA Event fire. ``event_key`` is unique in the database, so two ticks
  at once (two workers) or a tick re-run after a crash cannot duplicate an event or its notifications:
  the event is inserted first and people are told only when that insert succeeded, in the same transaction.
- Checks read their tickets' rows, the child rows their clocks need and the keys already recorded ten
  tickets at a time, not the documents; a check loads the document only for an escalation action. Whatever
  it fires, it writes one timeline entry and tells each recipient once; the bells and realtime alerts (one
  per ticket and recipient) and the emails (one per recipient for up to ``DELIVER_BATCH`` tickets) are sent
  by a worker after the commit.
- Tickets imported already closed, or received longer ago than the configured horizon, get their events
  recorded without notifications.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.model.naming import set_new_name
from frappe.query_builder import DocType
from frappe.utils import cint, get_datetime, get_time, now, now_datetime

from ts_sla.services import health, jobs, lifecycle, notes, notifier, routing, sla, teams
from ts_sla.services.clocks import aware, get_calendar, naive
from ts_sla.services.notes import Note
from ts_sla.services.states import FINAL, RESOLVED, WORKING
from ts_sla.services.teams import active_members, on_duty

#: Due tickets the tick checks itself at most (the rest wait for the next tick).
BATCH = 1000
#: Due tickets the tick hands to workers at most, in chunks.
FANOUT_LIMIT = 20_000
#: Settings defaults: the queue, the due count above which the tick fans out, the tickets per chunk.
DEFAULT_QUEUE, DEFAULT_THRESHOLD, DEFAULT_CHUNK = "long", 100, 200
#: A chunk's heartbeat in Redis, and how long its silence is tolerated (seconds): queued, then working.
CHUNK_KEY = "ts_sla:monitor:chunk:"
QUEUED_LEASE = 15 * 60
STALE_AFTER = 60
#: Tickets checked per transaction by a committing tick or chunk (a killed worker loses at most these).
COMMIT_EVERY = 10
#: Notices still pending this long after their event (seconds) are sent by the tick's sweep.
SWEEP_AFTER = 120
#: Tickets whose notices a worker sends in one transaction, and in one email per recipient.
DELIVER_BATCH = 50
NEXT_TIER = {"L1": "L2", "L2": "L3"}
RAISE = {"P3": "P2", "P2": "P1", "P1": "P0"}
DEFAULT_RULE = {
	"Warning": (1, "Assignee"),
	"Breach": (2, "Supervisor"),
	"Escalation": (3, "Manager"),
	"Reminder": (1, "Assignee"),
}
#: The columns a check reads instead of the document, and the child rows its clocks need.
TICKET_FIELDS = (
	"name",
	"status",
	"next_check_at",
	"tick_claim",
	"sla_policy",
	"priority",
	"support_calendar",
	"received_at",
	"registered_at",
	"assigned_at",
	"first_responded_at",
	"resolved_at",
	"confirmed_at",
	"last_progress_at",
	"support_team",
	"assigned_to",
	"support_tier",
	"subject",
)
CHILD_FIELDS = {
	"pauses": ("Support Ticket Pause", ("clocks", "paused_from", "paused_to")),
	"extensions": (
		"Support Ticket Extension",
		("clock", "status", "decided_at", "extra_minutes", "new_due", "previous_due"),
	),
	"collaborations": ("Support Ticket Collaboration", ("due_at", "fulfilled_at")),
}
STATE_FIELDS = ("sla_state", "response_status", "resolution_status", "next_due", "next_check_at")


class TicketRow(frappe._dict):
	"""A Support Ticket as a check reads it: its columns and its clocks' child rows, no document."""

	doctype = "Support Ticket"

	def set(self, key, value):
		self[key] = value

	def is_new(self) -> bool:
		return False


def tick(now: dt.datetime | None = None, commit: bool = True) -> dict:
	"""Scheduler entry (every minute): check every ticket whose next check instant has passed, or hand them
	to the workers in chunks when there are more than the settings' threshold.

	``commit=False`` keeps everything in the caller's transaction (tests roll it back) and never fans out.
	Its start, duration, counts and the backlog it left are recorded for the monitor's health
	(``services.health``); tickets handed to chunks are counted by their chunks, not here."""
	at = now  # chunks evaluate at the tick's instant only when one was given (tests, benchmarks)
	now = now or now_datetime()
	began = time.monotonic()
	health.tick_started(now)
	teams.forget_role_holders()  # read afresh once per tick
	lifecycle.complete_pending_registrations(commit=commit)
	fired = checked = chunks = 0
	with tick_memo():
		settings = tick_settings()
		frappe.local.ts_sla_tick_memo["notify_queue"] = settings.queue if commit else None
		rows = due_rows(now, FANOUT_LIMIT if commit else BATCH)
		free = unclaimed(rows)
		if commit and len(free) > settings.threshold:
			seen = {name: claim for name, claim in rows if claim}  # dead chunks' claims, taken over
			chunks = fan_out(free, at or now, settings, explicit=at is not None, dead_claims=seen)
		else:  # only tickets no live chunk holds (a dead chunk's are taken back first)
			mine = free[:BATCH]
			taken = set(mine)
			if dead := sorted({claim for name, claim in rows if claim and name in taken}):
				frappe.db.sql(
					"UPDATE `tabSupport Ticket` FORCE INDEX (PRIMARY) SET `tick_claim` = NULL WHERE `name` IN %s AND `tick_claim` IN %s",
					(mine, dead),
				)
			checked, fired = check_all(mine, now, commit, unclaimed_only=True)
		if commit:
			send_pending(settings.queue)
			jobs.isolated(
				lambda: sweep_pending(settings.queue), commit, _("Queueing pending SLA notifications failed")
			)
	jobs.isolated(
		lambda: health.tick_finished(now, time.monotonic() - began, checked, fired),
		commit,
		_("Recording the SLA monitor's health failed"),
	)
	return {"checked": checked, "fired": fired, "chunks": chunks, "handed_out": len(free) if chunks else 0}


# -- per-tick memo ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def tick_memo():
	"""Settings, recipients and roles read once for the length of a tick or chunk (outside one: every time),
	and the queue its notifications are sent from (none: at once, in the transaction)."""
	if getattr(frappe.local, "ts_sla_tick_memo", None) is not None:  # within one already
		yield
		return
	frappe.local.ts_sla_tick_memo = {"notify_queue": None}
	try:
		yield
	finally:
		frappe.local.ts_sla_tick_memo = None


def in_memo(key: str):
	"""What the current tick or chunk keeps under ``key`` (None outside one)."""
	return (getattr(frappe.local, "ts_sla_tick_memo", None) or {}).get(key)


def notify_queue() -> str | None:
	return in_memo("notify_queue")


def memo(key, compute):
	cache = getattr(frappe.local, "ts_sla_tick_memo", None)
	if cache is None:
		return compute()
	if key not in cache:
		cache[key] = compute()
	return cache[key]


def setting(fieldname: str):
	return memo(("setting", fieldname), lambda: frappe.db.get_single_value("TS SLA Settings", fieldname))


def tick_settings() -> frappe._dict:
	"""The queue the tick's chunks and notifications go to, the due count above which it fans out, and the
	tickets per chunk (TS SLA Settings, with defaults for a site that never saved them)."""
	return frappe._dict(
		queue=setting("tick_queue") or DEFAULT_QUEUE,
		threshold=max(1, cint(setting("tick_fanout_threshold")) or DEFAULT_THRESHOLD),
		chunk_size=max(1, cint(setting("tick_chunk_size")) or DEFAULT_CHUNK),
	)


# -- fan-out ------------------------------------------------------------------------------------------------


def due_rows(now: dt.datetime, limit: int) -> list[tuple[str, str | None]]:
	"""(name, claim) of the open tickets due at ``now``, the longest waiting first (on the index)."""
	ticket = DocType("Support Ticket")
	return (
		frappe.qb.from_(ticket)
		.select(ticket.name, ticket.tick_claim)
		.where(ticket.next_check_at <= now)
		.where(ticket.status.notin(FINAL))
		.orderby(ticket.next_check_at)
		.limit(limit)
	).run()


def unclaimed(rows: list[tuple[str, str | None]]) -> list[str]:
	"""The due tickets no live chunk holds: unclaimed, or claimed by a chunk that finished or died."""
	live = {token for token in {claim for _name, claim in rows if claim} if chunk_alive(token)}
	return [name for name, claim in rows if not claim or claim not in live]


def beat(token: str, working: bool, done: int = 0) -> None:
	"""A chunk's heartbeat: queued (written by the tick) or working (after each of its tickets)."""
	frappe.cache.set_value(
		CHUNK_KEY + token,
		{"at": time.time(), "working": working, "done": done},
		expires_in_sec=QUEUED_LEASE,
	)


def chunk_alive(token: str) -> bool:
	"""A chunk is alive while queued (up to ``QUEUED_LEASE``) or while it beats (``STALE_AFTER``)."""
	state = frappe.cache.get_value(CHUNK_KEY + token, expires=True)
	if not state:
		return False
	return time.time() - state["at"] <= (STALE_AFTER if state["working"] else QUEUED_LEASE)


def fan_out(
	names: list[str], now: dt.datetime, settings, explicit: bool = False, dead_claims: dict | None = None
) -> int:
	"""Claim the tickets chunk by chunk (commit) and enqueue one job per chunk; returns the chunks queued.

	A ticket is claimed when unclaimed or still held by the dead chunk it was seen with (``dead_claims``):
	one a concurrent tick claimed meanwhile stays with that tick's chunk."""
	ticket_claims = dead_claims or {}
	queued = 0
	for start in range(0, len(names), settings.chunk_size):
		part = names[start : start + settings.chunk_size]
		token = f"{now:%Y%m%d%H%M%S}-{frappe.generate_hash(length=10)}"
		dead = sorted({ticket_claims[n] for n in part if n in ticket_claims}) or [""]
		frappe.db.sql(
			"""UPDATE `tabSupport Ticket` FORCE INDEX (PRIMARY) SET `tick_claim` = %(token)s
			WHERE `name` IN %(names)s AND (`tick_claim` IS NULL OR `tick_claim` IN %(dead)s)""",
			{"token": token, "names": part, "dead": dead},
		)
		mine = set(
			frappe.db.sql(
				"SELECT `name` FROM `tabSupport Ticket` WHERE `name` IN %(names)s AND `tick_claim` = %(token)s",
				{"names": part, "token": token},
				pluck=True,
			)
		)
		beat(token, working=False)
		frappe.db.commit()  # nosemgrep: the claim must be visible to the worker before its job exists
		if not mine:
			continue
		frappe.enqueue(
			"ts_sla.services.monitor.check_chunk",
			queue=settings.queue,
			job_id=f"ts_sla_tick_chunk::{token}",
			deduplicate=True,
			token=token,
			names=[n for n in part if n in mine],
			at=str(now) if explicit else None,
		)
		queued += 1
	return queued


def check_chunk(token: str, names: list[str], at: str | None = None) -> dict:
	"""Background job: check the chunk's tickets that still carry its token, each in its own transaction,
	beating after each so a tick can tell it works; at the end its heartbeat goes, and a ticket it could not
	check (an error, logged) is handed out again by the next tick."""
	now = get_datetime(at) if at else now_datetime()
	teams.forget_role_holders()
	with tick_memo():
		frappe.local.ts_sla_tick_memo["notify_queue"] = tick_settings().queue
		checked, fired = check_all(names, now, True, token)
		send_pending(notify_queue())
	frappe.cache.delete_value(CHUNK_KEY + token)
	return {"checked": checked, "fired": fired}


# -- one ticket ---------------------------------------------------------------------------------------------


def check_all(
	names: list[str], now: dt.datetime, commit: bool, token: str | None = None, unclaimed_only: bool = False
) -> tuple[int, int]:
	"""Check the tickets ``COMMIT_EVERY`` at a time: their rows are locked and read together (skipping those
	another worker holds, those no longer carrying the chunk's ``token``, or, ``unclaimed_only``, those a
	chunk claimed meanwhile), then each is checked; one ticket's error is logged and undone alone. A
	committing call (``commit``) commits each group under READ COMMITTED (``_check_group_retrying``), so
	that each group reads what others committed up to its own row locks; otherwise each check runs in a
	savepoint of the caller's transaction. A chunk beats before each group. Returns (checked, fired): the
	tickets this call held, and the events it recorded."""
	checked = fired = 0
	with read_committed(commit):
		for start in range(0, len(names), COMMIT_EVERY):
			if token:
				beat(token, working=True, done=start)
			part = names[start : start + COMMIT_EVERY]
			if commit:
				counts = _check_group_retrying(part, now, token, unclaimed_only)
			else:
				counts = _check_group(part, now, token, unclaimed_only)
			checked, fired = checked + counts[0], fired + counts[1]
	return checked, fired


@contextlib.contextmanager
def read_committed(commit: bool):
	"""Committing work (``commit``) in transactions under READ COMMITTED: each reads what others committed up
	to its own row locks, and takes no gap locks that would block another worker's inserts."""
	if not commit:
		yield
		return
	frappe.db.commit()  # nosemgrep: a fresh transaction for the new isolation level
	frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	try:
		yield
	finally:
		frappe.db.commit()  # nosemgrep: the last of the work
		frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _check_group(
	part: list[str], now: dt.datetime, token: str | None, unclaimed_only: bool, guarded: bool = True
) -> tuple[int, int]:
	"""Lock and read the group's rows, then check each: in a savepoint of its own (``guarded``: one
	ticket's error is logged and undone alone), or with none (an error ends the group, for the caller to
	undo and check again guarded). Returns (checked, fired)."""
	checked = fired = 0
	rows = read_tickets(part, token=token, lock=True, unclaimed_only=unclaimed_only)
	with group_writes(not guarded):
		for name in part:
			if name not in rows:
				continue
			if guarded:
				result = _guarded(name, False, lambda row=rows[name]: _check_if_still_due(row, now))
			else:
				result = _check_if_still_due(rows[name], now)
			if result is not None:
				checked += 1
				fired += result
	return checked, fired


@contextlib.contextmanager
def group_writes(together: bool):
	"""``together``: the timeline entries and the states the checks within write are written at the end, in
	one INSERT and one UPDATE (their checks are kept or undone together; in savepoints each check writes its
	own at once)."""
	memo = getattr(frappe.local, "ts_sla_tick_memo", None)
	if not together or memo is None:
		yield
		return
	memo["timeline"], memo["states"] = [], {}
	try:
		yield
		comments, states = memo["timeline"], memo["states"]
	finally:
		memo.pop("timeline", None)
		memo.pop("states", None)
	if comments:
		_insert_comments(comments)
	if states:
		_store_all_states(states)


def _insert_comments(comments: list[Document]) -> None:
	"""New Comment documents' rows in one INSERT, named and stamped as ``db_insert`` would."""
	for comment in comments:
		set_new_name(comment)
		comment.creation = comment.modified = now()
		comment.owner = comment.modified_by = frappe.session.user
	values = [c.get_valid_dict(convert_dates_to_str=True, ignore_virtual=True) for c in comments]
	fields = list(values[0])
	frappe.db.bulk_insert("Comment", fields, [[v.get(f) for f in fields] for v in values])


def _store_all_states(states: dict[str, dict]) -> None:
	"""Several checks' results in one UPDATE (a CASE on the name per column), the tickets released from
	their chunk."""
	names = list(states)
	params = []
	for field in STATE_FIELDS:
		for name in names:
			params += [name, states[name][field]]
	cases = ", ".join(
		"`{}` = CASE `name` {} END".format(field, " ".join(["WHEN %s THEN %s"] * len(names)))
		for field in STATE_FIELDS
	)
	frappe.db.sql(
		f"UPDATE `tabSupport Ticket` FORCE INDEX (PRIMARY) SET {cases}, `tick_claim` = NULL WHERE `name` IN %s",  # nosemgrep: fixed columns
		[*params, names],
	)


def _check_group_retrying(
	part: list[str], now: dt.datetime, token: str | None, unclaimed_only: bool, attempts: int = 3
) -> tuple[int, int]:
	"""One group in one transaction, committed. It runs without savepoints (a query per ticket saved);
	when a check fails it is undone and checked again with them, so that only the failing ticket is left
	out (logged). A deadlock (the server rolled the group back) starts it again; after the last attempt it
	is logged, and its tickets wait for the next tick."""
	guarded, deadlocks = False, 0
	while True:
		try:
			counts = _check_group(part, now, token, unclaimed_only, guarded)
			frappe.db.commit()  # nosemgrep: these tickets' checks are kept whatever happens next
			return counts
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			deadlocks += 1
			if deadlocks == attempts:
				frappe.log_error(title=_("SLA check failed for {0}").format(", ".join(part)))
				return 0, 0
		except Exception:
			if guarded:
				raise
			frappe.db.rollback()
			guarded = True


def _guarded(name: str, commit: bool, work):
	"""One ticket's check, isolated in a transaction (``commit``) or a savepoint of its own: its events,
	notices and state are kept or undone together, another ticket's error cannot undo them, and a crash
	re-runs only what did not commit."""
	return jobs.isolated(work, commit, _("SLA check failed for {0}").format(name))


def read_tickets(
	names: list[str], token: str | None = None, lock: bool = False, unclaimed_only: bool = False
) -> dict[str, TicketRow]:
	"""The tickets' rows with the child rows their clocks need and the keys of the events they recorded
	(``known_keys``), in five queries whatever their number. ``lock``: take their row locks, skipping the
	tickets another worker holds; ``token``: only those that chunk claims; ``unclaimed_only``: only those no
	chunk claims."""
	if not names:
		return {}
	columns = ", ".join(f"`{f}`" for f in TICKET_FIELDS)
	condition = "`name` IN %(names)s" + (
		" AND `tick_claim` = %(token)s" if token else " AND `tick_claim` IS NULL" if unclaimed_only else ""
	)
	# by primary key only: on the claim's index a locking read would lock every row of the claim (or every
	# unclaimed one), not only these
	found = frappe.db.sql(
		f"SELECT {columns} FROM `tabSupport Ticket` FORCE INDEX (PRIMARY) WHERE {condition}"  # nosemgrep: fixed columns
		+ (" FOR UPDATE SKIP LOCKED" if lock else ""),
		{"names": list(names), "token": token},
		as_dict=True,
	)
	rows = {r.name: TicketRow(r, known_keys=set()) for r in found}
	if not rows:
		return rows
	held = list(rows)
	for table, (doctype, fields) in CHILD_FIELDS.items():
		for row in rows.values():
			row[table] = []
		for child in frappe.db.sql(
			"SELECT `parent`, `name`, {} FROM `tab{}` WHERE `parent` IN %s AND `parentfield` = %s ORDER BY `parent`, `idx`".format(  # nosemgrep: fixed names
				", ".join(f"`{f}`" for f in fields), doctype
			),
			(held, table),
			as_dict=True,
		):
			rows[child.pop("parent")][table].append(child)
	for ticket, key in frappe.db.sql(
		"SELECT `ticket`, `event_key` FROM `tabSLA Event` WHERE `ticket` IN %s", (held,)
	):
		rows[ticket].known_keys.add(key)
	return rows


def read_ticket(name: str) -> TicketRow | None:
	"""One ticket's row as a check reads it (``read_tickets``), or None."""
	return read_tickets([name]).get(name)


def _check_if_still_due(row: TicketRow, now: dt.datetime) -> int:
	"""Check a ticket whose row lock this transaction holds, if it is still due; else only release it from
	its chunk."""
	if not row.next_check_at or row.next_check_at > now or row.status in FINAL:
		if row.tick_claim:
			frappe.db.sql("UPDATE `tabSupport Ticket` SET `tick_claim` = NULL WHERE `name` = %s", (row.name,))
		return 0
	return _check(row, now)


def is_quiet(ticket, now: dt.datetime) -> bool:
	"""Imported-closed or older than the horizon: record events, tell nobody."""
	horizon = cint(setting("notification_horizon_days")) or 30
	return ticket.status in FINAL or get_datetime(ticket.received_at) < now - dt.timedelta(days=horizon)


def check_ticket(name: str, now: dt.datetime | None = None) -> int:
	"""Fire the ticket's due occurrences as SLA Events, then store its current states and next check."""
	row = read_ticket(name)
	return _check(row, now or now_datetime()) if row else 0


def _check(row: TicketRow, now: dt.datetime) -> int:
	"""The check proper, from the ticket's row: the document is loaded only when an escalation action runs
	(and the states are then computed from it afresh)."""
	clocks, calendar = sla.clocks_of(row)
	known = row.known_keys
	told = Told(row)
	fired = 0
	for occurrence in sla.occurrences(row, now, clocks, calendar):
		if aware(occurrence.at) <= aware(now):
			fired += fire(row, occurrence, now, known, told)
	told.flush()
	if told.acted:  # an escalation action changed the ticket: its clocks afresh
		ticket = told.document()
		sla.update_states(ticket, now)
	else:
		ticket = row
		sla.update_states(row, now, clocks, calendar, sla.refs_of(known))
	store_states(row.name, {f: ticket.get(f) for f in STATE_FIELDS})
	return fired


def store_states(name: str, states: dict) -> None:
	"""The check's result, and the ticket released from its chunk (one UPDATE, or one for the group:
	``group_writes``; nothing caches tickets)."""
	group = in_memo("states")
	if group is None:
		_store_all_states({name: states})
	else:
		group[name] = states


class Told:
	"""What one check of one ticket fired: one timeline entry, and one notice per recipient whatever the
	number of events (recipients told of the same events share one email). Within a committing tick or chunk
	(``tick_memo`` with a queue) the notices wait on their SLA Events (``notice_pending``) for a worker of
	that queue (``deliver_pending``); otherwise they are sent at once, in the transaction."""

	def __init__(self, ticket):
		self.ticket, self.queue = ticket, notify_queue()
		self.events: list[tuple[str, Note | str]] = []  # (subject, message) of each event fired
		self.whom: dict[str, list[int]] = {}
		self.doc = ticket if isinstance(ticket, Document) else None
		self.acted = False

	def add(self, subject: str, message: Note | str, recipients: list[str]) -> None:
		self.events.append((subject, message))
		for user in recipients:
			self.whom.setdefault(user, []).append(len(self.events) - 1)

	def document(self):
		"""The ticket's document, loaded once (for an escalation action)."""
		if self.doc is None:
			self.doc = frappe.get_doc("Support Ticket", self.ticket.name)
		return self.doc

	def notices(self) -> list[tuple[list[str], str, str]]:
		"""(users, subject, message): one per set of events, for everyone told of exactly those events."""
		groups: dict[tuple[int, ...], list[str]] = {}
		for user, indexes in self.whom.items():
			groups.setdefault(tuple(indexes), []).append(user)
		notices = []
		for indexes, users in groups.items():
			if len(indexes) == 1:
				subject, message = self.events[indexes[0]]
			else:
				subject = _("{0} SLA events: {1} ({2})").format(
					len(indexes), self.ticket.subject, self.ticket.name
				)
				message = "<br>".join(notes.text_of(self.events[i][1]) for i in indexes)
			notices.append((sorted(users), subject, notes.text_of(message)))
		return notices

	def flush(self) -> None:
		"""The timeline entry, and the notices (or a note that they wait for the tick's worker)."""
		if not self.events:
			return
		messages = [m for _s, m in self.events]
		content = (
			Note("SLA event: {0}", messages[0])
			if len(messages) == 1
			else Note("SLA events: {0}", Note.join(messages, "; "))
		).content()
		# an Info comment's controller only sanitizes (this text is the monitor's own) and announces changes
		# to the comments, likes and attachments an open form shows (not Info): the row alone, written at
		# once or with the rest of its group's (``group_writes``)
		comment = frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"comment_email": frappe.session.user,
				"reference_doctype": "Support Ticket",
				"reference_name": self.ticket.name,
				"content": content,
			}
		)
		group = in_memo("timeline")
		if group is None:
			_insert_comments([comment])
		else:
			group.append(comment)
		if self.queue:
			if self.whom:
				frappe.local.ts_sla_tick_memo.setdefault("pending", []).append(self.ticket.name)
		else:
			notifier.send_notices(self.notices(), self.ticket)
		self.events, self.whom = [], {}


def event_subject(ticket, clock: str, kind: str) -> str:
	return _("{0} {1}: {2} ({3})").format(_(clock), _(kind).lower(), ticket.subject, ticket.name)


# -- notices sent by workers --------------------------------------------------------------------------------


def send_pending(queue: str) -> None:
	"""At the end of a committing tick or chunk: one job tells the people its checks' events name."""
	pending = frappe.local.ts_sla_tick_memo.pop("pending", None)
	if pending:
		frappe.enqueue("ts_sla.services.monitor.deliver_pending", queue=queue, tickets=pending)


def sweep_pending(queue: str) -> None:
	"""Notices a worker did not send (it died after the check committed, before its chunk's end): when some
	wait for longer than ``SWEEP_AFTER``, one job (never two at once) sends every pending notice."""
	older = now_datetime() - dt.timedelta(seconds=SWEEP_AFTER)
	if frappe.db.sql(
		"SELECT 1 FROM `tabSLA Event` WHERE `notice_pending` = 1 AND `creation` < %s LIMIT 1", (older,)
	):
		frappe.enqueue(
			"ts_sla.services.monitor.deliver_pending",
			queue=queue,
			job_id="ts_sla_deliver_pending_sweep",
			deduplicate=True,
		)


def deliver_pending(tickets: list[str] | None = None) -> int:
	"""Background job: tell the recipients of the pending SLA Events of these tickets (of every ticket with
	some pending: the sweep), ``DELIVER_BATCH`` tickets per transaction: each recipient gets a bell per
	ticket and one email for the batch (``notifier.send_digest``). The events are taken with row locks and
	cleared with the notices in one commit, so two jobs never tell anyone twice. A batch that fails is
	retried ticket by ticket, so one ticket's failure (logged) holds back no other. Returns the bells rung."""
	if tickets is None:
		tickets = frappe.db.sql(
			"SELECT DISTINCT `ticket` FROM `tabSLA Event` WHERE `notice_pending` = 1 LIMIT 10000", pluck=True
		)
	names = list(dict.fromkeys(tickets))
	told = 0
	with read_committed(True):
		for start in range(0, len(names), DELIVER_BATCH):
			told += _deliver_batch(names[start : start + DELIVER_BATCH])
	return told


def _deliver_batch(part: list[str]) -> int:
	"""One batch in a transaction of its own; when it fails, each of its tickets alone, the failing one
	logged."""
	frappe.db.commit()  # nosemgrep: each batch in a transaction of its own
	try:
		told = _deliver_retrying(part)
		frappe.db.commit()  # nosemgrep: these notices are sent, and their events cleared, together
		return told
	except Exception:
		frappe.db.rollback()
		if len(part) == 1:
			frappe.log_error(title=_("SLA notifications failed for {0}").format(part[0]))
			return 0
	return sum(
		jobs.isolated(
			lambda name=name: _deliver_retrying([name]),
			True,
			_("SLA notifications failed for {0}").format(name),
		)
		or 0
		for name in part
	)


def _deliver_retrying(names: list[str], attempts: int = 3) -> int:
	"""Frappe's bell marks the user's notifications unseen (a row per user): two workers telling the same
	people at once may deadlock there; the loser starts the batch's notices again."""
	for attempt in range(attempts):
		try:
			return _deliver(names)
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise
	return 0


def _deliver(names: list[str]) -> int:
	# found without locks, then locked by primary key only, in one order (a second deliverer waits, then
	# finds them sent): a locking read on the ticket's or the pending flag's index would lock more rows, and
	# gaps, and deadlock with a worker inserting other tickets' events
	pending = frappe.db.sql(
		"SELECT `name` FROM `tabSLA Event` WHERE `ticket` IN %s AND `notice_pending` = 1",
		(names,),
		pluck=True,
	)
	events = (
		frappe.db.sql(
			"""SELECT `name`, `ticket`, `clock`, `kind`, `recipients`, `message`, `priority`, `creation`
			FROM `tabSLA Event` FORCE INDEX (PRIMARY)
			WHERE `name` IN %s AND `notice_pending` = 1 ORDER BY `name` FOR UPDATE""",
			(pending,),
			as_dict=True,
		)
		if pending
		else []
	)
	if not events:
		return 0
	found = {
		t.name: t
		for t in frappe.db.sql(
			"SELECT `name`, `subject`, `priority` FROM `tabSupport Ticket` WHERE `name` IN %s",
			(list({e.ticket for e in events}),),
			as_dict=True,
		)
	}
	events.sort(key=lambda e: e.get("creation") or "")
	checks: dict[str, Told] = {}
	for event in events:  # a deleted ticket's events still tell their people
		if event.ticket not in checks:
			ticket = found.get(event.ticket) or frappe._dict(
				name=event.ticket, subject="", priority=event.priority
			)
			checks[event.ticket] = Told(ticket)
		checks[event.ticket].add(
			event_subject(checks[event.ticket].ticket, event.clock, event.kind),
			event.message,
			[r for r in (event.recipients or "").split(", ") if r],
		)
	sent = notifier.send_digest([(told.ticket, told.notices()) for told in checks.values()])
	frappe.db.sql(
		"UPDATE `tabSLA Event` FORCE INDEX (PRIMARY) SET `notice_pending` = 0 WHERE `name` IN %s",
		([e.name for e in events],),
	)
	return sent


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


def fire(ticket, occurrence, now: dt.datetime, known: set | None = None, told: Told | None = None) -> int:
	"""Insert one SLA Event per matching rule; notify and act only for events this call inserted. The
	timeline entry and the notices go through ``told`` (the ticket check's), else are written at the end."""
	own = told is None
	told = told or Told(ticket)
	fired = 0
	quiet = is_quiet(ticket, now)
	for level, notify_whom, action in rules_for(ticket, occurrence):
		key = occurrence.event_key(ticket.name, level)
		if known is not None and key in known:
			continue
		recipients = [] if quiet else recipients_for(ticket, notify_whom)
		message = describe(ticket, occurrence)
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
					"message": str(message),
					"event_key": key,
					"notified": 0 if quiet else 1,
					"notice_pending": 1 if told.queue and recipients else 0,
				}
			)
			event.insert(ignore_permissions=True, ignore_links=True)  # the ticket and its team exist
		except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
			# another worker recorded it: nothing more to do. The database undid the failed INSERT alone (a
			# statement's error never ends the transaction), and nothing was written before it, so no
			# savepoint is needed around it
			if known is not None:
				known.add(key)
			continue
		if known is not None:
			known.add(key)
		fired += 1
		told.add(event_subject(ticket, occurrence.clock, occurrence.kind), message, recipients)
		if action != "Notify" and not quiet:
			event.db_set("action_taken", act(told.document(), action, occurrence), update_modified=False)
			told.acted = True
	if own:
		told.flush()
	return fired


def describe(ticket, occurrence) -> Note:
	if occurrence.kind == "Reminder":
		return Note(
			"{0} reminder for {1}: due {2}", Note(occurrence.clock), ticket.name, naive(occurrence.due)
		)
	return Note(
		"{0} clock of {1} reached {2}% (due {3})",
		Note(occurrence.clock),
		ticket.name,
		f"{occurrence.threshold:g}",
		naive(occurrence.due),
	)


def recipients_for(ticket, whom: str, team: str | None = None) -> list[str]:
	"""Who an event tells; the team-wide answers are read once per tick."""
	team = team or ticket.support_team
	if whom == "Assignee" and ticket.assigned_to:
		users = [ticket.assigned_to]
	else:
		users = memo(("recipients", whom, team), lambda: _recipients(whom, team))
	return sorted({u for u in users if u and u != "Administrator"})


def _recipients(whom: str, team: str | None) -> list[str]:
	if whom == "Assignee":  # nobody assigned: the supervisor
		users = teams.supervisors_of(team)
	elif whom == "Supervisor":
		users = teams.supervisors_of(team)
	elif whom == "On-Duty Lead":
		users = on_duty(duty_role="On-Duty Lead") or teams.supervisors_of(team)
	elif whom == "Manager":
		users = teams.role_holders("Support Manager")
	else:  # Team
		users = active_members(team) if team else []
	return users


def act(ticket, action: str, occurrence) -> str:
	"""An escalation row's action on the ticket's document, recorded on the timeline by the lifecycle and
	returned for the event."""
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
				note=Note("escalated: {0}", describe(ticket, occurrence)),
			)
		elif warning:
			notes.comment(ticket, warning)
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
	with tick_memo():
		frappe.local.ts_sla_tick_memo["notify_queue"] = tick_settings().queue if commit else None
		fired = _daily_progress_check(now, commit)
		if commit:
			send_pending(notify_queue())
		return fired


def _daily_progress_check(now: dt.datetime, commit: bool) -> int:
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
				name,
				commit,
				lambda name=name: fire(frappe.get_doc("Support Ticket", name), occurrence, now),
			)
			fired += result or 0
		frappe.cache.set_value(marker, 1, expires_in_sec=2 * 86400)
	return fired


def record_imported(ticket) -> None:
	"""A ticket imported already closed: record what its clocks did (one timeline entry), notify nobody."""
	now = now_datetime()
	known: set = set()
	told = Told(ticket)
	for occurrence in sla.occurrences(ticket, now):
		if aware(occurrence.at) <= aware(now) and occurrence.kind != "Reminder":
			fire(ticket, occurrence, now, known, told)
	told.flush()
