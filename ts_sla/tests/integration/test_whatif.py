"""What-if: tickets of a period replayed under a draft SLA Policy or Support Calendar, beside the current rules.

Tickets are built with known receipts, responses, resolutions and pauses (the stamps written straight to the
row, as a closed ticket keeps them); the replay reads only those columns and the pause rows."""

from __future__ import annotations

import datetime as dt
import json
import random

import frappe

from ts_sla.api import whatif as api
from ts_sla.services import whatif
from ts_sla.tests.utils import TSSLATestCase, make_calendar, make_policy, make_ticket
from ts_sla.ts_sla.report.sla_what_if import sla_what_if

POLICY = "What-If Policy"
CALENDAR = "What-If Office"
Q4 = {"from_date": "2023-10-01", "to_date": "2023-12-31"}


def at(text: str) -> dt.datetime:
	return dt.datetime.fromisoformat(text)


def closed(priority, received, resolved=None, responded=None, policy=POLICY, pauses=()) -> str:
	"""A closed ticket with these stamps (response 5 min after receipt unless given) and pause rows."""
	doc = make_ticket(priority=priority, received_at=received, sla_policy=policy)
	received = at(received)
	frappe.db.set_value(
		"Support Ticket",
		doc.name,
		{
			"status": "Closed",
			"first_responded_at": at(responded) if responded else received + dt.timedelta(minutes=5),
			"resolved_at": at(resolved) if resolved else None,
		},
		update_modified=False,
	)
	for start, end, clocks in pauses:
		frappe.get_doc(
			{
				"doctype": "Support Ticket Pause",
				"parent": doc.name,
				"parenttype": "Support Ticket",
				"parentfield": "pauses",
				"reason": "Waiting for the customer",
				"paused_from": start,
				"paused_to": end,
				"clocks": clocks,
			}
		).db_insert()
	return doc.name


def draft_policy(name: str = POLICY, **changes) -> str:
	"""The saved policy as the form would send it, with ``{"P2": {"resolution_time": 8}}`` applied."""
	doc = frappe.get_doc("SLA Policy", name).as_dict(convert_dates_to_str=True)
	for row in doc["priorities"]:
		row.update(changes.get(row["priority"], {}))
	return frappe.as_json(doc)


def changes(result: dict) -> set[tuple[str, str, str, str]]:
	return {(c["ticket"], c["clock"], c["current_outcome"], c["draft_outcome"]) for c in result["changes"]}


def group(result: dict, priority: str, clock: str) -> dict:
	return next(g for g in result["groups"] if g["priority"] == priority and g["clock"] == clock)


