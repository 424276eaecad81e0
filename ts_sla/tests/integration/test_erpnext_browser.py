"""ERPNext's forms in a real browser (Debian's Chromium driven by Playwright): the Customer form lists its
Support Tickets with a count, the Issue form's "Create Support Ticket" registers a linked ticket, and picking
a contact on a new ticket fills the reporter. Screenshots go to ``test-artifacts/``.

Marked ``erpnext`` (skips on a plain Frappe site, saying why) and skipped without Chromium or Playwright.
"""

from __future__ import annotations

import unittest
from urllib.parse import quote

import frappe
import pytest

from ts_sla.tests.browser import (
	ARTIFACTS,
	AVAILABLE,
	close_browser,
	logged_in_page,
	open_browser,
	shot_on_failure,
)
from ts_sla.tests.integration.test_erpnext import (
	CONTACT_EMAIL,
	CUSTOMER_A,
	SUBJECT,
	ERPNextTestCase,
	bare_ticket,
	contact,
)
from ts_sla.tests.utils import make_user

if AVAILABLE:
	from playwright.sync_api import expect

pytestmark = [
	pytest.mark.erpnext,
	pytest.mark.skipif(not AVAILABLE, reason="needs playwright and Debian's chromium"),
]

#: A first-line agent who also works ERPNext's Issues and reads its customers.
AGENT = "erp.agent@ts-sla.test"
ROLES = ["Support Agent", "Support Team", "Sales User"]


class TestERPNextFormsInBrowser(ERPNextTestCase):
	@classmethod
	def setUpClass(cls):
		if not AVAILABLE:
			raise unittest.SkipTest("needs playwright and Debian's chromium")
		super().setUpClass()
		make_user(AGENT, ROLES)
		cls.ticket = bare_ticket(subject="browser", contact=contact()).name
		cls.issue = (
			frappe.get_doc(
				{
					"doctype": "Issue",
					"subject": f"{SUBJECT} browser issue",
					"raised_by": CONTACT_EMAIL,
					"customer": CUSTOMER_A,
					"contact": contact(),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		frappe.db.commit()
		open_browser(cls)

	@classmethod
	def tearDownClass(cls):
		close_browser(cls)
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"issue": cls.issue}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Issue", cls.issue, force=True, ignore_permissions=True)
		frappe.delete_doc("User", AGENT, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def page(self):
		return logged_in_page(self.browser, self.server.url, AGENT)

	def test_the_customer_form_lists_its_support_tickets_with_a_count(self):
		with shot_on_failure(self.page(), "erpnext-customer") as page:
			page.goto(f"{self.server.url}/app/customer/{quote(CUSTOMER_A)}")
			page.locator(".form-tabs .nav-link", has_text="Dashboard").first.click()  # the connections' tab
			link = page.locator(".form-dashboard .document-link[data-doctype='Support Ticket']").first
			link.wait_for()
			expect(link.locator(".count")).to_have_text("1")
			page.screenshot(path=str(ARTIFACTS / "erpnext-customer-connections.png"))
			self.assertEqual(page.errors, [])

	def test_the_issue_form_creates_a_linked_support_ticket(self):
		with shot_on_failure(self.page(), "erpnext-issue") as page:
			page.goto(f"{self.server.url}/app/issue/{quote(self.issue)}")
			# (ERPNext's own Issue form reads Support Settings, which a Support Team user may not: its
			# "No permission" message may cover the form, so the button gets its click directly)
			page.locator("button", has_text="Create Support Ticket").first.dispatch_event("click")
			opened = page.locator("button", has_text="Support Ticket TS-").first
			opened.wait_for(state="attached")
			page.screenshot(path=str(ARTIFACTS / "erpnext-issue-ticket.png"))
			self.assertEqual(
				[e for e in page.errors if "Support Settings" not in e and "status of 403" not in e], []
			)
		frappe.db.rollback()  # read what the server committed
		ticket = frappe.db.get_value("Issue", self.issue, "support_ticket")
		self.assertTrue(ticket)
		self.assertEqual(frappe.db.get_value("Support Ticket", ticket, "issue"), self.issue)

	def test_picking_a_contact_fills_the_reporter_on_a_new_ticket(self):
		with shot_on_failure(self.page(), "erpnext-contact") as page:
			page.goto(f"{self.server.url}/app/support-ticket/new")
			page.locator(".frappe-control[data-fieldname='contact'] input").wait_for()
			page.evaluate(f"cur_frm.set_value('contact', {contact()!r})")
			expect(page.locator(".frappe-control[data-fieldname='reporter_name'] input")).to_have_value(
				"Li Na"
			)
			expect(page.locator(".frappe-control[data-fieldname='contact_detail'] input")).to_have_value(
				CONTACT_EMAIL
			)
			self.assertEqual(page.evaluate("cur_frm.doc.customer"), CUSTOMER_A)
			self.assertEqual(page.errors, [])
