"""A day in each role (issue 25), over REST against the site's own web server and in the process: what an
engineer, a supervisor, a manager and a reporter meet when the site has no outgoing mail, when an extension
is decided, when a ticket is rated, filtered, routed from the portal or repaired after a policy change.

The web server is another process with its own connection: the classes that use it commit their fixtures
and remove what they made afterwards."""

from __future__ import annotations

import json

import frappe

from ts_sla.api import ticket as api
from ts_sla.services import notifier
from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import (
	PASSWORD,
	TSSLATestCase,
	make_calendar,
	make_policy,
	make_team,
	make_ticket,
)

AGENT, ENGINEER, SUPERVISOR = "agent@ts-sla.test", "engineer@ts-sla.test", "supervisor@ts-sla.test"
MANAGER, REPORTER = "manager@ts-sla.test", "reporter@ts-sla.test"
SUBJECT = "Roles day: printer queue stuck"
OUTGOING = "TS SLA Test Outgoing"  # the tests' outgoing account (ts_sla.tests.utils.make_email_account)
MAIL_WORDS = ("Email Account", "outgoing", "email account", "not emailed", "Unable to send")


def messages(response) -> list[dict]:
	"""The pop-ups a response carries (Frappe's ``_server_messages``)."""
	return [json.loads(m) for m in json.loads(response.json().get("_server_messages") or "[]")]


class ServedCase(TSSLATestCase):
	"""A class whose tests call the site's own web server: its set-up (``prepare``) is committed first, and
	at the end the tickets it made and what ``restore`` undoes are removed, committed."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()
		cls.prepare()
		frappe.db.commit()
		cls.server = LiveServer().start()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": SUBJECT}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		cls.restore()
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def prepare(cls) -> None:
		pass

	@classmethod
	def restore(cls) -> None:
		pass


class TestADayWithoutOutgoingMail(ServedCase):
	"""No outgoing Email Account: every action succeeds and says nothing of mail to the person acting; the
	missing set-up is told to the Support Managers once and shown in the monitor's health."""

	@classmethod
	def prepare(cls) -> None:
		frappe.db.set_value("Email Account", OUTGOING, "enable_outgoing", 0)
		frappe.cache.delete_value([notifier.MAIL_MISSING, notifier.MAIL_TOLD])

	@classmethod
	def restore(cls) -> None:
		frappe.db.delete("Notification Log", {"document_type": "TS SLA Settings"})
		frappe.db.set_value("Email Account", OUTGOING, "enable_outgoing", 1)
		frappe.cache.delete_value([notifier.MAIL_MISSING, notifier.MAIL_TOLD])

	def post(self, http, method: str, **data):
		response = http.post(
			f"{self.server.url}/api/method/ts_sla.api.ticket.{method}", json=data, timeout=60
		)
		self.assertEqual(response.status_code, 200, f"{method}: {response.text[:500]}")
		said = [m.get("message", "") for m in messages(response)]
		self.assertFalse([m for m in said if any(w in m for w in MAIL_WORDS)], f"{method} said: {said}")
		self.assertFalse([m for m in messages(response) if m.get("indicator") == "red"], method)
		return response.json()["message"]

	def test_the_day_succeeds_and_the_managers_are_told_once(self):
		name = make_ticket(
			subject=SUBJECT, contact_method="Email", contact_detail="zhang.wei@example.com"
		).name
		frappe.db.commit()
		agent, engineer = self.server.session(AGENT, PASSWORD), self.server.session(ENGINEER, PASSWORD)
		supervisor = self.server.session(SUPERVISOR, PASSWORD)
		self.post(agent, "assign", ticket=name, user=ENGINEER, tier="L2")
		self.post(engineer, "respond", ticket=name, reply="We are looking at the printer queue now.")
		self.post(
			engineer,
			"request_extension",
			ticket=name,
			clock="Resolution",
			reason="Vendor part",
			extra_minutes=60,
		)
		self.post(supervisor, "decide_extension", ticket=name, approve=1, note="Fine")
		resolved = self.post(
			engineer, "resolve", ticket=name, resolution_summary="Queue cleared", resolution_result="Prints"
		)
		self.assertEqual(resolved["status"], "Resolved")

		frappe.db.rollback()  # the server committed: a fresh snapshot
		# nothing lost: the public reply is on the ticket's conversation, not mailed
		self.assertTrue(
			frappe.db.exists(
				"Communication",
				{
					"reference_name": name,
					"content": ("like", "%printer queue now%"),
					"sent_or_received": "Sent",
				},
			)
		)
		self.assertFalse(frappe.db.exists("Email Queue", {"reference_name": name}))
		# the managers were told once, by the bell, however many emails went unsent
		told = frappe.get_all(
			"Notification Log",
			{"document_type": "TS SLA Settings", "subject": ("like", "Email is not set up%")},
			pluck="for_user",
		)
		self.assertEqual(sorted(told), sorted(set(told)))
		self.assertIn(MANAGER, told)
		self.assertNotIn(ENGINEER, told)
		# the engineer heard the decision on their extension (the bell works without mail)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"for_user": ENGINEER, "document_name": name, "subject": ("like", "Extension approved%")},
			)
		)
		# the monitor's health says it, for the manager; the engineer may not read it
		manager = self.server.session(MANAGER, PASSWORD)
		health = manager.get(f"{self.server.url}/api/method/ts_sla.api.health.monitor_health", timeout=60)
		self.assertEqual(health.status_code, 200, health.text[:300])
		mail = health.json()["message"]["mail"]
		self.assertFalse(mail["outgoing"])
		self.assertGreaterEqual(mail["unsent"], 3)  # the reply, the new due to the reporter, the confirmation
		refused = engineer.get(f"{self.server.url}/api/method/ts_sla.api.health.monitor_health", timeout=60)
		self.assertEqual(refused.status_code, 403)

		# mail set up again: the reading says so, and a later loss is news again
		frappe.db.set_value("Email Account", OUTGOING, "enable_outgoing", 1)
		frappe.db.commit()
		try:
			again = manager.get(f"{self.server.url}/api/method/ts_sla.api.health.monitor_health", timeout=60)
			self.assertEqual(again.json()["message"]["mail"], {"outgoing": True})
			self.assertIsNone(frappe.cache.get_value(notifier.MAIL_TOLD))
		finally:
			frappe.db.set_value("Email Account", OUTGOING, "enable_outgoing", 0)
			frappe.db.commit()


