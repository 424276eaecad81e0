"""Reports on a known data set (TS001-TS003 and more): rows and figures asserted exactly; the Monday review
draft, the quarterly reminder and who may run the reports."""

import frappe
from frappe.desk.desktop import get_desktop_page
from frappe.desk.query_report import run as run_report
from frappe.utils import get_datetime

from ts_sla.services import review
from ts_sla.setup.demo import make_demo
from ts_sla.tests.utils import TSSLATestCase, ticket_data

WEEK = {"from_date": "2023-10-23", "to_date": "2023-10-29"}


def imported(**kw) -> str:
	frappe.flags.in_import = True
	try:
		doc = frappe.get_doc(ticket_data(status="Closed", **kw))
		doc.registered_at = kw["received_at"]
		doc.insert()
	finally:
		frappe.flags.in_import = False
	return doc.name


def closed(subject, domain, received, responded, resolved, priority="P1", **kw) -> str:
	return imported(
		subject=subject,
		technical_domain=domain,
		priority=priority,
		received_at=received,
		first_responded_at=responded,
		resolved_at=resolved,
		confirmed_at=resolved,
		closed_at=resolved,
		**kw,
	)


class TestReports(TSSLATestCase):
	def setUp(self):
		super().setUp()
		self.source = make_demo()["tickets"]
		self.breached = closed(
			"Printer offline",
			"Hardware Support",
			"2023-10-24 09:00:00",
			"2023-10-24 14:00:00",
			"2023-10-24 16:00:00",
			overdue_cause="Skill Gap",
			delay_reason="Driver issue",
			customer_satisfaction=3,
		)
		closed(
			"printer  OFFLINE!",
			"Hardware Support",
			"2023-10-25 10:00:00",
			"2023-10-25 10:30:00",
			"2023-10-25 12:00:00",
		)
		closed(
			"Printer offline 2",
			"Hardware Support",
			"2023-10-26 10:00:00",
			"2023-10-26 10:30:00",
			"2023-10-26 12:00:00",
		)
		closed("VPN drops", "Network", "2023-10-24 10:00:00", "2023-10-24 10:10:00", "2023-10-24 11:00:00")
		closed("VPN drops", "Network", "2023-10-27 10:00:00", "2023-10-27 10:10:00", "2023-10-27 11:00:00")
		closed(
			"Outside the week", "Network", "2023-10-30 10:00:00", "2023-10-30 10:10:00", "2023-10-30 11:00:00"
		)

	def test_response_time_tracking_rows(self):
		from ts_sla.ts_sla.report.response_time_tracking.response_time_tracking import execute

		columns, data = execute(WEEK)
		self.assertEqual(
			[c["label"] for c in columns[:12]],
			[
				"No.",
				"Ticket ID",
				"Submitted At",
				"Description",
				"Priority",
				"Team / Engineer",
				"Response Due",
				"Actual Response",
				"Resolved At",
				"Result",
				"Satisfaction (1-5)",
				"Remarks",
			],
		)
		self.assertEqual(len(data), 8)
		self.assertEqual([r["idx"] for r in data], list(range(1, 9)))
		ts001 = next(r for r in data if r["ticket"] == self.source[0])
		self.assertEqual(
			{
				k: ts001[k]
				for k in (
					"description",
					"priority",
					"team_engineer",
					"result",
					"satisfaction",
					"remarks",
					"response_met",
					"resolution_met",
					"overdue_minutes",
				)
			},
			{
				"description": "ERP cannot submit expense claims",
				"priority": "P1",
				"team_engineer": "System Operations Team / Sysops Engineer",
				"result": "System cache cleared successfully",
				"satisfaction": 5,
				"remarks": "-",
				"response_met": 1,
				"resolution_met": 1,
				"overdue_minutes": 0,
			},
		)
		self.assertEqual(get_datetime(ts001["response_due"]), get_datetime("2023-10-25 13:15:00"))
		self.assertEqual(get_datetime(ts001["first_responded_at"]), get_datetime("2023-10-25 09:30:00"))
		ts002 = next(r for r in data if r["ticket"] == self.source[1])
		self.assertEqual(
			(ts002["remarks"], ts002["satisfaction"]), ("Temporary high database concurrency", 4)
		)
		late = next(r for r in data if r["ticket"] == self.breached)
		self.assertEqual(
			(late["response_met"], late["resolution_met"], late["response_breached"]), (0, 1, True)
		)
		self.assertEqual(late["remarks"], "Driver issue")
		_columns, p1_only = execute({**WEEK, "priority": "P0"})
		self.assertEqual([r["ticket"] for r in p1_only], [self.source[1]])
		_columns, by_team = execute({**WEEK, "team": "Application Development Team"})
		self.assertEqual([r["ticket"] for r in by_team], [self.source[1]])

	def test_weekly_review_figures(self):
		from ts_sla.ts_sla.report.weekly_sla_review.weekly_sla_review import execute

		_columns, data, _message, chart, summary = execute({"week": "2023-10-25"})
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual(
			figures,
			{
				"Tickets": 8,
				"SLA Achievement": 87.5,
				"Breached": 1,
				"Average Satisfaction": 4.3,  # one decimal, as every screen shows it
				"Recurring Problems": 1,
			},
		)
		by_priority = {
			r["item"]: (r["total"], r["met"], r["breached"], r["achievement"])
			for r in data
			if r["section"] == "By Priority"
		}
		self.assertEqual(by_priority, {"P0": (1, 1, 0, 100.0), "P1": (6, 5, 1, 83.3), "P2": (1, 1, 0, 100.0)})
		overdue = [r for r in data if r["section"] == "Overdue"]
		self.assertEqual(
			[(r["ticket"], r["cause"], r["note"]) for r in overdue],
			[(self.breached, "Skill Gap", "Driver issue")],
		)
		recurring = [r for r in data if r["section"] == "Recurring"]
		self.assertEqual(
			[(r["item"], r["total"], r["suggestion"]) for r in recurring],
			[("Printer offline", 3, "Create a Known Problem for this group")],
		)
		groups = {
			g["problem"]: (g["count"], g["recurring"])
			for g in review.recurring(review.week_tickets(*review.week_bounds("2023-10-25")))
		}
		self.assertEqual(groups, {"Printer offline": (3, True), "VPN drops": (2, False)})
		# only weeks with decided tickets are drawn (no 0 % for a week without tickets), readable labels
		self.assertEqual(chart["data"]["labels"], ["Oct 23"])
		self.assertEqual(chart["data"]["datasets"][0]["values"], [87.5])
		engineers = {r["item"] for r in data if r["section"] == "By Engineer"}
		self.assertIn("Sysops Engineer", engineers)  # full names, not login emails
		self.assertFalse({e for e in engineers if "@" in e})

	def test_an_empty_week_has_no_red_zero(self):
		from ts_sla.ts_sla.report.weekly_sla_review.weekly_sla_review import execute

		_columns, data, _message, chart, summary = execute({"week": "2023-07-05"})
		figures = {s["label"]: s for s in summary}
		self.assertEqual(figures["Tickets"]["value"], 0)
		self.assertEqual(
			(figures["SLA Achievement"]["value"], figures["SLA Achievement"]["indicator"]), ("—", "Grey")
		)
		self.assertEqual(figures["Average Satisfaction"]["value"], "—")
		self.assertEqual(data, [])
		self.assertTrue(chart is None or 0 not in chart["data"]["datasets"][0]["values"])
		frappe.local.lang = "zh"
		try:
			self.assertEqual(review.week_label(get_datetime("2023-10-23").date()), "10月23日")
		finally:
			frappe.local.lang = "en"

	def test_running_clocks_read_as_not_yet_decided_in_the_tracking_table(self):
		from ts_sla.ts_sla.report.response_time_tracking.response_time_tracking import execute

		with self.freeze_time("2023-10-26 10:05:00"):
			doc = frappe.get_doc(ticket_data(received_at="2023-10-26 10:00:00")).insert()
			_columns, data = execute(WEEK)
		row = next(r for r in data if r["ticket"] == doc.name)
		self.assertEqual((row["response_met"], row["resolution_met"]), (None, None))
		self.assertIsNone(row["first_responded_at"])

	def test_monday_draft_once_and_quarterly_reminder_once(self):
		name = review.draft_weekly_review("2023-10-30")
		self.assertEqual(name, "REV-2023-10-23")
		self.assertIsNone(review.draft_weekly_review("2023-11-01"))
		self.assertEqual(frappe.db.count("Support Review", {"week_start": "2023-10-23"}), 1)
		doc = frappe.get_doc("Support Review", name)
		self.assertEqual(
			(
				doc.total_tickets,
				doc.achievement_percent,
				len(doc.overdue_tickets),
				len(doc.recurring_problems),
			),
			(8, 87.5, 1, 1),
		)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"document_name": name, "for_user": "supervisor@ts-sla.test"}
			)
		)
		doc.append(
			"action_items",
			{
				"action": "Stock spare printer drivers",
				"owner_user": "supervisor@ts-sla.test",
				"due_date": "2023-11-10",
			},
		)
		doc.status = "Held"
		doc.save()
		self.assertTrue(doc.held_on)
		self.assertGreater(review.quarterly_policy_reminder("2024-01-01"), 0)
		self.assertEqual(review.quarterly_policy_reminder("2024-01-01"), 0)
		self.assertTrue(
			frappe.db.exists("ToDo", {"allocated_to": "manager@ts-sla.test", "reference_type": "SLA Policy"})
		)
		# each reminder links to its policy replayed over the last quarter (the what-if's starting point)
		todo = frappe.get_all(
			"ToDo",
			{"allocated_to": "manager@ts-sla.test", "reference_type": "SLA Policy"},
			["reference_name", "description"],
		)[0]
		simulation = frappe.get_all(
			"SLA Simulation", {"policy": todo.reference_name}, ["name", "from_date", "to_date", "status"]
		)
		self.assertEqual(len(simulation), 1)
		self.assertIn(f"SLA What-If?simulation={simulation[0].name}", todo.description)
		self.assertEqual(
			(str(simulation[0].from_date), str(simulation[0].to_date)), ("2023-10-01", "2023-12-31")
		)

	def test_who_may_run_the_reports(self):
		for user, tracking, weekly in (
			("supervisor@ts-sla.test", True, True),
			("manager@ts-sla.test", True, True),
			("agent@ts-sla.test", True, False),
			("reporter@ts-sla.test", False, False),
		):
			frappe.set_user(user)
			for report, allowed in (("Response Time Tracking", tracking), ("Weekly SLA Review", weekly)):
				with self.subTest(user=user, report=report):
					filters = WEEK if report == "Response Time Tracking" else {"week": "2023-10-25"}
					if allowed:
						self.assertIn("result", run_report(report, filters=filters))
					else:
						with self.assertRaises(frappe.PermissionError):
							run_report(report, filters=filters)
		frappe.set_user("Administrator")


