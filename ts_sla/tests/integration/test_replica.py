"""Reads on a MariaDB replica (issue 27, point 1), against a real one: ``scripts/replica start SITE`` (which
``scripts/run-tests`` runs as root) starts a second MariaDB server on 127.0.0.1 that follows this site's
database by GTID. The site's user may only SELECT there.

- The read-only endpoints and the reports are served by the replica: a ticket written only on the replica
  shows in them, and the replica's general log sees their queries.
- Nothing ts_sla writes goes there: the read-only endpoints succeed with SELECT alone (a write would be
  refused), and the replica's general log holds no write from the site's user.
- With replication stopped the site still takes tickets and the tick still fires on the primary; the reads
  lag; once replication resumes the replica has every ticket and event, none lost.

Committed data is needed (replication carries commits), so each test cleans up after itself."""

from __future__ import annotations

import os

import frappe
import pytest

from ts_sla.tests.utils import TSSLATestCase, make_team, make_ticket

PORT = int(os.environ.get("TS_SLA_REPLICA_PORT", "3307"))
ROOT_PASSWORD = os.environ.get("TS_SLA_DB_ROOT_PASSWORD", "admin")
ONLY_ON_REPLICA = "TS-29991231-901"
SUBJECT = "Replica test"
REPORTER, SUPERVISOR = "reporter@ts-sla.test", "supervisor@ts-sla.test"
WAIT_SECONDS = 120


def replica_root():
	"""A root connection to the replica, on this site's database (None when there is no replica)."""
	import pymysql

	try:
		return pymysql.connect(
			host="127.0.0.1",
			port=PORT,
			user="root",
			password=ROOT_PASSWORD,
			database=frappe.conf.db_name,
			charset="utf8mb4",
			autocommit=True,
			connect_timeout=3,
		)
	except pymysql.Error:
		return None


def why_no_replica() -> str | None:
	connection = replica_root()
	if connection is None:
		return (
			f"no MariaDB replica of {frappe.conf.db_name} on 127.0.0.1:{PORT}: as root, run "
			f"scripts/replica start {frappe.local.site}"
		)
	with connection.cursor() as cursor:
		cursor.execute("SHOW SLAVE STATUS")
		row = cursor.fetchone()
		names = [d[0] for d in cursor.description] if cursor.description else []
	connection.close()
	status = dict(zip(names, row or (), strict=False))
	if status.get("Slave_SQL_Running") != "Yes":
		return f"the replica on 127.0.0.1:{PORT} does not apply the primary's changes: scripts/replica status"
	return None


def back_to_primary() -> None:
	"""As a new request starts: on the primary, with no replica connection (Frappe's ``connect_replica``
	switches only once per request)."""
	if hasattr(frappe.local, "primary_db"):
		frappe.local.db = frappe.local.primary_db
		del frappe.local.primary_db
	if hasattr(frappe.local, "replica_db"):
		del frappe.local.replica_db


