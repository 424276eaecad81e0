"""SLA monitor benchmark: the minute tick at 10 000 and 100 000 open tickets, against a naive loop; the cost
per due ticket before and after issue 17; a 10 000-ticket backlog worked off by 1, 2 and 4 real workers, and
by one worker in each of two process trees of the bench that share only Redis and MariaDB (issue 27).

Prints figures; asserts nothing. Run as the bench user from the bench's ``sites`` folder, on a site of its
own (it bulk-inserts and then deletes its tickets, and sets up a team, a manager and an outgoing email
account so that notifications are part of the cost):

    cd ~/frappe-bench/sites && ../env/bin/python ../apps/ts_sla/benchmarks/tick.py ts-sla-bench.localhost [backlog] [ticks]

Sizes: ``TS_SLA_BENCH_BACKLOG`` (10 000), ``TS_SLA_BENCH_BUSY`` (at most 1 000 due in the busy tick),
``TS_SLA_BENCH_NOTICES_WAIT`` (600 s), ``TS_SLA_BENCH_SMOKE=1`` (tiny, to check the script);
``TS_SLA_BENCH_LAYOUT`` (one backlog layout only, by its name: ``2 trees, 1+1``).

Goals: idle tick under 50 ms at 100 000 open tickets and at least 50x faster than the naive loop (issue 6);
at most 5 ms per due ticket inside the tick and 15 ms per notified ticket for the notifications on a worker,
and 10 000 due tickets cleared in at most 60 s by 2 workers (issue 17).

- Every due ticket is an assigned P2 ticket received 8 h 10 min ago: its response warning (the engineer)
  and its response breach (the team's supervisor) fire, two SLA Events, two people told.
- The busy tick runs with ``commit=True`` as the scheduler runs it, once on the new path (the tick checks
  the tickets itself: the threshold is raised for it) and once, on as many other identical tickets, on the
  path before issue 17 (``tick_before.py``), in the same run. Queries are counted per due ticket.
- The backlog: the tick hands 10 000 due tickets to chunks on the ``long`` queue of a Redis database of the
  site's own (``ts_sla.tests.server.own_queue``: other sites' stale jobs are never run), worked by ``bench
  worker`` processes started before the tick. "Cleared" is when every ticket was checked (its events
  committed); the notifications those checks queued are timed until the queue is empty. The events are then
  compared with the expected set (every ticket's keys, from the engine): missing, unexpected, duplicate,
  and people told more than once about one ticket.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time

import frappe
from frappe.utils import get_bench_id, now_datetime
from seed import template_row
from tick_before import tick_before

NAIVE_SAMPLE = 5000
PREFIX = "TS-19990101-"
TEAM = "System Operations Team"
ENGINEER, SUPERVISOR, MANAGER = "engineer@ts-sla.test", "supervisor@ts-sla.test", "manager@ts-sla.test"
#: ``TS_SLA_BENCH_SMOKE=1``: tiny sizes, to check the script itself (the figures mean nothing then).
SMOKE = bool(os.environ.get("TS_SLA_BENCH_SMOKE"))
SIZES = (1000,) if SMOKE else (10_000, 100_000)
BACKLOG = int(os.environ.get("TS_SLA_BENCH_BACKLOG") or (400 if SMOKE else 10_000))
#: The backlog's worker layouts: for each worker, the process tree it runs in (0: this bench; 1: a second
#: tree sharing only Redis and MariaDB with it, as workers on another host do).
LAYOUTS = (
	("1 worker", (0,)),
	("2 workers", (0, 0)),
	("4 workers", (0, 0, 0, 0)),
	("2 trees, 1+1", (0, 1)),
)
#: Due tickets of the busy tick (1 % of the open ones, at most this many).
BUSY = int(os.environ.get("TS_SLA_BENCH_BUSY") or 1000)
#: How long to wait, once the backlog is cleared, for the workers to send its notifications (seconds).
NOTICES_WAIT = int(os.environ.get("TS_SLA_BENCH_NOTICES_WAIT") or 600)
AGE = dt.timedelta(hours=8, minutes=10)


def seed_people() -> None:
	"""The recipients of a real site: a team (supervisor, two engineers), a manager, an outgoing account."""
	from ts_sla.tests.utils import USERS, make_email_account, make_team, make_user

	for email, roles in USERS.items():
		make_user(email, roles, "System User" if roles else "Website User")
	make_team(TEAM)
	make_email_account()
	frappe.flags.in_test = False  # set by the account's factory, which skips its SMTP check
	frappe.db.commit()


def assigned_row() -> tuple[dict, list[str]]:
	"""The template: an assigned P2 ticket of the team, received ``AGE`` ago, registered and triaged at once."""
	row, columns = template_row(AGE, skip=("tick_claim",))
	received = row["received_at"]
	row.update(
		status="Assigned",
		support_team=TEAM,
		assigned_to=ENGINEER,
		support_tier="L2",
		registered_at=received,
		assigned_at=received + dt.timedelta(minutes=5),
		registration_pending=0,
	)
	return row, columns


def bulk_insert(count: int, row: dict, columns: list[str], next_check_at: dt.datetime) -> None:
	"""``count`` copies of the template row by multi-row INSERTs (benchmark data only)."""
	sql = "INSERT INTO `tabSupport Ticket` (`name`, {}) VALUES ".format(", ".join(f"`{c}`" for c in columns))
	batch = 5000
	for offset in range(0, count, batch):
		values, params = [], []
		for i in range(offset, min(count, offset + batch)):
			values.append("(" + ", ".join(["%s"] * (len(columns) + 1)) + ")")
			params.append(f"{PREFIX}{i:06d}")
			params.extend(next_check_at if c == "next_check_at" else row[c] for c in columns)
		frappe.db.sql(sql + ", ".join(values), params)
	frappe.db.commit()


def clean_fired() -> None:
	"""What checks wrote about the benchmark's tickets: events, timeline, bells, queued mail."""
	like = PREFIX + "%"
	frappe.db.sql("DELETE FROM `tabSLA Event` WHERE `ticket` LIKE %s", (like,))
	frappe.db.sql("DELETE FROM `tabComment` WHERE `reference_name` LIKE %s", (like,))
	frappe.db.sql("DELETE FROM `tabNotification Log` WHERE `document_name` LIKE %s", (like,))
	frappe.db.sql(
		"""DELETE r FROM `tabEmail Queue Recipient` r JOIN `tabEmail Queue` q ON q.name = r.parent
		WHERE q.reference_name LIKE %s""",
		(like,),
	)
	frappe.db.sql("DELETE FROM `tabEmail Queue` WHERE `reference_name` LIKE %s", (like,))
	# digests of several tickets refer to none of them
	frappe.db.sql(
		"""DELETE r FROM `tabEmail Queue Recipient` r JOIN `tabEmail Queue` q ON q.name = r.parent
		WHERE q.reference_name IS NULL AND q.message LIKE %s""",
		("%" + like,),
	)
	frappe.db.sql(
		"DELETE FROM `tabEmail Queue` WHERE `reference_name` IS NULL AND `message` LIKE %s", ("%" + like,)
	)
	frappe.db.commit()


