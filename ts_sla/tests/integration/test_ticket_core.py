"""Support Ticket on a real site: IDs, deadlines, lifecycle, pauses, extensions, validation."""

import datetime as dt

import frappe
from frappe.utils import get_datetime

from ts_sla.api import ticket as api
from ts_sla.tests.utils import (
	TSSLATestCase,
	make_calendar,
	make_policy,
	make_team,
	make_ticket,
	set_system_time_zone,
	ticket_data,
)

D = dt.datetime


def dues(doc):
	return {
		f: get_datetime(doc.get(f)) if doc.get(f) else None
		for f in ("response_due", "resolution_due", "resolution_limit")
	}


class TestDeadlines(TSSLATestCase):
	def test_an_insert_without_priority_gets_the_documented_default_and_the_desk_form_has_none(self):
		data = ticket_data()
		del data["priority"]
		doc = frappe.get_doc(data).insert()
		self.assertEqual(doc.priority, "P2")
		self.assertEqual(get_datetime(doc.response_due), get_datetime("2023-10-25 17:15:00"))  # P2: 8 h
		self.assertIn("P2 response: 8 h", doc.sla_explanation)
		# the Desk's new form starts without one: the agent chooses
		self.assertFalse(frappe.get_meta("Support Ticket").get_field("priority").default)
		self.assertFalse(frappe.new_doc("Support Ticket").priority)

	def test_a_days_thousandth_ticket_widens_its_number_and_keeps_the_order(self):
		day = "TS-20220203-"  # a day of its own: its counter is set back only for this test's two tickets
		for name in frappe.get_all("Support Ticket", {"name": ("like", f"{day}%")}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.sql(
			"INSERT INTO `tabSeries` (`name`, `current`) VALUES (%s, 998) ON DUPLICATE KEY UPDATE `current` = 998",
			(day,),
		)
		names = [make_ticket(received_at="2022-02-03 10:00:00").name for _ in range(2)]
		self.assertEqual(names, [f"{day}999", f"{day}1000"])

	def test_spec_worked_examples_through_insert(self):
		p1 = make_ticket(priority="P1", received_at="2023-10-25 09:15:00")
		self.assertRegex(p1.name, r"^TS-20231025-\d{3,}$")
		self.assertEqual(
			dues(p1),
			{
				"response_due": D(2023, 10, 25, 13, 15),
				"resolution_due": D(2023, 10, 25, 17, 15),
				"resolution_limit": None,
			},
		)
		p0 = make_ticket(priority="P0", received_at="2023-10-25 14:20:00", subject="Payment API times out")
		self.assertEqual(
			dues(p0),
			{
				"response_due": D(2023, 10, 25, 14, 35),
				"resolution_due": D(2023, 10, 25, 16, 20),
				"resolution_limit": D(2023, 10, 25, 18, 20),
			},
		)
		self.assertEqual(get_datetime(p0.triage_due), get_datetime(p0.registered_at))
		p3 = make_ticket(priority="P3", received_at="2023-10-27 16:00:00", subject="Manual question")
		self.assertEqual(p3.name[:12], "TS-20231027-")
		self.assertEqual(get_datetime(p3.response_due), D(2023, 10, 28, 16, 0))
		self.assertEqual(get_datetime(p3.resolution_due), D(2023, 11, 1, 16, 0))
		self.assertIn(
			"P3 resolution: 3 working days on calendar 'Default Support Calendar' (Asia/Shanghai) "
			"from Fri 27 Oct 16:00 → Wed 1 Nov 16:00; skipped Sat–Sun",
			p3.sla_explanation,
		)
		self.assertIn("Asia/Shanghai", p3.sla_explanation)
		self.assertEqual(p3.sla_policy, "Default SLA Policy")
		self.assertEqual(get_datetime(p3.registration_due), D(2023, 10, 27, 16, 5))

	def test_ids_are_per_day_consecutive_and_backdated(self):
		first = make_ticket(received_at="2022-02-03 08:00:00")
		second = make_ticket(received_at="2022-02-03 23:59:00")
		other_day = make_ticket(received_at="2022-02-04 00:01:00")
		number = int(first.name.rsplit("-", 1)[1])
		self.assertEqual(second.name, f"TS-20220203-{number + 1:03d}")
		self.assertTrue(other_day.name.startswith("TS-20220204-"))

	def test_aware_received_at_is_converted_to_the_system_zone(self):
		doc = make_ticket(received_at="2023-10-25T01:15:00+00:00")  # 09:15 in Shanghai
		self.assertEqual(get_datetime(doc.received_at), D(2023, 10, 25, 9, 15))
		self.assertEqual(get_datetime(doc.response_due), D(2023, 10, 25, 13, 15))

	def test_id_date_follows_the_system_time_zone(self):
		set_system_time_zone("America/New_York")
		doc = make_ticket(received_at="2023-10-25T02:00:00+00:00")  # still the 24th in New York
		self.assertTrue(doc.name.startswith("TS-20231024-"), doc.name)

	def test_business_calendar_in_another_zone(self):
		berlin = make_calendar("Berlin Office", "Europe/Berlin")
		policy = make_policy(
			"Berlin P1",
			berlin,
			{"P1": {"response_time": 4, "response_unit": "Hours", "response_basis": "Business Hours"}},
			technical_domain="Network",
		)
		# Wed 25 Oct 2023 16:00 Shanghai = 10:00 Berlin; 4 business hours -> 14:00 Berlin = 20:00 Shanghai
		doc = make_ticket(technical_domain="Network", received_at="2023-10-25 16:00:00")
		self.assertEqual(doc.sla_policy, policy)
		self.assertEqual(get_datetime(doc.response_due), D(2023, 10, 25, 20, 0))
		self.assertIn("Europe/Berlin", doc.sla_explanation)

	def test_most_specific_valid_policy_wins(self):
		make_policy("Any Software", problem_type="Software")
		specific = make_policy("Software Ops", problem_type="Software", technical_domain="System Operations")
		make_policy(
			"Expired",
			problem_type="Software",
			technical_domain="System Operations",
			channel="Phone",
			valid_to="2020-01-01",
		)
		self.assertEqual(make_ticket().sla_policy, specific)
		self.assertEqual(make_ticket(problem_type="Hardware").sla_policy, "Default SLA Policy")

	def test_priority_change_recomputes_and_explains_on_the_timeline(self):
		doc = make_ticket(priority="P2", received_at="2023-10-25 09:15:00")
		self.assertEqual(get_datetime(doc.response_due), D(2023, 10, 25, 17, 15))
		from ts_sla.api import ticket as api

		api.reprioritise(doc.name, "P1", "the whole finance team is blocked")
		doc.reload()
		self.assertEqual(get_datetime(doc.response_due), D(2023, 10, 25, 13, 15))
		comment = frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Support Ticket",
				"reference_name": doc.name,
				"comment_type": "Info",
			},
			pluck="content",
		)
		self.assertTrue(
			any(
				"Priority: P2 → P1" in c and "13:15" in c and "finance team is blocked" in c for c in comment
			),
			comment,
		)

	def test_holidays_and_make_up_days_from_the_calendar(self):
		cal = make_calendar(
			"Holiday Office",
			"Asia/Shanghai",
			holidays=[{"holiday_date": "2023-10-30", "description": "Company Day"}],
			extra_days=[{"work_date": "2023-10-28", "start_time": "09:00:00", "end_time": "18:00:00"}],
		)
		make_policy(
			"Holiday P3",
			cal,
			{"P3": {"response_time": 8, "response_unit": "Hours", "response_basis": "Business Hours"}},
			channel="Email",
		)
		doc = make_ticket(priority="P3", channel="Email", received_at="2023-10-27 16:00:00")
		# Fri 16-18 (2 h), Sat make-up day 09-15 (6 h) -> Sat 15:00; resolution: Sat, Tue, Wed (Mon is a holiday)
		self.assertEqual(get_datetime(doc.response_due), D(2023, 10, 28, 15, 0))
		self.assertEqual(get_datetime(doc.resolution_due), D(2023, 11, 1, 16, 0))
		self.assertIn("Company Day", doc.sla_explanation)


