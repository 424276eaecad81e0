"""What-if in a real browser: a Support Manager opens an SLA Policy, shortens P2 resolution from 24 h to 8 h
without saving, clicks Simulate, keeps the default period (the last full quarter) and lands on the SLA What-If
report, which names the one ticket that would breach. The report is saved as ``test-artifacts/whatif.png``
(the README shows a copy from ``docs/screenshots/``). A Support Supervisor, on the same policy's read-only
form, types the 8 h into the Simulate dialog instead and sees the same ticket; the policy is unchanged."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import frappe
import pytest

from ts_sla.services import whatif
from ts_sla.tests.browser import (
	ARTIFACTS,
	AVAILABLE,
	ENGLISH_WORD,
	click_page_button,
	close_browser,
	logged_in_page,
	open_browser,
	shot_on_failure,
	shown_dialog,
)
from ts_sla.tests.utils import TSSLATestCase, make_policy, make_ticket, speaking

if AVAILABLE:
	from playwright.sync_api import expect

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="needs playwright and Debian's chromium")

MANAGER = "manager@ts-sla.test"
SUPERVISOR = "supervisor@ts-sla.test"
POLICY = "Browser What-If Policy"
SUBJECT = "What-if browser test: slow report export"


def _clean() -> None:
	for name in frappe.get_all("Support Ticket", {"subject": SUBJECT}, pluck="name"):
		frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
	for name in frappe.get_all("SLA Simulation", {"policy": POLICY}, pluck="name"):
		frappe.delete_doc("SLA Simulation", name, force=True, ignore_permissions=True)
	if frappe.db.exists("SLA Policy", POLICY):
		frappe.delete_doc("SLA Policy", POLICY, force=True, ignore_permissions=True)


class TestWhatIfInBrowser(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		_clean()
		make_policy(POLICY)
		start, _end = whatif.last_quarter()
		received = dt.datetime.combine(start, dt.time(9)) + dt.timedelta(days=9)
		cls.tickets = {}
		for hours in (2, 12, 30):  # met, met now but breached at 8 h, breached either way
			doc = make_ticket(priority="P2", received_at=str(received), sla_policy=POLICY, subject=SUBJECT)
			frappe.db.set_value(
				"Support Ticket",
				doc.name,
				{
					"status": "Closed",
					"first_responded_at": received + dt.timedelta(minutes=10),
					"resolved_at": received + dt.timedelta(hours=hours),
				},
				update_modified=False,
			)
			cls.tickets[hours] = doc.name
		frappe.db.commit()  # the server process sees committed data
		open_browser(cls)

	@classmethod
	def tearDownClass(cls):
		close_browser(cls)
		frappe.db.rollback()
		_clean()
		frappe.db.commit()
		super().tearDownClass()

	def test_manager_simulates_an_unsaved_policy_and_sees_the_ticket_that_would_breach(self):
		with shot_on_failure(
			logged_in_page(self.browser, self.server.url, MANAGER, width=1920, height=1000),
			"whatif",
			full_page=True,
		) as page:
			# the Desk at full width, so the report's columns fit (a setting of this browser context only)
			page.evaluate("() => localStorage.setItem('container_fullwidth', 'true')")
			page.goto(f"{self.server.url}/app/sla-policy/{quote(POLICY)}")
			page.locator(".frappe-control[data-fieldname='priorities'] .grid-row").first.wait_for()
			# the form's P2 resolution from 24 h to 8 h, not saved
			page.evaluate(
				"""() => {
					const row = cur_frm.doc.priorities.find((r) => r.priority === "P2");
					return frappe.model.set_value(row.doctype, row.name, "resolution_time", 8);
				}"""
			)
			expect(page.locator(".indicator-pill", has_text="Not Saved")).to_be_visible()
			page.locator(".page-actions button", has_text="Simulate").first.click()

			dialog = shown_dialog(page)
			expect(dialog.locator(".frappe-control[data-fieldname='from_date'] input")).not_to_have_value("")
			dialog.locator(".modal-footer .btn-primary", has_text="Simulate").click()

			page.wait_for_url("**/query-report/SLA%20What-If**")
			late = self.tickets[12]
			report = page.locator(".report-wrapper")
			expect(report.locator(".dt-cell__content", has_text=late)).to_be_visible()
			for other in (self.tickets[2], self.tickets[30]):
				expect(report.locator(".dt-cell__content", has_text=other)).to_have_count(0)
			summary = page.locator(".report-summary")
			expect(summary).to_contain_text("Met → Breached")
			expect(summary).to_contain_text("Tickets Replayed")
			expect(page.locator(".report-summary .summary-item", has_text="Met → Breached")).to_contain_text(
				"1"
			)
			page.locator(".chart-container .bar-chart, .chart-container svg").first.wait_for()
			page.wait_for_timeout(1200)  # the chart's bars grow in
			page.screenshot(path=str(ARTIFACTS / "whatif.png"), full_page=True)
			self.assertEqual(page.errors, [])

		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value(
				"SLA Policy Priority", {"parent": POLICY, "priority": "P2"}, "resolution_time"
			),
			24,
		)

	def test_supervisor_tries_a_target_on_a_read_only_policy(self):
		with shot_on_failure(
			logged_in_page(self.browser, self.server.url, SUPERVISOR, width=1920, height=1000),
			"whatif-supervisor",
			full_page=True,
		) as page:
			page.goto(f"{self.server.url}/app/sla-policy/{quote(POLICY)}")
			page.locator(".frappe-control[data-fieldname='priorities'] .grid-row").first.wait_for()
			self.assertFalse(page.evaluate("() => !!cur_frm.perm[0].write"))  # read-only for them
			page.locator(".page-actions button", has_text="Simulate").first.click()
			dialog = shown_dialog(page)
			p2 = dialog.locator(".grid-body .grid-row").filter(
				has=page.locator(".grid-static-col[data-fieldname='priority']", has_text="P2")
			)
			expect(p2.locator(".grid-static-col[data-fieldname='resolution_time']")).to_contain_text("24")
			p2.locator(".grid-static-col[data-fieldname='resolution_time']").click()
			field = p2.locator(".frappe-control[data-fieldname='resolution_time'] input")
			field.fill("8")
			field.press("Tab")
			expect(p2.locator(".frappe-control[data-fieldname='resolution_unit'] select")).to_have_value(
				"Hours"
			)
			dialog.locator(".modal-footer .btn-primary", has_text="Simulate").click()

			page.wait_for_url("**/query-report/SLA%20What-If**")
			report = page.locator(".report-wrapper")
			expect(report.locator(".dt-cell__content", has_text=self.tickets[12])).to_be_visible()
			for other in (self.tickets[2], self.tickets[30]):
				expect(report.locator(".dt-cell__content", has_text=other)).to_have_count(0)
			expect(page.locator(".report-summary .summary-item", has_text="Met → Breached")).to_contain_text(
				"1"
			)
			self.assertEqual(page.errors, [])

		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value(
				"SLA Policy Priority", {"parent": POLICY, "priority": "P2"}, "resolution_time"
			),
			24,
		)
		self.assertTrue(frappe.db.exists("SLA Simulation", {"policy": POLICY, "owner": SUPERVISOR}))

	def test_a_chinese_supervisor_simulates_on_a_phone_and_a_desktop(self):
		with speaking(SUPERVISOR, "zh"):
			for width in (390, 1400):
				page = logged_in_page(self.browser, self.server.url, SUPERVISOR, width=width, height=900)
				with shot_on_failure(page, f"whatif-zh-{width}", full_page=True):
					page.goto(f"{self.server.url}/app/sla-policy/{quote(POLICY)}")
					page.locator(".frappe-control[data-fieldname='priorities'] .grid-row").first.wait_for()
					click_page_button(page, "模拟")
					dialog = shown_dialog(page)
					expect(dialog.locator(".modal-title")).to_have_text("模拟")
					expect(dialog.locator(".modal-footer .btn-primary")).to_have_text("模拟")
					labels = dialog.locator(".control-label, .grid-heading-row, .section-head, .modal-body p")
					words = " ".join(labels.all_inner_texts())
					self.assertIsNone(ENGLISH_WORD.search(words), words)
					box = dialog.locator(".modal-dialog").bounding_box()
					self.assertLessEqual(
						box["x"] + box["width"], width + 1, "the dialog runs past the screen"
					)
					self.assertLessEqual(
						page.evaluate("document.documentElement.scrollWidth"), width, "sideways scrolling"
					)
					page.screenshot(path=str(ARTIFACTS / f"whatif-dialog-zh-{width}.png"))
					dialog.locator(".modal-footer .btn-primary").click()
					page.wait_for_url("**/query-report/SLA%20What-If**")
					expect(page.locator(".report-wrapper .dt-scrollable .dt-row").first).to_be_visible()
					expect(page.locator(".report-summary .summary-item").first).to_be_visible()
					summary = " ".join(page.locator(".report-summary .summary-label").all_inner_texts())
					self.assertIsNone(ENGLISH_WORD.search(summary), summary)
					page.screenshot(path=str(ARTIFACTS / f"whatif-report-zh-{width}.png"), full_page=True)
					self.assertEqual(page.errors, [])