class TestWhatIf(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_policy(POLICY)  # the default targets: P2 resolution 24 h on the calendar basis

	def simulate(self, **kw) -> tuple[dict, dict]:
		started = api.simulate(**{**Q4, **kw})
		self.assertEqual(started["status"], "Completed")
		_doc, result = whatif.result_of(started["simulation"])
		return started, result

	def test_shorter_p2_resolution_reports_exactly_the_tickets_that_would_breach(self):
		received = "2023-10-25 09:00:00"
		quick = closed("P2", received, "2023-10-25 11:00:00")  # 2 h
		on_the_dot = closed("P2", received, "2023-10-25 17:00:00")  # exactly 8 h: still met
		late = closed("P2", received, "2023-10-25 17:01:00")  # 8 h 1 min
		later = closed("P2", received, "2023-10-25 21:00:00")  # 12 h
		# 10 h on the wall, 3 h of it waiting for the customer: 7 h on the clock
		paused = closed(
			"P2",
			received,
			"2023-10-25 19:00:00",
			pauses=[("2023-10-25 12:00:00", "2023-10-25 15:00:00", "Response,Resolution")],
		)
		breached_anyway = closed("P2", received, "2023-10-26 15:00:00")  # 30 h: breached either way
		closed("P1", received, "2023-10-25 16:00:00")  # 7 h, P1 unchanged
		closed("P2", "2023-09-30 09:00:00", "2023-09-30 21:00:00")  # 12 h, before the period
		frappe.db.set_value("Support Ticket", late, "support_team", "Network Team", update_modified=False)
		stored = frappe.db.get_value(
			"Support Ticket", late, ["resolution_status", "resolution_due", "modified"]
		)
		started, result = self.simulate(policy=draft_policy(P2={"resolution_time": 8}))
		# the same comparison by team (a ticket without one is its own group)
		teams = {(t["team"], t["clock"]): t for t in result["teams"]}
		self.assertEqual(
			(
				teams[("Network Team", "Resolution")]["tickets"],
				teams[("Network Team", "Resolution")]["met_to_breached"],
			),
			(1, 1),
		)
		self.assertEqual(teams[("", "Resolution")]["met_to_breached"], 1)
		self.assertEqual(teams[("", "Resolution")]["tickets"], 6)

		self.assertEqual(
			changes(result),
			{(late, "Resolution", "Met", "Breached"), (later, "Resolution", "Met", "Breached")},
		)
		self.assertEqual(result["met_to_breached"], 2)
		self.assertEqual(result["breached_to_met"], 0)
		self.assertEqual(result["changed"], 2)
		self.assertEqual(result["tickets"], 7)
		by_ticket = {c["ticket"]: c for c in result["changes"]}
		self.assertEqual(by_ticket[late]["current_due"], "2023-10-26 09:00:00")
		self.assertEqual(by_ticket[late]["draft_due"], "2023-10-25 17:00:00")
		p2 = group(result, "P2", "Resolution")
		self.assertEqual((p2["current"]["met"], p2["current"]["breached"]), (5, 1))
		self.assertEqual((p2["draft"]["met"], p2["draft"]["breached"]), (3, 3))
		self.assertEqual(p2["met_to_breached"], 2)
		for ticket in (quick, on_the_dot, paused, breached_anyway):
			self.assertNotIn(ticket, by_ticket)
		sim = frappe.get_doc("SLA Simulation", started["simulation"])
		self.assertEqual((sim.policy, sim.tickets, sim.changed, sim.met_to_breached), (POLICY, 7, 2, 2))
		self.assertEqual(started["route"], ["query-report", "SLA What-If", {"simulation": sim.name}])
		# nothing is written to the tickets
		self.assertEqual(
			frappe.db.get_value("Support Ticket", late, ["resolution_status", "resolution_due", "modified"]),
			stored,
		)

	def test_met_percent_median_and_p90_on_a_known_set(self):
		received = "2023-11-06 09:00:00"
		for hours in (2, 4, 6, 9, 10, 30):  # calendar minutes 120 ... 1800
			closed("P2", received, str(at(received) + dt.timedelta(hours=hours)))
		_started, result = self.simulate(policy=draft_policy(P2={"resolution_time": 8}))
		p2 = group(result, "P2", "Resolution")
		now, draft = p2["current"], p2["draft"]
		self.assertEqual((now["met"], now["breached"], now["met_percent"]), (5, 1, 83.33))
		self.assertEqual((draft["met"], draft["breached"], draft["met_percent"]), (3, 3, 50.0))
		# sorted 120, 240, 360, 540, 600, 1800: median (360 + 540) / 2; p90 at rank 4.5: 600 + 0.5 * 1200
		self.assertEqual((now["median"], now["p90"]), (450.0, 1200.0))
		self.assertEqual((draft["median"], draft["p90"]), (450.0, 1200.0))
		self.assertEqual(now["basis"], "Calendar")
		response = group(result, "P2", "Response")
		self.assertEqual((response["current"]["median"], response["current"]["met_percent"]), (5.0, 100.0))
		self.assertEqual(result["current_met_percent"], round(100 * 11 / 12, 2))
		self.assertEqual(result["draft_met_percent"], round(100 * 9 / 12, 2))

		# on business hours the figures are business minutes: 09:00 + 30 h is Tue 15:00, 15 business hours
		_started, result = self.simulate(
			policy=draft_policy(P2={"resolution_basis": "Business Hours", "resolution_time": 8})
		)
		draft = group(result, "P2", "Resolution")["draft"]
		self.assertEqual(draft["basis"], "Business Hours")
		# 120, 240, 360, 540, 540 (10 h ends 19:00, after closing), 900
		self.assertEqual((draft["median"], draft["p90"]), (450.0, 720.0))
		self.assertEqual((draft["met"], draft["breached"]), (3, 3))

	def test_report_shows_cards_groups_and_changed_tickets(self):
		late = closed("P2", "2023-10-25 09:00:00", "2023-10-25 21:00:00")
		started, _result = self.simulate(policy=draft_policy(P2={"resolution_time": 8}))
		columns, rows, message, chart, summary = sla_what_if.execute({"simulation": started["simulation"]})
		self.assertIn("What-If Policy", message)
		cards = {c["label"]: c["value"] for c in summary}
		self.assertEqual(cards["Met → Breached"], 1)
		self.assertEqual(cards["Tickets That Change"], 1)
		self.assertEqual((cards["Met % Now"], cards["Met % Under Draft"]), (100.0, 50.0))
		changed = [r for r in rows if r.get("ticket") == late]
		self.assertEqual(len(changed), 1)
		self.assertEqual(
			(changed[0]["current_outcome"], changed[0]["draft_outcome"], changed[0]["current_due"]),
			("Met", "Breached", "2023-10-26 09:00:00"),
		)
		resolution = next(r for r in rows if r.get("priority") == "P2" and r.get("clock") == "Resolution")
		self.assertEqual((resolution["current_median"], resolution["draft_met"]), (720 * 60, 0.0))
		self.assertTrue(chart["data"]["labels"])
		self.assertLessEqual(
			{"ticket", "current_due", "draft_due", "draft_outcome"}, {c["fieldname"] for c in columns}
		)

	def test_a_holiday_in_the_draft_calendar_moves_working_day_and_business_hour_outcomes(self):
		make_calendar(CALENDAR)
		make_policy(
			"What-If Office Policy",
			calendar=CALENDAR,
			targets={
				"P2": {"response_time": 4, "response_unit": "Hours", "response_basis": "Business Hours"}
			},
		)
		# P3: 3 working days from Fri 27 Oct 16:00 → Wed 1 Nov 16:00; with Mon 30 Oct off → Thu 2 Nov 16:00
		p3 = closed("P3", "2023-10-27 16:00:00", "2023-11-01 17:00:00", policy="What-If Office Policy")
		# P2 response: 4 business hours from Fri 16:00 → Mon 11:00; with Monday off → Tue 11:00
		p2 = closed(
			"P2",
			"2023-10-27 16:00:00",
			"2023-10-27 18:00:00",
			responded="2023-10-30 15:00:00",
			policy="What-If Office Policy",
		)
		unchanged = closed("P3", "2023-10-27 16:00:00", "2023-10-31 10:00:00", policy="What-If Office Policy")
		other = closed("P2", "2023-10-27 16:00:00", "2023-10-30 17:00:00")  # default calendar: not replayed
		calendar = frappe.get_doc("Support Calendar", CALENDAR).as_dict(convert_dates_to_str=True)
		calendar["holidays"].append({"holiday_date": "2023-10-30", "description": "Office move"})
		started, result = self.simulate(calendar=frappe.as_json(calendar))

		self.assertEqual(
			changes(result),
			{(p3, "Resolution", "Breached", "Met"), (p2, "Response", "Breached", "Met")},
		)
		self.assertEqual((result["tickets"], result["breached_to_met"], result["met_to_breached"]), (3, 2, 0))
		by_ticket = {c["ticket"]: c for c in result["changes"]}
		self.assertEqual(
			(by_ticket[p3]["current_due"], by_ticket[p3]["draft_due"]),
			("2023-11-01 16:00:00", "2023-11-02 16:00:00"),
		)
		self.assertEqual(
			(by_ticket[p2]["current_due"], by_ticket[p2]["draft_due"]),
			("2023-10-30 11:00:00", "2023-10-31 11:00:00"),
		)
		self.assertNotIn(unchanged, by_ticket)
		self.assertNotIn(other, by_ticket)
		# business minutes of the response: Fri 16-18 + Mon 9-15 = 480 now, 120 with Monday off
		response = group(result, "P2", "Response")
		self.assertEqual((response["current"]["median"], response["draft"]["median"]), (480.0, 120.0))
		# a working-days clock reports its business minutes: Fri 2 h + Mon, Tue 9 h + Wed 8 h = 1680 and
		# Fri 2 h + Mon 9 h + Tue 1 h = 720 now; 1140 and 180 with Monday off
		resolution = group(result, "P3", "Resolution")
		self.assertEqual(resolution["current"]["basis"], "Working Days")
		self.assertEqual((resolution["current"]["median"], resolution["draft"]["median"]), (1200.0, 660.0))
		frappe.get_doc("SLA Simulation", started["simulation"])  # recorded
		self.assertFalse(frappe.db.get_all("Support Calendar Holiday", {"parent": CALENDAR}))

	def test_managers_simulate_and_supervisors_try_targets_without_saving(self):
		for user in ("engineer@ts-sla.test", "agent@ts-sla.test", "reporter@ts-sla.test"):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError, msg=user):
				api.simulate(policy=draft_policy(), **Q4)
			with self.assertRaises(frappe.PermissionError, msg=user):
				api.simulate(calendar="Default Support Calendar", **Q4)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.get_all("SLA Simulation", {"owner": ("like", "%@ts-sla.test")}))
		frappe.set_user("manager@ts-sla.test")
		self.assertEqual(api.simulate(policy=draft_policy(), **Q4)["status"], "Completed")
		# a supervisor may not change the policy, but may try other targets on it: nothing is saved but the
		# simulation, which they then read in the report
		before = frappe.get_doc("SLA Policy", POLICY).as_dict()
		frappe.set_user("supervisor@ts-sla.test")
		self.assertFalse(frappe.has_permission("SLA Policy", "write"))
		started = api.simulate(policy=draft_policy(P2={"resolution_time": 8}), **Q4)
		self.assertEqual(started["status"], "Completed")
		self.assertTrue(frappe.has_permission("SLA Simulation", "read", started["simulation"]))
		self.assertEqual(api.simulation_status(started["simulation"])["status"], "Completed")
		# the records are the app's: nobody but it writes one (a forged result would read as a real run)
		forged = {"doctype": "SLA Simulation", "status": "Completed", "from_date": "2023-10-01"}
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc({**forged, "to_date": "2023-10-31"}).insert()
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("SLA Simulation", started["simulation"]).save()
		frappe.set_user("Administrator")
		after = frappe.get_doc("SLA Policy", POLICY).as_dict()
		self.assertEqual(
			[(r.priority, r.resolution_time) for r in after.priorities],
			[(r.priority, r.resolution_time) for r in before.priorities],
		)
		self.assertEqual(after.modified, before.modified)
		self.assertEqual(
			frappe.db.get_value("SLA Simulation", started["simulation"], "owner"), "supervisor@ts-sla.test"
		)

	def test_hostile_input_gets_a_clear_error(self):
		bad = json.loads(draft_policy())
		bad["priorities"][2]["resolution_time"] = float("nan")
		with self.assertRaisesRegex(frappe.ValidationError, "finite number"):
			api.simulate(policy=json.dumps(bad), **Q4)  # json.dumps writes NaN, json.loads reads it back
		bad["priorities"][2]["resolution_time"] = "Infinity"
		with self.assertRaisesRegex(frappe.ValidationError, "finite number"):
			api.simulate(policy=json.dumps(bad), **Q4)
		bad["priorities"][2]["resolution_time"] = -5
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be negative"):
			api.simulate(policy=json.dumps(bad), **Q4)
		with self.assertRaisesRegex(frappe.ValidationError, "ends"):
			api.simulate(policy=draft_policy(), from_date="2023-12-31", to_date="2023-10-01")
		with self.assertRaisesRegex(frappe.ValidationError, "at most 731 days"):
			api.simulate(policy=draft_policy(), from_date="1000-01-01", to_date="8999-12-31")
		for dates in (
			{"from_date": "0001-01-01", "to_date": "2023-12-31"},  # Frappe reads year 1 as no date at all
			{"from_date": "2023-10-01", "to_date": "0001-01-01"},
			{"from_date": "2023-02-30", "to_date": "2023-12-31"},
		):
			with self.subTest(dates=dates), self.assertRaisesRegex(frappe.ValidationError, "not valid dates"):
				api.simulate(policy=draft_policy(), **dates)
		with self.assertRaisesRegex(frappe.ValidationError, "not valid JSON"):
			api.simulate(policy="{not json", **Q4)
		with self.assertRaisesRegex(frappe.ValidationError, "Nothing to simulate|draft SLA Policy or"):
			api.simulate(**Q4)
		calendar = frappe.get_doc("Support Calendar", "Default Support Calendar").as_dict(
			convert_dates_to_str=True
		)
		calendar["time_zone"] = "Mars/Olympus"
		with self.assertRaisesRegex(frappe.ValidationError, "Mars/Olympus"):
			api.simulate(calendar=frappe.as_json(calendar), **Q4)
		self.assertFalse(frappe.get_all("SLA Simulation", {"owner": "Administrator", "status": "Failed"}))

	def test_default_period_is_the_last_full_quarter(self):
		self.assertEqual(whatif.last_quarter("2024-02-15"), (dt.date(2023, 10, 1), dt.date(2023, 12, 31)))
		self.assertEqual(whatif.last_quarter("2024-10-01"), (dt.date(2024, 7, 1), dt.date(2024, 9, 30)))


