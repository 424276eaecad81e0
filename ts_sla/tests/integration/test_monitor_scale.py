"""The tick at scale: chunks on real workers (claimed, never enqueued twice, a killed worker's chunk finished
by the next tick), the settings that drive it, and the cheaper check (the row, not the document; one
timeline entry and one notice per recipient per check)."""

import datetime as dt
import email
import threading
from unittest.mock import patch

import frappe
from frappe.utils import get_datetime, now_datetime

from ts_sla.services import health, monitor, notifier, sla
from ts_sla.services.clocks import aware
from ts_sla.tests.server import Worker, at_once, own_queue, queued_jobs
from ts_sla.tests.utils import TEAM, TSSLATestCase, make_team, make_ticket

D = dt.datetime
#: A day no other test's ticket lives on, so the committed tickets of these tests are the only ones due.
RECEIVED, NOW = "2001-03-05 09:15:00", D(2001, 3, 6, 12, 0)
CHUNK = "ts_sla.services.monitor.check_chunk"
DELIVER = "ts_sla.services.monitor.deliver_pending"
ENGINEER = "engineer@ts-sla.test"
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


def queued_mails(filters) -> list[tuple[list[str], str]]:
	"""(addressees, HTML body) of each queued email matching the filters."""
	mails = []
	for mail in frappe.get_all("Email Queue", filters, ["name", "message"], order_by="creation"):
		to = frappe.get_all("Email Queue Recipient", {"parent": mail.name}, pluck="recipient")
		parts = email.message_from_string(mail.message).walk()
		body = "".join(
			p.get_payload(decode=True).decode() for p in parts if p.get_content_type() == "text/html"
		)
		mails.append((to, body))
	return mails


def assert_each_reads_only_their_own(case, mails, events, recipients):
	"""Every recipient is in one email, which carries every event naming all of its addressees and no
	event naming none of them."""
	for to, body in mails:
		for event in events:
			named = set((event.recipients or "").split(", "))
			if all(user in named for user in to):
				case.assertIn(event.message, body)
			elif not any(user in named for user in to):
				case.assertNotIn(event.message, body)
	case.assertEqual(sorted(u for to, _body in mails for u in to), sorted(recipients))  # each told once


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
		mails = queued_mails({"reference_name": name, "reference_doctype": "Support Ticket"})
		self.assertLessEqual(len(mails), len(recipients))
		assert_each_reads_only_their_own(self, mails, events, recipients)

	def test_an_event_recorded_meanwhile_is_skipped_and_the_check_goes_on(self):
		name, now = self.ticket(), D(2023, 10, 26, 9, 0)
		row = monitor.read_ticket(name)
		occurrence = next(o for o in sla.occurrences(row, now) if aware(o.at) <= aware(now))
		self.assertEqual(monitor.fire(row, occurrence, now), 1)
		first = frappe.get_all("SLA Event", {"ticket": name}, ["name", "event_key"])
		known = set()  # a check that read the keys before another worker recorded this one
		self.assertEqual(monitor.fire(row, occurrence, now, known), 0)  # no error, nothing twice
		self.assertEqual(known, {first[0].event_key})
		# the failed insert was undone alone: the first event stays, and the transaction goes on
		self.assertEqual(frappe.get_all("SLA Event", {"ticket": name}, ["name", "event_key"]), first)
		self.assertEqual(monitor.check_ticket(name, now), len(monitor.read_ticket(name).known_keys) - 1)

	def test_a_groups_states_are_stored_each_on_its_own_ticket(self):
		names = [self.ticket() for _ in range(3)]
		frappe.db.sql("UPDATE `tabSupport Ticket` SET `tick_claim` = 'chunk-a' WHERE `name` IN %s", (names,))
		states = {
			name: {
				"sla_state": state,
				"response_status": response,
				"resolution_status": "Pending",
				"next_due": D(2023, 10, 25, 10 + i, 0),
				"next_check_at": None if i == 2 else D(2023, 10, 25, 9 + i, 30),
			}
			for i, (name, state, response) in enumerate(
				zip(names, ("On Track", "At Risk", "Breached"), ("Met", "Pending", "Breached"), strict=True)
			)
		}
		with self.assertQueryCount(1):
			monitor._store_all_states(states)
		for name in names:
			stored = frappe.db.get_value(
				"Support Ticket", name, [*monitor.STATE_FIELDS, "tick_claim"], as_dict=True
			)
			self.assertEqual(stored, {**states[name], "tick_claim": None}, name)

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

		with patch.object(frappe, "get_doc", counting), self.assertQueryCount(7):
			# the row (locked), its pauses, extensions and collaboration requests, the event keys, the
			# savepoint, the states stored
			row = monitor.read_tickets([name], lock=True)[name]
			checked = monitor._guarded(name, False, lambda: monitor._check_if_still_due(row, now))
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

	def errors_logged(self, title: str) -> list[str]:
		"""The titles of the Error Logs since the test began (or since ``errors_before`` moved) like this."""
		return frappe.get_all(
			"Error Log",
			{"creation": (">", self.errors_before), "method": ("like", title)},
			pluck="method",
		)

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
		# no check and no delivery failed (a deadlock would show here)
		self.assertEqual(self.errors_logged("SLA %"), [])
		state = frappe.get_all(
			"Support Ticket", {"name": ("in", self.names)}, ["tick_claim", "next_check_at"]
		)
		self.assertEqual({s.tick_claim for s in state}, {None})
		self.assertTrue(all(s.next_check_at is None or s.next_check_at > NOW for s in state))
		for name in self.names:  # each check's states stored (a group's in one UPDATE), as the engine says
			doc = frappe.get_doc("Support Ticket", name)
			stored = {f: doc.get(f) for f in monitor.STATE_FIELDS}
			sla.update_states(doc, NOW)
			self.assertEqual(stored, {f: doc.get(f) for f in monitor.STATE_FIELDS}, name)


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


