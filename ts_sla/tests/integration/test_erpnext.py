"""On an ERPNext site: who reported a ticket (Contact, Customer, Employee), Holiday Lists, policies by customer,
ERPNext Issues, the Customer's view and the customer's portal users — and what stays out of reach.

Every test here is marked ``erpnext``: on a plain Frappe site it skips, saying why (``test_erpnext_absent``
checks the plain site instead).
"""

from __future__ import annotations

import frappe
import pytest
from frappe.desk.notifications import get_open_count

from ts_sla.api import erpnext as erpnext_api
from ts_sla.services import erpnext, issues, lifecycle, permissions, portal, review
from ts_sla.services.policy import find_policy
from ts_sla.tests.integration.test_mail_intake import MailTestCase, raw_mail
from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import (
	PASSWORD,
	TEAM,
	TSSLATestCase,
	make_calendar,
	make_policy,
	make_team,
	make_ticket,
	make_user,
	skip_without_erpnext,
	ticket_data,
)

pytestmark = pytest.mark.erpnext

GROUP_PARENT, GROUP_CHILD, GROUP_OTHER = (
	"TS SLA Test Key Accounts",
	"TS SLA Test Key Retail",
	"TS SLA Test Others",
)
TERRITORY = "TS SLA Test North"
CUSTOMER_A, CUSTOMER_B = "TS SLA Test Customer A", "TS SLA Test Customer B"
CONTACT_EMAIL = "li.na@customer-a.ts-sla.test"
PORTAL_A, PORTAL_B = "portal.a@ts-sla.test", "portal.b@ts-sla.test"
HOLIDAY_LIST = "TS SLA Test Holidays 2023"
ISSUE_PRIORITY = "TS SLA Test Urgent"
SUBJECT = "ERPNext test:"
REPORTER_FIELDS = ("reporter_name", "reporter_type", "contact_method", "contact_detail")


def _insert(doc: dict):
	return frappe.get_doc(doc).insert(ignore_permissions=True)


def _tree(doctype: str, name: str, parent: str, is_group: int = 0) -> None:
	if frappe.db.exists(doctype, name):
		return
	field = frappe.scrub(doctype)
	_insert({"doctype": doctype, f"{field}_name": name, f"parent_{field}": parent, "is_group": is_group})


def ensure_fixtures() -> None:
	"""Groups, a territory, two customers, a contact of A, a portal user for each customer (committed: the
	web server reads them too)."""
	_tree("Customer Group", GROUP_PARENT, "All Customer Groups", 1)
	_tree("Customer Group", GROUP_CHILD, GROUP_PARENT)
	_tree("Customer Group", GROUP_OTHER, "All Customer Groups")
	_tree("Territory", TERRITORY, "All Territories")
	for customer, group in ((CUSTOMER_A, GROUP_CHILD), (CUSTOMER_B, GROUP_OTHER)):
		if not frappe.db.exists("Customer", customer):
			_insert(
				{
					"doctype": "Customer",
					"customer_name": customer,
					"customer_type": "Company",
					"customer_group": group,
					"territory": TERRITORY,
				}
			)
	for user, customer in ((PORTAL_A, CUSTOMER_A), (PORTAL_B, CUSTOMER_B)):
		make_user(user, [], "Website User")
		doc = frappe.get_doc("Customer", customer)
		if user not in [row.user for row in doc.portal_users]:
			doc.append("portal_users", {"user": user})
			doc.save(ignore_permissions=True)
	if not erpnext.contact_by_email(CONTACT_EMAIL):
		_insert(
			{
				"doctype": "Contact",
				"first_name": "Li",
				"last_name": "Na",
				"email_ids": [{"email_id": CONTACT_EMAIL, "is_primary": 1}],
				"phone_nos": [{"phone": "+86 10 0000 0001", "is_primary_phone": 1}],
				"links": [{"link_doctype": "Customer", "link_name": CUSTOMER_A}],
			}
		)
	if not frappe.db.exists("Issue Priority", ISSUE_PRIORITY):
		_insert({"doctype": "Issue Priority", "__newname": ISSUE_PRIORITY, "name": ISSUE_PRIORITY})
	frappe.db.commit()


def contact() -> str:
	return erpnext.contact_by_email(CONTACT_EMAIL)


