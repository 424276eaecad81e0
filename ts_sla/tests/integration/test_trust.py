"""Trust: breaches seen by the next tick, deadlines nobody moves by hand, hostile input refused.

Each test names the defect it guards against (see the trust issue); every refusal also asserts that nothing
changed.
"""

import datetime as dt

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from ts_sla.api import dashboard
from ts_sla.api import ticket as api
from ts_sla.services import monitor
from ts_sla.tests.utils import (
	TSSLATestCase,
	make_calendar,
	make_policy,
	make_team,
	make_ticket,
	ticket_data,
)

D = dt.datetime
AGENT, ENGINEER, TEAMMATE = "agent@ts-sla.test", "engineer@ts-sla.test", "engineer2@ts-sla.test"
OUTSIDER, SUPERVISOR, MANAGER = (
	"outsider.engineer@ts-sla.test",
	"supervisor@ts-sla.test",
	"manager@ts-sla.test",
)
REPORTER, STRANGER = "reporter@ts-sla.test", "other.reporter@ts-sla.test"
TEAM = "System Operations Team"


def kinds(ticket: str) -> set[tuple[str, str]]:
	return {
		(e.clock, e.kind)
		for e in frappe.get_all("SLA Event", filters={"ticket": ticket}, fields=["clock", "kind"])
	}


def snapshot(name: str) -> dict:
	doc = frappe.get_doc("Support Ticket", name)
	data = doc.as_dict(no_default_fields=True)
	data.pop("modified", None)
	return frappe.as_json(data)


