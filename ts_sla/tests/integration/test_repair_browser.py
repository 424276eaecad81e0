"""A calendar change in a real browser repairs the open tickets on it through a real ``bench worker``, and the
calendar's form follows the repair until it says how many tickets moved (a screenshot for the README). After a
change made behind the app's back, a Support Manager goes from the calendar's form to the SLA Repair page,
previews what would move (nothing is written), repairs, and reads the result; a supervisor may not."""

from __future__ import annotations

import re
import time

import frappe
import pytest

from ts_sla.tests.browser import (
	ARTIFACTS,
	AVAILABLE,
	ENGLISH_WORD,
	WAIT_MS,
	click_page_button,
	close_browser,
	logged_in_page,
	open_browser,
	shot_on_failure,
	shown_dialog,
)
from ts_sla.tests.server import Worker
from ts_sla.tests.utils import (
	TSSLATestCase,
	make_calendar,
	make_policy,
	make_ticket,
	set_system_time_zone,
	speaking,
)

if AVAILABLE:
	from playwright.sync_api import expect

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="needs playwright and Debian's chromium")

MANAGER, SUPERVISOR = "manager@ts-sla.test", "supervisor@ts-sla.test"
CALENDAR, POLICY = "Repair Test Office", "Repair Test Policy"
SUBJECT = "Repair browser test"


def two_open_tickets(label: str) -> list[str]:
	"""Two open P2 tickets on the test policy and calendar."""
	return [
		make_ticket(
			subject=f"{SUBJECT} {label} {i}", priority="P2", sla_policy=POLICY, support_calendar=CALENDAR
		).name
		for i in range(2)
	]


def _drop() -> None:
	for name in frappe.get_all("Support Ticket", {"subject": ("like", f"{SUBJECT}%")}, pluck="name"):
		frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
	for doctype, name in (("SLA Policy", POLICY), ("Support Calendar", CALENDAR)):
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)


