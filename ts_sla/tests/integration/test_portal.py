"""The support portal over real HTTP: a reporter (a website user) opens, follows and answers their own tickets
at /support; another reporter and Guest get nothing of them; a website user reaches the portal and its
whitelisted methods, never the Desk's actions."""

from __future__ import annotations

import base64
import json

import frappe
from frappe.utils import get_datetime

from ts_sla.api import ticket as api
from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import PASSWORD, TSSLATestCase, make_team, make_ticket

REPORTER, STRANGER = "reporter@ts-sla.test", "other.reporter@ts-sla.test"
ENGINEER = "engineer@ts-sla.test"
SUBJECT = "Portal test: printer on floor 3 offline"


def method(name: str) -> str:
	return f"/api/method/ts_sla.api.{name}"


class TestPortal(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		frappe.db.commit()
		cls.server = LiveServer().start()

	def setUp(self):
		super().setUp()
		# routing on, committed: the web server and this process must read the same setting (the base class
		# turns it off uncommitted, and a cached read of that would reach the server through Redis)
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": ("like", "Portal test:%")}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)
		frappe.db.commit()
		super().tearDownClass()

	def url(self, path: str) -> str:
		return f"{self.server.url}{path}"

	def committed(self, **kw) -> str:
		name = make_ticket(subject=SUBJECT, technical_domain="System Operations", **kw).name
		frappe.db.commit()
		return name

	def fresh(self, name: str, field: str):
		frappe.db.rollback()  # the server committed: read a fresh snapshot
		return frappe.db.get_value("Support Ticket", name, field)

	def test_guest_sees_nothing_but_the_login(self):
		name = self.committed(reporter_user=REPORTER)
		guest = self.server.session()
		for path in ("/support", "/support/new", f"/support/{name}"):
			with self.subTest(path=path):
				response = guest.get(self.url(path), allow_redirects=False, timeout=60)
				self.assertIn(response.status_code, (301, 302, 303, 307))
				self.assertIn("/login", response.headers["Location"])
				self.assertNotIn(SUBJECT, response.text)
		before = frappe.db.count("Support Ticket")
		response = guest.post(
			self.url(method("portal.create_ticket")),
			json={"subject": SUBJECT, "description": "x", "problem_type": "Software"},
			timeout=60,
		)
		self.assertEqual(response.status_code, 403)
		response = guest.post(
			self.url(method("portal.reply")), json={"ticket": name, "message": "hi"}, timeout=60
		)
		self.assertEqual(response.status_code, 403)
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Support Ticket"), before)
		self.assertFalse(frappe.db.exists("Communication", {"reference_name": name}))

	def test_a_reporter_opens_follows_and_answers_their_ticket(self):
		reporter = self.server.session(REPORTER, PASSWORD)
		attachment = {"filename": "error.txt", "content": base64.b64encode(b"E1234 at submit").decode()}
		response = reporter.post(
			self.url(method("portal.create_ticket")),
			json={
				"subject": SUBJECT,
				"description": "Nothing prints since this morning.",
				"problem_type": "Hardware",
				"technical_domain": "System Operations",
				"suggested_priority": "P1",
				"files": json.dumps([attachment]),
				"status": "Closed",  # not the reporter's to set: ignored
				"assigned_to": "outsider.engineer@ts-sla.test",
			},
			timeout=60,
		)
		self.assertEqual(response.status_code, 200, response.text)
		name = response.json()["message"]["name"]
		frappe.db.rollback()
		ticket = frappe.get_doc("Support Ticket", name)
		self.assertEqual(
			(ticket.reporter_user, ticket.channel, ticket.contact_method, ticket.contact_detail),
			(REPORTER, "Web Portal", "Email", REPORTER),
		)
		self.assertEqual((ticket.priority, ticket.suggested_priority), ("P2", "P1"))  # a suggestion only
		self.assertEqual((ticket.status, ticket.assigned_to), ("Assigned", ENGINEER))  # routed as usual
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": name, "allocated_to": ENGINEER}))
		self.assertEqual(ticket.registration_pending, 0)
		self.assertTrue(
			frappe.db.exists(
				"Comment", {"reference_name": name, "content": ("like", "%The reporter suggests P1%")}
			)
		)
		files = frappe.get_all("File", {"attached_to_name": name}, ["file_url", "is_private", "file_name"])
		self.assertEqual([(f.file_name, f.is_private) for f in files], [("error.txt", 1)])

		listing = reporter.get(self.url("/support"), timeout=60)
		self.assertEqual(listing.status_code, 200)
		self.assertIn(name, listing.text)
		self.assertIn("Next due", listing.text)
		page = reporter.get(self.url(f"/support/{name}"), timeout=60)
		self.assertEqual(page.status_code, 200)
		self.assertIn(SUBJECT, page.text)
		self.assertIn("P2 response", page.text)
		self.assertNotIn("Triage", page.text)  # the team's internal clocks are not the reporter's
		self.assertEqual(reporter.get(self.url(files[0].file_url), timeout=60).content, b"E1234 at submit")

		# the engineer answers in public and asks for more: the reporter's reply resumes the clock
		frappe.set_user(ENGINEER)
		api.respond(name, note="internal: printer driver", reply="<p>Which printer model is it?</p>")
		api.wait_for_customer(name, "printer model")
		frappe.set_user("Administrator")
		frappe.db.commit()
		page = reporter.get(self.url(f"/support/{name}"), timeout=60)
		self.assertIn("Which printer model is it?", page.text)
		self.assertNotIn("internal: printer driver", page.text)
		response = reporter.post(
			self.url(method("portal.reply")), json={"ticket": name, "message": "HP LaserJet 400"}, timeout=60
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(self.fresh(name, "status"), "In Progress")
		pause = frappe.get_all("Support Ticket Pause", {"parent": name}, ["paused_to"])
		self.assertTrue(pause and pause[0].paused_to)
		self.assertIn("HP LaserJet 400", reporter.get(self.url(f"/support/{name}"), timeout=60).text)

		# resolved: the reporter confirms and rates through the ticket actions
		frappe.set_user(ENGINEER)
		api.resolve(name, "Replaced the driver", "Prints again")
		frappe.set_user("Administrator")
		frappe.db.commit()
		page = reporter.get(self.url(f"/support/{name}"), timeout=60)
		self.assertIn("Is the problem solved?", page.text)
		response = reporter.post(self.url(method("ticket.confirm")), json={"ticket": name}, timeout=60)
		self.assertEqual(response.status_code, 200, response.text)
		response = reporter.post(
			self.url(method("ticket.rate")),
			json={"ticket": name, "satisfaction": 4, "comment": "quick"},
			timeout=60,
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(self.fresh(name, "status"), "Confirmed")
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "customer_satisfaction"), 4)

	def test_a_desk_user_follows_their_own_tickets_on_the_portal_too(self):
		from ts_sla.tests.utils import make_user

		desk_user = "desk.portal.reporter@ts-sla.test"
		make_user(desk_user, [])
		frappe.db.set_value("User", desk_user, "user_type", "System User")
		mine = self.committed(reporter_user=desk_user)
		theirs = self.committed(reporter_user=REPORTER)
		session = self.server.session(desk_user, PASSWORD)
		listing = session.get(self.url("/support"), timeout=60)
		self.assertEqual(listing.status_code, 200)
		self.assertIn(mine, listing.text)
		self.assertNotIn(theirs, listing.text)
		self.assertEqual(session.get(self.url(f"/support/{mine}"), timeout=60).status_code, 200)
		self.assertEqual(session.get(self.url(f"/support/{theirs}"), timeout=60).status_code, 404)
		response = session.post(
			self.url(method("portal.create_ticket")),
			json={"subject": SUBJECT, "description": "From the Desk user", "problem_type": "Software"},
			timeout=60,
		)
		self.assertEqual(response.status_code, 200, response.text)
		frappe.db.rollback()
		created = frappe.db.get_value(
			"Support Ticket",
			response.json()["message"]["name"],
			["reporter_user", "reporter_type"],
			as_dict=True,
		)
		self.assertEqual((created.reporter_user, created.reporter_type), (desk_user, "Internal Employee"))

	def test_another_reporter_gets_nothing_of_a_ticket(self):
		name = self.committed(reporter_user=REPORTER)
		status = frappe.db.get_value("Support Ticket", name, "status")
		stranger = self.server.session(STRANGER, PASSWORD)
		page = stranger.get(self.url(f"/support/{name}"), timeout=60)
		self.assertEqual(page.status_code, 404)
		self.assertNotIn(SUBJECT, page.text)
		self.assertNotIn(name, stranger.get(self.url("/support"), timeout=60).text)
		for path, body in (
			(method("portal.reply"), {"ticket": name, "message": "mine now"}),
			(method("ticket.confirm"), {"ticket": name}),
			(method("ticket.rate"), {"ticket": name, "satisfaction": 1}),
		):
			with self.subTest(path=path):
				response = stranger.post(self.url(path), json=body, timeout=60)
				self.assertIn(response.status_code, (403, 404))
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Communication", {"reference_name": name}))
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "status"), status)

	def test_a_website_user_reaches_the_portal_not_the_desk_actions(self):
		name = self.committed(reporter_user=REPORTER)
		reporter = self.server.session(REPORTER, PASSWORD)
		for action, body in (
			("ticket.assign", {"ticket": name, "user": ENGINEER}),
			("ticket.respond", {"ticket": name}),
			("ticket.cancel", {"ticket": name, "reason": "mine"}),
			("ticket.close", {"ticket": name}),
		):
			with self.subTest(action=action):
				response = reporter.post(self.url(method(action)), json=body, timeout=60)
				self.assertEqual(response.status_code, 403, response.text)
		response = reporter.put(
			self.url(f"/api/resource/Support Ticket/{name}"), json={"priority": "P0"}, timeout=60
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.fresh(name, "priority"), "P1")

	def test_hostile_portal_input_is_refused_and_changes_nothing(self):
		name = self.committed(reporter_user=REPORTER)
		reporter = self.server.session(REPORTER, PASSWORD)
		before = frappe.db.count("Support Ticket")
		for body in (
			{"subject": "", "description": "x", "problem_type": "Software"},
			{"subject": "x" * 200_000, "description": "x", "problem_type": "Software"},
			{"subject": "ok", "description": "x", "problem_type": "Software", "suggested_priority": "P9"},
			{"subject": "ok", "description": "x", "problem_type": "Telepathy"},
			{"subject": "ok", "description": "x", "problem_type": "Software", "files": '[{"filename": 1}]'},
			{"subject": "ok", "description": "x", "problem_type": "Software", "files": "not json"},
			{"subject": "ok", "description": "x", "problem_type": "Software", "files": "nan"},
			{
				"subject": "ok",
				"description": "x",
				"problem_type": "Software",
				"files": json.dumps([{"filename": "big.bin", "content": "not base64!"}]),
			},
		):
			with self.subTest(body=str(body)[:80]):
				response = reporter.post(self.url(method("portal.create_ticket")), json=body, timeout=60)
				self.assertIn(response.status_code, (400, 417), response.text[:300])
		for body in (
			{"ticket": name, "message": ""},
			{"ticket": name, "message": {"x": 1}},
			{"ticket": name, "message": "ok", "files": "[{oops"},
		):
			with self.subTest(body=str(body)):
				response = reporter.post(self.url(method("portal.reply")), json=body, timeout=60)
				self.assertIn(response.status_code, (400, 417), response.text[:300])
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Support Ticket"), before)
		self.assertFalse(frappe.db.exists("Communication", {"reference_name": name}))

	def test_a_missing_field_is_named_in_the_customers_words(self):
		reporter = self.server.session(REPORTER, PASSWORD)
		before = frappe.db.count("Support Ticket")
		for body, named in (
			({"subject": "  ", "description": "\n", "problem_type": "Software"}, "Subject, Description"),
			({"subject": "VPN", "description": "", "problem_type": ""}, "Description, Problem Type"),
		):
			with self.subTest(body=body):
				response = reporter.post(self.url(method("portal.create_ticket")), json=body, timeout=60)
				self.assertEqual(response.status_code, 417, response.text[:300])
				messages = [json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"])]
				self.assertEqual(messages, [f"Please fill in: {named}"])
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Support Ticket"), before)

	def test_the_resolution_email_sends_a_reporter_with_a_login_to_the_portal(self):
		name = make_ticket(
			subject=SUBJECT,
			technical_domain="System Operations",
			reporter_user=REPORTER,
			received_at=str(get_datetime())[:19],
		).name
		api.assign(name, ENGINEER)
		api.respond(name)
		api.resolve(name, "Replaced the driver", "Prints again")
		mail = frappe.get_all(
			"Email Queue",
			{"reference_name": name, "message": ("like", "%please confirm%")},
			["message"],
		) or frappe.get_all("Email Queue", {"reference_name": name}, ["message"])
		self.assertTrue(any(f"/support/{name}" in (m.message or "") for m in mail), mail)
		self.assertFalse(any("confirm_by_link" in (m.message or "") for m in mail))
