"""Policy lifecycle: SLA figures in business time, a rejected fix as a new resolution cycle, repairs after a
policy changes (and by hand), and closed tickets that never change."""

import datetime as dt

import frappe
from frappe.utils import get_datetime

from ts_sla.api import repair as repair_api
from ts_sla.api import ticket as api
from ts_sla.tests.utils import TSSLATestCase, make_policy, make_team, make_ticket

D = dt.datetime
ENGINEER, SUPERVISOR, MANAGER = "engineer@ts-sla.test", "supervisor@ts-sla.test", "manager@ts-sla.test"


def comments(name: str, like: str) -> int:
	return frappe.db.count(
		"Comment", {"reference_name": name, "comment_type": "Info", "content": ("like", f"%{like}%")}
	)


class TestBusinessTime(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def work(self, name: str, at: str, action, *args):
		with self.freeze_time(at):
			action(name, *args)

	def test_figures_count_the_clocks_own_basis_not_the_wall_clock(self):
		# P3: response 24 h on the calendar, resolution 3 working days (business minutes), Mon-Fri 09-18
		with self.freeze_time("2023-10-27 16:00:10"):
			name = make_ticket(priority="P3", received_at="2023-10-27 16:00:00").name
		self.work(name, "2023-10-27 16:30:00", api.assign, ENGINEER)
		self.work(name, "2023-10-27 16:30:00", api.respond)
		self.work(name, "2023-10-30 11:00:00", api.resolve, "Reset the VPN profile", "Connects again")
		doc = frappe.get_doc("Support Ticket", name)
		self.assertEqual(doc.response_business_minutes, 30.0)
		# Fri 16:00-18:00 and Mon 09:00-11:00: 4 h of business time, not the 67 h across the weekend
		self.assertEqual(doc.resolution_business_minutes, 240.0)
		self.assertEqual([(c.cycle, c.business_minutes) for c in doc.cycles], [(1, 240.0)])

	def test_a_rejected_fix_starts_a_new_cycle_whose_time_adds_up(self):
		with self.freeze_time("2023-10-23 09:00:10"):
			name = make_ticket(priority="P3", received_at="2023-10-23 09:00:00").name
		self.work(name, "2023-10-23 09:10:00", api.assign, ENGINEER)
		self.work(name, "2023-10-23 09:10:00", api.respond)
		self.work(name, "2023-10-23 12:00:00", api.resolve, "Cleared the cache", "Works")
		frappe.set_user(SUPERVISOR)  # for the reporter, who called back
		self.work(name, "2023-10-24 10:00:00", api.reject_resolution, "Fails again after lunch")
		frappe.set_user("Administrator")
		self.work(name, "2023-10-24 11:30:00", api.resolve, "Replaced the driver", "Works all day")
		doc = frappe.get_doc("Support Ticket", name)
		self.assertEqual(doc.reopen_count, 1)
		cycles = [
			(c.cycle, c.business_minutes, str(c.started_at), str(c.rejected_at or "")) for c in doc.cycles
		]
		self.assertEqual(
			cycles,
			[
				(1, 180.0, "2023-10-23 09:00:00", "2023-10-24 10:00:00"),
				(2, 90.0, "2023-10-24 10:00:00", ""),
			],
		)
		self.assertEqual(doc.cycles[0].reject_reason, "Fails again after lunch")
		# the wait for confirmation (Mon 12:00 - Tue 10:00) is not resolution time: 180 + 90
		self.assertEqual(doc.resolution_business_minutes, 270.0)
		self.assertEqual(sum(c.business_minutes for c in doc.cycles), doc.resolution_business_minutes)

	def test_the_tracking_report_reads_business_time_and_counts_reopened_tickets(self):
		from ts_sla.ts_sla.report.response_time_tracking.response_time_tracking import execute

		with self.freeze_time("2023-10-27 16:00:10"):
			name = make_ticket(priority="P3", received_at="2023-10-27 16:00:00").name
		self.work(name, "2023-10-27 16:30:00", api.assign, ENGINEER)
		self.work(name, "2023-10-27 16:30:00", api.respond)
		self.work(name, "2023-10-30 11:00:00", api.resolve, "Reset", "Works")
		columns, data = execute({"from_date": "2023-10-23", "to_date": "2023-10-29"})
		row = next(r for r in data if r["ticket"] == name)
		self.assertEqual(
			(row["response_minutes"], row["resolution_minutes"], row["cycles"]), (30.0, 240.0, 1)
		)
		self.assertIn("resolution_minutes", [c["fieldname"] for c in columns])

	def test_the_weekly_review_gives_p50_and_p90_in_business_time(self):
		from ts_sla.services import sla
		from ts_sla.ts_sla.report.weekly_sla_review.weekly_sla_review import execute

		resolved = {}
		for hour, at in (("16", "2023-10-30 11:00:00"), ("17", "2023-10-30 09:30:00")):
			with self.freeze_time(f"2023-10-27 {hour}:00:10"):
				name = make_ticket(priority="P3", received_at=f"2023-10-27 {hour}:00:00").name
			self.work(name, f"2023-10-27 {hour}:20:00", api.assign, ENGINEER)
			self.work(name, f"2023-10-27 {hour}:20:00", api.respond)
			self.work(name, at, api.resolve, "Reset", "Works")
			resolved[name] = frappe.db.get_value("Support Ticket", name, "resolution_business_minutes")
		self.assertEqual(sorted(resolved.values()), [90.0, 240.0])
		_columns, data, *_rest = execute({"week": "2023-10-27"})
		p3 = next(r for r in data if r["section"] == "By Priority" and r["item"] == "P3")
		self.assertEqual((p3["response_p50"], p3["response_p90"]), (20.0, 20.0))
		self.assertEqual((p3["resolution_p50"], p3["resolution_p90"]), (165.0, 225.0))  # interpolated
		self.assertEqual(sla.percentile([5, 1, 3, 2, 4], 50), 3.0)
		self.assertEqual(sla.percentile([5, 1, 3, 2, 4], 90), 4.6)
		self.assertIsNone(sla.percentile([], 90))


class TestRepairAfterAPolicyChange(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def test_a_shorter_target_moves_open_tickets_once_and_never_a_closed_one(self):
		policy = make_policy("Shop Floor Policy")
		with self.freeze_time("2023-10-25 09:15:30"):
			open_one = make_ticket(priority="P2", received_at="2023-10-25 09:15:00", sla_policy=policy).name
			other = make_ticket(priority="P2", received_at="2023-10-25 09:15:00").name  # the default policy
			closed = make_ticket(priority="P2", received_at="2023-10-25 09:15:00", sla_policy=policy).name
		for step, args in (
			(api.assign, (ENGINEER,)),
			(api.respond, ()),
			(api.resolve, ("Fixed", "Works")),
			(api.confirm, ("by phone",)),
			(api.close, ()),
		):
			with self.freeze_time("2023-10-25 10:00:00"):
				step(closed, *args)
		before_closed = frappe.db.get_value(
			"Support Ticket",
			closed,
			["modified", "resolution_due", "resolution_status", "resolution_business_minutes"],
			as_dict=True,
		)
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", open_one, "resolution_due")),
			D(2023, 10, 26, 9, 15),
		)

		doc = frappe.get_doc("SLA Policy", policy)
		next(r for r in doc.priorities if r.priority == "P2").resolution_time = 8
		doc.save()

		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", open_one, "resolution_due")),
			D(2023, 10, 25, 17, 15),
		)
		self.assertEqual(comments(open_one, "SLA Policy Shop Floor Policy changed"), 1)
		self.assertEqual(comments(other, "changed"), 0)
		# the resolution clock the shorter target leaves breached has its SLA Event at once
		self.assertTrue(
			frappe.db.exists("SLA Event", {"ticket": open_one, "clock": "Resolution", "kind": "Breach"})
		)
		self.assertFalse(frappe.db.exists("SLA Event", {"ticket": other}))
		# the policy's form follows the repair: every open ticket under it checked, one moved
		frappe.set_user(MANAGER)
		progress = repair_api.repair_progress("SLA Policy", policy)
		self.assertEqual(
			{k: progress[k] for k in ("status", "done", "total", "moved", "failed")},
			{"status": "Done", "done": 1, "total": 1, "moved": 1, "failed": 0},
		)
		self.assertLess(progress["age_seconds"], 60)
		frappe.set_user("reporter@ts-sla.test")
		with self.assertRaises(frappe.PermissionError):
			repair_api.repair_progress("SLA Policy", policy)
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.ValidationError):
			repair_api.repair_progress("User", "Administrator")
		self.assertEqual(
			get_datetime(frappe.db.get_value("Support Ticket", other, "resolution_due")),
			D(2023, 10, 26, 9, 15),
		)
		after_closed = frappe.db.get_value(
			"Support Ticket",
			closed,
			["modified", "resolution_due", "resolution_status", "resolution_business_minutes"],
			as_dict=True,
		)
		self.assertEqual(after_closed, before_closed)  # a closed ticket's record never changes
		self.assertEqual(comments(closed, "changed"), 0)
		# a save that moves nothing repairs nothing
		doc.reload()
		doc.valid_to = "2030-12-31"
		doc.save()
		self.assertEqual(comments(open_one, "SLA Policy Shop Floor Policy changed"), 1)

	def test_a_manager_previews_what_a_repair_would_move_and_nothing_is_written(self):
		policy = make_policy("Preview Policy")
		with self.freeze_time("2023-10-25 09:15:30"):
			moving = make_ticket(priority="P2", received_at="2023-10-25 09:15:00", sla_policy=policy).name
			staying = make_ticket(priority="P1", received_at="2023-10-25 09:15:00", sla_policy=policy).name
			closed = make_ticket(priority="P2", received_at="2023-10-25 09:15:00", sla_policy=policy).name
		frappe.db.set_value("Support Ticket", closed, "status", "Closed", update_modified=False)
		# the rules change behind the app's back (no save, so no repair of its own): P2 resolution 24 h → 8 h
		row = frappe.db.get_value("SLA Policy Priority", {"parent": policy, "priority": "P2"}, "name")
		frappe.db.set_value("SLA Policy Priority", row, "resolution_time", 8)
		frappe.clear_document_cache("SLA Policy", policy)
		fields = ["modified", "resolution_due", "next_check_at", "sla_state"]
		before = {n: frappe.db.get_value("Support Ticket", n, fields, as_dict=True) for n in (moving, closed)}
		comments_before = frappe.db.count("Comment", {"reference_name": moving})
		for user in (ENGINEER, SUPERVISOR, "agent@ts-sla.test", "reporter@ts-sla.test"):
			frappe.set_user(user)
			with self.subTest(user=user), self.assertRaises(frappe.PermissionError):
				repair_api.preview_repair(filters={"sla_policy": policy})
			with self.subTest(user=user), self.assertRaises(frappe.PermissionError):
				repair_api.repair_progress_by_hand()
		frappe.set_user(MANAGER)
		preview = repair_api.preview_repair(
			tickets=f"{moving}, {staying}\n{closed}\nTS-19990101-999", filters={"sla_policy": policy}
		)
		self.assertEqual(
			{k: preview[k] for k in ("selected", "open", "previewed", "unchanged", "not_open", "not_found")},
			{
				"selected": 4,
				"open": 2,
				"previewed": 2,
				"unchanged": 1,
				"not_open": 1,
				"not_found": ["TS-19990101-999"],
			},
		)
		self.assertEqual([m["ticket"] for m in preview["moves"]], [moving])
		self.assertEqual(
			[(c["field"], c["from"], c["to"]) for c in preview["moves"][0]["changes"]],
			[("resolution_due", "2023-10-26 09:15:00", "2023-10-25 17:15:00")],
		)
		self.assertEqual(preview["moves"][0]["changes"][0]["label"], "Resolution Due")
		after = {n: frappe.db.get_value("Support Ticket", n, fields, as_dict=True) for n in (moving, closed)}
		self.assertEqual(after, before)  # a preview writes nothing
		self.assertEqual(frappe.db.count("Comment", {"reference_name": moving}), comments_before)
		# the repair then moves exactly what the preview said
		result = repair_api.repair_tickets(filters={"sla_policy": policy}, reason="Targets edited in SQL")
		self.assertEqual(result, {"moved": {moving: ["resolution_due"]}, "unchanged": 1, "failed": 0})
		self.assertEqual(comments(moving, "Targets edited in SQL"), 1)
		self.assertEqual(repair_api.preview_repair(filters={"sla_policy": policy})["moves"], [])
		for bad in ({"tickets": 5}, {"filters": "[1]"}, {"filters": '{"no_such_field": 1}'}, {}):
			with self.subTest(bad=bad), self.assertRaises(frappe.ValidationError):
				repair_api.preview_repair(**bad)

	def test_a_manager_repairs_by_hand_and_nobody_else_may(self):
		with self.freeze_time("2023-10-25 09:15:30"):
			name = make_ticket(priority="P2", received_at="2023-10-25 09:15:00").name
		for user in (ENGINEER, SUPERVISOR, "agent@ts-sla.test", "reporter@ts-sla.test"):
			frappe.set_user(user)
			with self.subTest(user=user), self.assertRaises(frappe.PermissionError):
				repair_api.repair_tickets(tickets=[name])
		frappe.set_user(MANAGER)
		self.assertEqual(
			repair_api.repair_tickets(tickets=[name]), {"moved": {}, "unchanged": 1, "failed": 0}
		)
		self.assertEqual(
			repair_api.repair_tickets(filters={"priority": "P2", "name": name}),
			{"moved": {}, "unchanged": 1, "failed": 0},
		)
		for bad in (
			{"tickets": 5},
			{"tickets": [{"x": 1}]},
			{"tickets": "[oops"},
			{"filters": "[1, 2]"},
			{"filters": "not json"},
			{"filters": "  "},
			{"filters": '{"no_such_field": 1}'},
			{"filters": {"priority": "P2", "progress_updates": "x"}},  # a table is not a column
			{},
		):
			with self.subTest(bad=bad), self.assertRaises(frappe.ValidationError):
				repair_api.repair_tickets(**bad)
		with self.assertRaisesRegex(frappe.ValidationError, "no_such_field is not a field of Support Ticket"):
			repair_api.repair_tickets(filters='{"no_such_field": 1}')


