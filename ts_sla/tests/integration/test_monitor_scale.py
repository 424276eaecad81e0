"""The tick at scale: chunks on real workers (claimed, never enqueued twice, a killed worker's chunk finished
by the next tick), the settings that drive it, and the cheaper check (the row, not the document; one
timeline entry and one notice per recipient per check)."""

import datetime as dt
import email
import threading
from unittest.mock import patch

import frappe
from frappe.utils import get_datetime

from ts_sla.services import health, monitor, sla
from ts_sla.services.clocks import aware
from ts_sla.tests.server import Worker, at_once, own_queue, queued_jobs
from ts_sla.tests.utils import TEAM, TSSLATestCase, make_team, make_ticket

D = dt.datetime
#: A day no other test's ticket lives on, so the committed tickets of these tests are the only ones due.
RECEIVED, NOW = "2001-03-05 09:15:00", D(2001, 3, 6, 12, 0)
CHUNK = "ts_sla.services.monitor.check_chunk"
DELIVER = "ts_sla.services.monitor.deliver_pending"
SETTINGS = (
	"tick_queue",
	"tick_fanout_threshold",
	"tick_chunk_size",
	"notification_horizon_days",
	"auto_assign",
)


def expected_keys(name: str, now: dt.datetime) -> set[str]:
	"""The event keys a check at ``now`` must record for the ticket, from the engine."""
	row = monitor.read_ticket(name)
	return {
		occurrence.event_key(name, level)
		for occurrence in sla.occurrences(row, now)
		if aware(occurrence.at) <= aware(now)
		for level, _whom, _action in monitor.rules_for(row, occurrence)
	}


def keys_of(names: list[str]) -> list[str]:
	return frappe.get_all("SLA Event", {"ticket": ("in", names)}, pluck="event_key")