class TestDigest(ScaleCase):
	"""A worker sends the notices of a tick's checks: a bell per ticket and recipient, one email per
	recipient for the batch."""

	COUNT = 3

	def setUp(self):
		super().setUp()
		self.since = now_datetime()
		# the response warnings go to each ticket's engineer, the breaches to the team's supervisor
		for name, engineer in zip(self.names, (ENGINEER, "engineer2@ts-sla.test", None), strict=True):
			frappe.db.set_value("Support Ticket", name, "assigned_to", engineer, update_modified=False)
		frappe.db.commit()

	def cleanup(self):
		super().cleanup()
		digests = frappe.get_all(
			"Email Queue", {"creation": (">=", self.since), "reference_name": ("is", "not set")}, pluck="name"
		)
		if digests:
			frappe.db.delete("Email Queue Recipient", {"parent": ("in", digests)})
			frappe.db.delete("Email Queue", {"name": ("in", digests)})
		frappe.db.commit()

	def tick(self) -> None:
		"""A tick that checks the tickets itself and leaves their notices to one job (not run)."""
		self.settings(threshold=1000, chunk=200)
		with own_queue("long"):
			monitor.tick(NOW, commit=True)
			jobs = queued_jobs("long", DELIVER)
			self.assertEqual([j.kwargs["kwargs"]["tickets"] for j in jobs], [self.names])
			for job in jobs:
				job.delete()
		self.assertEqual(frappe.get_all("Notification Log", {"document_name": ("in", self.names)}), [])

	def events(self):
		return frappe.get_all(
			"SLA Event", {"ticket": ("in", self.names)}, ["ticket", "recipients", "message"]
		)

	def test_one_email_per_recipient_for_every_ticket_of_the_batch(self):
		self.tick()
		told = monitor.deliver_pending(self.names)
		frappe.db.rollback()
		events = self.events()
		named = {(e.ticket, r) for e in events for r in (e.recipients or "").split(", ") if r}
		bells = frappe.get_all(
			"Notification Log",
			{"document_name": ("in", self.names), "type": "Alert"},
			["document_name", "for_user"],
		)
		self.assertEqual(
			sorted((b.document_name, b.for_user) for b in bells), sorted(named)
		)  # one per ticket
		self.assertEqual(told, len(bells))
		mails = queued_mails({"creation": (">=", self.since), "message": ("like", "%TS-2001%")})
		recipients = {user for _ticket, user in named}
		self.assertLessEqual({ENGINEER, "engineer2@ts-sla.test", "supervisor@ts-sla.test"}, recipients)
		self.assertLessEqual(len(mails), len(recipients))  # not one per ticket
		assert_each_reads_only_their_own(self, mails, events, recipients)
		(supervisors,) = [body for to, body in mails if to == ["supervisor@ts-sla.test"]]
		for name in self.names:  # each ticket of the digest with its link
			self.assertIn(f"/app/support-ticket/{name}", supervisors)
		self.assert_every_event_once_and_everyone_told_once()

	def test_a_user_told_of_many_tickets_at_once_gets_one_alert_that_counts_them(self):
		self.tick()
		alerts, real = {}, frappe.publish_realtime

		def recording(event, message=None, *args, **kwargs):
			if event == "ts_sla_alert":
				alerts.setdefault(kwargs["user"], []).append(message)
			return real(event, message, *args, **kwargs)

		frappe.db.set_value("Support Ticket", self.names[2], "priority", "P0", update_modified=False)
		frappe.db.commit()
		priority = frappe.db.get_value("Support Ticket", self.names[0], "priority")
		with patch.object(frappe, "publish_realtime", recording), patch.object(notifier, "ALERTS_EACH", 2):
			monitor.deliver_pending(self.names)
		self.assertEqual(  # coloured by the most urgent of them
			alerts["supervisor@ts-sla.test"],
			[{"ticket": self.names[0], "subject": "SLA notices on 3 tickets", "priority": "P0"}],
		)
		(alert,) = alerts[ENGINEER]  # told of one ticket: its own alert
		self.assertEqual((alert["ticket"], alert["priority"]), (self.names[0], priority))
		self.assertIn(self.names[0], alert["subject"])

	def test_a_ticket_whose_notices_fail_holds_back_no_other(self):
		self.tick()
		victim, real = self.names[1], notifier._bell

		def failing(user, subject, message, ticket):
			if ticket.name == victim:
				raise RuntimeError("boom")
			return real(user, subject, message, ticket)

		with patch.object(notifier, "_bell", failing):
			monitor.deliver_pending(self.names)
		frappe.db.rollback()
		pending = frappe.get_all(
			"SLA Event", {"ticket": ("in", self.names), "notice_pending": 1}, pluck="ticket"
		)
		self.assertEqual(set(pending), {victim})
		self.assertEqual(
			self.errors_logged("SLA notifications%"),
			[f"SLA notifications failed for {victim}"],
		)
		self.assertEqual(frappe.db.count("Notification Log", {"document_name": victim}), 0)
		self.errors_before = frappe.db.sql("SELECT MAX(`creation`) FROM `tabError Log`")[0][0]
		monitor.deliver_pending(self.names)  # the next delivery (the sweep's) tells the victim's people
		self.assert_every_event_once_and_everyone_told_once()


