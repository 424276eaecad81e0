"""The support portal in a real browser, as a reporter who is a website user: open a ticket at /support/new,
see it listed with its due time, read the engineer's reply and answer it, confirm the fix and rate it; a
second reporter cannot open the first one's ticket; at 390 px nothing overflows; in Chinese the labels are
Chinese. Screenshots go to ``test-artifacts/`` (the README uses copies in ``docs/screenshots/``)."""

from __future__ import annotations

import re

import frappe
import pytest

from ts_sla.api import ticket as api
from ts_sla.tests.browser import (
	ARTIFACTS,
	AVAILABLE,
	close_browser,
	logged_in_page,
	open_browser,
	shot_on_failure,
)
from ts_sla.tests.utils import TSSLATestCase, make_team, set_system_time_zone

if AVAILABLE:
	from playwright.sync_api import expect

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="needs playwright and Debian's chromium")

REPORTER, STRANGER, ENGINEER = "reporter@ts-sla.test", "other.reporter@ts-sla.test", "engineer@ts-sla.test"
SUBJECT = "Portal browser test: VPN drops every hour"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


class TestPortalInBrowser(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		set_system_time_zone(TSSLATestCase.TIME_ZONE)
		frappe.db.commit()
		open_browser(cls)

	@classmethod
	def tearDownClass(cls):
		close_browser(cls)
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": SUBJECT}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)
		frappe.db.set_value("User", REPORTER, "language", None)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		frappe.db.commit()

	def reporter_page(self, user: str = REPORTER, width: int = 1200, height: int = 900):
		return logged_in_page(
			self.browser, self.server.url, user, width, height, after=re.compile(r".*/(me|app|support).*")
		)

	def as_engineer(self, work) -> None:
		frappe.db.rollback()
		frappe.set_user(ENGINEER)
		try:
			work()
		finally:
			frappe.set_user("Administrator")
		frappe.db.commit()

	def test_a_reporter_opens_follows_answers_confirms_and_rates(self):
		# a failure leaves failed-portal-reporter.png (and the page's errors) in the artifacts
		with shot_on_failure(self.reporter_page(), "portal-reporter", full_page=True) as page:
			page.goto(f"{self.server.url}/support/new")
			page.fill("#ts-subject", SUBJECT)
			page.fill("#ts-description", "Since this morning the VPN disconnects every hour.")
			page.select_option("#ts-problem-type", "Network")
			page.select_option("#ts-domain", "System Operations")
			page.select_option("#ts-priority", "P1")
			page.screenshot(path=str(ARTIFACTS / "portal-new.png"), full_page=True)
			page.click("#ts-new-ticket button[type=submit]")
			page.wait_for_url(re.compile(r".*/support/TS-\d{8}-\d{3,}$"))
			name = page.url.rsplit("/", 1)[1]
			expect(page.locator("h3")).to_contain_text(SUBJECT)
			expect(page.locator(".ts-clocks")).to_contain_text("P2 response")  # P1 was only a suggestion

			page.goto(f"{self.server.url}/support")
			row = page.locator(f".ts-support-row[data-ticket='{name}']")
			expect(row).to_contain_text("Next due")
			expect(row.locator(".ts-state")).to_have_text("On Track")
			page.screenshot(path=str(ARTIFACTS / "portal-list.png"), full_page=True)

			self.as_engineer(lambda: api.respond(name, reply="<p>Are you on Wi-Fi or cable?</p>"))
			page.goto(f"{self.server.url}/support/{name}")
			expect(page.locator(".ts-conversation")).to_contain_text("Are you on Wi-Fi or cable?")
			page.fill("#ts-reply-text", "Wi-Fi, 3rd floor.")
			page.click("#ts-reply button[type=submit]")
			expect(page.locator(".ts-conversation")).to_contain_text("Wi-Fi, 3rd floor.")

			self.as_engineer(
				lambda: api.resolve(name, "Moved the access point to channel 6", "Stable for 2 hours")
			)
			page.reload()
			page.click("[data-action=confirm]")
			expect(page.locator(".ts-status")).to_have_text("Confirmed")
			# no score chosen: the browser says so and nothing is sent (none is chosen for the reporter)
			expect(page.locator("#ts-rate input[name=satisfaction]:checked")).to_have_count(0)
			page.fill("#ts-rate-comment", "Quick and clear")
			page.click("#ts-rate button[type=submit]")
			expect(page.locator(".ts-error")).to_contain_text("Choose how satisfied you are")
			page.check("#ts-rate input[value='4']")
			page.click("#ts-rate button[type=submit]")
			expect(page.locator(".ts-support")).to_contain_text("You rated this ticket 4/5")
			# given once: the form is gone, the comment is shown back, and a second rating is refused
			expect(page.locator("#ts-rate")).to_have_count(0)
			expect(page.locator(".ts-rating")).to_contain_text("Quick and clear")
			again = page.evaluate(
				"""(ticket) => fetch('/api/method/ts_sla.api.ticket.rate', {method: 'POST',
					headers: {'Content-Type': 'application/json', 'X-Frappe-CSRF-Token': frappe.csrf_token},
					body: JSON.stringify({ticket, satisfaction: 2, comment: 'changed my mind'})}).then(r => r.status)""",
				name,
			)
			self.assertEqual(again, 417)
			page.screenshot(path=str(ARTIFACTS / "portal-ticket.png"), full_page=True)
			frappe.db.rollback()
			ticket = frappe.db.get_value(
				"Support Ticket",
				name,
				["status", "customer_satisfaction", "suggested_priority"],
				as_dict=True,
			)
			self.assertEqual(
				(ticket.status, ticket.customer_satisfaction, ticket.suggested_priority),
				("Confirmed", 4, "P1"),
			)
			self.assertEqual(
				frappe.db.get_value("Support Ticket", name, "satisfaction_comment"), "Quick and clear"
			)
			self.assertEqual(page.errors, [])

		stranger = self.reporter_page(STRANGER)
		response = stranger.goto(f"{self.server.url}/support/{name}")
		self.assertEqual(response.status, 404)
		expect(stranger.locator("body")).not_to_contain_text(SUBJECT)

	def test_the_portal_checks_what_is_missing_and_words_each_refusal(self):
		page = self.reporter_page()
		sent = []
		page.on("request", lambda r: "/api/method/ts_sla.api.portal" in r.url and sent.append(r.url))
		with shot_on_failure(page, "portal-refusals", full_page=True):
			page.goto(f"{self.server.url}/support/new")
			page.fill("#ts-subject", "   ")  # blanks are not a subject
			page.click("#ts-new-ticket button[type=submit]")
			expect(page.locator(".ts-error")).to_have_text("Please fill in: Subject, What happened?")
			expect(page.locator("#ts-subject")).to_have_class(re.compile(r"\bis-invalid\b"))
			expect(page.locator("#ts-subject")).to_be_focused()
			page.fill("#ts-subject", SUBJECT)
			expect(page.locator("#ts-subject")).not_to_have_class(re.compile(r"\bis-invalid\b"))
			page.click("#ts-new-ticket button[type=submit]")
			expect(page.locator(".ts-error")).to_have_text("Please fill in: What happened?")
			self.assertEqual(sent, [])  # nothing reached the server
			page.screenshot(path=str(ARTIFACTS / "portal-missing-fields.png"), full_page=True)
			page.fill("#ts-description", "Printing from the ERP hangs.")
			page.click("#ts-new-ticket button[type=submit]")
			page.wait_for_url(re.compile(r".*/support/TS-\d{8}-\d{3,}$"))
			name = page.url.rsplit("/", 1)[1]

			page.click("#ts-reply button[type=submit]")
			expect(page.locator(".ts-error")).to_have_text("Please fill in: Your reply")
			self.assertEqual(len(sent), 1)  # the ticket's own create, no reply
			page.fill("#ts-reply-text", "It hangs on the second page.")
			page.context.set_offline(True)
			page.click("#ts-reply button[type=submit]")
			expect(page.locator(".ts-error")).to_contain_text("The support site could not be reached")
			page.context.set_offline(False)
			expect(page.locator("#ts-reply button[type=submit]")).to_be_enabled()

			# the session ends (logged out elsewhere): the server refuses, the page says what to do
			page.context.clear_cookies()
			page.click("#ts-reply button[type=submit]")
			expect(page.locator(".ts-error")).to_contain_text("Log in")
			link = page.locator(".ts-error a")
			expect(link).to_have_text("Log in again")
			self.assertEqual(link.get_attribute("href"), f"/login?redirect-to=%2Fsupport%2F{name}")
			page.screenshot(path=str(ARTIFACTS / "portal-logged-out.png"), full_page=True)
			frappe.db.rollback()
			self.assertFalse(frappe.db.exists("Communication", {"reference_name": name}))
			expected = re.compile(r"ERR_INTERNET_DISCONNECTED|status of 403|Failed to fetch")
			self.assertEqual([e for e in page.errors if not expected.search(e)], [])

	def test_the_portal_on_a_phone_and_in_chinese(self):
		frappe.db.set_value("User", REPORTER, "language", "zh")
		frappe.db.commit()
		page = self.reporter_page(width=390, height=844)
		page.goto(f"{self.server.url}/support/new")
		expect(page.locator("label[for=ts-subject]")).to_contain_text("标题")
		self.assertLessEqual(page.evaluate(OVERFLOW), 0)
		page.click("#ts-new-ticket button[type=submit]")  # the browser's check speaks Chinese too
		expect(page.locator(".ts-error")).to_have_text("请填写：问题标题, 发生了什么？")
		self.assertIsNone(re.search(r"[A-Za-z]{3,}", page.locator(".ts-error").inner_text()))
		self.assertLessEqual(page.evaluate(OVERFLOW), 0)
		page.fill("#ts-subject", SUBJECT)
		page.fill("#ts-description", "手机上测试")
		page.click("#ts-new-ticket button[type=submit]")
		page.wait_for_url(re.compile(r".*/support/TS-\d{8}-\d{3,}$"))
		expect(page.locator(".ts-support")).to_contain_text("沟通记录")
		self.assertLessEqual(page.evaluate(OVERFLOW), 0)
		page.screenshot(path=str(ARTIFACTS / "portal-mobile-zh.png"), full_page=True)
		page.goto(f"{self.server.url}/support")
		expect(page.locator("h3")).to_have_text("我的支持工单")
		self.assertLessEqual(page.evaluate(OVERFLOW), 0)
		self.assertEqual(page.errors, [])