class TestCheaperCheck(TSSLATestCase):
	"""In the caller's transaction (commit=False): notifications are sent inline and rolled back."""

	def setUp(self):
		super().setUp()
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 100000)

	def ticket(self) -> str:
		with self.freeze_time("2023-10-25 09:16:00"):
			return make_ticket(support_team=TEAM, received_at="2023-10-25 09:15:00", assigned_to=None).name

	def test_one_timeline_entry_and_one_notice_per_recipient_per_check(self):
		name = self.ticket()
		fired = monitor.check_ticket(name, D(2023, 10, 26, 9, 0))  # a day late: every clock at once
		events = frappe.get_all("SLA Event", {"ticket": name}, ["recipients", "message"])
		self.assertEqual(fired, len(events))
		self.assertGreater(len(events), 2)
		recipients = {r for e in events for r in (e.recipients or "").split(", ") if r}
		self.assertGreater(len(recipients), 1)
		bells = frappe.get_all(
			"Notification Log", {"document_name": name, "type": "Alert"}, ["for_user", "email_content"]
		)
		self.assertEqual(sorted(b.for_user for b in bells), sorted(recipients))  # each told once
		for bell in bells:  # ... of every event that names them
			mine = [e.message for e in events if bell.for_user in (e.recipients or "").split(", ")]
			self.assertTrue(all(m in bell.email_content for m in mine), bell)
		timeline = frappe.get_all(
			"Comment", {"reference_name": name, "content": ("like", "SLA event%")}, pluck="content"
		)
		self.assertEqual(len(timeline), 1)
		self.assertTrue(all(e.message in timeline[0] for e in events))
		# one email per set of events, to the people told of exactly that set: nobody reads another's events
		mails = frappe.get_all(
			"Email Queue",
			{"reference_name": name, "reference_doctype": "Support Ticket"},
			["name", "message"],
		)
		self.assertLessEqual(len(mails), len(recipients))
		addressed = []
		for mail in mails:
			to = frappe.get_all("Email Queue Recipient", {"parent": mail.name}, pluck="recipient")
			addressed += to
			parts = email.message_from_string(mail.message).walk()
			body = "".join(
				p.get_payload(decode=True).decode() for p in parts if p.get_content_type() == "text/html"
			)
			for event in events:
				named = set((event.recipients or "").split(", "))
				if all(user in named for user in to):
					self.assertIn(event.message, body)
				elif not any(user in named for user in to):
					self.assertNotIn(event.message, body)
		self.assertEqual(sorted(addressed), sorted(recipients))  # each told once

	def test_nothing_due_is_checked_from_the_row_in_a_few_queries(self):
		name = self.ticket()  # registered 09:16: the triage warning is due 09:23:30, nothing before
		frappe.db.set_value("Support Ticket", name, "next_check_at", "2023-10-25 09:16:30")
		now = D(2023, 10, 25, 9, 17)
		loads = []
		real = frappe.get_doc

		def counting(*args, **kwargs):
			if args and args[0] == "Support Ticket":
				loads.append(args)
			return real(*args, **kwargs)

		with patch.object(frappe, "get_doc", counting), self.assertQueryCount(8):
			# the savepoint, the row (locked), its pauses, extensions and collaboration requests, the event
			# keys, the states stored, the savepoint released
			checked = monitor._guarded(name, False, lambda: monitor._check_if_still_due(name, now))
		self.assertEqual((checked, loads), (0, []))
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", name, "next_check_at")),
			D(2023, 10, 25, 9, 23, 30),
		)
		self.assertFalse(frappe.get_all("SLA Event", {"ticket": name}))

	def test_the_tick_settings_and_their_defaults(self):
		for field in ("tick_queue", "tick_fanout_threshold", "tick_chunk_size"):
			frappe.db.set_single_value("TS SLA Settings", field, None)
		with monitor.tick_memo():
			self.assertEqual(
				monitor.tick_settings(),
				{
					"queue": "long",
					"threshold": monitor.DEFAULT_THRESHOLD,
					"chunk_size": monitor.DEFAULT_CHUNK,
				},
			)
		settings = frappe.get_doc("TS SLA Settings")
		settings.update({"tick_queue": "short", "tick_fanout_threshold": 50, "tick_chunk_size": 25})
		settings.save()
		with monitor.tick_memo():
			self.assertEqual(monitor.tick_settings(), {"queue": "short", "threshold": 50, "chunk_size": 25})
		settings.tick_queue = "no-such-queue"
		with self.assertRaises(frappe.ValidationError):
			settings.save()
		settings.reload()
		settings.tick_chunk_size = -1
		with self.assertRaises(frappe.ValidationError):
			settings.save()

	def test_below_the_threshold_the_tick_checks_itself_and_never_fans_out_in_a_transaction(self):
		names = [self.ticket() for _ in range(3)]
		for name in names:
			frappe.db.set_value("Support Ticket", name, "next_check_at", "2023-10-25 12:15:00")
		frappe.db.set_single_value("TS SLA Settings", "tick_fanout_threshold", 1)
		result = monitor.tick(commit=False, now=D(2023, 10, 25, 12, 20))  # commit=False: never fans out
		self.assertEqual((result["checked"], result["chunks"]), (3, 0))
		self.assertEqual(
			frappe.db.count("Support Ticket", {"name": ("in", names), "tick_claim": ("is", "set")}), 0
		)