def bare_ticket(**kw):
	"""A ticket whose reporter fields are left for its contact or employee (when given) to fill."""
	data = ticket_data(subject=f"{SUBJECT} {kw.pop('subject', 'printer')}", **kw)
	if kw.get("contact") or kw.get("employee"):
		for field in REPORTER_FIELDS:
			data.pop(field)
	return frappe.get_doc(data).insert()


class ERPNextTestCase(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		skip_without_erpnext()
		super().setUpClass()
		ensure_fixtures()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": ("like", f"{SUBJECT}%")}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.set_single_value("TS SLA Settings", "portal_customer_tickets", 0)
		frappe.db.commit()
		super().tearDownClass()


class TestOnERPNextFields(ERPNextTestCase):
	def test_the_erpnext_links_are_custom_fields_on_our_doctypes_and_on_issue(self):
		for doctype, field, target in (
			("Support Ticket", "customer", "Customer"),
			("Support Ticket", "employee", "Employee"),
			("Support Ticket", "company", "Company"),
			("Support Ticket", "issue", "Issue"),
			("SLA Policy", "customer_group", "Customer Group"),
			("SLA Policy", "territory", "Territory"),
			("Support Calendar", "holiday_list", "Holiday List"),
			("Issue", "support_ticket", "Support Ticket"),
		):
			self.assertTrue(frappe.db.exists("Custom Field", f"{doctype}-{field}"), f"{doctype}.{field}")
			self.assertEqual(frappe.get_meta(doctype).get_field(field).options, target)
		# the contact is Frappe's own doctype: a normal field of the ticket, on every site
		self.assertFalse(frappe.db.exists("Custom Field", "Support Ticket-contact"))

	def test_custom_fields_are_created_again_by_migrate_and_not_duplicated(self):
		before = frappe.db.count("Custom Field", {"name": ("in", erpnext.custom_field_names())})
		erpnext.sync_custom_fields()
		self.assertEqual(
			frappe.db.count("Custom Field", {"name": ("in", erpnext.custom_field_names())}), before
		)


class TestOnERPNextReporter(ERPNextTestCase):
	def test_a_ticket_for_a_contact_of_a_customer_fills_the_reporter_fields(self):
		ticket = bare_ticket(contact=contact())
		self.assertEqual(ticket.reporter_name, "Li Na")
		self.assertEqual(ticket.contact_method, "Email")
		self.assertEqual(ticket.contact_detail, CONTACT_EMAIL)
		self.assertEqual(ticket.customer, CUSTOMER_A)
		self.assertEqual(ticket.reporter_type, "External Customer")

	def test_what_the_agent_typed_stands_and_a_changed_contact_changes_the_reporter(self):
		ticket = make_ticket(subject=f"{SUBJECT} typed", contact_detail="+86 138 1111 2222", contact=None)
		self.assertEqual(ticket.reporter_name, "Zhang Wei")
		ticket.contact = contact()
		ticket.save()
		self.assertEqual((ticket.reporter_name, ticket.contact_detail), ("Li Na", CONTACT_EMAIL))

	def test_the_form_asks_what_a_contact_fills(self):
		values = erpnext_api.reporter_details(contact=contact())
		self.assertEqual(values["customer"], CUSTOMER_A)
		frappe.set_user(PORTAL_A)
		with self.assertRaises(frappe.PermissionError):  # a reporter reads no one's contact details
			erpnext_api.reporter_details(contact=contact())

	def test_a_ticket_for_an_employee_fills_name_contact_and_company(self):
		company = frappe.get_all("Company", pluck="name", limit=1)[0]
		employee = _insert(
			{
				"doctype": "Employee",
				"first_name": "Wang",
				"last_name": "Fang",
				"gender": frappe.get_all("Gender", pluck="name", limit=1)[0],
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2020-01-01",
				"company": company,
				"status": "Active",
				"company_email": "wang.fang@ts-sla.test",
				"cell_number": "+86 139 0000 0003",
			}
		)
		ticket = bare_ticket(employee=employee.name)
		self.assertEqual(ticket.reporter_name, "Wang Fang")
		self.assertEqual(ticket.reporter_type, "Internal Employee")
		self.assertEqual((ticket.contact_method, ticket.contact_detail), ("Email", "wang.fang@ts-sla.test"))
		self.assertEqual(ticket.company, company)


@pytest.mark.erpnext
class TestOnERPNextMail(MailTestCase):
	@classmethod
	def setUpClass(cls):
		skip_without_erpnext()
		super().setUpClass()
		ensure_fixtures()

	def test_a_mail_from_a_contacts_address_links_the_contact_and_its_customer(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(communication,) = self.receive(raw_mail(sender=f"Li Na <{CONTACT_EMAIL}>"))
		ticket = self.ticket_from(communication)
		self.assertEqual((ticket.contact, ticket.customer), (contact(), CUSTOMER_A))
		self.assertEqual(ticket.reporter_type, "External Customer")
		self.assertEqual(ticket.contact_detail, CONTACT_EMAIL)


class TestOnERPNextPolicies(ERPNextTestCase):
	def test_a_customer_group_policy_is_chosen_for_that_customers_ticket_and_the_explanation_names_it(self):
		make_policy("TS Key Accounts", customer_group=GROUP_PARENT, targets={"P1": {"response_time": 1}})
		make_policy("TS North", territory=TERRITORY)
		ticket = bare_ticket(contact=contact())
		self.assertEqual(
			ticket.sla_policy, "TS Key Accounts"
		)  # the group (a parent of A's) beats the territory
		self.assertIn(f"customer group {GROUP_PARENT}", ticket.sla_explanation)
		self.assertIn(GROUP_CHILD, ticket.sla_explanation)  # ... which contains the customer's own group
		self.assertEqual(str(ticket.response_due), "2023-10-25 10:15:00")  # the group policy's 1 h
		other = bare_ticket(subject="other customer", customer=CUSTOMER_B)
		self.assertEqual(other.sla_policy, "TS North")  # B is only in the territory
		self.assertIn(f"territory {TERRITORY}", other.sla_explanation)

	def test_the_most_specific_policy_wins_customer_then_nearer_group_then_parent(self):
		make_policy("TS Key Accounts", customer_group=GROUP_PARENT)
		make_policy("TS Key Retail", customer_group=GROUP_CHILD)
		self.assertEqual(
			find_policy(frappe._dict(received_at="2023-10-25 09:15:00", customer=CUSTOMER_A)), "TS Key Retail"
		)
		make_policy("TS Customer A", customer=CUSTOMER_A)
		ticket = bare_ticket(contact=contact())
		self.assertEqual(ticket.sla_policy, "TS Customer A")
		self.assertIn(f"customer {CUSTOMER_A}", ticket.sla_explanation)
		# a ticket without a customer never takes a customer's policy
		plain = make_ticket(subject=f"{SUBJECT} no customer")
		self.assertNotIn(plain.sla_policy, ("TS Key Accounts", "TS Key Retail", "TS Customer A"))


class TestOnERPNextHolidayList(ERPNextTestCase):
	def holiday_list(self, holidays=()):
		return _insert(
			{
				"doctype": "Holiday List",
				"holiday_list_name": HOLIDAY_LIST,
				"from_date": "2023-01-01",
				"to_date": "2023-12-31",
				"holidays": [
					# ERPNext's weekly offs: the calendar's own hours already close Sundays
					{"holiday_date": "2023-10-29", "description": "Sunday", "weekly_off": 1},
					{"holiday_date": "2023-11-05", "description": "Sunday", "weekly_off": 1},
					*holidays,
				],
			}
		)

	def test_a_holiday_list_change_moves_an_open_tickets_business_hours_deadline_with_a_timeline_note(self):
		hl = self.holiday_list([{"holiday_date": "2023-10-02", "description": "<p>National Day</p>"}])
		calendar = make_calendar(
			"TS HL Calendar",
			time_zone="Asia/Shanghai",
			holidays=[{"holiday_date": "2023-10-03", "description": "Company day (by hand)"}],
			extra_days=[
				{"work_date": "2023-10-07", "start_time": "09:00", "end_time": "18:00", "description": "调休"}
			],
		)
		cal = frappe.get_doc("Support Calendar", calendar)
		cal.holiday_list = hl.name
		cal.save()
		rows = {str(r.holiday_date): r for r in cal.holidays}
		self.assertEqual(rows["2023-10-02"].source, f"Holiday List:{hl.name}")
		self.assertEqual(rows["2023-10-02"].description, "National Day")
		self.assertNotIn("2023-10-29", rows)  # weekly offs are not counted twice
		policy = make_policy(
			"TS HL Policy",
			calendar=calendar,
			targets={
				"P1": {
					"resolution_time": 16,
					"resolution_unit": "Hours",
					"resolution_basis": "Business Hours",
				}
			},
		)
		ticket = make_ticket(subject=f"{SUBJECT} holiday", sla_policy=policy)
		self.assertEqual(str(ticket.resolution_due), "2023-10-26 16:15:00")  # Wed 8 h 45 + Thu 7 h 15

		hl.reload()
		hl.append("holidays", {"holiday_date": "2023-10-26", "description": "Company outing"})
		hl.append("holidays", {"holiday_date": "2023-10-03", "description": "Also in the list"})
		hl.save()

		ticket.reload()
		self.assertEqual(str(ticket.resolution_due), "2023-10-27 16:15:00")  # Thursday is now off
		notes = frappe.get_all(
			"Comment",
			{"reference_doctype": "Support Ticket", "reference_name": ticket.name, "comment_type": "Info"},
			pluck="content",
		)
		self.assertTrue(any("Deadlines recomputed" in n and hl.name in n for n in notes), notes)
		cal.reload()
		rows = {str(r.holiday_date): r for r in cal.holidays}
		self.assertEqual(rows["2023-10-03"].description, "Company day (by hand)")  # hand-made rows win
		self.assertFalse(rows["2023-10-03"].source)
		self.assertEqual(
			[str(d.work_date) for d in cal.extra_working_days], ["2023-10-07"]
		)  # make-up days stay

		# a holiday removed from the list leaves the calendar; unlinking the list removes its rows
		hl.reload()
		hl.set("holidays", [h for h in hl.holidays if str(h.holiday_date) != "2023-10-26"])
		hl.save()
		ticket.reload()
		self.assertEqual(str(ticket.resolution_due), "2023-10-26 16:15:00")
		cal.reload()
		cal.holiday_list = None
		cal.save()
		self.assertFalse([r for r in cal.holidays if (r.source or "").startswith("Holiday List:")])
		self.assertEqual(len(cal.holidays), 1)


class TestOnERPNextIssue(ERPNextTestCase):
	def setUp(self):
		super().setUp()
		settings = frappe.get_doc("TS SLA Settings")
		settings.set("issue_priority_map", [{"issue_priority": ISSUE_PRIORITY, "priority": "P0"}])
		settings.issue_auto_create = 0
		settings.save()

	def issue(self, **kw):
		return _insert(
			{
				"doctype": "Issue",
				"subject": f"{SUBJECT} invoices do not print",
				"description": "<p>Printing a sales invoice fails.</p>",
				"raised_by": CONTACT_EMAIL,
				"customer": CUSTOMER_A,
				"contact": contact(),
				"priority": ISSUE_PRIORITY,
				**kw,
			}
		)

	def test_an_issue_becomes_a_linked_ticket_with_the_mapped_priority(self):
		issue = self.issue()
		sla_before = frappe.db.get_value(
			"Issue", issue.name, ["service_level_agreement", "response_by", "agreement_status"], as_dict=True
		)
		result = erpnext_api.create_ticket_from_issue(issue.name)
		ticket = frappe.get_doc("Support Ticket", result["ticket"])
		self.assertEqual(ticket.priority, "P0")
		self.assertEqual(
			(ticket.subject, ticket.customer, ticket.contact), (issue.subject, CUSTOMER_A, contact())
		)
		self.assertEqual(ticket.reporter_name, "Li Na")
		self.assertEqual((ticket.issue, ticket.external_ref), (issue.name, issue.name))
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "support_ticket"), ticket.name)
		# asked again: the same ticket
		self.assertEqual(erpnext_api.create_ticket_from_issue(issue.name)["ticket"], ticket.name)
		# an unmapped priority gets the settings' default
		other = self.issue(priority=None, subject=f"{SUBJECT} unmapped")
		self.assertEqual(
			frappe.db.get_value("Support Ticket", issues.create_from_issue(other.name), "priority"), "P2"
		)

		# one direction, ticket -> Issue: the ticket's messages appear on the Issue, its cancelling closes it
		reply = _insert(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"subject": "Re: invoices",
				"content": "We are on it.",
				"reference_doctype": "Support Ticket",
				"reference_name": ticket.name,
			}
		)
		self.assertIn(
			("Issue", issue.name), [(link.link_doctype, link.link_name) for link in reply.timeline_links]
		)
		lifecycle.cancel(ticket, "Duplicate of another report")
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "status"), "Closed")
		sla_after = frappe.db.get_value(
			"Issue", issue.name, ["service_level_agreement", "response_by", "agreement_status"], as_dict=True
		)
		self.assertEqual(sla_before, sla_after)  # ERPNext's own SLA on the Issue is left alone

	def test_resolving_the_ticket_resolves_the_issue_and_reopening_it_opens_the_issue_again(self):
		make_team()
		issue = self.issue(subject=f"{SUBJECT} resolve")
		ticket = frappe.get_doc("Support Ticket", issues.create_from_issue(issue.name))
		lifecycle.assign(ticket, "engineer@ts-sla.test", team=TEAM)
		lifecycle.respond(ticket)
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "status"), "Open")  # work is the ticket's
		lifecycle.resolve(ticket, "Printer driver reinstalled", "Fixed")
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "status"), "Resolved")
		lifecycle.reject_resolution(ticket, "Still fails on floor 3", on_behalf=True)
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "status"), "Open")
		# the other way round nothing flows: closing the Issue leaves the ticket as it is
		issue.reload()
		issue.status = "Closed"
		issue.save()
		self.assertEqual(frappe.db.get_value("Support Ticket", ticket.name, "status"), "In Progress")

	def test_an_issue_priority_is_mapped_once(self):
		settings = frappe.get_doc("TS SLA Settings")
		settings.append("issue_priority_map", {"issue_priority": ISSUE_PRIORITY, "priority": "P1"})
		with self.assertRaises(frappe.ValidationError):
			settings.save()

	def test_every_new_issue_becomes_a_ticket_when_the_setting_says_so(self):
		frappe.db.set_single_value("TS SLA Settings", "issue_auto_create", 1)
		issue = self.issue(subject=f"{SUBJECT} automatic")
		ticket = frappe.db.get_value(
			"Support Ticket", {"issue": issue.name}, ["name", "priority"], as_dict=True
		)
		self.assertEqual(ticket.priority, "P0")
		self.assertEqual(frappe.db.get_value("Issue", issue.name, "support_ticket"), ticket.name)

	def test_nobody_links_a_ticket_to_an_issue_by_hand(self):
		issue = self.issue()
		with self.assertRaises(frappe.PermissionError):  # not at registration ...
			make_ticket(subject=f"{SUBJECT} forged", issue=issue.name)
		ticket = frappe.get_doc("Support Ticket", issues.create_from_issue(issue.name))
		other = self.issue(subject=f"{SUBJECT} another")
		frappe.set_user("agent@ts-sla.test")
		ticket.issue = other.name
		with self.assertRaises(frappe.PermissionError):  # ... nor afterwards
			ticket.save()
		frappe.set_user("Administrator")
		frappe.set_user("engineer@ts-sla.test")  # an engineer may not register tickets from Issues
		with self.assertRaises(frappe.PermissionError):
			erpnext_api.create_ticket_from_issue(other.name)