class TestLateBreachesFireAtTheNextTick(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "notification_horizon_days", 100000)

	def test_p0_received_five_hours_before_registration(self):
		now = now_datetime().replace(microsecond=0)
		doc = make_ticket(priority="P0", received_at=add_to_date(now, hours=-5), support_team=TEAM)
		self.assertLessEqual(get_datetime(doc.next_check_at), now)  # due at once, not at a future change
		monitor.tick(commit=False, now=add_to_date(now, minutes=1))
		self.assertTrue(
			{("Response", "Breach"), ("Resolution", "Breach"), ("Hard Limit", "Breach")} <= kinds(doc.name),
			kinds(doc.name),
		)
		fired = frappe.db.count("SLA Event", {"ticket": doc.name})
		monitor.tick(commit=False, now=add_to_date(now, minutes=2))
		self.assertEqual(frappe.db.count("SLA Event", {"ticket": doc.name}), fired)  # once each

	def test_p2_registered_twelve_minutes_after_receipt(self):
		now = now_datetime().replace(microsecond=0)
		doc = make_ticket(priority="P2", received_at=add_to_date(now, minutes=-12))
		monitor.tick(commit=False, now=add_to_date(now, minutes=1))
		self.assertIn(("Registration", "Breach"), kinds(doc.name))

	def test_a_priority_change_that_puts_a_clock_in_the_past_fires_at_the_next_tick(self):
		with self.freeze_time("2023-10-25 13:00:00"):
			doc = make_ticket(priority="P3", received_at="2023-10-25 09:15:00")
			monitor.tick(commit=False, now=D(2023, 10, 25, 13, 0))
			self.assertNotIn(("Response", "Breach"), kinds(doc.name))
			api.reprioritise(doc.name, "P0", "payment channel down")
		monitor.tick(commit=False, now=D(2023, 10, 25, 13, 1))
		self.assertIn(("Response", "Breach"), kinds(doc.name))

	def test_two_requests_to_one_team_are_two_clocks(self):
		make_team("Network Team", members={TEAMMATE: "L2"}, domains=("Network",))
		with self.freeze_time("2023-10-25 09:16:00"):
			doc = make_ticket(support_team=TEAM, lead_team=TEAM)
			doc.reload()  # the frozen clock gives the stored and the in-memory modified different forms
			doc.append("collaborations", {"support_team": "Network Team", "request": "firewall logs"})
			doc.save()
		with self.freeze_time("2023-10-25 09:20:00"):
			again = frappe.get_doc("Support Ticket", doc.name)
			again.append("collaborations", {"support_team": "Network Team", "request": "more logs"})
			with self.assertRaises(frappe.ValidationError) as refused:
				again.save()
			self.assertIn("already has an open request", str(refused.exception))
		with self.freeze_time("2023-10-26 10:00:00"):  # the first is overdue, then fulfilled
			monitor.tick(commit=False, now=D(2023, 10, 26, 10, 0))
			api.fulfil_collaboration(doc.name, note="logs sent")
		with self.freeze_time("2023-10-26 10:05:00"):
			doc = frappe.get_doc("Support Ticket", doc.name)
			doc.append("collaborations", {"support_team": "Network Team", "request": "more logs"})
			doc.save()
		monitor.tick(commit=False, now=D(2023, 10, 27, 11, 0))
		self.assertEqual(
			frappe.db.count("SLA Event", {"ticket": doc.name, "clock": "Collaboration", "kind": "Breach"}), 2
		)

	def test_an_extension_moves_the_current_due_and_credits_a_pause_over_the_approval(self):
		# P1 resolution 8 h on the calendar basis; the default policy pauses resolution while waiting
		with self.freeze_time("2023-10-25 09:16:00"):
			doc = make_ticket(priority="P1", received_at="2023-10-25 09:00:00", support_team=TEAM)
			api.assign(doc.name, ENGINEER)
		frappe.set_user(ENGINEER)
		with self.freeze_time("2023-10-25 10:00:00"):
			api.respond(doc.name)
			api.request_extension(doc.name, "Resolution", "vendor patch", 60)
		with self.freeze_time("2023-10-25 11:00:00"):
			api.wait_for_customer(doc.name, "log files")
		frappe.set_user(SUPERVISOR)
		with self.freeze_time("2023-10-25 12:00:00"):
			api.decide_extension(doc.name, True)
		frappe.set_user(ENGINEER)
		with self.freeze_time("2023-10-25 13:00:00"):
			api.resume(doc.name)
		frappe.set_user("Administrator")
		# 17:00 + 2 h paused (11:00-13:00, across the approval) + 60 min extension
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", doc.name, "resolution_due")),
			D(2023, 10, 25, 20, 0),
		)

	def test_the_overall_state_follows_the_clock_that_drives_the_ticket(self):
		# a New ticket nobody triages in 10 minutes is Breached, as its headline says, until it is assigned
		with self.freeze_time("2023-10-25 09:15:30"):
			doc = make_ticket(priority="P1", received_at="2023-10-25 09:15:00", support_team=TEAM)
		self.assertEqual(doc.sla_state, "On Track")
		monitor.tick(commit=False, now=D(2023, 10, 25, 9, 26))
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "sla_state"), "Breached")
		with self.freeze_time("2023-10-25 09:26:00"):
			self.assertTrue(api.get_clocks(doc.name)["headline"].startswith("Triage breached"))
		with self.freeze_time("2023-10-25 09:27:00"):
			api.assign(doc.name, ENGINEER)
		# triaged late (its events keep that): now the response clock drives the ticket, on track
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "sla_state"), "On Track")

	def test_used_keeps_counting_against_the_original_target_after_an_extension(self):
		# P1 resolution 8 h on the calendar basis from 09:00; +120 min approved at 09:20
		with self.freeze_time("2023-10-25 09:16:00"):
			doc = make_ticket(priority="P1", received_at="2023-10-25 09:00:00", support_team=TEAM)
			api.assign(doc.name, ENGINEER)
		frappe.set_user(ENGINEER)
		with self.freeze_time("2023-10-25 09:18:00"):
			api.respond(doc.name)
			api.request_extension(doc.name, "Resolution", "vendor patch", 120)
		frappe.set_user(SUPERVISOR)
		with self.freeze_time("2023-10-25 09:20:00"):
			api.decide_extension(doc.name, True)
		frappe.set_user("Administrator")
		with self.freeze_time("2023-10-25 13:00:00"):
			panel = {c["clock"]: c for c in api.get_clocks(doc.name)["clocks"]}
		# 4 h of the original 8 h: 50 %, not 3 h 40 min of the 9 h 40 min left at the approval (38 %)
		self.assertEqual(panel["resolution"]["percent"], 50.0)
		self.assertEqual(panel["resolution"]["due"], D(2023, 10, 25, 19, 0))
		self.assertEqual(panel["resolution"]["state"], "On Track")
		with self.freeze_time("2023-10-25 18:00:00"):
			panel = {c["clock"]: c for c in api.get_clocks(doc.name)["clocks"]}
		self.assertEqual(
			panel["resolution"]["percent"], 112.5
		)  # past the original target, within the extension
		self.assertEqual(panel["resolution"]["state"], "At Risk")

	def test_a_request_recorded_only_as_a_new_due_is_approved_to_that_due(self):
		# rows requested before amounts were recorded carry only the new due
		with self.freeze_time("2023-10-25 09:16:00"):
			doc = make_ticket(priority="P1", received_at="2023-10-25 09:00:00", support_team=TEAM)
			api.assign(doc.name, ENGINEER)
		with self.freeze_time("2023-10-25 10:00:00"):
			api.respond(doc.name)
			api.request_extension(doc.name, "Resolution", "vendor patch", None, "2023-10-25 19:00:00")
		row = frappe.get_doc("Support Ticket", doc.name).extensions[0]
		row.db_set("extra_minutes", 0)
		frappe.set_user(SUPERVISOR)
		with self.freeze_time("2023-10-25 11:00:00"):
			api.decide_extension(doc.name, True)
		frappe.set_user("Administrator")
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", doc.name, "resolution_due")),
			D(2023, 10, 25, 19, 0),
		)

	def test_paused_only_when_the_policy_pauses_a_running_clock(self):
		make_policy("No Pause", pause_response=0, pause_resolution=0, channel="Walk-in")
		with self.freeze_time("2023-10-25 09:16:00"):
			doc = make_ticket(channel="Walk-in", support_team=TEAM)
			api.assign(doc.name, ENGINEER)
			api.respond(doc.name)
			api.wait_for_customer(doc.name, "screenshot")
		self.assertNotEqual(frappe.db.get_value("Support Ticket", doc.name, "sla_state"), "Paused")

	def test_one_failing_ticket_does_not_stop_the_daily_progress_check(self):
		with self.freeze_time("2023-10-25 09:16:00"):
			first = make_ticket(support_team=TEAM)
			second = make_ticket(support_team=TEAM)
			for name in (first.name, second.name):
				api.assign(name, ENGINEER)
		real_fire = monitor.fire

		def failing(ticket, occurrence, now, known=None):
			if ticket.name == first.name:
				raise RuntimeError("boom")
			return real_fire(ticket, occurrence, now, known)

		monitor.fire = failing
		try:
			frappe.cache.delete_keys("ts_sla:daily_progress:")
			fired = monitor.daily_progress_check(now=D(2023, 10, 25, 17, 5), commit=False)
		finally:
			monitor.fire = real_fire
		self.assertEqual(fired, 1)
		self.assertIn(("Daily Progress", "Reminder"), kinds(second.name))