class TestWorkspace(TSSLATestCase):
	def test_workspace_cards_and_charts_are_shipped_and_answer(self):
		from ts_sla.api import dashboard
		from ts_sla.ts_sla.dashboard_chart_source.sla_met_percent_per_week.sla_met_percent_per_week import (
			get as met_chart,
		)
		from ts_sla.ts_sla.dashboard_chart_source.tickets_by_priority_per_week.tickets_by_priority_per_week import (
			get as priority_chart,
		)

		workspace = frappe.get_doc("Workspace", "Technical Support")
		self.assertEqual(len(workspace.number_cards), 5)
		self.assertEqual(
			{c.chart_name for c in workspace.charts}, {"Tickets by Priority per Week", "SLA Met % per Week"}
		)
		for card in workspace.number_cards:
			self.assertTrue(frappe.db.exists("Number Card", card.number_card_name))
		self.assertEqual(dashboard.breached_this_week()["fieldtype"], "Int")
		satisfaction = dashboard.average_satisfaction()
		self.assertTrue(isinstance(satisfaction, str) or satisfaction["fieldtype"] == "Float", satisfaction)
		self.assertEqual(len(priority_chart()["datasets"]), 4)
		self.assertLessEqual(len(met_chart().get("labels", [])), 12)  # weeks with decided tickets only
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			dashboard.breached_this_week()

	def test_an_average_of_no_rating_is_a_dash_not_zero(self):
		from ts_sla.api import dashboard
		from ts_sla.tests.utils import make_ticket

		frappe.db.sql("UPDATE `tabSupport Ticket` SET `customer_satisfaction` = 0")
		empty = dashboard.average_satisfaction()
		self.assertEqual(
			empty, dashboard.no_data("No ticket resolved in the last 30 days was rated"), "nothing rated"
		)
		self.assertIn('class="text-muted"', empty)  # not in the card's green
		name = make_ticket().name
		frappe.db.set_value(
			"Support Ticket", name, {"customer_satisfaction": 4, "resolved_at": frappe.utils.now_datetime()}
		)
		self.assertEqual(
			dashboard.average_satisfaction(), {"value": 4.0, "fieldtype": "Float", "precision": 1}
		)
		# rated, but resolved before the 30 days: nothing to average again
		frappe.db.set_value("Support Ticket", name, "resolved_at", frappe.utils.add_days(None, -31))
		self.assertEqual(dashboard.average_satisfaction(), empty)
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			dashboard.average_satisfaction()

	def test_the_workspace_shows_the_monitor_line_to_every_support_role(self):
		from ts_sla.setup import workspace as setup

		workspace = frappe.get_doc("Workspace", "Technical Support")
		self.assertEqual([b.custom_block_name for b in workspace.custom_blocks], [setup.MONITOR_BLOCK])
		self.assertIn(setup.MONITOR_BLOCK, workspace.content)
		block = frappe.get_doc("Custom HTML Block", setup.MONITOR_BLOCK)
		self.assertEqual({r.role for r in block.roles}, set(setup.ROLES))
		self.assertIn("ts_sla.monitor_banner(root_element)", block.script)
		# someone edits it: the next migrate puts back what the app ships, and a second run changes nothing
		block.html = "<p>edited</p>"
		block.save(ignore_permissions=True)
		setup.ensure_monitor_block()
		block = frappe.get_doc("Custom HTML Block", setup.MONITOR_BLOCK)
		self.assertEqual(block.html, setup.BLOCK["html"])
		modified = block.modified
		setup.ensure_monitor_block()
		self.assertEqual(frappe.db.get_value("Custom HTML Block", setup.MONITOR_BLOCK, "modified"), modified)
		for user in (
			"agent@ts-sla.test",
			"engineer@ts-sla.test",
			"supervisor@ts-sla.test",
			"manager@ts-sla.test",
		):
			frappe.set_user(user)
			page = get_desktop_page(
				frappe.as_json({"name": "Technical Support", "title": "Technical Support"})
			)
			items = [b.custom_block_name for b in page["custom_blocks"]["items"]]
			self.assertEqual(items, [setup.MONITOR_BLOCK], user)

	def test_every_card_and_chart_is_visible_to_the_support_roles_and_answers(self):
		from frappe.desk.doctype.number_card.number_card import get_result
		from frappe.modules import scrub

		workspace = frappe.get_doc("Workspace", "Technical Support")
		users = ("agent@ts-sla.test", "engineer@ts-sla.test", "supervisor@ts-sla.test", "manager@ts-sla.test")
		for user in ("Administrator", *users):
			frappe.set_user(user)
			for row in workspace.number_cards:
				with self.subTest(user=user, card=row.number_card_name):
					card = frappe.get_doc("Number Card", row.number_card_name)
					self.assertTrue(card.has_permission("read"))
					if card.type == "Custom":
						figure = frappe.get_attr(card.method)()
						# a figure, or the muted "—" of a figure with nothing to stand on
						self.assertTrue(
							(isinstance(figure, dict) and "value" in figure) or figure.endswith(">—</span>"),
							figure,
						)
					else:
						get_result(card.as_json(), card.filters_json)
			for row in workspace.charts:
				with self.subTest(user=user, chart=row.chart_name):
					chart = frappe.get_doc("Dashboard Chart", row.chart_name)
					self.assertTrue(chart.has_permission("read"))
					# the Desk finds a custom chart's code by its source's scrubbed name
					folder = scrub(frappe.get_doc("Dashboard Chart Source", chart.source).name)
					data = frappe.get_attr(f"ts_sla.ts_sla.dashboard_chart_source.{folder}.{folder}.get")()
					if "Priority" in chart.name:
						self.assertEqual(len(data["labels"]), 12)
					elif data:  # SLA met %: only the weeks with decided tickets, or nothing at all
						self.assertEqual(len(data["labels"]), len(data["datasets"][0]["values"]))