class TestADayInTheProcess(TSSLATestCase):
	"""The same people, through the API in this process (rolled back after each test)."""

	def setUp(self):
		super().setUp()
		make_team()

	def working_ticket(self, **kw):
		frappe.set_user("Administrator")
		doc = make_ticket(contact_method="Email", contact_detail="zhang.wei@example.com", **kw)
		api.assign(doc.name, ENGINEER)
		frappe.set_user(ENGINEER)
		api.respond(doc.name)
		return doc

	def test_the_engineer_is_told_the_decision_on_their_extension(self):
		for approve, subject in ((1, "Extension approved"), (0, "Extension rejected")):
			with self.subTest(approve=approve):
				with self.freeze_time("2023-10-25 09:20:00"):
					doc = self.working_ticket(received_at="2023-10-25 09:15:00")
					api.request_extension(doc.name, "Resolution", "Vendor patch needed", extra_minutes=120)
					frappe.set_user(SUPERVISOR)
					api.decide_extension(doc.name, approve, note="Checked with the vendor")
				frappe.set_user("Administrator")
				bell = frappe.get_all(
					"Notification Log",
					{"for_user": ENGINEER, "document_name": doc.name, "subject": ("like", f"{subject}%")},
					["email_content"],
				)
				self.assertEqual(len(bell), 1, subject)
				self.assertIn("Checked with the vendor", bell[0].email_content)
				self.assertIn(
					"2023-10-25 19:15:00" if approve else "2023-10-25 17:15:00", bell[0].email_content
				)
				# and by email, where mail is set up (the tests' outgoing account)
				self.assertTrue(
					frappe.db.exists(
						"Email Queue", {"reference_name": doc.name, "message": ("like", f"%{subject}%")}
					)
					or frappe.db.sql(
						"""SELECT 1 FROM `tabEmail Queue` q JOIN `tabEmail Queue Recipient` r ON r.parent = q.name
						WHERE q.reference_name = %s AND r.recipient = %s""",
						(doc.name, ENGINEER),
					),
					subject,
				)
				# the supervisor who decided is not told their own decision
				self.assertFalse(
					frappe.db.exists(
						"Notification Log",
						{
							"for_user": SUPERVISOR,
							"document_name": doc.name,
							"subject": ("like", f"{subject}%"),
						},
					)
				)

	def test_a_rating_and_its_comment_are_given_once(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = self.working_ticket(received_at="2023-10-25 09:15:00", reporter_user=REPORTER)
			api.resolve(doc.name, "Queue cleared", "Prints again")
			frappe.set_user(REPORTER)
			self.assertIn("rate", api.get_clocks(doc.name)["allowed_actions"])
			api.rate(doc.name, 4, "Quick and friendly")
			self.assertNotIn("rate", api.get_clocks(doc.name)["allowed_actions"])
			for score, comment in ((2, "Changed my mind"), (4, "Quick and friendly"), (5, None)):
				with self.assertRaises(frappe.ValidationError):
					api.rate(doc.name, score, comment)
			api.confirm(doc.name, "Works")
			with self.assertRaises(frappe.ValidationError):  # confirmed, then closed: still once
				api.rate(doc.name, 1, "later")
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value(
				"Support Ticket", doc.name, ["customer_satisfaction", "satisfaction_comment"], as_dict=True
			),
			{"customer_satisfaction": 4, "satisfaction_comment": "Quick and friendly"},
		)
		# not through the document either (Desk form, REST PUT): a server-kept field
		doc.reload()
		doc.customer_satisfaction = 1
		with self.assertRaises(frappe.ValidationError):
			doc.save()

	def test_the_pending_extension_flag_follows_the_requests(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			waiting = self.working_ticket(received_at="2023-10-25 09:15:00")
			other = self.working_ticket(received_at="2023-10-25 09:16:00")
			api.request_extension(waiting.name, "Resolution", "Vendor patch needed", extra_minutes=60)
			api.request_extension(other.name, "Resolution", "Vendor patch needed", extra_minutes=60)
			frappe.set_user(SUPERVISOR)
			api.decide_extension(other.name, 0, note="No")
		frappe.set_user("Administrator")
		plain = self.working_ticket(received_at="2023-10-25 09:17:00")
		frappe.set_user("Administrator")
		flags = dict(
			frappe.get_all(
				"Support Ticket",
				{"name": ("in", [waiting.name, other.name, plain.name])},
				["name", "extension_pending"],
				as_list=True,
			)
		)
		self.assertEqual(flags, {waiting.name: 1, other.name: 0, plain.name: 0})
		# what the list's quick filter asks for, as the supervisor sees it
		frappe.set_user(SUPERVISOR)
		listed = frappe.get_list(
			"Support Ticket",
			filters=[
				["Support Ticket", "extension_pending", "=", 1],
				["Support Ticket", "status", "not in", ["Closed", "Cancelled"]],
				["Support Ticket", "name", "in", [waiting.name, other.name, plain.name]],
			],
			pluck="name",
		)
		self.assertEqual(listed, [waiting.name])
		# decided: it leaves the filter
		api.decide_extension(waiting.name, 1)
		self.assertEqual(frappe.db.get_value("Support Ticket", waiting.name, "extension_pending"), 0)
		# a client cannot set it
		frappe.set_user("Administrator")
		doc = frappe.get_doc("Support Ticket", plain.name)
		doc.extension_pending = 1
		doc.save()
		self.assertEqual(frappe.db.get_value("Support Ticket", plain.name, "extension_pending"), 0)

	def test_the_timeline_records_no_change_from_nothing_to_nothing(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = self.working_ticket(received_at="2023-10-25 09:15:00")
			api.add_progress(doc.name, "Root cause located", "The spooler")
			api.request_extension(doc.name, "Resolution", "Vendor patch needed", extra_minutes=60)
			frappe.set_user(SUPERVISOR)
			api.decide_extension(doc.name, 1)
			frappe.set_user(ENGINEER)
			api.resolve(doc.name, "Queue cleared", "Prints")
		frappe.set_user("Administrator")
		empty = (None, 0, 0.0, "", "0")
		noise = [
			(version.name, change)
			for version in frappe.get_all(
				"Version", {"ref_doctype": "Support Ticket", "docname": doc.name}, ["name", "data"]
			)
			for change in json.loads(version.data).get("changed", [])
			if change[1] in empty and change[2] in empty
		]
		self.assertEqual(noise, [])
		# and a running clock's figure reads as "not yet" in the tracking table, a stopped one as its minutes
		from ts_sla.ts_sla.report.response_time_tracking import response_time_tracking as tracking

		open_one = self.working_ticket(received_at="2023-10-25 09:16:00")
		frappe.set_user("Administrator")
		rows = {
			r["ticket"]: r
			for r in tracking.execute(frappe._dict(from_date="2023-10-25", to_date="2023-10-25"))[1]
			if isinstance(r, dict) and r.get("ticket")
		}
		self.assertIsNone(rows[open_one.name]["resolution_minutes"])
		self.assertIsNotNone(rows[doc.name]["resolution_minutes"])

	def test_the_repair_note_names_only_what_changed(self):
		policy = make_policy("Roles Day Policy")
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)
		with self.freeze_time("2023-10-25 09:20:00"):
			p2 = make_ticket(received_at="2023-10-25 09:15:00", priority="P2", sla_policy=policy)
			p1 = make_ticket(received_at="2023-10-25 09:15:00", priority="P1", sla_policy=policy)
		doc = frappe.get_doc("SLA Policy", policy)
		for row in doc.priorities:
			if row.priority == "P2":
				row.resolution_time = (row.resolution_time or 0) + 1
		# what a form or REST client sends back: whole numbers where the database keeps floats
		doc.registration_minutes = int(doc.registration_minutes or 0)
		for row in doc.priorities:
			row.response_time = int(row.response_time or 0)
		doc.flags.repair_now = True
		doc.save()
		notes = frappe.get_all(
			"Comment",
			{"reference_name": p2.name, "comment_type": "Info", "content": ("like", "Deadlines recomputed%")},
			pluck="content",
		)
		self.assertEqual(len(notes), 1, notes)
		self.assertIn("P2 resolution", notes[0])
		self.assertNotIn("Registration", notes[0])
		self.assertNotIn("Response", notes[0])
		self.assertNotIn("P1", notes[0])
		self.assertFalse(  # the P1 ticket's deadlines did not move: no note
			frappe.db.exists(
				"Comment",
				{
					"reference_name": p1.name,
					"comment_type": "Info",
					"content": ("like", "Deadlines recomputed%"),
				},
			)
		)


class TestThePortalTellsTheTruth(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def test_suggestion_channel_reporter_type_received_and_result(self):
		from ts_sla.services import portal

		frappe.set_user(REPORTER)
		name = portal.create_ticket(
			{
				"subject": SUBJECT,
				"description": "The printer queue is stuck.",
				"problem_type": "Hardware",
				"technical_domain": "System Operations",
				"suggested_priority": "P1",
			}
		)
		frappe.set_user("Administrator")
		doc = frappe.get_doc("Support Ticket", name)
		self.assertEqual((doc.channel, doc.reporter_type), ("Web Portal", "External Customer"))
		self.assertEqual((doc.priority, doc.suggested_priority), ("P2", "P1"))

		def row():
			frappe.set_user(REPORTER)
			try:
				return next(r for r in portal.my_tickets() if r.name == name)
			finally:
				frappe.set_user("Administrator")

		first = row()
		self.assertTrue(first.suggestion_pending)  # "suggested P1, awaiting confirmation"
		self.assertTrue(first.received_label)
		self.assertIsNone(first.sla_result)
		api.assign(name, ENGINEER)
		frappe.set_user(ENGINEER)
		api.respond(name)
		self.assertFalse(row().suggestion_pending)  # the team has acted on it
		frappe.set_user(ENGINEER)
		api.resolve(name, "Queue cleared", "Prints")
		frappe.set_user(REPORTER)
		api.confirm(name, "Works")
		frappe.set_user("Administrator")
		api.close(name)
		closed = row()
		self.assertEqual(closed.status, "Closed")
		self.assertEqual(closed.sla_result, "Met")
		# breached: the result says so
		frappe.db.set_value("Support Ticket", name, "resolution_status", "Breached")
		self.assertEqual(row().sla_result, "Breached")
		# nothing for a reporter to answer on a closed ticket: no reply box
		doc.reload()
		frappe.set_user(REPORTER)
		self.assertNotIn("reply", portal.actions(doc))


class TestHolidaysAsAManagerMeetsThem(TSSLATestCase):
	def test_whole_day_holidays_have_no_times_and_partial_ones_keep_theirs(self):
		name = make_calendar(
			"Roles Day Calendar",
			holidays=[
				{"holiday_date": "2023-10-02", "description": "National Day", "start_time": "10:31:07"},
				{
					"holiday_date": "2023-10-03",
					"description": "Afternoon off",
					"partial_day": 1,
					"start_time": "13:00:00",
					"end_time": "18:00:00",
				},
			],
		)
		rows = {
			str(r.holiday_date): (r.start_time, r.end_time)
			for r in frappe.get_doc("Support Calendar", name).holidays
		}
		self.assertEqual(rows["2023-10-02"], (None, None))
		self.assertEqual([str(t) for t in rows["2023-10-03"]], ["13:00:00", "18:00:00"])

	def test_countries_are_named_in_the_readers_language(self):
		from ts_sla.api import calendar as calendar_api
		from ts_sla.services import holiday_sources

		if not holiday_sources.installed()[holiday_sources.COUNTRY]:
			self.skipTest("the holidays package is not installed")
		self.assertEqual(calendar_api.holiday_source_options()["country_labels"]["DE"], "Germany (DE)")
		frappe.local.lang = "zh"
		try:
			labels = calendar_api.holiday_source_options()["country_labels"]
		finally:
			frappe.local.lang = "en"
		self.assertEqual(labels["DE"], "德国 (DE)")
		self.assertEqual(labels["CN"], "中国 (CN)")
		self.assertEqual(set(labels), set(holiday_sources.countries()))  # every code, each with its name
		self.assertEqual(holiday_sources.country_labels("xx-nowhere")["DE"], "Germany (DE)")


class TestRoutingFromThePortal(ServedCase):
	"""A customer opens a ticket on the portal and the rule routes it: the customer did not assign anyone."""

	@classmethod
	def restore(cls) -> None:
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)

	def setUp(self):
		super().setUp()
		# routing on, committed, for the web server (the base class turns it off, uncommitted, in this one)
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		frappe.db.commit()

	def test_the_rule_not_the_customer_assigns_the_engineer(self):
		reporter = self.server.session(REPORTER, PASSWORD)
		response = reporter.post(
			f"{self.server.url}/api/method/ts_sla.api.portal.create_ticket",
			json={
				"subject": SUBJECT,
				"description": "The printer queue is stuck.",
				"problem_type": "Hardware",
				"technical_domain": "System Operations",
			},
			timeout=60,
		)
		self.assertEqual(response.status_code, 200, response.text[:500])
		name = response.json()["message"]["name"]
		frappe.db.rollback()
		assigned = frappe.db.get_value("Support Ticket", name, "assigned_to")
		self.assertTrue(assigned)
		todo = frappe.get_all(
			"ToDo", {"reference_name": name, "allocated_to": assigned}, ["assigned_by", "owner"]
		)
		self.assertEqual(len(todo), 1)
		self.assertEqual(todo[0].assigned_by, "Administrator")
		lines = frappe.get_all(
			"Comment", {"reference_name": name}, ["comment_type", "comment_email", "owner", "content"]
		)
		self.assertTrue(lines)
		for line in lines:
			if line.comment_type in ("Assigned", "Info"):
				self.assertNotEqual(line.comment_email, REPORTER, line.content)
				self.assertNotIn("Reporter", line.content)  # not "Reporter assigned …" (their full name)
		self.assertTrue([line for line in lines if "routed by technical domain" in line.content])
		# the engineer's notification does not come from the customer
		self.assertFalse(
			frappe.db.exists(
				"Notification Log", {"for_user": assigned, "document_name": name, "from_user": REPORTER}
			)
		)