class TestValidation(TSSLATestCase):
	def assertRejected(self, exc, **kw):
		before = frappe.db.count("Support Ticket")
		with self.assertRaises(exc):
			frappe.get_doc(ticket_data(**kw)).insert()
		self.assertEqual(frappe.db.count("Support Ticket"), before)

	def test_bad_input_is_rejected_and_stores_nothing(self):
		self.assertRejected(frappe.ValidationError, priority="P9")
		self.assertRejected(frappe.ValidationError, problem_type="Plumbing")
		self.assertRejected(frappe.ValidationError, channel="Carrier Pigeon")
		self.assertRejected(frappe.MandatoryError, reporter_name=None)
		self.assertRejected(frappe.MandatoryError, contact_detail="")
		self.assertRejected(frappe.ValidationError, occurred_at="2023-10-25 10:00:00")
		self.assertRejected(frappe.ValidationError, received_at="not a date")
		self.assertRejected(frappe.ValidationError, received_at="2099-01-01 00:00:00")
		self.assertRejected(frappe.ValidationError, customer_satisfaction=7)

	def test_server_fields_cannot_be_set_by_clients(self):
		doc = make_ticket(status="Closed", response_due="2030-01-01 00:00:00", customer_satisfaction=5)
		self.assertEqual(doc.status, "New")
		self.assertEqual(get_datetime(doc.response_due), D(2023, 10, 25, 13, 15))
		self.assertFalse(doc.customer_satisfaction)
		doc.status = "Resolved"
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		doc.reload()
		doc.resolved_at = "2023-10-25 10:00:00"
		with self.assertRaises(frappe.ValidationError):
			doc.save()