def clean() -> None:
	clean_fired()
	frappe.db.sql("DELETE FROM `tabSupport Ticket` WHERE `name` LIKE %s", (PREFIX + "%",))
	frappe.db.commit()


def median_ms(fn, runs: int) -> float:
	samples = []
	for _ in range(runs):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	return statistics.median(samples)


class Queries:
	"""Counts the SQL statements run while it is active."""

	def __enter__(self):
		self.count, self.sql = 0, frappe.db.sql

		def counted(*args, **kwargs):
			self.count += 1
			return self.sql(*args, **kwargs)

		frappe.db.sql = counted
		return self

	def __exit__(self, *exc):
		frappe.db.sql = self.sql


def make_due(names: list[str], now: dt.datetime) -> None:
	frappe.db.sql(
		"UPDATE `tabSupport Ticket` SET `next_check_at` = %s, `tick_claim` = NULL WHERE `name` IN %s",
		(now - dt.timedelta(minutes=1), names),
	)
	frappe.db.commit()


def settings(**values) -> None:
	for field, value in values.items():
		frappe.db.set_single_value("TS SLA Settings", field, value)
	frappe.db.commit()


def run(count: int) -> None:
	from ts_sla.services import monitor, sla
	from ts_sla.tests.server import own_queue, queued_jobs

	clean()
	t0 = time.perf_counter()
	row, columns = assigned_row()
	bulk_insert(count, row, columns, now_datetime() + dt.timedelta(days=1))
	print(f"\n{count:,} open tickets (bulk insert {time.perf_counter() - t0:.1f} s)")
	now = now_datetime()
	idle = median_ms(lambda: monitor.tick(now, commit=False), 20)
	print(f"  tick, nothing due:          {idle:10.2f} ms (median of 20)")

	# the busy tick, 1 % due (at most BUSY), commit=True: the new path, then the path before issue 17 on
	# as many other tickets
	due = max(1, min(BUSY, count // 100))
	names = [f"{PREFIX}{i:06d}" for i in range(2 * due)]
	new, old = names[:due], names[due:]
	settings(tick_fanout_threshold=10 * count)  # the tick checks them itself: its own cost per ticket
	with own_queue("long"):
		make_due(new, now)
		with Queries() as q_new:
			start = time.perf_counter()
			result = monitor.tick(now, commit=True)
			busy = (time.perf_counter() - start) * 1000
		# the notifications it left pending, sent as a worker sends them (the tick queued one job)
		jobs = queued_jobs("long", "ts_sla.services.monitor.deliver_pending")
		notified = sum(len(job.kwargs["kwargs"]["tickets"]) for job in jobs)
		start = time.perf_counter()
		for job in jobs:
			monitor.deliver_pending(**job.kwargs["kwargs"])
			frappe.db.commit()
			job.delete()
		fan = (time.perf_counter() - start) * 1000
		told_new = frappe.db.count("Notification Log", {"document_name": ("in", new)})
	make_due(old, now)
	with Queries() as q_old:
		start = time.perf_counter()
		_checked, fired = tick_before(old, now, commit=True)
		before = (time.perf_counter() - start) * 1000
	told_old = frappe.db.count("Notification Log", {"document_name": ("in", old)})
	settings(tick_fanout_threshold=0)  # back to the default
	print(f"  busy tick, {due:,} due, commit=True, two events and two people per ticket:")
	print(
		f"    before (issue 17):        {before:10.0f} ms = {before / due:6.2f} ms per due ticket,"
		f" {q_old.count / due:5.1f} queries per due ticket; events {fired}, bells {told_old}"
		" (sent inside the tick)"
	)
	print(
		f"    after:                    {busy:10.0f} ms = {busy / due:6.2f} ms per due ticket,"
		f" {q_new.count / due:5.1f} queries per due ticket; events {result['fired']}, checked"
		f" {result['checked']}"
	)
	print(
		f"    after, notifications on a worker: {fan:6.0f} ms = {fan / max(1, notified):6.2f} ms per notified"
		f" ticket ({len(jobs)} job for {notified} tickets, bells {told_new})"
	)
	print(f"    speed-up inside the tick: {before / busy:10.1f}x")
	clean_fired()

	names = frappe.get_all(
		"Support Ticket",
		filters={"status": ("not in", ("Closed", "Cancelled"))},
		pluck="name",
		limit=NAIVE_SAMPLE,
	)
	start = time.perf_counter()
	for name in names:
		doc = frappe.get_doc("Support Ticket", name)
		sla.update_states(doc, now)
	naive = (time.perf_counter() - start) * 1000
	scaled = naive * count / len(names)
	note = "" if len(names) >= count else f" (timed on {len(names):,}, scaled)"
	print(f"  naive loop over all open:   {scaled:10.0f} ms{note}")
	print(f"  idle tick vs naive:         {scaled / idle:10.0f}x faster")
	clean()


def expected_keys(names: list[str], now: dt.datetime) -> set[str]:
	"""Every event key the backlog must record, from the engine (identical tickets: one ticket's keys with
	each ticket's name)."""
	from ts_sla.services import monitor, sla
	from ts_sla.services.clocks import aware

	probe = monitor.read_ticket(names[0])
	suffixes = {
		occurrence.event_key("", level)
		for occurrence in sla.occurrences(probe, now)
		if aware(occurrence.at) <= aware(now)
		for level, _whom, _action in monitor.rules_for(probe, occurrence)
	}
	return {f"{name}{suffix}" for name in names for suffix in suffixes}


def wait_for(condition, timeout: float, step: float = 0.1) -> float:
	start = time.perf_counter()
	while not condition():
		if time.perf_counter() - start > timeout:
			raise TimeoutError
		time.sleep(step)
	return time.perf_counter() - start


def second_tree() -> str:
	"""The sites folder of a second process tree of this bench: a folder of its own (next to the bench, or
	``TS_SLA_BENCH_SECOND_TREE``) whose ``sites`` holds copies of the configs only, with the same apps and
	Python. Its workers share nothing with this tree's but the site's Redis and MariaDB, as workers on
	another host do."""
	import shutil
	from pathlib import Path

	bench = Path(frappe.local.sites_path).resolve().parent
	tree = Path(os.environ.get("TS_SLA_BENCH_SECOND_TREE") or bench.parent / f"{bench.name}-tree2")
	sites = tree / "sites" / frappe.local.site
	(sites / "logs").mkdir(parents=True, exist_ok=True)  # a site's own logs (database.log, …)
	(tree / "logs").mkdir(exist_ok=True)
	for name in ("apps", "env"):
		if not (tree / name).exists():
			(tree / name).symlink_to(bench / name)
	for name in ("common_site_config.json", "apps.txt", "apps.json"):
		if (bench / "sites" / name).exists():
			shutil.copy2(bench / "sites" / name, tree / "sites" / name)
	shutil.copy2(bench / "sites" / frappe.local.site / "site_config.json", sites / "site_config.json")
	# Frappe names its RQ queues after the bench (``bench_id``, by default the bench's path): a tree at
	# another path serves the same queues only when it says it is the same bench, as another host must
	conf_path = tree / "sites" / "common_site_config.json"
	conf = json.loads(conf_path.read_text()) if conf_path.exists() else {}
	conf["bench_id"] = get_bench_id()
	conf_path.write_text(json.dumps(conf, indent=1))
	return str(tree / "sites")


def backlog() -> None:
	from frappe.utils.background_jobs import get_queue
	from rq import Worker as RQWorker
	from rq.registry import StartedJobRegistry

	from ts_sla.services import monitor
	from ts_sla.tests.server import Worker, clear_site_jobs, own_queue

	clean()
	row, columns = assigned_row()
	now = now_datetime()
	bulk_insert(BACKLOG, row, columns, now - dt.timedelta(minutes=1))
	names = [f"{PREFIX}{i:06d}" for i in range(BACKLOG)]
	expected = expected_keys(names, now)
	settings(tick_queue="long", tick_fanout_threshold=0, tick_chunk_size=0)  # the defaults
	print(
		f"\nbacklog: {BACKLOG:,} due tickets, {len(expected):,} events expected; chunks of"
		f" {monitor.DEFAULT_CHUNK} on the queue 'long' of the site's own Redis database"
	)
	first = None
	trees = [None, second_tree()]
	only = os.environ.get("TS_SLA_BENCH_LAYOUT")
	for layout, placed in LAYOUTS:
		if only and layout != only:
			continue
		count = len(placed)
		clean_fired()
		make_due(names, now)
		with own_queue("long"):
			queue = get_queue("long")
			workers = [Worker("long", own=True, sites_path=trees[tree]).start() for tree in placed]
			tree_of = {w.process.pid: tree for w, tree in zip(workers, placed, strict=True)}
			try:
				wait_for(lambda: len(RQWorker.all(queue=queue)) >= count, 120)
				start = time.perf_counter()
				result = monitor.tick(now, commit=True)
				tick_ms = (time.perf_counter() - start) * 1000

				ticked = [time.perf_counter()]

				def cleared():
					frappe.db.rollback()
					if time.perf_counter() - ticked[0] >= 60:  # as the scheduler would: a dead chunk's rest
						ticked[0] = time.perf_counter()  # is handed out again
						monitor.tick(now, commit=True)
					return not frappe.db.sql(
						"""SELECT 1 FROM `tabSupport Ticket` WHERE `name` LIKE %s
						AND (`next_check_at` <= %s OR `tick_claim` IS NOT NULL) LIMIT 1""",
						(PREFIX + "%", now),
					)

				wait_for(cleared, 3600, 0.2)
				events_s = time.perf_counter() - start
				started = StartedJobRegistry(queue=queue)
				try:
					wait_for(lambda: not len(queue) and not len(started), NOTICES_WAIT, 0.5)
				except TimeoutError:
					pass
				told_s = time.perf_counter() - start
				# which tree's workers ran the chunks and the notices (RQ counts each worker's jobs)
				served = [0, 0]
				for rq_worker in RQWorker.all(queue=queue):
					if rq_worker.pid in tree_of:
						served[tree_of[rq_worker.pid]] += rq_worker.successful_job_count
				frappe.db.rollback()
				pending = frappe.db.count(
					"SLA Event", {"ticket": ("like", PREFIX + "%"), "notice_pending": 1}
				)
			finally:
				for worker in workers:
					worker.kill()
				clear_site_jobs("long")
		frappe.db.rollback()
		keys = frappe.db.sql(
			"SELECT `event_key` FROM `tabSLA Event` WHERE `ticket` LIKE %s", (PREFIX + "%",), pluck=True
		)
		got = set(keys)
		told_twice = frappe.db.sql(
			"""SELECT COUNT(*) FROM (SELECT 1 FROM `tabNotification Log` WHERE `document_name` LIKE %s
			GROUP BY `document_name`, `for_user` HAVING COUNT(*) > 1) t""",
			(PREFIX + "%",),
		)[0][0]
		bells = frappe.db.count("Notification Log", {"document_name": ("like", PREFIX + "%")})
		timeline = frappe.db.count("Comment", {"reference_name": ("like", PREFIX + "%")})
		first = first or events_s
		print(
			f"  {layout:>13}: cleared in {events_s:6.1f} s"
			f" ({len(keys) / events_s:6.0f} events/s, {BACKLOG / events_s:5.0f} tickets/s,"
			f" speed-up {first / events_s:4.2f}x, {first / events_s / count:4.2f} per worker);"
			f" tick {tick_ms:5.0f} ms for {result['chunks']} chunks"
		)
		sent = len(keys) - pending
		print(
			f"            notifications: {sent:,} events' notices sent by {told_s:6.1f} s"
			f" ({sent / told_s:5.0f}/s){'' if not pending else f', {pending:,} still pending (not waited for)'}"
		)
		print(
			f"            events {len(keys):,}: missing {len(expected - got)}, unexpected {len(got - expected)},"
			f" duplicate {len(keys) - len(got)}; bells {bells:,}, anyone told twice about a ticket"
			f" {told_twice}; timeline entries {timeline:,}"
		)
		print(
			f"            jobs (chunks and notices) run by this tree's workers {served[0]:,}, the second's {served[1]:,}"
		)
	clean()


def main() -> None:
	site = sys.argv[1] if len(sys.argv) > 1 else "ts-sla-bench.localhost"
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	print(
		f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; site {site}; MariaDB {frappe.db.sql('select version()')[0][0]}"
	)
	from ts_sla.tests.server import own_queue

	only = sys.argv[2:] or ["backlog", "ticks"]
	try:
		with own_queue("short", "default", "long"):  # whatever the run enqueues stays in its own database
			seed_people()
			if "backlog" in only:
				backlog()
			if "ticks" in only:
				for count in SIZES:
					run(count)
	finally:
		clean()
		frappe.destroy()


if __name__ == "__main__":
	main()
