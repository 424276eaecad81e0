"""The demo data command's content: teams per domain with L2/L3, today's roster, TS001-TS003 closed."""

import frappe
from frappe.utils import get_datetime, now_datetime

from ts_sla.setup.defaults import DOMAINS
from ts_sla.setup.demo import make_demo
from ts_sla.tests.utils import TSSLATestCase


class TestDemo(TSSLATestCase):
	def test_demo_data_is_complete_and_idempotent(self):
		first = make_demo()
		second = make_demo()
		self.assertEqual(first["tickets"], second["tickets"])
		for domain in DOMAINS:
			team = frappe.get_doc(
				"Support Team",
				{
					"team_name": ("like", "%Team"),
					"name": (
						"in",
						frappe.get_all("Support Team Domain", {"technical_domain": domain}, pluck="parent"),
					),
				},
			)
			self.assertEqual({m.tier for m in team.members}, {"L2", "L3"})
		now = now_datetime()
		leads = frappe.get_all(
			"Duty Roster",
			filters={"duty_role": "On-Duty Lead", "from_datetime": ("<=", now), "to_datetime": (">", now)},
			pluck="user",
		)
		self.assertEqual(leads, ["lead@ts-sla.example"])
		self.assertEqual(
			frappe.db.count(
				"Duty Roster",
				{"duty_role": "L2 On Call", "from_datetime": ("<=", now), "to_datetime": (">", now)},
			),
			4,
		)
		rows = {
			t.subject: t
			for t in frappe.get_all(
				"Support Ticket",
				filters={"name": ("in", first["tickets"])},
				fields=[
					"name",
					"subject",
					"status",
					"priority",
					"customer_satisfaction",
					"response_status",
					"resolution_status",
					"response_due",
					"registered_at",
				],
			)
		}
		ts001 = rows["ERP cannot submit expense claims"]
		self.assertEqual((ts001.status, ts001.priority, ts001.customer_satisfaction), ("Closed", "P1", 5))
		self.assertEqual((ts001.response_status, ts001.resolution_status), ("Met", "Met"))
		self.assertEqual(get_datetime(ts001.response_due), get_datetime("2023-10-25 13:15:00"))
		self.assertEqual(get_datetime(ts001.registered_at), get_datetime("2023-10-25 09:15:00"))
		self.assertTrue(ts001.name.startswith("TS-20231025-"))
		self.assertEqual(rows["Payment API returns timeout errors"].customer_satisfaction, 4)
		self.assertEqual({r.status for r in rows.values()}, {"Closed"})

	def test_the_demo_desk_is_alive_relative_to_now(self):
		from ts_sla.services import review

		first = make_demo()
		second = make_demo()
		self.assertEqual(first["live"], second["live"])  # idempotent: nothing twice
		self.assertEqual(first["history"], second["history"])
		live = {
			key: frappe.db.get_value(
				"Support Ticket",
				name,
				["status", "sla_state", "priority", "extension_pending", "assigned_to", "response_status"],
				as_dict=True,
			)
			for key, name in first["live"].items()
		}
		self.assertEqual(live["on_track"].sla_state, "On Track")
		self.assertEqual(live["at_risk"].sla_state, "At Risk")
		self.assertEqual(
			(live["breached"].sla_state, live["breached"].response_status), ("Breached", "Breached")
		)
		self.assertEqual(
			(live["paused"].status, live["paused"].sla_state), ("Waiting for Customer", "Paused")
		)
		self.assertEqual(live["extension"].extension_pending, 1)
		self.assertEqual(live["resolved"].status, "Resolved")
		self.assertEqual((live["p0"].priority, live["p0"].status), ("P0", "Assigned"))
		for key, ticket in live.items():
			self.assertTrue(
				frappe.db.exists(
					"ToDo",
					{
						"reference_name": first["live"][key],
						"allocated_to": ticket.assigned_to,
						"status": "Open",
					},
				),
				key,
			)
		# the on-duty lead was alarmed of the P0
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"for_user": "lead@ts-sla.example", "document_name": first["live"]["p0"]}
			)
		)
		# last week reads as a review: closed, rated, one overdue with its cause, one recurring problem
		monday = review.week_bounds(frappe.utils.add_days(frappe.utils.today(), -7))[0]
		week = frappe.get_all(
			"Support Ticket",
			{"name": ("in", first["history"]["week"])},
			[
				"status",
				"customer_satisfaction",
				"resolution_status",
				"delay_reason",
				"received_at",
				"subject",
			],
		)
		self.assertEqual(len(week), 6)
		self.assertEqual({t.status for t in week}, {"Closed"})
		self.assertTrue(all(t.customer_satisfaction for t in week))
		self.assertTrue(all(review.week_bounds(t.received_at.date())[0] == monday for t in week))
		late = [t for t in week if t.resolution_status == "Breached"]
		self.assertEqual(len(late), 1)
		self.assertTrue(late[0].delay_reason)
		self.assertEqual(sum(1 for t in week if t.subject == "Printer on the 2nd floor jams"), 3)
		# a quarter of decided history before it, for what-if
		quarter = frappe.get_all(
			"Support Ticket", {"name": ("in", first["history"]["quarter"])}, ["received_at", "status"]
		)
		self.assertEqual(len(quarter), 24)
		self.assertEqual({t.status for t in quarter}, {"Closed"})
		self.assertGreater(
			(max(t.received_at for t in quarter) - min(t.received_at for t in quarter)).days, 60
		)
