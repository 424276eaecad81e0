"""Routing by domain, round robin and load balancing, the P0 alarm and the group robot."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import frappe
from frappe.utils import add_to_date, now_datetime

from ts_sla.services import lifecycle, notifier, routing, teams
from ts_sla.tests.utils import TSSLATestCase, make_team, make_ticket, make_user

L2A, L2B, L2OFF, L3 = (
	"l2a@ts-sla.test",
	"l2b@ts-sla.test",
	"l2off@ts-sla.test",
	"l3@ts-sla.test",
)
LEAD = "lead@ts-sla.test"


class RobotServer:
	"""A local HTTP server standing in for the WeCom / DingTalk robot endpoint."""

	def __init__(self, status: int = 200):
		received = self.received = []

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				body = self.rfile.read(int(self.headers["Content-Length"]))
				received.append((self.path, json.loads(body)))
				self.send_response(status)
				self.send_header("Content-Type", "application/json")
				self.end_headers()
				self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

			def log_message(self, *args):
				pass

		self.server = HTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_port}/robot/send?access_token=abc"
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def stop(self):
		self.server.shutdown()


class TestRouting(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (L2A, L2B, L2OFF, L3, LEAD):
			make_user(user, ["Support Engineer"])
		frappe.db.commit()

	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		make_team(
			"Routing Team",
			members={L2A: "L2", L2B: "L2", L2OFF: "L2", L3: "L3"},
			domains=("Network",),
		)
		team = frappe.get_doc("Support Team", "Routing Team")
		team.members[2].active = 0
		team.save()

	def registered(self, **kw):
		"""Insert a ticket, then what follows its commit (the ToDo, the P0 alarm)."""
		ticket = make_ticket(**kw)
		lifecycle.complete_registration(ticket.name, commit=False)
		return ticket.reload()

	def test_the_engineer_goes_in_with_the_insert_and_the_ticket_is_written_once(self):
		ticket = make_ticket(technical_domain="Network")
		stored = frappe.db.get_value(
			"Support Ticket",
			ticket.name,
			["assigned_to", "status", "creation", "modified", "registration_pending"],
			as_dict=True,
		)
		self.assertEqual((stored.assigned_to, stored.status), (L2A, "Assigned"))
		self.assertEqual(stored.modified, stored.creation)  # one write: no second save after routing
		self.assertEqual(stored.registration_pending, 1)  # the ToDo follows the commit
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": ticket.name}))
		self.assertTrue(lifecycle.complete_registration(ticket.name, commit=False))
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": ticket.name, "allocated_to": L2A}))
		self.assertFalse(lifecycle.complete_registration(ticket.name, commit=False))  # once
		self.assertEqual(frappe.db.count("ToDo", {"reference_name": ticket.name}), 1)

	def test_round_robin_spreads_across_active_l2_engineers(self):
		assigned = [self.registered(technical_domain="Network") for _ in range(5)]
		owners = [t.assigned_to for t in assigned]
		self.assertEqual(owners, [L2A, L2B, L2A, L2B, L2A])
		self.assertNotIn(L2OFF, owners)
		first = assigned[0]
		self.assertEqual(
			(first.status, first.support_team, first.support_tier), ("Assigned", "Routing Team", "L2")
		)
		self.assertTrue(first.assigned_at)
		self.assertTrue(
			frappe.db.exists("ToDo", {"reference_name": first.name, "allocated_to": L2A, "status": "Open"})
		)

	def test_load_balancing_picks_the_engineer_with_fewest_open_tickets(self):
		frappe.db.set_value("Support Team", "Routing Team", "assignment_method", "Load Balancing")
		first = self.registered(technical_domain="Network")
		second = self.registered(technical_domain="Network")
		self.assertEqual({first.assigned_to, second.assigned_to}, {L2A, L2B})
		frappe.db.set_value("Support Ticket", first.name, "status", "Closed")
		third = self.registered(technical_domain="Network")
		self.assertEqual(third.assigned_to, first.assigned_to)

	def test_escalating_a_tier_goes_to_l3_and_is_recorded(self):
		ticket = self.registered(technical_domain="Network")
		team, engineer, _warning = routing.choose(ticket, tier="L3")
		lifecycle.assign(ticket, engineer, tier="L3", team=team, note="needs an expert")
		ticket.reload()
		self.assertEqual((ticket.assigned_to, ticket.support_tier), (L3, "L3"))
		comments = frappe.get_all(
			"Comment", {"reference_name": ticket.name, "comment_type": "Info"}, pluck="content"
		)
		self.assertTrue(any("Reassigned from" in c and L3 in c for c in comments), comments)

	def test_domain_without_team_gives_a_triage_warning(self):
		ticket = self.registered(technical_domain="Hardware Support")
		self.assertEqual((ticket.status, ticket.assigned_to), ("New", None))
		comments = frappe.get_all(
			"Comment", {"reference_name": ticket.name, "comment_type": "Info"}, pluck="content"
		)
		self.assertTrue(any("No Support Team serves" in c for c in comments), comments)

	def test_p0_notifies_on_duty_lead_and_l2_once_the_insert_committed(self):
		now = now_datetime()
		frappe.get_doc(
			{
				"doctype": "Duty Roster",
				"user": LEAD,
				"duty_role": "On-Duty Lead",
				"from_datetime": add_to_date(now, hours=-1),
				"to_datetime": add_to_date(now, hours=8),
			}
		).insert()
		ticket = make_ticket(
			technical_domain="Network", priority="P0", received_at=now.replace(microsecond=0)
		)
		self.assertFalse(frappe.get_all("Notification Log", {"document_name": ticket.name}))
		lifecycle.complete_registration(ticket.name, commit=False)  # what runs right after the commit
		bell = set(frappe.get_all("Notification Log", {"document_name": ticket.name}, pluck="for_user"))
		self.assertEqual(bell, {LEAD, L2A, L2B})
		mail = frappe.get_all(
			"Email Queue Recipient",
			{"parent": ("in", frappe.get_all("Email Queue", {"reference_name": ticket.name}, pluck="name"))},
			pluck="recipient",
		)
		self.assertTrue({LEAD, L2A, L2B} <= set(mail), mail)
		self.assertEqual(teams.on_duty(duty_role="On-Duty Lead"), [LEAD])
		self.assertEqual(teams.on_duty(at=add_to_date(now, hours=9), duty_role="On-Duty Lead"), [])

	def test_dingtalk_robot_message_is_signed(self):
		robot = RobotServer()
		self.addCleanup(robot.stop)
		settings = frappe.get_single("TS SLA Settings")
		settings.update(
			{"robot_platform": "DingTalk", "robot_webhook_url": robot.url, "robot_secret": "SEC-test-secret"}
		)
		settings.save()
		self.assertTrue(notifier.send_robot_message("P0 emergency: payment API down"))
		path, body = robot.received[0]
		self.assertEqual(body, {"msgtype": "text", "text": {"content": "P0 emergency: payment API down"}})
		query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
		timestamp, sign = query["timestamp"][0], query["sign"][0]
		expected = base64.b64encode(
			hmac.new(b"SEC-test-secret", f"{timestamp}\nSEC-test-secret".encode(), hashlib.sha256).digest()
		).decode()
		self.assertEqual(sign, expected)
		self.assertEqual(query["access_token"], ["abc"])

	def test_wecom_robot_and_failures(self):
		robot = RobotServer(status=500)
		self.addCleanup(robot.stop)
		settings = frappe.get_single("TS SLA Settings")
		settings.update({"robot_platform": "WeCom", "robot_webhook_url": robot.url})
		settings.save()
		errors_before = frappe.db.count("Error Log")
		self.assertFalse(notifier.send_robot_message("hello", attempt=notifier.ROBOT_ATTEMPTS))
		self.assertEqual(len(robot.received), 1)
		self.assertNotIn("sign=", robot.received[0][0])
		self.assertEqual(frappe.db.count("Error Log"), errors_before + 1)
