"""Monitor health: the tick's figures, the lag when it stops, the managers told once per lag, who may read it."""

import datetime as dt
from unittest.mock import patch

import frappe
from frappe.utils import get_datetime

from ts_sla.api import health as api
from ts_sla.services import health, monitor
from ts_sla.services.states import MANAGER
from ts_sla.tests.utils import (
	PASSWORD,
	TEAM,
	LiveServerCase,
	TSSLATestCase,
	make_team,
	make_ticket,
	make_user,
)

D = dt.datetime
MANAGER_USER = "manager@ts-sla.test"
NOT_READERS = ("agent@ts-sla.test", "engineer@ts-sla.test", "supervisor@ts-sla.test", "reporter@ts-sla.test")


def forget_figures() -> None:
	frappe.cache.delete_value([health.TICK_STARTED, health.LAST_TICK, health.ALERTED])


def managers() -> list[str]:
	"""The enabled Support Managers (Administrator is never emailed about it)."""
	return sorted(
		u
		for u in frappe.get_all("Has Role", {"role": MANAGER, "parenttype": "User"}, pluck="parent")
		if u != "Administrator" and frappe.db.get_value("User", u, "enabled")
	)


def lag_alerts(user: str) -> int:
	return frappe.db.count("Notification Log", {"for_user": user, "subject": ("like", "SLA monitor is %")})


class TestMonitorHealth(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 100000)
		forget_figures()

	def tearDown(self):
		forget_figures()
		super().tearDown()

	def due_ticket(self, next_check_at: str) -> str:
		"""An open ticket whose next check is ``next_check_at``, and no tick has looked at it since."""
		with self.freeze_time("2023-10-25 09:16:00"):
			name = make_ticket(support_team=TEAM, received_at="2023-10-25 09:15:00").name
		frappe.db.set_value("Support Ticket", name, "next_check_at", next_check_at, update_modified=False)
		return name

	def test_figures_after_a_tick(self):
		self.due_ticket("2023-10-25 12:15:00")
		result = monitor.tick(commit=False, now=D(2023, 10, 25, 12, 20))
		self.assertEqual(result["checked"], 1)
		reading = health.reading(D(2023, 10, 25, 12, 20, 30))
		self.assertEqual(
			(reading["status"], reading["backlog"], reading["lag_seconds"], reading["oldest_due_at"]),
			(health.OK, 0, 0, None),
		)
		self.assertEqual(reading["last_tick_at"], "2023-10-25 12:20:00")
		last = reading["last_tick"]
		self.assertEqual(
			(last["started_at"], last["checked"], last["fired"], last["backlog"]),
			("2023-10-25 12:20:00", 1, result["fired"], 0),
		)
		self.assertGreater(last["duration_seconds"], 0)
		self.assertLess(last["duration_seconds"], 60)

	def test_recording_a_tick_costs_one_query(self):
		with self.assertQueryCount(1):  # the indexed COUNT/MIN; the figures go to Redis
			health.tick_finished(D(2023, 10, 25, 12, 20), 0.5, 0, 0)
		ticket = frappe.qb.DocType("Support Ticket")
		plan = frappe.db.sql(
			f"EXPLAIN {frappe.qb.from_(ticket).select('name').where(ticket.next_check_at <= D(2023, 10, 25))}",
			as_dict=True,
		)
		self.assertIn("ts_sla_next_check_status", plan[0].possible_keys or "")

	def test_lag_appears_when_the_tick_is_stopped_or_cannot_keep_up(self):
		first = self.due_ticket("2023-10-25 12:15:00")
		self.due_ticket("2023-10-25 12:16:00")
		reading = health.reading(D(2023, 10, 25, 12, 30))
		self.assertEqual(
			(reading["status"], reading["backlog"], reading["lag_seconds"], reading["oldest_due_at"]),
			(health.STOPPED, 2, 15 * 60, "2023-10-25 12:15:00"),
		)
		self.assertIsNone(reading["last_tick_at"])
		# a tick runs but reaches only part of the backlog: it is lagging, not stopped
		with patch.object(monitor, "BATCH", 1):
			self.assertEqual(monitor.tick(commit=False, now=D(2023, 10, 25, 12, 29))["checked"], 1)
		checked_next = frappe.db.get_value("Support Ticket", first, "next_check_at")
		self.assertGreater(get_datetime(checked_next), D(2023, 10, 25, 12, 29))
		reading = health.reading(D(2023, 10, 25, 12, 30))
		self.assertEqual(
			(reading["status"], reading["backlog"], reading["lag_seconds"], reading["last_tick"]["backlog"]),
			(health.LAGGING, 1, 14 * 60, 1),
		)
		# the tick told the managers about what it could not reach
		for user in managers():
			self.assertEqual(lag_alerts(user), 1, user)
		# then no tick for more than five minutes: stopped
		self.assertEqual(health.reading(D(2023, 10, 25, 12, 35))["status"], health.STOPPED)
		self.assertEqual(health.reading(D(2023, 10, 25, 12, 34))["status"], health.LAGGING)

	def test_managers_are_told_once_per_lag_and_again_after_recovery(self):
		self.assertIn(MANAGER_USER, managers())
		name = self.due_ticket("2023-10-25 12:00:00")
		self.assertEqual(health.check(D(2023, 10, 25, 12, 4))["told"], [])  # 4 minutes: within the limit
		told = health.check(D(2023, 10, 25, 12, 10))["told"]
		self.assertEqual(told, managers())
		self.assertEqual(health.check(D(2023, 10, 25, 12, 11))["told"], [])  # the next check: already told
		self.assertEqual(health.watch(900, 1, D(2023, 10, 25, 12)), [])  # a second worker: already told
		for user in told:
			self.assertEqual(lag_alerts(user), 1, user)
		log = frappe.get_last_doc("Notification Log", {"for_user": MANAGER_USER})
		self.assertEqual((log.document_type, log.document_name), ("Support Ticket", name))
		self.assertIn(name, log.email_content)
		self.assertEqual(
			frappe.db.count("Email Queue", {"reference_doctype": "Support Ticket", "reference_name": name}),
			len(told),
		)
		# the tick runs again and works the backlog off: recovered
		monitor.tick(commit=False, now=D(2023, 10, 25, 12, 12))
		self.assertEqual(health.reading(D(2023, 10, 25, 12, 12))["lag_seconds"], 0)
		self.assertEqual(health.check(D(2023, 10, 25, 12, 13))["told"], [])
		# a new lag is news again
		self.due_ticket("2023-10-25 12:20:00")
		self.assertEqual(health.check(D(2023, 10, 25, 12, 30))["told"], told)
		self.assertEqual(health.check(D(2023, 10, 25, 12, 31))["told"], [])
		for user in told:
			self.assertEqual(lag_alerts(user), 2, user)

	def test_the_rest_reading_is_for_support_and_system_managers_only(self):
		self.due_ticket("2023-10-25 12:00:00")
		for user in (*NOT_READERS, "Guest"):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError, msg=user):
				api.monitor_health()
		frappe.set_user("Administrator")
		system_manager = make_user("monitor.admin@ts-sla.test", ["System Manager"])
		for user in (MANAGER_USER, system_manager):
			frappe.set_user(user)
			figures = api.monitor_health()
			self.assertEqual(figures["status"], health.STOPPED)  # nothing ticked in this test
			self.assertIn("backlog", figures)
		self.assertEqual(lag_alerts(MANAGER_USER), 1)  # the first reading past the limit told them, once
		self.assertTrue(frappe.local.flags.commit)  # a GET keeps those notifications
		frappe.local.flags.commit = False

	def test_every_support_role_reads_whether_the_monitor_runs(self):
		self.due_ticket("2023-10-25 12:00:00")  # long overdue: the state says so and alerts nobody
		system_manager = make_user("monitor.admin@ts-sla.test", ["System Manager"])
		for user in (*NOT_READERS[:3], MANAGER_USER, system_manager):
			frappe.set_user(user)
			state = api.monitor_state()
			self.assertEqual(state["status"], health.STOPPED, user)  # nothing ticked in this test
			self.assertIsNone(state["last_tick_at"])
			self.assertGreaterEqual(state["backlog"], 1)
			self.assertEqual(state["may_read_figures"], user in (MANAGER_USER, system_manager), user)
			self.assertNotIn("mail", state)  # the managers' figures stay theirs
			self.assertNotIn("last_tick", state)
		for user in ("reporter@ts-sla.test", "Guest"):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError, msg=user):
				api.monitor_state()
		frappe.set_user("Administrator")
		self.assertEqual(lag_alerts(MANAGER_USER), 0)  # reading the state tells nobody
		self.assertFalse(frappe.local.flags.commit)
		# a tick starts: running; the next reading more than five minutes on: stopped since then
		health.tick_started(D(2023, 10, 25, 12, 30))
		self.assertEqual(health.state(D(2023, 10, 25, 12, 31))["last_tick_at"], "2023-10-25 12:30:00")
		self.assertEqual(health.state(D(2023, 10, 25, 12, 36))["status"], health.STOPPED)

	def test_the_settings_form_shows_the_figures_to_managers(self):
		frappe.set_user(MANAGER_USER)
		settings = frappe.get_doc("TS SLA Settings")
		settings.run_method("onload")
		self.assertEqual(settings.get_onload().monitor_health["status"], health.STOPPED)
		frappe.set_user("supervisor@ts-sla.test")  # reads the settings, not the monitor's figures
		settings = frappe.get_doc("TS SLA Settings")
		settings.run_method("onload")
		self.assertNotIn("monitor_health", settings.get_onload() or {})