class TestLifecycle(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def test_full_lifecycle_stamps_and_statuses(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			self.assertEqual((doc.status, doc.sla_state, doc.response_status), ("New", "On Track", "Pending"))
			frappe.set_user("agent@ts-sla.test")
			api.assign(doc.name, "engineer@ts-sla.test", tier="L2", team="System Operations Team")
		doc.reload()
		self.assertEqual(
			(doc.status, doc.assigned_to, doc.support_tier), ("Assigned", "engineer@ts-sla.test", "L2")
		)
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_name": doc.name, "allocated_to": "engineer@ts-sla.test", "status": "Open"}
			)
		)
		with self.freeze_time("2023-10-25 09:30:00"):
			frappe.set_user("engineer@ts-sla.test")
			api.respond(doc.name, "Called the reporter")
			api.add_progress(doc.name, "Root cause located", "Cache is stale")
		with self.freeze_time("2023-10-25 11:45:00"):
			api.resolve(doc.name, "Cleared the system cache", "System cache cleared successfully")
		doc.reload()
		self.assertEqual(doc.status, "Resolved")
		self.assertEqual(get_datetime(doc.first_responded_at), D(2023, 10, 25, 9, 30))
		self.assertEqual((doc.response_status, doc.resolution_status, doc.sla_state), ("Met", "Met", "Met"))
		self.assertEqual(doc.progress_status, "Root cause located")
		with self.freeze_time("2023-10-25 11:50:00"):
			frappe.set_user("supervisor@ts-sla.test")
			api.confirm(doc.name, "Reporter confirmed by phone")
			api.rate(doc.name, 5, "Quick")
			api.close(doc.name, "Solution checked")
		doc.reload()
		self.assertEqual(
			(doc.status, doc.customer_satisfaction, doc.reviewed_by), ("Closed", 5, "supervisor@ts-sla.test")
		)
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": doc.name, "status": "Open"}))

	def test_waiting_for_customer_pushes_the_due_times_back(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			api.assign(doc.name, "engineer@ts-sla.test")
			api.respond(doc.name)
		with self.freeze_time("2023-10-25 10:00:00"):
			api.wait_for_customer(doc.name, "Needs the user's screenshot")
			doc.reload()
			self.assertEqual(doc.sla_state, "Paused")
		with self.freeze_time("2023-10-25 11:30:00"):
			api.resume(doc.name)
		doc.reload()
		self.assertEqual(get_datetime(doc.resolution_due), D(2023, 10, 25, 18, 45))
		self.assertEqual(doc.paused_minutes, 90)
		self.assertEqual(len(doc.pauses), 1)

	def test_rejected_fix_reopens_and_counts_the_wait_as_a_pause(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00", reporter_user="reporter@ts-sla.test")
			api.assign(doc.name, "engineer@ts-sla.test")
			api.respond(doc.name)
			api.resolve(doc.name, "Restarted the service", "Works again")
		with self.freeze_time("2023-10-25 10:20:00"):
			frappe.set_user("reporter@ts-sla.test")
			api.reject_resolution(doc.name, "Still failing")
		frappe.set_user("Administrator")
		doc.reload()
		self.assertEqual((doc.status, doc.reopen_count, doc.resolved_at), ("In Progress", 1, None))
		self.assertEqual(get_datetime(doc.resolution_due), D(2023, 10, 25, 18, 15))

	def test_extension_approval_moves_the_due_time(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(
				received_at="2023-10-25 09:15:00", contact_method="Email", contact_detail="zhang@example.com"
			)
			api.assign(doc.name, "engineer@ts-sla.test")
			api.respond(doc.name)
			frappe.set_user("engineer@ts-sla.test")
			with self.assertRaises(frappe.ValidationError):
				api.request_extension(doc.name, "Resolution", "", extra_minutes=60)
			api.request_extension(doc.name, "Resolution", "Vendor patch needed", extra_minutes=120)
			with self.assertRaises(frappe.PermissionError):
				api.decide_extension(doc.name, True)
			frappe.set_user("supervisor@ts-sla.test")
			api.decide_extension(doc.name, True, note="OK")
		doc.reload()
		self.assertEqual(get_datetime(doc.resolution_due), D(2023, 10, 25, 19, 15))
		self.assertEqual((doc.extensions[0].status, doc.extensions[0].customer_notified), ("Approved", 1))
		self.assertIn("extended", doc.sla_explanation)
		self.assertTrue(frappe.db.exists("Email Queue", {"reference_name": doc.name}))

	def test_respond_sends_a_public_reply_or_keeps_an_internal_note(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(
				received_at="2023-10-25 09:15:00", contact_method="Email", contact_detail="zhang@example.com"
			)
			api.assign(doc.name, "engineer@ts-sla.test")
			frappe.set_user("engineer@ts-sla.test")
			api.respond(
				doc.name, note="checked the logs first", reply="<p>We are on it: clear your cache.</p>"
			)
		frappe.set_user("Administrator")
		doc.reload()
		self.assertEqual(get_datetime(doc.first_responded_at), D(2023, 10, 25, 9, 20))
		sent = frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Support Ticket", "reference_name": doc.name},
			fields=["subject", "content", "recipients", "sent_or_received", "communication_type", "sender"],
		)
		self.assertEqual(len(sent), 1)
		self.assertIn(doc.name, sent[0].subject)
		self.assertIn("clear your cache", sent[0].content)
		self.assertEqual((sent[0].recipients, sent[0].sent_or_received), ("zhang@example.com", "Sent"))
		self.assertEqual(sent[0].sender, "engineer@ts-sla.test")
		queued = frappe.get_all(
			"Email Queue", filters={"reference_name": doc.name}, fields=["name", "message"]
		)
		self.assertTrue(any("clear your cache" in (q.message or "") for q in queued), queued)
		# the internal note stays on the timeline, never in the conversation
		comments = frappe.get_all("Comment", filters={"reference_name": doc.name}, pluck="content")
		self.assertTrue(any("checked the logs first" in c for c in comments))
		self.assertFalse(any("checked the logs" in (q.message or "") for q in queued))

	def test_respond_with_only_an_internal_note_writes_no_communication(self):
		doc = make_ticket(received_at="2023-10-25 09:15:00")
		api.assign(doc.name, "engineer@ts-sla.test")
		for hostile in ({"html": "x"}, "x" * 200_000):
			with self.assertRaises(frappe.ValidationError):
				api.respond(doc.name, reply=hostile)
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "status"), "Assigned")
		api.respond(doc.name, note="called back")
		self.assertFalse(frappe.db.exists("Communication", {"reference_name": doc.name}))
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "status"), "In Progress")

	def test_resolving_needs_a_summary_and_invalid_transitions_are_refused(self):
		doc = make_ticket(received_at="2023-10-25 09:15:00")
		with self.assertRaises(frappe.ValidationError):
			api.resolve(doc.name, "Fixed", "Done")  # still New
		api.assign(doc.name, "engineer@ts-sla.test")
		api.respond(doc.name)
		with self.assertRaises(frappe.ValidationError):
			api.resolve(doc.name, "", "Done")
		with self.assertRaises(frappe.ValidationError):
			api.close(doc.name)
		with self.assertRaises(frappe.ValidationError):
			api.rate(doc.name, 3)
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "status"), "In Progress")
		with self.assertRaises(frappe.ValidationError):
			api.cancel(doc.name, "")
		api.cancel(doc.name, "Duplicate of another ticket")
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "status"), "Cancelled")
		with self.assertRaises(frappe.ValidationError):
			api.assign(doc.name, "engineer@ts-sla.test")

	def test_close_without_confirmation_needs_a_reason_after_the_follow_up(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			api.assign(doc.name, "engineer@ts-sla.test")
			api.respond(doc.name)
			api.resolve(doc.name, "Fixed", "Done")
		with self.freeze_time("2023-10-25 10:00:00"):
			with self.assertRaises(frappe.ValidationError):
				api.close(doc.name, override_reason="Reporter unreachable")
		with self.freeze_time("2023-10-25 11:30:00"):
			with self.assertRaises(frappe.ValidationError):
				api.close(doc.name)
			api.close(doc.name, override_reason="Reporter unreachable for 2 hours")
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "status"), "Closed")

	def test_rating_range(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			api.assign(doc.name, "engineer@ts-sla.test")
			api.respond(doc.name)
			api.resolve(doc.name, "Fixed", "Done")
			for bad in (0, 6, "abc", 2.5):
				with self.assertRaises(frappe.ValidationError):
					api.rate(doc.name, bad)
			api.rate(doc.name, 4)
		self.assertEqual(frappe.db.get_value("Support Ticket", doc.name, "customer_satisfaction"), 4)

	def test_a_closed_ticket_takes_one_late_rating_then_stays_a_record(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			api.assign(doc.name, "engineer@ts-sla.test")
			api.respond(doc.name)
			api.resolve(doc.name, "Fixed", "Done")
			api.confirm(doc.name, "confirmed by phone")
			api.close(doc.name)
			self.assertIn("rate", api.get_clocks(doc.name)["allowed_actions"])
			api.rate(doc.name, 3, "late, by phone")
			self.assertNotIn("rate", api.get_clocks(doc.name)["allowed_actions"])
			with self.assertRaises(frappe.ValidationError):
				api.rate(doc.name, 5)
		self.assertEqual(
			frappe.db.get_value(
				"Support Ticket", doc.name, ["customer_satisfaction", "satisfaction_comment"], as_dict=True
			),
			{"customer_satisfaction": 3, "satisfaction_comment": "late, by phone"},
		)

	def test_assignee_comment_counts_as_first_response(self):
		with self.freeze_time("2023-10-25 09:40:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			api.assign(doc.name, "engineer@ts-sla.test")
			frappe.set_user("engineer@ts-sla.test")
			frappe.get_doc("Support Ticket", doc.name).add_comment("Comment", "Called the reporter")
		doc.reload()
		self.assertEqual(
			(doc.status, get_datetime(doc.first_responded_at)), ("In Progress", D(2023, 10, 25, 9, 40))
		)


class TestDeskAndLinks(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def test_form_onload_carries_clocks_and_allowed_actions(self):
		with self.freeze_time("2023-10-25 10:00:00"):
			doc = make_ticket(received_at="2023-10-25 09:15:00")
			api.assign(doc.name, "engineer@ts-sla.test")
			frappe.set_user("engineer@ts-sla.test")
			loaded = frappe.get_doc("Support Ticket", doc.name)
			loaded.run_method("onload")
			onload = loaded.get_onload()
			self.assertEqual(set(onload["allowed_actions"]), {"respond", "add_progress", "request_extension"})
			clocks = {c["clock"]: c for c in onload["clocks"]}
			self.assertEqual(clocks["response"]["due"], D(2023, 10, 25, 13, 15))
			self.assertEqual(clocks["response"]["state"], "On Track")
			self.assertEqual(clocks["response"]["minutes_left"], 195)  # 10:00 -> 13:15
			self.assertEqual(clocks["registration"]["state"], "Breached")  # received 09:15, registered 10:00
			self.assertEqual(api.get_clocks(doc.name)["allowed_actions"], onload["allowed_actions"])
			frappe.set_user("supervisor@ts-sla.test")
			self.assertIn("cancel", api.get_clocks(doc.name)["allowed_actions"])


class TestTransitions(TSSLATestCase):
	def test_every_transition_is_allowed_or_refused_as_the_process_says(self):
		from ts_sla.services.guard import check_transition
		from ts_sla.services.states import TRANSITIONS

		statuses = [
			"New",
			"Assigned",
			"In Progress",
			"Waiting for Customer",
			"Resolved",
			"Confirmed",
			"Closed",
			"Cancelled",
		]
		allowed = {
			("New", "Assigned"),
			("Assigned", "In Progress"),
			("In Progress", "Waiting for Customer"),
			("Waiting for Customer", "In Progress"),
			("In Progress", "Resolved"),
			("Waiting for Customer", "Resolved"),
			("Resolved", "Confirmed"),
			("Resolved", "In Progress"),
			("Resolved", "Closed"),
			("Confirmed", "Closed"),
			*(
				(s, "Cancelled")
				for s in ("New", "Assigned", "In Progress", "Waiting for Customer", "Resolved", "Confirmed")
			),
		}
		self.assertEqual({(a, b) for a, targets in TRANSITIONS.items() for b in targets}, allowed)
		for old in statuses:
			for new in statuses:
				if old == new or (old, new) in allowed:
					check_transition(old, new)
				else:
					with self.assertRaises(frappe.ValidationError, msg=f"{old} -> {new}"):
						check_transition(old, new)
