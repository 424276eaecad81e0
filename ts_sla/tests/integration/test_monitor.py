"""The scheduled SLA monitor: warnings, breaches, reminders, escalation actions, exactly-once events."""

import datetime as dt

import frappe
from frappe.utils import get_datetime

from ts_sla.api import ticket as api
from ts_sla.services import monitor
from ts_sla.tests.server import Worker, at_once, own_queue, queued_jobs
from ts_sla.tests.utils import TSSLATestCase, make_team, make_ticket, ticket_data

D = dt.datetime
DELIVER = "ts_sla.services.monitor.deliver_pending"
ENGINEER, SUPERVISOR, L3 = "engineer@ts-sla.test", "supervisor@ts-sla.test", "engineer2@ts-sla.test"


def events(ticket: str) -> list[tuple]:
	return [
		(e.clock, e.kind, e.threshold_percent, e.level, e.recipients)
		for e in frappe.get_all(
			"SLA Event",
			filters={"ticket": ticket},
			fields=["clock", "kind", "threshold_percent", "level", "recipients"],
			order_by="fired_at asc, clock asc, threshold_percent asc, level asc",
		)
	]


def sla_alerts(ticket: str) -> dict:
	"""Notification Log filters: the SLA monitor's alerts about a ticket (not the monitor-health ones)."""
	return {"document_name": ticket, "type": "Alert", "subject": ("not like", "SLA monitor is%")}


