"""The Desk in a real browser (Debian's Chromium driven by Playwright) against the site's web server.

An agent registers a P1 ticket and sees its ID, due times and explanation; the engineer responds, asks for
an extension and resolves through the buttons; the supervisor approves the extension; the reporter confirms
and rates; the supervisor closes. Each step is asserted on screen and in the database. Screenshots of the
form and the list go to ``test-artifacts/``. With the site language set to zh the form shows Chinese.

Skipped when Chromium or Playwright is missing (``scripts/run-tests`` installs both: Debian's chromium
and fonts-wqy-microhei, PyPI's playwright; no browser download).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import frappe
import pytest

from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import PASSWORD, TSSLATestCase, make_team, make_user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TS_SLA_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts"))
AGENT, ENGINEER, SUPERVISOR = "agent@ts-sla.test", "engineer@ts-sla.test", "supervisor@ts-sla.test"
DESK_REPORTER = "desk.reporter@ts-sla.test"
SUBJECT = "Browser test: ERP cannot submit expense claims"

try:
	from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the test command installs it
	sync_playwright = None

pytestmark = pytest.mark.skipif(
	sync_playwright is None or not os.path.exists(CHROMIUM), reason="needs playwright and Debian's chromium"
)


def set_site_language(lang: str) -> None:
	"""As an administrator does it: through System Settings, which also sets the site's default "lang"."""
	settings = frappe.get_single("System Settings")
	settings.language = lang
	settings.flags.ignore_mandatory = True
	settings.save(ignore_permissions=True)