class ScaleCase(TSSLATestCase):
	"""Committed tickets worked by real ``bench worker`` processes on the site's own queue database."""

	COUNT = 7

	def setUp(self):
		super().setUp()
		self.saved = {f: frappe.db.get_single_value("TS SLA Settings", f) for f in SETTINGS}
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 100000)
		frappe.db.set_single_value("TS SLA Settings", "tick_queue", "long")
		with self.freeze_time("2001-03-05 09:16:00"):
			self.names = [
				make_ticket(support_team=TEAM, received_at=RECEIVED, subject=f"Scale {i}").name
				for i in range(self.COUNT)
			]
		for i, name in enumerate(self.names):  # due one after the other: the chunks take them in this order
			frappe.db.set_value("Support Ticket", name, "next_check_at", D(2001, 3, 5, 12, 15, i))
		frappe.db.commit()
		self.addCleanup(self.cleanup)
		self.expected = {name: expected_keys(name, NOW) for name in self.names}
		self.errors_before = frappe.db.sql("SELECT MAX(`creation`) FROM `tabError Log`")[0][0] or "2000-01-01"

	def cleanup(self):
		frappe.db.rollback()
		for doctype, field in (
			("SLA Event", "ticket"),
			("Notification Log", "document_name"),
			("Comment", "reference_name"),
			("Email Queue", "reference_name"),
			("ToDo", "reference_name"),
		):
			frappe.db.delete(doctype, {field: ("in", self.names)})
		for name in self.names:
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Support Team", TEAM, force=True, ignore_permissions=True)
		for field, value in self.saved.items():
			frappe.db.set_single_value("TS SLA Settings", field, value)
		frappe.db.commit()
		frappe.cache.delete_value([health.TICK_STARTED, health.LAST_TICK, health.ALERTED])

	def settings(self, threshold: int, chunk: int) -> None:
		frappe.db.set_single_value("TS SLA Settings", "tick_fanout_threshold", threshold)
		frappe.db.set_single_value("TS SLA Settings", "tick_chunk_size", chunk)
		frappe.db.commit()

	def claims(self) -> dict:
		frappe.db.rollback()  # a fresh snapshot
		return dict(
			frappe.get_all(
				"Support Ticket", {"name": ("in", self.names)}, ["name", "tick_claim"], as_list=True
			)
		)

	def assert_every_event_once_and_everyone_told_once(self):
		frappe.db.rollback()
		keys = keys_of(self.names)
		self.assertEqual(len(keys), len(set(keys)))  # no duplicate
		self.assertEqual(set(keys), set().union(*self.expected.values()))  # none missing, none unexpected
		for name in self.names:
			recipients = {
				r
				for e in frappe.get_all("SLA Event", {"ticket": name}, ["recipients"])
				for r in (e.recipients or "").split(", ")
				if r
			}
			told = frappe.get_all(
				"Notification Log",
				{"document_name": name, "type": "Alert", "subject": ("not like", "SLA monitor is%")},
				pluck="for_user",
			)
			self.assertEqual(
				sorted(told),
				sorted(recipients),
				(
					name,
					frappe.get_all("SLA Event", {"ticket": name}, ["notice_pending", "creation", "modified"]),
				),
			)
			self.assertEqual(
				frappe.db.count("Comment", {"reference_name": name, "content": ("like", "SLA event%")}), 1
			)
		self.assertEqual(frappe.db.count("SLA Event", {"ticket": ("in", self.names), "notice_pending": 1}), 0)
		failed = frappe.get_all(
			"Error Log", {"creation": (">", self.errors_before), "method": ("like", "SLA %")}, pluck="method"
		)
		self.assertEqual(failed, [])  # no check and no delivery failed (a deadlock would show here)
		state = frappe.get_all(
			"Support Ticket", {"name": ("in", self.names)}, ["tick_claim", "next_check_at"]
		)
		self.assertEqual({s.tick_claim for s in state}, {None})
		self.assertTrue(all(s.next_check_at is None or s.next_check_at > NOW for s in state))


class TestFanOut(ScaleCase):
	def test_chunks_are_claimed_never_enqueued_twice_and_worked_off_by_workers(self):
		self.settings(threshold=3, chunk=3)
		with own_queue("long"):
			result = monitor.tick(NOW, commit=True)
			self.assertEqual((result["chunks"], result["handed_out"], result["checked"]), (3, 7, 0))
			jobs = queued_jobs("long", CHUNK)
			self.assertEqual(sorted(len(j.kwargs["kwargs"]["names"]) for j in jobs), [1, 3, 3])
			claims = self.claims()
			self.assertEqual(len(set(claims.values())), 3)
			self.assertEqual(
				{n for j in jobs for n in j.kwargs["kwargs"]["names"]}, set(self.names)
			)  # every ticket in exactly one chunk, which carries its token
			for job in jobs:
				kwargs = job.kwargs["kwargs"]
				self.assertEqual({claims[n] for n in kwargs["names"]}, {kwargs["token"]})
			# the next tick finds the chunks queued: nothing handed out again
			self.assertEqual(monitor.tick(NOW, commit=True)["chunks"], 0)
			self.assertEqual(len(queued_jobs("long", CHUNK)), 3)
			self.assertEqual(self.claims(), claims)
			self.assertEqual(Worker("long", own=True, burst=True).start().wait(), 0)
			self.assertEqual(queued_jobs("long"), [])
		self.assert_every_event_once_and_everyone_told_once()

	def test_two_ticks_at_once_hand_each_ticket_to_one_chunk(self):
		self.settings(threshold=1, chunk=2)
		with own_queue("long"):
			_results, errors = at_once(lambda: monitor.tick(NOW, commit=True))
			self.assertEqual(errors, [])
			jobs = queued_jobs("long", CHUNK)
			handed = [n for j in jobs for n in j.kwargs["kwargs"]["names"]]
			self.assertEqual(sorted(handed), sorted(self.names))  # each ticket in one chunk only
			workers = [Worker("long", own=True, burst=True).start() for _ in range(2)]
			self.assertEqual([w.wait() for w in workers], [0, 0])
		self.assert_every_event_once_and_everyone_told_once()