class TestMonitor(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 100000)

	def assigned_ticket(self, **kw):
		with self.freeze_time(kw.pop("at", "2023-10-25 09:16:00")):
			doc = make_ticket(support_team="System Operations Team", **kw)
			api.assign(doc.name, ENGINEER, tier="L2")
		return doc.name

	def test_response_warning_then_breach_each_once(self):
		name = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", name, "next_check_at")),
			D(2023, 10, 25, 12, 15),
		)
		self.assertEqual(monitor.tick(commit=False, now=D(2023, 10, 25, 12, 0))["fired"], 0)
		self.assertEqual(monitor.tick(commit=False, now=D(2023, 10, 25, 12, 20))["fired"], 1)
		self.assertEqual(events(name), [("Response", "Warning", 75.0, 1, ENGINEER)])
		state = frappe.db.get_value(
			"Support Ticket", name, ["sla_state", "next_check_at", "response_status"], as_dict=True
		)
		self.assertEqual(
			(state.sla_state, get_datetime(state.next_check_at)), ("At Risk", D(2023, 10, 25, 13, 15))
		)
		self.assertEqual(
			monitor.tick(commit=False, now=D(2023, 10, 25, 12, 21))["fired"], 0
		)  # nothing due: nothing selected
		self.assertEqual(monitor.check_ticket(name, D(2023, 10, 25, 12, 22)), 0)  # re-run: nothing twice
		monitor.tick(commit=False, now=D(2023, 10, 25, 13, 16))
		self.assertEqual(
			events(name),
			[("Response", "Warning", 75.0, 1, ENGINEER), ("Response", "Breach", 100.0, 2, SUPERVISOR)],
		)
		state = frappe.db.get_value("Support Ticket", name, ["sla_state", "response_status"], as_dict=True)
		self.assertEqual((state.sla_state, state.response_status), ("Breached", "Breached"))
		bell = frappe.get_all("Notification Log", {"document_name": name, "type": "Alert"}, pluck="for_user")
		self.assertEqual(sorted(bell), [ENGINEER, SUPERVISOR])
		timeline = frappe.get_all(
			"Comment", {"reference_name": name, "content": ("like", "SLA event%")}, pluck="name"
		)
		self.assertEqual(len(timeline), 2)

	def test_backdated_ticket_fires_every_passed_clock_once(self):
		name = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		fired = monitor.check_ticket(name, D(2023, 10, 26, 9, 0))
		got = events(name)
		self.assertEqual(fired, len(got))
		clocks = {(c, k) for c, k, *_ in got}
		self.assertTrue(
			{("Response", "Breach"), ("Resolution", "Breach"), ("Resolution", "Escalation")} <= clocks, clocks
		)
		self.assertEqual(monitor.check_ticket(name, D(2023, 10, 26, 9, 5)), 0)

	def test_old_tickets_record_events_but_tell_nobody(self):
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 30)
		name = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		monitor.check_ticket(name, D(2026, 1, 1))
		self.assertTrue(events(name))
		self.assertEqual(set(frappe.get_all("SLA Event", {"ticket": name}, pluck="notified")), {0})
		self.assertFalse(
			frappe.get_all("Notification Log", {"document_name": name, "subject": ("like", "%breach%")})
		)

	def test_imported_closed_ticket_records_events_quietly(self):
		frappe.flags.in_import = True
		try:
			doc = frappe.get_doc(
				ticket_data(
					status="Closed",
					received_at="2023-10-25 09:15:00",
					registered_at="2023-10-25 09:15:00",
					first_responded_at="2023-10-25 14:00:00",
					resolved_at="2023-10-25 16:00:00",
					closed_at="2023-10-25 16:30:00",
				)
			).insert()
		finally:
			frappe.flags.in_import = False
		got = events(doc.name)
		self.assertIn(("Response", "Breach", 100.0, 2, ""), got)
		self.assertNotIn("Resolution", [c for c, k, *_ in got if k == "Breach"])
		self.assertFalse(frappe.get_all("Notification Log", {"document_name": doc.name}))

	def test_escalation_actions_raise_priority_and_reassign(self):
		policy = frappe.get_doc("SLA Policy", "Default SLA Policy")
		policy.append(
			"escalation_rules",
			{
				"clock": "Response",
				"threshold_percent": 100,
				"level": 4,
				"notify": "Supervisor",
				"action": "Raise Priority",
			},
		)
		policy.append(
			"escalation_rules",
			{
				"clock": "Resolution",
				"threshold_percent": 100,
				"level": 4,
				"notify": "Assignee",
				"action": "Reassign to Next Tier",
			},
		)
		policy.save()
		name = self.assigned_ticket(received_at="2023-10-25 09:15:00", priority="P2")
		monitor.check_ticket(name, D(2023, 10, 25, 17, 20))  # P2 response (8 h) breached at 17:15
		doc = frappe.get_doc("Support Ticket", name)
		self.assertEqual(doc.priority, "P1")
		action = frappe.db.get_value("SLA Event", {"ticket": name, "level": 4}, "action_taken")
		self.assertEqual(action, "priority raised to P1")
		comments = frappe.get_all(
			"Comment", {"reference_name": name, "comment_type": "Info"}, pluck="content"
		)
		self.assertTrue(any("Priority: P2 → P1" in c for c in comments), comments)
		# as P1 the resolution (8 h from 09:15) is breached at 17:15: reassigned to the L3 engineer
		monitor.check_ticket(name, D(2023, 10, 25, 17, 30))
		doc.reload()
		self.assertEqual((doc.assigned_to, doc.support_tier), (L3, "L3"))
		self.assertIn(
			"reassigned to",
			frappe.db.get_value(
				"SLA Event", {"ticket": name, "clock": "Resolution", "level": 4}, "action_taken"
			),
		)

	def test_pause_stops_escalation_until_resumed(self):
		name = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		with self.freeze_time("2023-10-25 10:00:00"):
			api.respond(name)
			api.wait_for_customer(name, "logs")
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "next_check_at"), None)
		monitor.check_ticket(name, D(2023, 10, 25, 20, 0))
		self.assertEqual([e for e in events(name) if e[0] == "Resolution"], [])

	def test_progress_verification_closure_and_collaboration_reminders(self):
		p0 = self.assigned_ticket(received_at="2023-10-25 14:20:00", priority="P0", at="2023-10-25 14:21:00")
		with self.freeze_time("2023-10-25 14:30:00"):
			api.respond(p0)
		monitor.check_ticket(p0, D(2023, 10, 25, 15, 1))
		self.assertIn(("P0 Progress", "Reminder", 100.0, 1, ENGINEER), events(p0))
		with self.freeze_time("2023-10-25 15:05:00"):
			api.add_progress(p0, "Root cause located")
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", p0, "next_check_at")), D(2023, 10, 25, 15, 35)
		)

		name = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		with self.freeze_time("2023-10-25 10:00:00"):
			api.respond(name)
			api.resolve(name, "fixed", "works")
		monitor.check_ticket(name, D(2023, 10, 25, 12, 1))
		self.assertIn(("Verification", "Reminder", 100.0, 1, ENGINEER), events(name))

		make_team("HR Team", members={"engineer2@ts-sla.test": "L2"}, domains=())
		other = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		with self.freeze_time("2023-10-25 09:30:00"):
			doc = frappe.get_doc("Support Ticket", other)
			doc.lead_team = "System Operations Team"
			doc.append("collaborations", {"support_team": "HR Team", "request": "Activate the account"})
			doc.save()
		self.assertEqual(get_datetime(doc.collaborations[0].due_at), D(2023, 10, 26, 9, 30))
		monitor.check_ticket(other, D(2023, 10, 26, 9, 31))
		self.assertIn(("Collaboration", "Breach", 100.0, 1, SUPERVISOR), events(other))

	def test_daily_progress_cutoff_flags_once(self):
		name = self.assigned_ticket(received_at="2023-10-25 09:15:00")
		frappe.cache.delete_value("ts_sla:daily_progress:Default SLA Policy:2023-10-25")
		self.assertEqual(monitor.daily_progress_check(commit=False, now=D(2023, 10, 25, 16, 0)), 0)
		self.assertEqual(monitor.daily_progress_check(commit=False, now=D(2023, 10, 25, 17, 5)), 1)
		self.assertIn(("Daily Progress", "Reminder", 100.0, 1, ENGINEER), events(name))
		frappe.cache.delete_value("ts_sla:daily_progress:Default SLA Policy:2023-10-25")
		self.assertEqual(monitor.daily_progress_check(commit=False, now=D(2023, 10, 25, 17, 15)), 0)
		frappe.cache.delete_value("ts_sla:daily_progress:Default SLA Policy:2023-10-25")


