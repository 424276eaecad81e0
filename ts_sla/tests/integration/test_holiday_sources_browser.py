"""Load Holidays in a real browser (Debian's Chromium driven by Playwright) against the site's web server.

A Support Manager opens a Support Calendar, chooses China's statutory holidays of 2023, sees the preview
(holidays and make-up working days to add) in the dialog, loads them, and finds the rows in the calendar.
The dialog with its preview is saved as ``test-artifacts/calendar-load-holidays.png`` (the README shows a
copy from ``docs/screenshots/``). Choosing another country in the dialog offers that country's subdivisions.

Skipped when Chromium or Playwright is missing, like the other browser tests.
"""

from __future__ import annotations

from urllib.parse import quote

import frappe
import pytest
from frappe.utils import formatdate

from ts_sla.tests.browser import (
	ARTIFACTS,
	AVAILABLE,
	close_browser,
	logged_in_page,
	open_browser,
	shot_on_failure,
	shown_dialog,
)
from ts_sla.tests.utils import TSSLATestCase, make_calendar

MANAGER = "manager@ts-sla.test"
CALENDAR = "Browser Test Shanghai Office"

if AVAILABLE:
	from playwright.sync_api import expect

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="needs playwright and Debian's chromium")


def _drop_calendar() -> None:
	if frappe.db.exists("Support Calendar", CALENDAR):
		frappe.delete_doc("Support Calendar", CALENDAR, force=True, ignore_permissions=True)


class TestLoadHolidaysInBrowser(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		_drop_calendar()
		make_calendar(CALENDAR)
		frappe.db.commit()  # the server process sees committed data
		open_browser(cls)

	@classmethod
	def tearDownClass(cls):
		close_browser(cls)
		frappe.db.rollback()
		_drop_calendar()
		frappe.db.commit()
		super().tearDownClass()

	def open_load_holidays(self, page):
		"""The calendar's form with its Load Holidays dialog open."""
		page.goto(f"{self.server.url}/app/support-calendar/{quote(CALENDAR)}")
		page.locator("button", has_text="Load Holidays").first.click()
		return shown_dialog(page)

	def test_manager_previews_and_loads_china_2023(self):
		with shot_on_failure(
			logged_in_page(self.browser, self.server.url, MANAGER), "calendar-load-holidays"
		) as page:
			dialog = self.open_load_holidays(page)
			expect(dialog.locator("select[data-fieldname='source']")).to_have_value("China Statutory")
			year = dialog.locator(".frappe-control[data-fieldname='year'] input")
			year.fill("2023")
			year.press("Tab")
			primary = dialog.locator(".modal-footer .btn-primary")
			expect(primary).to_have_text("Preview")
			primary.click()

			preview = dialog.locator(".ts-sla-holiday-preview")
			preview.wait_for()
			expect(preview).to_contain_text("chinese-calendar:2023")
			expect(preview).to_contain_text("28 to add")  # 2023: 28 holidays in 8 runs of days
			expect(preview.locator("tr.ts-sla-add")).to_have_count(8 + 5)  # and 7 make-up days in 5 runs
			expect(preview).to_contain_text("National Day")
			# in the site's date format (mm-dd-yyyy on a plain site, dd-mm-yyyy on the ERPNext one, set up for China)
			expect(preview).to_contain_text(
				f"{formatdate('2023-09-30')} – {formatdate('2023-10-06')} (7 days)"
			)
			expect(primary).to_have_text("Load")
			page.screenshot(path=str(ARTIFACTS / "calendar-load-holidays.png"))

			primary.click()
			expect(dialog).to_have_count(0)
			page.locator(".frappe-control[data-fieldname='holidays'] .grid-row").first.wait_for()

		frappe.db.rollback()  # read what the server committed
		doc = frappe.get_doc("Support Calendar", CALENDAR)
		self.assertEqual(
			sorted(str(r.holiday_date) for r in doc.holidays if str(r.holiday_date) >= "2023-09-29")[:8],
			[f"2023-{d}" for d in ("09-29", "09-30", "10-01", "10-02", "10-03", "10-04", "10-05", "10-06")],
		)
		self.assertIn("2023-10-07", [str(r.work_date) for r in doc.extra_working_days])
		self.assertTrue(all(r.source == "chinese-calendar:2023" for r in doc.holidays))
		# whole days: no From/To time (not the moment of loading)
		self.assertEqual(
			[(r.start_time, r.end_time) for r in doc.holidays if not r.partial_day],
			[(None, None)] * len(doc.holidays),
		)

	def test_the_subdivisions_offered_follow_the_country_chosen(self):
		with shot_on_failure(
			logged_in_page(self.browser, self.server.url, MANAGER), "calendar-load-holidays-subdivision"
		) as page:
			dialog = self.open_load_holidays(page)
			dialog.locator("select[data-fieldname='source']").select_option("Country Public Holidays")
			dialog.locator(".frappe-control[data-fieldname='year'] input").fill("2023")
			country = dialog.locator(".frappe-control[data-fieldname='country'] input")
			country.fill("Germa")  # found by its name, shown with its code; the code is what is kept
			dialog.locator(
				".frappe-control[data-fieldname='country'] ul li", has_text="Germany (DE)"
			).first.click()
			page.wait_for_function("cur_dialog && cur_dialog.get_value('country') === 'DE'")
			subdivision = dialog.locator(".frappe-control[data-fieldname='subdivision'] input")
			subdivision.fill("BY")  # Bavaria: Germany's list, not the one the dialog opened with (none)
			offered = dialog.locator(".frappe-control[data-fieldname='subdivision'] ul li")
			expect(offered).to_have_count(1)
			expect(offered).to_have_text("BY")
			subdivision.press("Tab")
			dialog.locator(".modal-footer .btn-primary").click()
			preview = dialog.locator(".ts-sla-holiday-preview")
			preview.wait_for()
			expect(preview).to_contain_text("Epiphany")  # a Bavarian holiday, not a German one