class TestNobodyMovesTheirOwnDeadline(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()
		with self.freeze_time("2023-10-25 09:16:00"):
			self.name = make_ticket(reporter_user=REPORTER, support_team=TEAM).name
			api.assign(self.name, ENGINEER)
			frappe.set_user(ENGINEER)
			api.respond(self.name)
			api.request_extension(self.name, "Resolution", "vendor", 60)
			api.wait_for_customer(self.name, "logs")
			api.resume(self.name)
			frappe.set_user("Administrator")

	def refused(self, user: str, change) -> None:
		before = snapshot(self.name)
		frappe.set_user(user)
		doc = frappe.get_doc("Support Ticket", self.name)
		change(doc)
		with self.assertRaises((frappe.PermissionError, frappe.ValidationError)):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(snapshot(self.name), before)

	def test_the_assignee_cannot_edit_deadline_or_ownership_fields(self):
		values = {
			"priority": "P3",
			"received_at": "2023-10-25 08:00:00",
			"occurred_at": "2023-10-25 08:00:00",
			"sla_policy": make_policy("Lenient"),
			"support_calendar": make_calendar("Other Office", "Europe/Berlin"),
			"technical_domain": "Network",
			"support_team": "",
			"assigned_to": TEAMMATE,
			"support_tier": "L3",
		}
		for field, value in values.items():
			with self.subTest(field=field):
				self.refused(ENGINEER, lambda doc, f=field, v=value: doc.set(f, v))

	def test_kept_rows_cannot_be_edited_in_place(self):
		far = "2024-12-31 00:00:00"
		changes = {
			"extension approved by its requester": lambda d: d.extensions[0].update(
				{"status": "Approved", "new_due": far, "decided_at": "2023-10-25 10:00:00"}
			),
			"pause moved to next year": lambda d: d.pauses[0].update({"paused_to": far}),
			"pause removed": lambda d: d.set("pauses", []),
			"pause added": lambda d: d.append(
				"pauses", {"paused_from": "2023-10-25 10:00:00", "paused_to": far, "clocks": "Resolution"}
			),
		}
		for label, change in changes.items():
			for user in (ENGINEER, SUPERVISOR):
				with self.subTest(change=label, user=user):
					self.refused(user, change)

	def test_the_supervisor_hears_of_an_extension_request(self):
		bell = frappe.get_all(
			"Notification Log",
			{"document_name": self.name, "subject": ("like", "Extension requested%")},
			pluck="for_user",
		)
		self.assertEqual(bell, [SUPERVISOR])  # the team's supervisor, not the requester

	def test_a_pending_request_is_counted_on_the_card_and_found_by_the_list_filter(self):
		from frappe.desk.doctype.number_card.number_card import get_result

		card = frappe.get_doc("Number Card", "Pending Extensions")
		frappe.set_user(SUPERVISOR)
		count = get_result(card.as_json(), card.filters_json)
		listed = frappe.get_list("Support Ticket", filters=frappe.parse_json(card.filters_json), pluck="name")
		self.assertIn(self.name, listed)
		self.assertEqual(count, len(listed))
		frappe.set_user(MANAGER)
		api.decide_extension(self.name, True)
		frappe.set_user(SUPERVISOR)
		self.assertEqual(get_result(card.as_json(), card.filters_json), count - 1)

	def test_nobody_approves_their_own_extension(self):
		frappe.set_user(MANAGER)
		api.decide_extension(self.name, False, note="not needed")  # the engineer's request
		frappe.set_user(SUPERVISOR)
		with self.freeze_time("2023-10-25 10:00:00"):
			api.request_extension(self.name, "Resolution", "vendor again", 30)
		own = frappe.get_doc("Support Ticket", self.name).extensions[-1].name
		before = snapshot(self.name)
		with self.assertRaises(frappe.PermissionError):
			api.decide_extension(self.name, True)
		with self.assertRaises(frappe.PermissionError):
			api.decide_extension(self.name, True, extension=own)
		self.assertEqual(snapshot(self.name), before)
		self.assertNotIn("decide_extension", api.get_clocks(self.name)["allowed_actions"])
		frappe.set_user(MANAGER)
		api.decide_extension(self.name, True)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.get_doc("Support Ticket", self.name).extensions[-1].status, "Approved")

	def test_only_team_engineers_can_be_assigned(self):
		for user in (REPORTER, "Administrator", OUTSIDER, "nobody@ts-sla.test"):
			with self.subTest(user=user):
				before = snapshot(self.name)
				with self.assertRaises(frappe.ValidationError):
					api.assign(self.name, user, note="try")
				self.assertEqual(snapshot(self.name), before)
		with self.assertRaises(frappe.ValidationError):  # a reassignment needs a reason
			api.assign(self.name, TEAMMATE)
		api.assign(self.name, TEAMMATE, note="L3 knowledge needed")
		self.assertEqual(frappe.db.get_value("Support Ticket", self.name, "assigned_to"), TEAMMATE)

	def test_the_desk_sidebar_cannot_assign_around_the_action(self):
		from frappe.desk.form import assign_to

		before = snapshot(self.name)
		frappe.set_user(AGENT)
		with self.assertRaises(frappe.ValidationError):
			assign_to.add({"doctype": "Support Ticket", "name": self.name, "assign_to": [TEAMMATE]})
		with self.assertRaises(frappe.ValidationError):
			assign_to.remove("Support Ticket", self.name, ENGINEER)
		frappe.set_user("Administrator")
		self.assertEqual(snapshot(self.name), before)
		self.assertEqual(
			frappe.get_all("ToDo", {"reference_name": self.name, "status": "Open"}, pluck="allocated_to"),
			[ENGINEER],
		)

	def test_reclassify_is_for_agents_and_supervisors_with_a_reason(self):
		for user in (ENGINEER, TEAMMATE, REPORTER):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				api.reprioritise(self.name, "P3", "less urgent")
		frappe.set_user(AGENT)
		with self.assertRaises(frappe.ValidationError):
			api.reprioritise(self.name, "P3", "")
		with self.assertRaises(frappe.ValidationError):
			api.reprioritise(self.name, "P9", "typo")
		api.reprioritise(self.name, "P3", "a question, not an outage")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Support Ticket", self.name, "priority"), "P3")

	def test_engineers_see_sla_events_of_their_tickets_only(self):
		monitor.tick(commit=False, now=D(2023, 10, 26, 12, 0))
		self.assertTrue(frappe.db.count("SLA Event", {"ticket": self.name}))
		frappe.set_user(OUTSIDER)
		self.assertEqual(frappe.get_list("SLA Event", filters={"ticket": self.name}), [])
		frappe.set_user(ENGINEER)
		self.assertTrue(frappe.get_list("SLA Event", filters={"ticket": self.name}))

	def test_the_tracking_report_shows_each_reader_their_rows_with_the_same_types(self):
		from ts_sla.ts_sla.report.response_time_tracking import response_time_tracking as report

		filters = {"from_date": "2023-10-23", "to_date": "2023-10-29"}
		make_ticket(reporter_user=STRANGER, support_team=None, technical_domain="Network")
		rows = {}
		for user in (SUPERVISOR, ENGINEER, OUTSIDER, REPORTER, STRANGER):
			frappe.set_user(user)
			rows[user] = report.execute(filters)[1]
		frappe.set_user("Administrator")
		self.assertIn(self.name, [r["ticket"] for r in rows[SUPERVISOR]])
		self.assertEqual([r["ticket"] for r in rows[ENGINEER]], [self.name])
		self.assertEqual([r["ticket"] for r in rows[REPORTER]], [self.name])
		self.assertNotIn(self.name, [r["ticket"] for r in rows[STRANGER]])
		self.assertEqual(rows[OUTSIDER], [])
		mine = {r["ticket"]: r for r in rows[SUPERVISOR]}[self.name]
		self.assertEqual(
			{k: type(v) for k, v in rows[ENGINEER][0].items()}, {k: type(v) for k, v in mine.items()}
		)
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			report.execute(filters)

	def test_dashboard_figures_count_only_readable_tickets(self):
		mine = frappe.get_doc("Support Ticket", self.name)
		now = now_datetime().replace(microsecond=0)
		for _ in range(2):
			make_ticket(reporter_user=STRANGER, received_at=add_to_date(now, minutes=-1))
		frappe.db.sql("UPDATE `tabSupport Ticket` SET `sla_state` = 'Breached'")
		frappe.db.set_value("Support Ticket", mine.name, "received_at", now)
		frappe.set_user(REPORTER)
		self.assertEqual(dashboard.breached_this_week()["value"], 1)
		frappe.set_user(OUTSIDER)
		self.assertEqual(dashboard.breached_this_week()["value"], 0)
		series = dashboard.weekly_series("priority")
		self.assertEqual(sum(sum(d["values"]) for d in series["datasets"]), 0)
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			dashboard.breached_this_week()