class TestDeskInBrowser(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(DESK_REPORTER, [])
		frappe.db.set_value("User", DESK_REPORTER, "user_type", "System User")
		make_team()
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
		frappe.db.commit()
		ARTIFACTS.mkdir(parents=True, exist_ok=True)
		cls.server = LiveServer().start()
		cls.playwright = sync_playwright().start()
		cls.browser = cls.playwright.chromium.launch(
			executable_path=CHROMIUM,
			args=[
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
				"--no-first-run",
				"--disable-sync",
				"--disable-quic",
			],
		)

	def setUp(self):
		super().setUp()
		frappe.db.set_single_value(
			"TS SLA Settings", "auto_assign", 1
		)  # the server process sees committed data
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.browser.close()
		cls.playwright.stop()
		cls.server.stop()
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": SUBJECT}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Support Team", "System Operations Team", force=True, ignore_permissions=True)
		set_site_language("en")
		frappe.db.commit()
		super().tearDownClass()

	# -- helpers ----------------------------------------------------------------------------------------------

	def page_for(self, user: str):
		context = self.browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
		page = context.new_page()
		page.set_default_timeout(30000)
		page.goto(f"{self.server.url}/login")
		page.fill("#login_email", user)
		page.fill("#login_password", PASSWORD)
		page.click(".page-card-actions .btn-login")
		page.wait_for_url("**/app**")
		return page

	def open_ticket(self, page, name: str):
		page.goto(f"{self.server.url}/app/support-ticket/{name}")
		page.wait_for_selector(".ts-sla-clocks")

	def action(self, page, label: str, values: dict | None = None, in_menu: bool = True):
		if in_menu and page.locator(".inner-group-button button", has_text="Actions").count():
			page.locator(".inner-group-button button", has_text="Actions").first.click()
			page.locator(".dropdown-menu.show .dropdown-item", has_text=label).first.click()
		else:
			page.locator(".page-actions button", has_text=label).first.click()
		dialog = page.locator(".modal.show")
		dialog.wait_for()
		for field, value in (values or {}).items():
			control = dialog.locator(f".frappe-control[data-fieldname='{field}']").last
			if control.locator("select").count():
				control.locator("select").select_option(value)
			else:
				control.locator("input, textarea").first.fill(str(value))
				control.locator("input, textarea").first.press("Tab")
		dialog.locator(".btn-primary").last.click()
		try:
			page.wait_for_selector(".modal.show", state="detached")
		except Exception:
			page.screenshot(path=str(ARTIFACTS / f"failed-{label.replace(' ', '-').lower()}.png"))
			raise
		page.wait_for_timeout(800)
		page.wait_for_selector(".ts-sla-clocks")

	def status_of(self, name: str) -> str:
		frappe.db.rollback()  # a fresh snapshot: the server committed
		return frappe.db.get_value("Support Ticket", name, "status")

	# -- the walk-through -------------------------------------------------------------------------------------

	def test_register_work_approve_confirm_close(self):
		page = self.page_for(AGENT)
		page.goto(f"{self.server.url}/app/support-ticket/new")
		page.wait_for_selector("[data-fieldname='subject'] input")
		page.fill("[data-fieldname='subject'] input", SUBJECT)
		page.fill("[data-fieldname='reporter_name'] input", "Zhang Wei")
		page.fill("[data-fieldname='contact_detail'] input", "+86 138 0000 0000")
		page.locator("[data-fieldname='description'] .ql-editor:not(.read-mode)").fill(
			"Submitting an expense claim fails."
		)
		page.select_option("[data-fieldname='problem_type'] select", "Software")
		page.select_option("[data-fieldname='priority'] select", "P1")
		domain = page.locator("[data-fieldname='technical_domain'] input")
		domain.fill("System Operations")
		domain.press("Tab")
		page.wait_for_timeout(1000)  # the link is validated on blur
		page.keyboard.press("Control+s")
		page.wait_for_url(re.compile(r".*/app/support-ticket/TS-\d{8}-\d{3}"))
		name = page.url.rsplit("/", 1)[1]
		page.wait_for_selector(".ts-sla-clocks")
		expect(page.locator(".title-text")).to_contain_text(SUBJECT[:20])
		expect(page.locator(".ts-sla-clocks")).to_contain_text("P1 response")
		expect(page.locator("[data-fieldname='sla_explanation']")).to_contain_text("P1 resolution:")
		frappe.db.rollback()  # a fresh snapshot: read what the server committed
		ticket = frappe.db.get_value(
			"Support Ticket", name, ["priority", "status", "assigned_to", "response_due"], as_dict=True
		)
		self.assertEqual((ticket.priority, ticket.status, ticket.assigned_to), ("P1", "Assigned", ENGINEER))
		page.locator(".ts-sla-clocks").scroll_into_view_if_needed()
		page.mouse.wheel(0, 350)
		page.wait_for_timeout(300)
		page.screenshot(path=str(ARTIFACTS / "support-ticket-form.png"), full_page=False)

		page = self.page_for(ENGINEER)
		self.open_ticket(page, name)
		self.action(page, "Respond", {"note": "Called the reporter"}, in_menu=False)
		self.assertEqual(self.status_of(name), "In Progress")
		expect(page.locator(".page-head .indicator-pill").first).to_contain_text("In Progress")
		self.action(page, "Request Extension", {"reason": "Vendor patch needed", "extra_minutes": 60})
		self.status_of(name)
		self.assertEqual(
			frappe.db.get_value("Support Ticket Extension", {"parent": name}, "status"), "Pending"
		)

		page = self.page_for(SUPERVISOR)
		self.open_ticket(page, name)
		self.action(page, "Decide Extension", {"note": "Approved"})
		self.assertEqual(self.status_of(name), "In Progress")
		self.assertEqual(
			frappe.db.get_value("Support Ticket Extension", {"parent": name}, "status"), "Approved"
		)
		expect(page.locator("[data-fieldname='sla_explanation']")).to_contain_text("(extended)")

		page = self.page_for(ENGINEER)
		self.open_ticket(page, name)
		self.action(
			page,
			"Resolve",
			{"resolution_summary": "Cleared the cache", "resolution_result": "Cache cleared"},
			in_menu=False,
		)
		self.assertEqual(self.status_of(name), "Resolved")

		frappe.db.set_value("Support Ticket", name, "reporter_user", DESK_REPORTER, update_modified=False)
		frappe.db.commit()
		page = self.page_for(DESK_REPORTER)
		self.open_ticket(page, name)
		self.action(page, "Confirm Resolved", {"note": "Works now"}, in_menu=False)
		self.assertEqual(self.status_of(name), "Confirmed")
		self.action(page, "Rate", {"satisfaction": "5", "comment": "Quick"})
		self.status_of(name)
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "customer_satisfaction"), 5)

		page = self.page_for(SUPERVISOR)
		self.open_ticket(page, name)
		self.action(page, "Close", {"review_note": "Solution and duration reviewed"}, in_menu=False)
		self.assertEqual(self.status_of(name), "Closed")
		page.goto(f"{self.server.url}/app/support-ticket?status=Closed")
		page.wait_for_selector(".list-row-container")
		expect(page.locator(".list-row-container").first).to_contain_text("Closed")
		page.screenshot(path=str(ARTIFACTS / "support-ticket-list.png"), full_page=False)

	def test_chinese_site_shows_chinese_labels_and_buttons(self):
		set_site_language("zh")
		languages = {u: frappe.db.get_value("User", u, "language") for u in (AGENT, SUPERVISOR)}
		for user in languages:  # users without a language of their own follow the site's
			frappe.db.set_value("User", user, "language", None)
		frappe.db.commit()
		frappe.clear_cache()
		try:
			page = self.page_for(AGENT)
			page.goto(f"{self.server.url}/app/support-ticket/new")
			page.wait_for_selector("[data-fieldname='subject'] input")
			expect(page.locator("[data-fieldname='subject'] .control-label")).to_have_text("问题标题")
			expect(page.locator("[data-fieldname='priority'] .control-label")).to_have_text("问题级别")
			page.screenshot(path=str(ARTIFACTS / "support-ticket-form-zh.png"))
			from ts_sla.tests.utils import make_ticket

			name = [make_ticket(subject=SUBJECT, technical_domain="System Operations").name]
			frappe.db.commit()
			page = self.page_for(SUPERVISOR)
			page.goto(f"{self.server.url}/app/support-ticket/{name[0]}")
			page.wait_for_selector(".ts-sla-clocks")
			buttons = page.locator(".page-actions").inner_text()
			self.assertTrue("操作" in buttons or "关闭" in buttons or "分配" in buttons, buttons)
		finally:
			set_site_language("en")
			for user, language in languages.items():
				frappe.db.set_value("User", user, "language", language)
			frappe.db.commit()
			frappe.clear_cache()