class TestKilledWorker(ScaleCase):
	COUNT = 15  # a chunk commits every monitor.COMMIT_EVERY (10) tickets

	def test_a_chunk_whose_worker_was_killed_is_finished_by_the_next_tick(self):
		self.settings(threshold=1, chunk=self.COUNT)
		site, sites_path = frappe.local.site, frappe.local.sites_path
		# the chunk checks its tickets in order and commits the first ten: the 13th is under way when killed
		done, victim = monitor.COMMIT_EVERY, self.names[12]
		held, release = threading.Event(), threading.Event()

		def hold():
			"""Another transaction inserts one of the victim's events and waits: the worker's insert of the
			same key waits on it, in the middle of the chunk."""
			frappe.init(site=site, sites_path=sites_path)
			try:
				frappe.connect()
				frappe.db.sql(
					"""INSERT INTO `tabSLA Event` (`name`, `ticket`, `event_key`, `creation`, `modified`)
					VALUES ('ts-sla-test-blocker', %s, %s, NOW(), NOW())""",
					(victim, sorted(self.expected[victim])[0]),
				)
				held.set()
				release.wait(120)
				frappe.db.rollback()
			finally:
				frappe.destroy()

		blocker = threading.Thread(target=hold)
		with own_queue("long"):
			self.assertEqual(monitor.tick(NOW, commit=True)["chunks"], 1)
			token = queued_jobs("long", CHUNK)[0].kwargs["kwargs"]["token"]
			blocker.start()
			self.assertTrue(held.wait(60))
			worker = Worker("long", own=True).start()
			try:
				self.wait_until(lambda: self.locked(victim))  # the worker is in its check
				claims = self.claims()
				self.assertEqual({claims[n] for n in self.names[:done]}, {None})  # ten checked and committed
				self.assertEqual({claims[n] for n in self.names[done:]}, {token})
				worker.kill()  # SIGKILL mid-chunk, mid-ticket
			finally:
				worker.stop()
				release.set()
				blocker.join(60)
			# the dead worker's transaction is rolled back once its connection is gone
			frappe.db.sql("SELECT `name` FROM `tabSupport Ticket` WHERE `name` = %s FOR UPDATE", victim)
			frappe.db.rollback()
			self.assertEqual(frappe.db.count("SLA Event", {"ticket": ("in", self.names[done:])}), 0)
			# its heartbeat is fresh still: the chunk counts as working, nothing is handed out again
			self.assertEqual(monitor.tick(NOW, commit=True)["chunks"], 0)
			# the ten it checked told nobody yet: their notices wait on their events
			self.assertTrue(
				frappe.db.count("SLA Event", {"ticket": ("in", self.names[:done]), "notice_pending": 1})
			)
			# silent for longer than STALE_AFTER (here: at once): the next tick hands the rest out again, and
			# queues the notices left pending for longer than SWEEP_AFTER (here: at once)
			with patch.object(monitor, "STALE_AFTER", -1), patch.object(monitor, "SWEEP_AFTER", -1):
				result = monitor.tick(NOW, commit=True)
			self.assertEqual((result["chunks"], result["handed_out"]), (1, self.COUNT - done))
			self.assertEqual(len(queued_jobs("long", DELIVER)), 1)  # the sweep
			self.assertEqual(Worker("long", own=True, burst=True).start().wait(), 0)
		self.assert_every_event_once_and_everyone_told_once()

	def locked(self, name: str) -> bool:
		"""Does another transaction hold the ticket's row lock?"""
		try:
			frappe.db.sql("SELECT `name` FROM `tabSupport Ticket` WHERE `name` = %s FOR UPDATE NOWAIT", name)
			return False
		except Exception:
			return True
		finally:
			frappe.db.rollback()

	def wait_until(self, condition, timeout: float = 90):
		import time

		deadline = time.monotonic() + timeout
		while not condition():
			self.assertLess(time.monotonic(), deadline, "the worker did not get there")
			frappe.db.rollback()
			time.sleep(0.1)