def forget_dead_workers(queue: str) -> None:
	"""Drop from RQ's registry of the site's own queue the workers earlier tests killed (SIGKILL leaves the
	registration until its TTL): what the queue "has" is then only what runs."""
	import psutil
	from frappe.utils.background_jobs import get_queue
	from rq import Worker

	for worker in Worker.all(queue=get_queue(queue)):
		if not worker.pid or not psutil.pid_exists(worker.pid):
			worker.register_death()


class TestQueuedRepair(TSSLATestCase):
	"""A repair on the long queue says when no background worker runs, instead of "Queued" forever; a worker
	started later finishes it."""

	def test_a_queued_repair_waits_for_a_worker_and_says_so(self):
		from ts_sla.services import jobs, repair
		from ts_sla.tests.server import Worker, own_queue, queued_jobs
		from ts_sla.tests.utils import DEFAULT_POLICY

		key = ("SLA Policy", DEFAULT_POLICY)
		self.addCleanup(lambda: frappe.cache.delete_value(repair._progress_key(*key)))
		frappe.set_user(MANAGER)
		with own_queue("long"):
			forget_dead_workers("long")
			self.assertFalse(jobs.queue_has_worker("long"))  # none serves the site's own queue database
			frappe.flags.in_test = False  # as on a live site: to the long queue after the commit
			try:
				self.assertIsNone(repair.enqueue(names=[], policy=DEFAULT_POLICY, reason="queued test"))
			finally:
				frappe.flags.in_test = True
			frappe.db.commit()
			self.assertEqual(len(queued_jobs("long", "ts_sla.services.repair.repair_tickets")), 1)
			progress = repair_api.repair_progress(*key)
			self.assertEqual((progress["status"], progress["waiting_for_worker"]), ("Queued", True))
			worker = Worker("long", own=True).start()
			try:
				self.wait_until(
					lambda: (repair_api.repair_progress(*key) or {}).get("status") == "Done",
					f"the worker did not finish the repair; see {worker.log}",
				)
				self.assertTrue(jobs.queue_has_worker("long"))
			finally:
				worker.stop()
			# a worker that stopped (not killed: it ended on SIGTERM) has left RQ's registry
			self.assertEqual(worker.process.returncode, 0, f"see {worker.log}")
			self.assertFalse(jobs.queue_has_worker("long"))
		progress = repair_api.repair_progress(*key)
		self.assertEqual(
			{k: progress[k] for k in ("status", "done", "total", "failed")},
			{"status": "Done", "done": 0, "total": 0, "failed": 0},
		)
		self.assertNotIn("waiting_for_worker", progress)

	def test_a_queued_simulation_says_it_waits_for_a_worker(self):
		from ts_sla.api import whatif as whatif_api
		from ts_sla.tests.server import own_queue
		from ts_sla.ts_sla.report.sla_what_if import sla_what_if

		simulation = frappe.get_doc(
			{
				"doctype": "SLA Simulation",
				"status": "Queued",
				"from_date": "2023-10-01",
				"to_date": "2023-10-31",
			}
		).insert(ignore_permissions=True)
		frappe.set_user(MANAGER)
		with own_queue("long"):  # no worker serves the site's own queue database
			forget_dead_workers("long")
			status = whatif_api.simulation_status(simulation.name)
			self.assertEqual((status["status"], status["waiting_for_worker"]), ("Queued", True))
			message = sla_what_if.execute({"simulation": simulation.name})[2]
			self.assertIn("waiting for a background worker", message)
			self.assertIn(simulation.name, message)
		simulation.db_set("status", "Running")
		status = whatif_api.simulation_status(simulation.name)
		self.assertNotIn("waiting_for_worker", status)
		self.assertIn("Running", sla_what_if.execute({"simulation": simulation.name})[2])

	def wait_until(self, condition, what: str, timeout: float = 180):
		"""Until ``condition()`` holds (a generous bound for a busy machine, never a speed goal)."""
		import time

		end = time.monotonic() + timeout
		while not condition():
			self.assertLess(time.monotonic(), end, what)
			time.sleep(0.2)
