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