class TestLockingRead(ScaleCase):
	COUNT = 12

	def free_in_another_connection(self) -> list[str]:
		"""The tickets another connection can lock at once (FOR UPDATE NOWAIT) while this one holds its
		locks."""
		site, sites_path, free = frappe.local.site, frappe.local.sites_path, []

		def probe():
			frappe.init(site=site, sites_path=sites_path)
			try:
				frappe.connect()
				for name in self.names:
					try:
						frappe.db.sql(
							"SELECT `name` FROM `tabSupport Ticket` WHERE `name` = %s FOR UPDATE NOWAIT", name
						)
						free.append(name)
					except Exception:
						pass
					frappe.db.rollback()
			finally:
				frappe.destroy()

		thread = threading.Thread(target=probe)
		thread.start()
		thread.join(60)
		return free

	def test_a_group_locks_its_own_rows_only(self):
		"""The tick's group (unclaimed rows) and a chunk's group (its token) lock exactly the rows they
		read: never the other unclaimed rows, nor the rest of the chunk."""
		mine, others = self.names[:10], self.names[10:]  # most of the claim: its index looks cheaper
		rows = monitor.read_tickets(mine, lock=True, unclaimed_only=True)
		self.assertEqual(sorted(rows), sorted(mine))
		self.assertEqual(self.free_in_another_connection(), others)
		frappe.db.rollback()
		frappe.db.sql(
			"UPDATE `tabSupport Ticket` SET `tick_claim` = 'chunk-a' WHERE `name` IN %s", (self.names,)
		)
		frappe.db.commit()
		rows = monitor.read_tickets(mine, token="chunk-a", lock=True)
		self.assertEqual(sorted(rows), sorted(mine))
		self.assertEqual(self.free_in_another_connection(), others)
		frappe.db.rollback()
		# a ticket the group asks for but another chunk claims is not read
		self.assertEqual(monitor.read_tickets(mine, token="chunk-b", lock=True), {})
		self.assertEqual(monitor.read_tickets(mine, lock=True, unclaimed_only=True), {})
		frappe.db.rollback()
		frappe.db.sql("UPDATE `tabSupport Ticket` SET `tick_claim` = NULL WHERE `name` IN %s", (self.names,))
		frappe.db.commit()