class TestReadsOnTheReplica(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.skip_reason = why_no_replica()

	def setUp(self):
		if self.skip_reason:
			pytest.skip(self.skip_reason)
		super().setUp()
		make_team()
		frappe.db.commit()
		self.replica = replica_root()
		self.sql("START SLAVE")
		self.sql("TRUNCATE mysql.general_log")

	def tearDown(self):
		self.use_replica(False)
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": ("like", f"{SUBJECT}%")}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		self.sql("START SLAVE")
		self.caught_up()
		self.sql("DELETE FROM `tabSupport Ticket` WHERE `name` = %s", (ONLY_ON_REPLICA,))
		self.replica.close()
		super().tearDown()

	# -- helpers ------------------------------------------------------------------------------------------

	def sql(self, query: str, values=None) -> list[tuple]:
		with self.replica.cursor() as cursor:
			cursor.execute(query, values)
			return list(cursor.fetchall() or [])

	def caught_up(self) -> None:
		"""Wait until the replica applied everything the primary committed so far (the event, not a delay)."""
		position = frappe.db.sql("SELECT @@gtid_binlog_pos")[0][0]
		waited = self.sql("SELECT MASTER_GTID_WAIT(%s, %s)", (position, WAIT_SECONDS))[0][0]
		self.assertEqual(waited, 0, f"the replica did not reach {position} in {WAIT_SECONDS} s")

	def use_replica(self, on: bool) -> None:
		"""This process's requests read as a site with ``read_from_replica`` does (Frappe's own switch)."""
		back_to_primary()
		if on:
			frappe.local.conf.update(read_from_replica=1, replica_host="127.0.0.1", replica_db_port=PORT)
		else:
			for key in ("read_from_replica", "replica_host", "replica_db_port"):
				frappe.local.conf.pop(key, None)

	def as_user(self, user: str, call):
		frappe.set_user(user)
		try:
			return call()
		finally:
			frappe.set_user("Administrator")
			back_to_primary()  # each call a request of its own

	def only_on_replica(self, source: str) -> None:
		"""A copy of ticket ``source`` that exists on the replica alone."""
		self.caught_up()
		self.sql(
			"CREATE TEMPORARY TABLE `ts_copy` AS SELECT * FROM `tabSupport Ticket` WHERE `name` = %s",
			(source,),
		)
		self.sql(
			"UPDATE `ts_copy` SET `name` = %s, `subject` = %s",
			(ONLY_ON_REPLICA, f"{SUBJECT}: only on the replica"),
		)
		self.sql("INSERT INTO `tabSupport Ticket` SELECT * FROM `ts_copy`")
		self.sql("DROP TEMPORARY TABLE `ts_copy`")

	def site_statements(self) -> list[str]:
		rows = self.sql(
			"SELECT `argument` FROM mysql.general_log WHERE `command_type` = 'Query' AND `user_host` LIKE %s",
			(f"{frappe.conf.db_name}[%",),
		)
		return [r[0].decode() if isinstance(r[0], bytes) else r[0] for r in rows]

	# -- tests --------------------------------------------------------------------------------------------

	def test_reports_figures_clocks_and_the_portal_list_are_read_from_the_replica(self):
		from frappe.desk.query_report import run

		from ts_sla.api import dashboard, health, portal, ticket

		source = make_ticket(
			subject=f"{SUBJECT}: source", reporter_user=REPORTER, received_at=frappe.utils.now()
		)
		frappe.db.commit()
		self.only_on_replica(source.name)

		def mine():
			return {t["name"] for t in self.as_user(REPORTER, portal.my_tickets)}

		self.assertNotIn(ONLY_ON_REPLICA, mine())  # the primary has no such ticket
		self.use_replica(True)
		self.assertIn(ONLY_ON_REPLICA, mine())
		self.assertIn(source.name, mine())
		clocks = self.as_user(SUPERVISOR, lambda: ticket.get_clocks(ONLY_ON_REPLICA))
		self.assertTrue(clocks["clocks"])
		tracking = self.as_user(
			SUPERVISOR,
			lambda: run(
				"Response Time Tracking", filters={"from_date": "2000-01-01", "to_date": "2999-12-31"}
			),
		)
		self.assertIn(
			ONLY_ON_REPLICA, {row.get("ticket") for row in tracking["result"] if isinstance(row, dict)}
		)
		self.as_user(SUPERVISOR, dashboard.breached_this_week)
		self.as_user(SUPERVISOR, health.monitor_state)
		self.assertIn("tabSupport Ticket", " ".join(self.site_statements()))  # the replica served these reads
		self.use_replica(False)
		with self.assertRaises(frappe.DoesNotExistError):  # and the primary never had the copy
			self.as_user(SUPERVISOR, lambda: ticket.get_clocks(ONLY_ON_REPLICA))

	def test_nothing_ts_sla_writes_goes_to_the_replica(self):
		from ts_sla.api import dashboard, health, portal, repair, ticket

		source = make_ticket(
			subject=f"{SUBJECT}: writes", reporter_user=REPORTER, received_at=frappe.utils.now()
		)
		frappe.db.commit()
		self.caught_up()
		self.use_replica(True)
		# every read-only endpoint succeeds where the site's user may only SELECT (a write would be refused)
		self.as_user(REPORTER, portal.my_tickets)
		self.as_user(SUPERVISOR, lambda: ticket.get_clocks(source.name))
		self.as_user(SUPERVISOR, lambda: ticket.calendar_events("2000-01-01 00:00:00", "2999-12-31 00:00:00"))
		self.as_user(SUPERVISOR, dashboard.breached_this_week)
		self.as_user(SUPERVISOR, dashboard.average_satisfaction)
		self.as_user(SUPERVISOR, health.monitor_state)
		self.as_user("manager@ts-sla.test", lambda: repair.preview_repair(tickets=source.name))
		# the actions write, on the primary, while the replica is configured
		self.as_user(SUPERVISOR, lambda: ticket.assign(source.name, "engineer@ts-sla.test"))
		frappe.db.commit()
		self.assertEqual(
			frappe.db.get_value("Support Ticket", source.name, "assigned_to"), "engineer@ts-sla.test"
		)
		writes = [
			s
			for s in self.site_statements()
			if s.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE")
		]
		self.assertEqual(writes, [])
		self.caught_up()  # and the replica has the assignment through replication, not from the site
		self.assertEqual(
			self.sql("SELECT `assigned_to` FROM `tabSupport Ticket` WHERE `name` = %s", (source.name,)),
			[("engineer@ts-sla.test",)],
		)

	def test_with_replication_stopped_tickets_and_the_tick_go_on_and_nothing_is_lost(self):
		from ts_sla.api import portal
		from ts_sla.services import monitor

		self.caught_up()
		self.sql("STOP SLAVE")
		self.use_replica(True)
		# a breached P1 taken while the replica stands still, and the tick that records its events
		late = make_ticket(
			subject=f"{SUBJECT}: taken while the replica stands still",
			reporter_user=REPORTER,
			priority="P1",
			received_at=frappe.utils.add_to_date(frappe.utils.now_datetime(), hours=-30),
		)
		frappe.db.commit()
		result = monitor.tick(commit=True)
		self.assertGreaterEqual(result["fired"], 1)
		events = frappe.db.count("SLA Event", {"ticket": late.name})
		self.assertGreater(events, 0)
		self.assertNotIn(
			late.name, {t["name"] for t in self.as_user(REPORTER, portal.my_tickets)}
		)  # reads lag
		self.sql("START SLAVE")
		self.caught_up()
		self.assertIn(late.name, {t["name"] for t in self.as_user(REPORTER, portal.my_tickets)})
		self.assertEqual(
			self.sql("SELECT COUNT(*) FROM `tabSLA Event` WHERE `ticket` = %s", (late.name,))[0][0], events
		)
		frappe.db.delete("SLA Event", {"ticket": late.name})
		frappe.db.commit()