class TestRepairInBrowser(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		_drop()
		set_system_time_zone(TSSLATestCase.TIME_ZONE)
		make_calendar(CALENDAR, "Asia/Shanghai")
		make_policy(POLICY, calendar=CALENDAR, targets={"P2": {"resolution_basis": "Business Hours"}})
		frappe.db.commit()
		# jobs the test bench queued with no worker running (search-index rebuilds after each migrate) would
		# keep this worker busy for minutes before it reached the repair: start from an empty long queue
		from frappe.utils.background_jobs import get_queue

		get_queue("long").empty()
		cls.worker = Worker("long").start()
		open_browser(cls)

	@classmethod
	def tearDownClass(cls):
		close_browser(cls)
		cls.worker.stop()
		frappe.db.rollback()
		_drop()
		frappe.db.commit()
		super().tearDownClass()

	def test_a_calendar_change_repairs_its_open_tickets_and_the_form_follows(self):
		names = [
			make_ticket(
				subject=f"{SUBJECT} {i}", priority="P2", sla_policy=POLICY, support_calendar=CALENDAR
			).name
			for i in range(3)
		]
		frappe.db.commit()
		before = {n: frappe.db.get_value("Support Ticket", n, "resolution_due") for n in names}
		page = logged_in_page(self.browser, self.server.url, MANAGER)
		# the list of zones arrives after the form is drawn; on a slow line the user is already typing.
		# Hold it back until they are, then let it in before they leave the field: what they typed stays.
		held = []
		page.route("**/api/method/*.get_time_zones*", lambda route: held.append(route))
		page.goto(f"{self.server.url}/app/support-calendar/{CALENDAR}")
		zone = page.locator("[data-fieldname='time_zone'] input")
		zone.fill("Europe/Berlin")  # the office moves: every business-hours due moves with it
		deadline = time.monotonic() + WAIT_MS / 1000  # the route handler runs while the page is waited on
		while not held and time.monotonic() < deadline:
			page.wait_for_timeout(100)
		self.assertTrue(held, "the form asks the server for its time zones")
		held[0].continue_()
		page.wait_for_function("() => cur_frm.get_field('time_zone').get_data().length > 400")
		self.assertEqual(zone.input_value(), "Europe/Berlin")
		zone.press("Tab")
		page.wait_for_function("() => cur_frm.doc.time_zone === 'Europe/Berlin' && cur_frm.is_dirty()")
		page.keyboard.press("Control+s")
		progress = page.locator(".form-dashboard .progress-chart .progress-message")
		expect(progress.first).to_contain_text(
			re.compile(r"Repairing open tickets: 3 open tickets checked, 3 moved")
		)
		page.wait_for_timeout(1000)  # the bar's width animates
		page.screenshot(path=str(ARTIFACTS / "repair-progress.png"))
		frappe.db.rollback()
		for name in names:
			self.assertNotEqual(frappe.db.get_value("Support Ticket", name, "resolution_due"), before[name])
			self.assertEqual(
				frappe.db.count(
					"Comment",
					{"reference_name": name, "content": ("like", f"%Support Calendar {CALENDAR} changed%")},
				),
				1,
			)
		self.assertEqual(page.errors, [])

	def test_the_repair_page_previews_then_repairs_what_changed_behind_the_apps_back(self):
		names = two_open_tickets("page")
		# the office's zone changes in the database, not through the form: nothing repairs it by itself
		zone = frappe.db.get_value("Support Calendar", CALENDAR, "time_zone")
		moved_to = "America/New_York" if zone == "Asia/Tokyo" else "Asia/Tokyo"
		frappe.db.set_value("Support Calendar", CALENDAR, "time_zone", moved_to)
		frappe.db.commit()
		before = {n: frappe.db.get_value("Support Ticket", n, "resolution_due") for n in names}
		with shot_on_failure(logged_in_page(self.browser, self.server.url, MANAGER), "repair-page") as page:
			page.goto(f"{self.server.url}/app/support-calendar/{CALENDAR}")
			page.locator(".page-actions button", has_text="Repair Open Tickets").first.click()
			page.wait_for_url("**/app/sla-repair")
			moves = page.locator(".ts-sla-repair-moves")
			for name in names:
				expect(moves.locator("tr", has_text=name)).to_contain_text("Resolution Due")
			expect(page.locator(".ts-sla-repair-summary")).to_contain_text("would move")
			frappe.db.rollback()
			self.assertEqual(
				{n: frappe.db.get_value("Support Ticket", n, "resolution_due") for n in names}, before
			)
			page.locator(".frappe-control[data-fieldname='reason'] input").fill(f"Office moved to {moved_to}")
			page.locator(".page-actions .primary-action", has_text="Repair").click()
			shown_dialog(page).locator(".btn-primary", has_text="Yes").click()
			expect(page.locator(".ts-sla-repair-result")).to_contain_text("Repair done:")
			for name in names:
				expect(page.locator(".ts-sla-repair-result + p a", has_text=name)).to_be_visible()
			page.screenshot(path=str(ARTIFACTS / "repair-page.png"), full_page=True)
			self.assertEqual(page.errors, [])
		frappe.db.rollback()
		for name in names:
			self.assertNotEqual(frappe.db.get_value("Support Ticket", name, "resolution_due"), before[name])
			self.assertEqual(
				frappe.db.count(
					"Comment", {"reference_name": name, "content": ("like", f"%Office moved to {moved_to}%")}
				),
				1,
			)
		# the page is the managers': a supervisor is not let in
		with shot_on_failure(
			logged_in_page(self.browser, self.server.url, SUPERVISOR), "repair-page-refused"
		) as page:
			page.goto(f"{self.server.url}/app/sla-repair")
			expect(page.locator(".modal.show")).to_contain_text("Not permitted")
			expect(page.locator(".ts-sla-repair-moves")).to_have_count(0)

	def test_a_chinese_manager_previews_and_repairs_on_a_phone_and_a_desktop(self):
		names = two_open_tickets("zh")
		with speaking(MANAGER, "zh"):
			for width in (1400, 390):
				# due times written behind the app's back each time, so each pass has something to move back
				for name in names:
					frappe.db.set_value(
						"Support Ticket", name, "resolution_due", "2030-01-01 09:00:00", update_modified=False
					)
				frappe.db.commit()
				page = logged_in_page(self.browser, self.server.url, MANAGER, width=width, height=900)
				with shot_on_failure(page, f"repair-page-zh-{width}", full_page=True):
					page.goto(f"{self.server.url}/app/sla-repair")
					expect(page.locator(".page-title .title-text")).to_have_text("SLA 时限修复")
					page.locator(".frappe-control[data-fieldname='tickets'] textarea").fill(", ".join(names))
					click_page_button(page, "预览")
					moves = page.locator(".ts-sla-repair-moves")
					for name in names:
						expect(moves.locator("a", has_text=name)).to_be_visible()
					own = [
						page.locator(".ts-sla-repair-summary").inner_text(),
						*moves.locator("thead th").all_inner_texts(),
						*moves.locator("tbody td:nth-child(3)").all_inner_texts(),
						*page.locator(
							".frappe-control .control-label, .frappe-control .help-box"
						).all_inner_texts(),
					]
					self.assertIsNone(ENGLISH_WORD.search(" ".join(own)), own)
					self.assertLessEqual(
						page.evaluate("document.documentElement.scrollWidth"), width, "sideways scrolling"
					)
					page.screenshot(path=str(ARTIFACTS / f"repair-page-zh-{width}.png"), full_page=True)
					click_page_button(page, "修复")
					shown_dialog(page).locator(".btn-primary").click()
					result = page.locator(".ts-sla-repair-result")
					expect(result).to_contain_text("修复完成")
					self.assertIsNone(ENGLISH_WORD.search(result.inner_text()), result.inner_text())
					self.assertEqual(page.errors, [])