# -- the replay against a brute-force count of minutes ------------------------------------------------


def working(minute: dt.datetime, holidays=()) -> bool:
	"""Mon-Fri 09:00-18:00 (Asia/Shanghai has no DST, so naive wall minutes are real minutes)."""
	return minute.weekday() < 5 and 9 <= minute.hour < 18 and minute.date() not in holidays


def brute_force(received, stopped, target, pauses) -> tuple[bool, int]:
	"""(met, business minutes run) counted minute by minute: the due is the end of the target-th working,
	unpaused minute; the clock is met when it stopped by then."""

	def counts(minute):
		return working(minute) and not any(s <= minute < e for s, e in pauses)

	run, minute, due_at = 0, received, None
	while due_at is None or minute < stopped:
		if counts(minute):
			run += 1
			if run == target and due_at is None:
				due_at = minute + dt.timedelta(minutes=1)
		minute += dt.timedelta(minutes=1)
	ran = sum(
		1
		for i in range(int((stopped - received).total_seconds() // 60))
		if counts(received + dt.timedelta(minutes=i))
	)
	return stopped <= due_at, ran


class TestWhatIfAgainstBruteForce(TSSLATestCase):
	def test_random_business_hour_tickets(self):
		make_calendar(CALENDAR)
		business = {"resolution_basis": "Business Hours", "resolution_unit": "Hours", "resolution_time": 8}
		make_policy("What-If Random", calendar=CALENDAR, targets={"P2": business})
		rng = random.Random(16)
		tickets = {}
		for _ in range(25):
			received = dt.datetime(2023, 10, 2) + dt.timedelta(minutes=rng.randrange(0, 20 * 1440))
			stopped = received + dt.timedelta(minutes=rng.randrange(1, 4 * 1440))
			pauses = []
			if rng.random() < 0.5:
				start = received + dt.timedelta(minutes=rng.randrange(0, 1440))
				pauses.append((start, start + dt.timedelta(minutes=rng.randrange(1, 1440))))
			name = closed(
				"P2",
				str(received),
				str(stopped),
				policy="What-If Random",
				pauses=[(s, e, "Resolution") for s, e in pauses],
			)
			tickets[name] = (received, stopped, pauses)
		result = whatif.replay(
			whatif.Draft(
				whatif.load_policy(draft_policy("What-If Random", P2={"resolution_time": 6})),
				None,
				dt.date(2023, 10, 1),
				dt.date(2023, 12, 31),
			)
		)
		expected_changes, now_minutes, draft_met = set(), [], 0
		for name, (received, stopped, pauses) in tickets.items():
			met_now, ran = brute_force(received, stopped, 480, pauses)
			met_draft, _ran = brute_force(received, stopped, 360, pauses)
			now_minutes.append(ran)
			draft_met += met_draft
			if met_now != met_draft:
				expected_changes.add(
					(name, "Resolution", "Met" if met_now else "Breached", "Met" if met_draft else "Breached")
				)
		self.assertEqual(changes(result), expected_changes)
		resolution = group(result, "P2", "Resolution")
		self.assertEqual(resolution["draft"]["met"], draft_met)
		self.assertEqual(resolution["current"]["median"], whatif.percentile(sorted(now_minutes), 50))
		self.assertEqual(resolution["current"]["p90"], whatif.percentile(sorted(now_minutes), 90))