class TestConcurrentTicks(TSSLATestCase):
	def test_two_ticks_at_once_record_each_event_once(self):
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 100000)
		doc = make_ticket(
			received_at="2023-10-25 09:15:00",
			subject="Concurrent tick ticket",
			support_team="System Operations Team",
		)
		frappe.db.set_value("Support Ticket", doc.name, "next_check_at", "2023-10-25 09:20:00")
		frappe.db.commit()

		def cleanup():
			frappe.db.rollback()
			frappe.db.delete("SLA Event", {"ticket": doc.name})
			frappe.db.delete("Notification Log", {"document_name": doc.name})
			frappe.delete_doc("Support Ticket", doc.name, force=True, ignore_permissions=True)
			frappe.delete_doc("Support Team", "System Operations Team", force=True, ignore_permissions=True)
			frappe.db.commit()

		self.addCleanup(cleanup)
		with own_queue("long"):
			before = frappe.db.count("Notification Log", sla_alerts(doc.name))
			_results, errors = at_once(lambda: monitor.tick(D(2023, 10, 26, 12, 0)))
			self.assertEqual(errors, [])
			# one check fired: one notification job for the ticket
			self.assertEqual(
				[j.kwargs["kwargs"].get("tickets") for j in queued_jobs("long", DELIVER)], [[doc.name]]
			)
			self.assertEqual(Worker("long", own=True, burst=True).start().wait(), 0)
		frappe.db.rollback()  # a fresh snapshot: what the workers committed
		keys = frappe.get_all("SLA Event", {"ticket": doc.name}, pluck="event_key")
		self.assertGreater(len(keys), 1)
		self.assertEqual(len(keys), len(set(keys)))
		# one check fired them all: each recipient told once (one bell), across both workers
		told = {
			r
			for e in frappe.get_all("SLA Event", {"ticket": doc.name}, ["recipients"])
			for r in (e.recipients or "").split(", ")
			if r
		}
		logs = frappe.get_all("Notification Log", sla_alerts(doc.name), ["for_user", "subject"])
		self.assertEqual(len(logs) - before, len(told), logs)
		self.assertEqual(sorted(log.for_user for log in logs), sorted(told))
		self.assertEqual(
			frappe.db.count("Comment", {"reference_name": doc.name, "content": ("like", "SLA event%")}), 1
		)