class TestOnERPNextCustomerView(ERPNextTestCase):
	def test_the_customer_form_shows_its_tickets_with_counts(self):
		bare_ticket(contact=contact())
		bare_ticket(subject="second", customer=CUSTOMER_A)
		data = frappe.get_meta("Customer").get_dashboard_data()
		self.assertIn("Support Ticket", [i for group in data.transactions for i in group["items"]])
		counts = get_open_count("Customer", CUSTOMER_A)
		row = next(c for c in counts["count"]["external_links_found"] if c["doctype"] == "Support Ticket")
		self.assertEqual(row["count"], 2)

	def test_the_weekly_review_has_a_by_customer_section(self):
		bare_ticket(contact=contact())
		make_ticket(subject=f"{SUBJECT} internal")
		result = review.build("2023-10-25")
		self.assertEqual(result["by"]["customer"][CUSTOMER_A]["total"], 1)
		self.assertEqual(result["by"]["customer"]["(no customer)"]["total"], 1)
		from ts_sla.ts_sla.report.weekly_sla_review.weekly_sla_review import execute

		_columns, rows, *_rest = execute({"week": "2023-10-25"})
		by_customer = {r["item"]: r["total"] for r in rows if r["section"] == "By Customer"}
		self.assertEqual(by_customer[CUSTOMER_A], 1)


