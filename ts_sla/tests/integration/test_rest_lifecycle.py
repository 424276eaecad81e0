"""The source document's tickets TS001-TS003, through the REST API only, against a real web server.

The server is a separate process with its own database connection, so this test commits its fixtures and
deletes what it created afterwards instead of relying on rollback.
"""

import frappe

from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import PASSWORD, TSSLATestCase, make_team

AGENT, ENGINEER, SUPERVISOR = "agent@ts-sla.test", "engineer@ts-sla.test", "supervisor@ts-sla.test"
REPORTER = "reporter@ts-sla.test"
TEAMS = ("System Operations Team", "Application Development Team", "HR Team")

# (source row, ticket fields, expected dues, work: (progress, extension reason or None), outcome)
SOURCE_TICKETS = [
	(
		"TS001",
		{
			"subject": "ERP cannot submit expense claims",
			"priority": "P1",
			"received_at": "2023-10-25 09:15:00",
			"technical_domain": "System Operations",
		},
		{"response_due": "2023-10-25 13:15:00", "resolution_due": "2023-10-25 17:15:00"},
		"System Operations Team",
		None,
		("System cache cleared", "System cache cleared successfully", 5),
	),
	(
		"TS002",
		{
			"subject": "Payment API returns timeout errors",
			"priority": "P0",
			"received_at": "2023-10-25 14:20:00",
			"technical_domain": "Application Development",
		},
		{
			"response_due": "2023-10-25 14:35:00",
			"resolution_due": "2023-10-25 16:20:00",
			"resolution_limit": "2023-10-25 18:20:00",
		},
		"Application Development Team",
		"Temporary high database concurrency",
		("Interface parameters optimised", "Interface parameters optimised", 4),
	),
	(
		"TS003",
		{
			"subject": "New employee cannot activate mailbox",
			"priority": "P2",
			"received_at": "2023-10-25 16:45:00",
			"technical_domain": "System Operations",
		},
		{"response_due": "2023-10-26 00:45:00", "resolution_due": "2023-10-26 16:45:00"},
		"System Operations Team",
		"Needs cross-department coordination with HR",
		("Account permissions granted", "Account permissions granted", 5),
	),
]


def payload(description: str, **fields) -> dict:
	"""The first source ticket as a REST body (cleaned up with the class), with overrides."""
	return {
		**SOURCE_TICKETS[0][1],
		"description": description,
		"reporter_name": f"{description.title()} Reporter",
		"contact_method": "Phone",
		"contact_detail": "1",
		"channel": "Phone",
		"problem_type": "Software",
		**fields,
	}