class TestClocksHeadline(TSSLATestCase):
	def test_the_headline_names_the_clock_that_drives_the_state(self):
		make_team()
		with self.freeze_time("2023-10-25 09:16:00"):
			name = make_ticket(priority="P1", received_at="2023-10-25 09:15:00", support_team=TEAM).name
		with self.freeze_time("2023-10-25 12:00:00"):
			self.assertEqual(api.get_clocks(name)["headline"], "Triage breached 2 h 34 min ago")
			api.assign(name, ENGINEER)
			self.assertEqual(api.get_clocks(name)["headline"], "P1 response due in 1 h 15 min")
			frappe.set_user(ENGINEER)
			api.respond(name)
			api.wait_for_customer(name, "logs")
			self.assertEqual(api.get_clocks(name)["headline"], "P1 resolution paused")
			api.resume(name)
			api.resolve(name, "fixed", "works")
			self.assertEqual(api.get_clocks(name)["headline"], "All clocks have stopped")


class TestHostileInput(TSSLATestCase):
	def insert_refused(self, **fields) -> str:
		before = frappe.db.count("Support Ticket")
		with self.assertRaises(frappe.ValidationError) as error:
			frappe.get_doc(ticket_data(**fields)).insert()
		self.assertEqual(frappe.db.count("Support Ticket"), before)
		return str(error.exception)

	def test_bad_intake_values_get_a_clear_error_and_store_nothing(self):
		self.assertIn("not a valid date", self.insert_refused(received_at="2023-10-25T01:15:00+25:00"))
		self.assertIn("5 years", self.insert_refused(received_at="1900-01-01 00:00:00"))
		self.assertIn("too long", self.insert_refused(description="x" * 20_000_000))
		self.assertIn("single value", self.insert_refused(subject={"$gt": ""}))
		self.assertIn("single value", self.insert_refused(technical_domain=["Network"]))

	def test_a_receipt_slightly_in_the_future_is_registration_time(self):
		make_team()
		ahead = add_to_date(now_datetime(), minutes=3).replace(microsecond=0)
		doc = make_ticket(received_at=ahead, occurred_at=ahead, support_team=TEAM)
		self.assertLessEqual(get_datetime(doc.received_at), get_datetime(doc.registered_at))
		api.assign(doc.name, ENGINEER)
		api.respond(doc.name)  # in the same second: no "clock stops before it starts"
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "status"), "In Progress")

	def test_bad_extension_values(self):
		make_team()
		with self.freeze_time("2023-10-25 09:16:00"):
			name = make_ticket(support_team=TEAM).name
			api.assign(name, ENGINEER)
			api.respond(name)
			before = snapshot(name)
			for value in ("NaN", "inf", "-inf", "abc", 1e12, -5, 0, True):
				with self.subTest(extra_minutes=value):
					with self.assertRaises(frappe.ValidationError):
						api.request_extension(name, "Resolution", "more time", value)
			for value in ("2099-01-01 00:00:00", "9999-12-31 23:59:59", "not a date", "2023-10-25 08:00:00"):
				with self.subTest(new_due=value):
					with self.assertRaises(frappe.ValidationError):
						api.request_extension(name, "Resolution", "more time", None, value)
			self.assertEqual(snapshot(name), before)

	def test_an_assignee_given_at_registration_follows_the_assign_rules(self):
		make_team()
		self.assertIn("cannot be assigned", self.insert_refused(assigned_to=REPORTER, support_team=TEAM))
		self.assertIn("cannot be assigned", self.insert_refused(assigned_to="Administrator"))
		doc = make_ticket(assigned_to=ENGINEER, support_team=TEAM)
		self.assertEqual((doc.status, str(doc.assigned_at)), ("Assigned", str(doc.registered_at)))

	def test_external_ref_makes_a_retried_insert_idempotent(self):
		first = make_ticket(channel="API", external_ref="CRM-42")
		with self.assertRaises(frappe.DuplicateEntryError) as error:
			make_ticket(channel="API", external_ref="CRM-42")
		self.assertIn(first.name, str(error.exception))
		make_ticket(channel="Email", external_ref="CRM-42")  # another channel's own ID
		make_ticket(channel="API")  # and none at all, twice
		make_ticket(channel="API")