class TestOnERPNextCustomerPortal(ERPNextTestCase):
	"""A portal user of customer A reads A's tickets (when the setting allows it) — never B's."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_single_value("TS SLA Settings", "portal_customer_tickets", 1)
		cls.ticket_a = bare_ticket(subject="portal A", contact=contact()).name
		cls.ticket_b = bare_ticket(subject="portal B", customer=CUSTOMER_B).name
		frappe.db.commit()
		cls.server = LiveServer().start()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("TS SLA Settings", "portal_customer_tickets", 1)

	def test_a_customers_portal_user_sees_that_customers_tickets_only_in_the_portal(self):
		frappe.set_user(PORTAL_A)
		rows = {t.name: t for t in portal.my_tickets()}
		listed = set(rows)
		self.assertIn(self.ticket_a, listed)
		self.assertTrue(rows[self.ticket_a].reported_by_colleague)  # the list names who reported it
		self.assertNotIn(self.ticket_b, listed)
		self.assertEqual(portal.visible_ticket(self.ticket_a).name, self.ticket_a)
		with self.assertRaises(frappe.DoesNotExistError):
			portal.visible_ticket(self.ticket_b)
		ticket = frappe.get_doc("Support Ticket", self.ticket_a)
		self.assertTrue(frappe.has_permission("Support Ticket", "read", ticket))
		self.assertFalse(frappe.has_permission("Support Ticket", "write", ticket))
		self.assertEqual(portal.actions(ticket), [])  # a colleague reads; the reporter answers
		with self.assertRaises(frappe.DoesNotExistError):
			portal.reply(self.ticket_a, "I am not the reporter")
		self.assertFalse(permissions.allowed_actions(ticket))

	def test_with_the_setting_off_a_portal_user_sees_only_their_own(self):
		frappe.db.set_single_value("TS SLA Settings", "portal_customer_tickets", 0)
		frappe.set_user(PORTAL_A)
		self.assertNotIn(self.ticket_a, {t.name for t in portal.my_tickets()})
		self.assertFalse(
			frappe.has_permission("Support Ticket", "read", frappe.get_doc("Support Ticket", self.ticket_a))
		)

	def test_over_rest_and_the_portal_pages_a_customer_sees_its_own_customers_tickets_never_anothers(self):
		frappe.db.commit()
		a, b = self.server.session(PORTAL_A, PASSWORD), self.server.session(PORTAL_B, PASSWORD)
		url = self.server.url
		self.assertEqual(
			a.get(f"{url}/api/resource/Support Ticket/{self.ticket_a}", timeout=60).status_code, 200
		)
		self.assertEqual(
			a.get(f"{url}/api/resource/Support Ticket/{self.ticket_b}", timeout=60).status_code, 403
		)
		listed = a.get(
			f"{url}/api/resource/Support Ticket",
			params={"fields": '["name","customer"]', "limit_page_length": 0},
			timeout=60,
		).json()["data"]
		self.assertIn(self.ticket_a, [r["name"] for r in listed])
		self.assertEqual({r["customer"] for r in listed}, {CUSTOMER_A})
		self.assertEqual(a.get(f"{url}/support/{self.ticket_a}", timeout=60).status_code, 200)
		self.assertEqual(a.get(f"{url}/support/{self.ticket_b}", timeout=60).status_code, 404)
		self.assertEqual(b.get(f"{url}/support/{self.ticket_a}", timeout=60).status_code, 404)
		listed_b = b.get(f"{url}/api/method/ts_sla.api.portal.my_tickets", timeout=60).json()["message"]
		self.assertNotIn(self.ticket_a, [r["name"] for r in listed_b])
		self.assertIn(self.ticket_b, [r["name"] for r in listed_b])
		# a portal user cannot write the customer's ticket, nor move it to their own customer
		response = b.put(
			f"{url}/api/resource/Support Ticket/{self.ticket_a}", json={"customer": CUSTOMER_B}, timeout=60
		)
		self.assertIn(response.status_code, (403, 404))
		self.assertEqual(frappe.db.get_value("Support Ticket", self.ticket_a, "customer"), CUSTOMER_A)