class TestGroupFailures(ScaleCase):
	def test_one_failing_check_is_left_out_alone(self):
		"""The group runs without savepoints; when a check fails the group is undone and checked again in
		savepoints, so only the failing ticket is left out (logged once) and the next tick checks it."""
		victim, real = self.names[3], monitor._check

		def failing(row, now):
			if row.name == victim:
				raise RuntimeError("boom")
			return real(row, now)

		self.settings(threshold=1000, chunk=200)
		with own_queue("long"):
			with patch.object(monitor, "_check", failing):
				self.assertEqual(monitor.tick(NOW, commit=True)["checked"], self.COUNT - 1)
			frappe.db.rollback()
			self.assertEqual(
				self.errors_logged("SLA check failed%"),
				[f"SLA check failed for {victim}"],
			)
			self.assertEqual(
				set(keys_of(self.names)), set().union(*(self.expected[n] for n in self.names if n != victim))
			)
			self.errors_before = frappe.db.sql("SELECT MAX(`creation`) FROM `tabError Log`")[0][0]
			self.assertEqual(monitor.tick(NOW, commit=True)["checked"], 1)  # the victim, due still
			for job in queued_jobs("long", DELIVER):
				monitor.deliver_pending(**job.kwargs["kwargs"])
				job.delete()
		self.assert_every_event_once_and_everyone_told_once()

	def test_a_group_the_server_rolled_back_is_checked_again(self):
		"""A deadlock in one ticket's check ends the whole transaction: its group is checked again, and no
		event is lost or doubled."""
		real, calls = monitor._check, []

		def deadlocking(row, now):
			calls.append(row.name)
			fired = real(row, now)
			if len(calls) == 2:  # the second ticket, after its events were written
				raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")
			return fired

		self.settings(threshold=1000, chunk=200)
		with patch.object(monitor, "_check", deadlocking), own_queue("long"):
			result = monitor.tick(NOW, commit=True)
			for job in queued_jobs("long", DELIVER):
				monitor.deliver_pending(**job.kwargs["kwargs"])
				job.delete()
		self.assertEqual(calls, self.names[:2] + self.names)  # the group again, from its first ticket
		self.assertEqual(result["checked"], self.COUNT)
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
				self.wait_until(lambda: self.waiting_on_the_blocker(victim))  # the worker is in its check
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
			# its heartbeat is fresh still (well inside STALE_AFTER, however slow the machine was since its last
			# beat): the chunk counts as working, nothing is handed out again
			with patch.object(monitor, "STALE_AFTER", 3600):
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

	def waiting_on_the_blocker(self, victim: str) -> bool:
		"""Is a connection of the site's (the worker's) inserting one of the victim's events, waiting on the
		blocker's row? Seen in the process list, which takes no lock: a probe that locked the victim's row
		itself (``FOR UPDATE NOWAIT``) made the worker's ``SKIP LOCKED`` read skip the victim whenever the
		two met, and the worker then never got there."""
		return bool(
			frappe.db.sql(
				"""SELECT `ID` FROM `information_schema`.`PROCESSLIST`
				WHERE `ID` != CONNECTION_ID() AND `COMMAND` = 'Query'
				AND `INFO` LIKE 'INSERT INTO `tabSLA Event`%%' AND `INFO` LIKE %s""",
				(f"%{victim}%",),
			)
		)

	def wait_until(self, condition, timeout: float = 90):
		import time

		deadline = time.monotonic() + timeout
		while not condition():
			self.assertLess(time.monotonic(), deadline, "the worker did not get there")
			frappe.db.rollback()
			time.sleep(0.1)