class TestMonitorHealthOverHTTP(LiveServerCase):
	def test_get_over_http(self):
		url = f"{self.server.url}/api/method/ts_sla.api.health.monitor_health"
		response = self.server.session(MANAGER_USER, PASSWORD).get(url, timeout=60)
		self.assertEqual(response.status_code, 200, response.text)
		figures = response.json()["message"]
		self.assertIn(figures["status"], (health.OK, health.LAGGING, health.STOPPED))
		self.assertLessEqual({"last_tick", "backlog", "oldest_due_at", "lag_seconds"}, set(figures))
		for user in ("supervisor@ts-sla.test", None):
			session = self.server.session(user, PASSWORD) if user else self.server.session()
			self.assertEqual(session.get(url, timeout=60).status_code, 403, user)
		self.assertFalse(self.server.session(MANAGER_USER, PASSWORD).post(url, timeout=60).ok)  # GET only
		url = f"{self.server.url}/api/method/ts_sla.api.health.monitor_state"
		response = self.server.session("engineer@ts-sla.test", PASSWORD).get(url, timeout=60)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertIn(response.json()["message"]["status"], (health.OK, health.LAGGING, health.STOPPED))
		for user in ("reporter@ts-sla.test", None):
			session = self.server.session(user, PASSWORD) if user else self.server.session()
			self.assertEqual(session.get(url, timeout=60).status_code, 403, user)
		self.assertFalse(self.server.session("engineer@ts-sla.test", PASSWORD).post(url, timeout=60).ok)