class TestRESTLifecycle(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team("System Operations Team")
		make_team("Application Development Team", domains=("Application Development",))
		make_team("HR Team", members={"engineer2@ts-sla.test": "L2"}, domains=())
		frappe.db.commit()
		cls.server = LiveServer().start()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		for name in frappe.get_all(
			"Support Ticket", {"subject": ("in", [t[1]["subject"] for t in SOURCE_TICKETS])}, pluck="name"
		):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		for team in TEAMS:
			frappe.delete_doc("Support Team", team, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def call(self, http, method, **data):
		response = http.post(
			f"{self.server.url}/api/method/ts_sla.api.ticket.{method}", json=data, timeout=60
		)
		self.assertEqual(response.status_code, 200, f"{method}: {response.text[:500]}")
		return response.json()["message"]

	def test_source_tickets_through_rest(self):
		agent = self.server.session(AGENT, PASSWORD)
		engineer = self.server.session(ENGINEER, PASSWORD)
		supervisor = self.server.session(SUPERVISOR, PASSWORD)
		reporter = self.server.session(REPORTER, PASSWORD)
		guest = self.server.session()
		for source, fields, expected_dues, team, delay, (progress, result, score) in SOURCE_TICKETS:
			with self.subTest(source=source):
				body = {
					**fields,
					"description": fields["subject"],
					"reporter_name": "Reporter of " + source,
					"reporter_user": REPORTER,
					"contact_method": "Phone",
					"contact_detail": "+86 10 0000 0000",
					"channel": "Phone",
					"problem_type": "Software",
				}
				response = agent.post(f"{self.server.url}/api/resource/Support Ticket", json=body, timeout=60)
				self.assertEqual(response.status_code, 200, response.text[:500])
				ticket = response.json()["data"]
				name = ticket["name"]
				self.assertRegex(name, r"^TS-20231025-\d{3,}$")
				for field, value in expected_dues.items():
					self.assertEqual(ticket[field], value, field)
				self.assertEqual(
					guest.get(f"{self.server.url}/api/resource/Support Ticket/{name}").status_code, 403
				)

				self.call(agent, "assign", ticket=name, user=ENGINEER, tier="L2", team=team)
				self.call(engineer, "respond", ticket=name, note="Called the reporter")
				self.call(engineer, "add_progress", ticket=name, progress_status="Root cause located")
				if delay:
					self.call(
						engineer,
						"request_extension",
						ticket=name,
						clock="Resolution",
						reason=delay,
						extra_minutes=60,
					)
					self.call(supervisor, "decide_extension", ticket=name, approve=1, note="Approved")
				if source == "TS003":
					response = supervisor.put(
						f"{self.server.url}/api/resource/Support Ticket/{name}",
						json={
							"lead_team": team,
							"collaborations": [
								{"support_team": "HR Team", "request": "Activate the account"}
							],
						},
						timeout=60,
					)
					self.assertEqual(response.status_code, 200, response.text[:500])
					self.assertTrue(response.json()["data"]["collaborations"][0]["due_at"])
				self.call(
					engineer, "resolve", ticket=name, resolution_summary=progress, resolution_result=result
				)
				self.call(reporter, "confirm", ticket=name, note="Works for me")
				self.call(reporter, "rate", ticket=name, satisfaction=score, comment="Thanks")
				closed = self.call(
					supervisor, "close", ticket=name, review_note="Solution and duration reviewed"
				)
				self.assertEqual((closed["status"], closed["customer_satisfaction"]), ("Closed", score))

				data = reporter.get(
					f"{self.server.url}/api/resource/Support Ticket/{name}", timeout=60
				).json()["data"]
				self.assertEqual(
					(
						data["status"],
						data["customer_satisfaction"],
						data["resolution_result"],
						data["assigned_to"],
					),
					("Closed", score, result, ENGINEER),
				)
				self.assertTrue(
					data["first_responded_at"]
					and data["resolved_at"]
					and data["confirmed_at"]
					and data["closed_at"]
				)
				if delay:
					self.assertEqual(data["delay_reason"], delay)

	def test_reporter_answers_through_the_signed_link(self):
		from urllib.parse import parse_qsl, urlsplit

		from ts_sla.services import confirmation

		agent = self.server.session(AGENT, PASSWORD)
		engineer = self.server.session(ENGINEER, PASSWORD)
		body = payload(
			"link test", contact_method="Email", contact_detail="link.reporter@example.com", channel="Email"
		)
		name = agent.post(f"{self.server.url}/api/resource/Support Ticket", json=body, timeout=60).json()[
			"data"
		]["name"]
		self.call(agent, "assign", ticket=name, user=ENGINEER)
		self.call(engineer, "respond", ticket=name)
		self.call(engineer, "resolve", ticket=name, resolution_summary="Fixed", resolution_result="Works")
		frappe.db.rollback()  # a fresh snapshot: read what the server committed
		doc = frappe.get_doc("Support Ticket", name)
		guest = self.server.session()

		def params(link: str) -> dict:
			return dict(parse_qsl(urlsplit(link).query))

		def status() -> str:
			frappe.db.rollback()
			return frappe.db.get_value("Support Ticket", name, "status")

		old_link = params(confirmation.link(doc, "confirm"))
		get_url = f"{self.server.url}/api/method/ts_sla.api.ticket.confirm_by_link"
		post_url = f"{self.server.url}/api/method/ts_sla.api.ticket.answer_by_link"
		tampered = {**old_link, "decision": "reject"}
		self.assertEqual(guest.get(get_url, params=tampered, timeout=60).status_code, 403)
		self.assertEqual(guest.post(post_url, data=tampered, timeout=60).status_code, 403)
		self.assertEqual(status(), "Resolved")
		# opening the link (a mail scanner does) shows the choice and changes nothing
		page = guest.get(get_url, params=old_link, timeout=60)
		self.assertEqual(page.status_code, 200, page.text[:300])
		self.assertIn("answer_by_link", page.text)
		self.assertEqual(status(), "Resolved")
		# the reporter says it is not fixed: the link of the rejected resolution is spent
		reject = params(confirmation.link(doc, "reject"))
		answered = guest.post(post_url, data={**reject, "reason": "still broken"}, timeout=60)
		self.assertEqual(answered.status_code, 200, answered.text[:300])
		self.assertEqual(status(), "In Progress")
		self.call(
			engineer, "resolve", ticket=name, resolution_summary="Fixed again", resolution_result="Works"
		)
		self.assertEqual(status(), "Resolved")
		# a link sent for the earlier resolution cannot confirm the new one
		self.assertEqual(guest.post(post_url, data=old_link, timeout=60).status_code, 409)
		self.assertEqual(status(), "Resolved")
		new_link = params(confirmation.link(frappe.get_doc("Support Ticket", name), "confirm"))
		self.assertEqual(guest.post(post_url, data=new_link, timeout=60).status_code, 200)
		self.assertEqual(status(), "Confirmed")
		# reused: a clear page, no change
		again = guest.post(post_url, data=new_link, timeout=60)
		self.assertEqual(again.status_code, 409)
		self.assertIn("Confirmed", again.text)
		expired = {**new_link, "expires": "20000101000000"}
		self.assertEqual(
			guest.get(get_url, params=expired, timeout=60).status_code, 403
		)  # signature covers it
		self.assertEqual(status(), "Confirmed")

	def test_nobody_moves_their_own_deadline_over_rest(self):
		agent = self.server.session(AGENT, PASSWORD)
		engineer = self.server.session(ENGINEER, PASSWORD)
		url = f"{self.server.url}/api/resource/Support Ticket"
		name = agent.post(url, json=payload("deadline test"), timeout=60).json()["data"]["name"]
		self.call(agent, "assign", ticket=name, user=ENGINEER)
		self.call(engineer, "respond", ticket=name)
		self.call(
			engineer, "request_extension", ticket=name, clock="Resolution", reason="vendor", extra_minutes=60
		)
		self.call(engineer, "wait_for_customer", ticket=name, reason="logs")
		self.call(engineer, "resume", ticket=name)

		def stored() -> str:
			frappe.db.rollback()  # read what the server committed
			data = frappe.get_doc("Support Ticket", name).as_dict(no_default_fields=True)
			data.pop("modified", None)
			return frappe.as_json(data)

		before = stored()
		changes = {
			"priority": "P3",
			"received_at": "2023-10-25 08:00:00",
			"occurred_at": "2023-10-25 08:00:00",
			"sla_policy": self.lenient_policy(),
			"support_calendar": "",
			"technical_domain": "Network",
			"support_team": "HR Team",
			"assigned_to": "engineer2@ts-sla.test",
			"support_tier": "L3",
			"status": "Resolved",
		}
		current = engineer.get(f"{url}/{name}", timeout=60).json()["data"]
		extension = [{**current["extensions"][0], "status": "Approved", "new_due": "2024-06-01 00:00:00"}]
		pause = [{**current["pauses"][0], "paused_to": "2024-06-01 00:00:00"}]
		attempts = [*({field: value} for field, value in changes.items()), {"extensions": extension}]
		attempts += [{"pauses": pause}, {"pauses": []}]
		for body in attempts:
			with self.subTest(body=list(body)):
				response = engineer.put(f"{url}/{name}", json=body, timeout=60)
				self.assertIn(response.status_code, (403, 417), response.text[:300])
				self.assertEqual(stored(), before)
		# computed fields are simply kept: a client's value is ignored
		engineer.put(f"{url}/{name}", json={"resolution_due": "2030-01-01 00:00:00"}, timeout=60)
		self.assertNotIn("2030-01-01", stored())

	def lenient_policy(self) -> str:
		from ts_sla.tests.utils import make_policy

		name = "REST Lenient"
		if not frappe.db.exists("SLA Policy", name):
			make_policy(name, channel="Walk-in")
			frappe.db.commit()
		self.addCleanup(self.drop_policy, name)
		return name

	def drop_policy(self, name: str) -> None:
		frappe.db.rollback()
		frappe.delete_doc("SLA Policy", name, force=True, ignore_permissions=True)
		frappe.db.commit()

	def test_routing_and_the_p0_alarm_follow_the_commit_of_a_rest_insert(self):
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		frappe.db.commit()

		def restore():
			frappe.db.rollback()
			frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)
			frappe.db.commit()

		self.addCleanup(restore)
		agent = self.server.session(AGENT, PASSWORD)
		body = payload(
			"routing after commit",
			priority="P0",
			received_at=str(frappe.utils.now_datetime().replace(microsecond=0)),
		)
		response = agent.post(f"{self.server.url}/api/resource/Support Ticket", json=body, timeout=60)
		self.assertEqual(response.status_code, 200, response.text[:300])
		data = response.json()["data"]
		self.assertEqual((data["assigned_to"], data["status"]), (ENGINEER, "Assigned"))
		frappe.db.rollback()  # read what the server committed
		name = data["name"]
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "registration_pending"), 0)
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": name, "allocated_to": ENGINEER}))
		self.assertIn(ENGINEER, frappe.get_all("Notification Log", {"document_name": name}, pluck="for_user"))
		# the insert saved the ticket once: no second save (and so no second Version) after routing.
		# (Frappe's assign_to then stamps `assigned_to` again with set_value, which touches `modified`.)
		self.assertLessEqual(
			frappe.db.count("Version", {"ref_doctype": "Support Ticket", "docname": name}), 1
		)

	def test_hostile_values_over_rest_get_417_and_store_nothing(self):
		agent = self.server.session(AGENT, PASSWORD)
		url = f"{self.server.url}/api/resource/Support Ticket"
		base = payload("hostile test", channel="API")
		frappe.db.rollback()
		count = frappe.db.count("Support Ticket")
		for field, value in (
			("received_at", "2023-10-25T01:15:00+25:00"),
			("received_at", "1900-01-01 00:00:00"),
			("received_at", "not a date"),
			("subject", {"a": 1}),
			("description", "x" * 200_000),
			("priority", ["P0"]),
		):
			with self.subTest(field=field, value=str(value)[:40]):
				response = agent.post(url, json={**base, field: value}, timeout=60)
				self.assertEqual(response.status_code, 417, response.text[:300])
				frappe.db.rollback()
				self.assertEqual(frappe.db.count("Support Ticket"), count)
		name = agent.post(url, json=base, timeout=60).json()["data"]["name"]
		frappe.db.rollback()
		status = frappe.db.get_value("Support Ticket", name, "status")  # New, or Assigned if routing is on
		for args in (
			{"ticket": name, "reason": {"a": 1}},
			{"ticket": {"name": name}, "reason": "x"},
			{"ticket": name, "reason": ["x"]},
		):
			with self.subTest(args=str(args)[:60]):
				response = agent.post(
					f"{self.server.url}/api/method/ts_sla.api.ticket.cancel", json=args, timeout=60
				)
				self.assertIn(response.status_code, (404, 417), response.text[:300])
				frappe.db.rollback()
				self.assertEqual(frappe.db.get_value("Support Ticket", name, "status"), status)
		first = agent.post(url, json={**base, "external_ref": "CRM-REST-1"}, timeout=60)
		self.assertEqual(first.status_code, 200, first.text[:300])
		again = agent.post(url, json={**base, "external_ref": "CRM-REST-1"}, timeout=60)
		self.assertEqual(again.status_code, 409, again.text[:300])
		self.assertIn(first.json()["data"]["name"], again.text)

	def test_rest_errors_are_clear_and_change_nothing(self):
		agent = self.server.session(AGENT, PASSWORD)
		before = frappe.db.count("Support Ticket")
		bad = {
			"subject": "x",
			"priority": "P7",
			"reporter_name": "A",
			"contact_method": "Phone",
			"contact_detail": "1",
			"channel": "Phone",
			"problem_type": "Software",
			"description": "x",
			"reporter_type": "Internal Employee",
		}
		response = agent.post(f"{self.server.url}/api/resource/Support Ticket", json=bad, timeout=60)
		self.assertGreaterEqual(response.status_code, 400)
		self.assertIn("P7", response.text)
		response = agent.post(
			f"{self.server.url}/api/method/ts_sla.api.ticket.resolve",
			json={"ticket": "TS-19990101-001", "resolution_summary": "a", "resolution_result": "b"},
			timeout=60,
		)
		self.assertEqual(response.status_code, 404)
		self.assertEqual(frappe.db.count("Support Ticket"), before)