class TestIntakeWithoutTheQueue(TSSLATestCase):
	"""The job queue's Redis unreachable: the ticket is still registered; routing and the P0 alarm follow
	once the queue is back, exactly once."""

	def setUp(self):
		super().setUp()
		import frappe.utils.background_jobs as jobs

		self.jobs = jobs
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		self.queue_url = frappe.local.conf.get("redis_queue")

	def set_queue(self, url) -> None:
		frappe.local.conf.redis_queue = url
		self.jobs._redis_queue_conn = None

	def tearDown(self):
		self.set_queue(self.queue_url)
		super().tearDown()

	def test_a_ticket_is_registered_when_the_queue_is_down(self):
		from ts_sla.services import lifecycle

		def stored(name):
			return frappe.db.get_value(
				"Support Ticket", name, ["registration_pending", "assigned_to", "status"], as_dict=True
			)

		self.set_queue("redis://127.0.0.1:9")  # nothing listens there
		# outside tests Frappe queues the assignment notification: make it do so here
		frappe.flags.in_test = False
		try:
			doc = make_ticket(
				priority="P0", received_at=now_datetime().replace(microsecond=0), support_team=TEAM
			)
			# what runs right after the commit fails on the queue: the ticket stays, marked pending
			self.assertFalse(lifecycle.complete_registration(doc.name, commit=False))
		finally:
			frappe.flags.in_test = True
		s = stored(doc.name)
		self.assertEqual((s.registration_pending, s.assigned_to, s.status), (1, ENGINEER, "Assigned"))
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": doc.name}))
		self.set_queue(self.queue_url)
		monitor.tick(commit=False)
		s = stored(doc.name)
		self.assertEqual((s.registration_pending, s.assigned_to, s.status), (0, ENGINEER, "Assigned"))
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": doc.name, "allocated_to": ENGINEER}))
		alarms = frappe.db.count(
			"Comment", {"reference_name": doc.name, "content": ("like", "P0 emergency%")}
		)
		monitor.tick(commit=False)
		self.assertEqual(
			frappe.db.count("Comment", {"reference_name": doc.name, "content": ("like", "P0 emergency%")}),
			alarms,
		)
		self.assertEqual(alarms, 1)
