"""The Desk in a real browser (Debian's Chromium driven by Playwright) against the site's web server, as each
role sees it.

An agent registers a P1 ticket on the intake-first form and sees its ID, due times and explanation; the
engineer responds, asks for an extension and resolves through the buttons; the supervisor approves the
extension; the reporter confirms and rates; the supervisor closes, and the closed ticket opens read-only.
No page logs a browser error along the way, and the insert writes one Version. The workspace shows every
card and chart to the agent, engineer, supervisor and manager; the sidebar's "Assigned To +" opens the
Assign action; a dialog keeps what was typed when the server refuses it; at 390 px nothing overflows; with
the site language set to zh the form shows Chinese. Screenshots go to ``test-artifacts/`` (the README's tour
uses copies in ``docs/screenshots/``).

Skipped when Chromium or Playwright is missing (``scripts/run-tests`` installs both: Debian's chromium
and fonts-wqy-microhei, PyPI's playwright; no browser download).
"""

from __future__ import annotations

import re

import frappe
import pytest

from ts_sla.tests.browser import (
	ARTIFACTS,
	AVAILABLE,
	close_browser,
	logged_in_page,
	open_browser,
	pick_link,
	shown_dialog,
	wait_for,
)
from ts_sla.tests.utils import PASSWORD, TSSLATestCase, make_team, make_user, set_system_time_zone, speaking

AGENT, ENGINEER, SUPERVISOR = "agent@ts-sla.test", "engineer@ts-sla.test", "supervisor@ts-sla.test"
MANAGER = "manager@ts-sla.test"
DESK_REPORTER = "desk.reporter@ts-sla.test"
SUBJECT = "Browser test: ERP cannot submit expense claims"
#: What a new ticket asks for: what the first line types, and no more.
INTAKE = {
	"subject",
	"reporter_type",
	"reporter_name",
	"reporter_user",
	"contact",
	"channel",
	"contact_method",
	"contact_detail",
	"description",
	"occurred_at",
	"received_at",
	"priority",
	"problem_type",
	"technical_domain",
}

if AVAILABLE:
	from playwright.sync_api import expect

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="needs playwright and Debian's chromium")


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
		# the web server and the tests agree on the system zone (SPEC's); the test users keep their own
		# zone, so the Desk's conversion from the system zone to the reader's is exercised too
		set_system_time_zone(TSSLATestCase.TIME_ZONE)
		frappe.db.commit()
		open_browser(cls)

	def setUp(self):
		super().setUp()
		frappe.db.set_single_value(
			"TS SLA Settings", "auto_assign", 1
		)  # the server process sees committed data
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		close_browser(cls)
		frappe.db.rollback()
		for name in frappe.get_all("Support Ticket", {"subject": SUBJECT}, pluck="name"):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Support Team", "System Operations Team", force=True, ignore_permissions=True)
		set_site_language("en")
		frappe.db.commit()
		super().tearDownClass()

	# -- helpers ----------------------------------------------------------------------------------------------

	def page_for(self, user: str, width: int = 1400, height: int = 1000):
		return logged_in_page(self.browser, self.server.url, user, width, height)

	def open_ticket(self, page, name: str):
		page.goto(f"{self.server.url}/app/support-ticket/{name}")
		wait_for(page, ".ts-sla-clocks", f"open-{name}")

	def action(self, page, label: str, values: dict | None = None, in_menu: bool = True):
		dialog = self.open_action(page, label, in_menu)
		for field, value in (values or {}).items():
			control = dialog.locator(f".frappe-control[data-fieldname='{field}']").last
			if control.locator("select").count():
				control.locator("select").select_option(value)
			elif control.get_attribute("data-fieldtype") == "Link":
				pick_link(dialog, field, str(value))
			else:
				control.locator("input, textarea").first.fill(str(value))
				control.locator("input, textarea").first.press("Tab")
		dialog.locator(".btn-primary").last.click()
		try:
			page.wait_for_selector(".modal.show", state="detached")
		except Exception:
			page.screenshot(path=str(ARTIFACTS / f"failed-{label.replace(' ', '-').lower()}.png"))
			raise
		# the dialog closes once the server accepted and the form reloaded; then the clocks are drawn anew
		page.wait_for_load_state("networkidle")
		page.wait_for_selector(".ts-sla-clocks")

	def status_of(self, name: str) -> str:
		frappe.db.rollback()  # a fresh snapshot: the server committed
		return frappe.db.get_value("Support Ticket", name, "status")

	# -- the walk-through -------------------------------------------------------------------------------------

	def test_register_work_approve_confirm_close(self):
		pages = []
		page = self.page_for(AGENT)
		pages.append(page)
		page.goto(f"{self.server.url}/app/support-ticket/new")
		page.wait_for_selector("[data-fieldname='subject'] input")
		# intake first: what the first line types, nothing that exists only once the ticket does
		for hidden in (
			"status",
			"sla_state",
			"assigned_to",
			"resolution_summary",
			"review_note",
			"clocks_html",
		):
			expect(page.locator(f".frappe-control[data-fieldname='{hidden}']")).to_be_hidden()
		self.assertEqual(page.input_value("[data-fieldname='priority'] select"), "")  # the agent chooses
		expect(page.locator("[data-fieldname='priority'] .help-box")).to_contain_text("P0 urgent")
		page.screenshot(path=str(ARTIFACTS / "new-ticket.png"), full_page=True)
		visible = page.eval_on_selector_all(
			".form-layout .frappe-control[data-fieldname]",
			"els => els.filter(e => e.offsetParent !== null && !['Section Break', 'Column Break', 'HTML']"
			".includes(e.dataset.fieldtype)).map(e => e.dataset.fieldname)",
		)
		erpnext = {"customer", "employee", "company"} if "erpnext" in frappe.get_installed_apps() else set()
		self.assertEqual(set(visible), INTAKE | erpnext)  # on ERPNext: who reported it, from its records
		zone = page.evaluate("frappe.boot.time_zone.user")
		zone_lines = ".form-layout .frappe-control .help-box"
		expect(page.locator(zone_lines, has_text=zone)).to_have_count(0)  # no zone line under each datetime
		page.fill("[data-fieldname='subject'] input", SUBJECT)
		page.fill("[data-fieldname='reporter_name'] input", "Zhang Wei")
		page.fill("[data-fieldname='contact_detail'] input", "+86 138 0000 0000")
		page.locator("[data-fieldname='description'] .ql-editor:not(.read-mode)").fill(
			"Submitting an expense claim fails."
		)
		page.select_option("[data-fieldname='problem_type'] select", "Software")
		page.select_option("[data-fieldname='priority'] select", "P1")
		pick_link(page, "technical_domain", "System Operations")
		page.wait_for_function("cur_frm.doc.technical_domain === 'System Operations'")
		page.keyboard.press("Control+s")
		page.wait_for_url(re.compile(r".*/app/support-ticket/TS-\d{8}-\d{3}"))
		name = page.url.rsplit("/", 1)[1]
		page.wait_for_selector(".ts-sla-clocks")
		expect(page.locator(".title-text")).to_contain_text(SUBJECT[:20])
		expect(page.locator(".ts-sla-clocks")).to_contain_text("P1 response")
		expect(page.locator(".ts-sla-headline")).to_contain_text("due in")
		expect(page.locator(".ts-sla-explanation")).to_contain_text("P1 resolution:")
		expect(page.locator(zone_lines, has_text=zone)).to_have_count(0)
		for due in ("response_due", "resolution_due", "registration_due"):  # the panel shows them once
			expect(page.locator(f".frappe-control[data-fieldname='{due}']")).to_be_hidden()
		frappe.db.rollback()  # a fresh snapshot: read what the server committed
		ticket = frappe.db.get_value(
			"Support Ticket", name, ["priority", "status", "assigned_to", "response_due"], as_dict=True
		)
		self.assertEqual((ticket.priority, ticket.status, ticket.assigned_to), ("P1", "Assigned", ENGINEER))
		# the creation is on the timeline once (Frappe's own "created this"; no Version repeats it)
		self.assertLessEqual(
			frappe.db.count("Version", {"ref_doctype": "Support Ticket", "docname": name}), 1
		)
		expect(page.locator(".timeline-item", has_text="created this")).to_have_count(1)
		page.evaluate("window.scrollTo(0, 0)")
		page.screenshot(path=str(ARTIFACTS / "support-ticket-form.png"), full_page=False)

		page = self.page_for(ENGINEER)
		pages.append(page)
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
		pages.append(page)
		# the list's "Pending Extensions" quick filter shows exactly the open tickets waiting for a decision
		page.goto(f"{self.server.url}/app/support-ticket")
		page.wait_for_selector(".list-row-container")
		page.locator(".inner-group-button button", has_text="Quick Filters").first.click()
		page.locator(".dropdown-menu.show .dropdown-item", has_text="Pending Extensions").first.click()
		frappe.db.rollback()
		pending = frappe.get_all(
			"Support Ticket",
			{"extension_pending": 1, "status": ("not in", ["Closed", "Cancelled"])},
			pluck="name",
		)
		self.assertIn(name, pending)
		self.assertLessEqual(len(pending), 20)  # one page holds them all
		# the list redraws once the filter's query returns: wait for exactly those rows (bounded)
		page.wait_for_function(
			"""(pending) => {
				const shown = [...document.querySelectorAll('.list-row-container .list-row-checkbox')]
					.map((b) => b.dataset.name).sort();
				return JSON.stringify(shown) === JSON.stringify(pending);
			}""",
			arg=sorted(pending),
		)
		self.open_ticket(page, name)
		self.open_action(page, "Decide Extension")
		dialog = page.locator(".modal.show")
		expect(dialog).to_contain_text("Vendor patch needed")  # the request the supervisor decides on
		expect(dialog).to_contain_text("60 min")
		dialog.locator(".btn-primary").last.click()
		page.wait_for_selector(".modal.show", state="detached")  # closed once the server accepted
		self.assertEqual(self.status_of(name), "In Progress")
		self.assertEqual(
			frappe.db.get_value("Support Ticket Extension", {"parent": name}, "status"), "Approved"
		)
		expect(page.locator(".ts-sla-clocks")).to_contain_text("(extended)")

		page = self.page_for(ENGINEER)
		pages.append(page)
		# the engineer is told the decision in the Desk's bell
		page.goto(f"{self.server.url}/app/support-ticket")
		page.locator(".dropdown-notifications .notifications-icon").first.click()
		expect(page.locator(".notifications-list .notification-item").first).to_contain_text(
			"Extension approved"
		)
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
		pages.append(page)
		self.open_ticket(page, name)
		self.action(page, "Confirm Resolved", {"note": "Works now"}, in_menu=False)
		self.assertEqual(self.status_of(name), "Confirmed")
		self.action(page, "Rate", {"satisfaction": "5", "comment": "Quick"})
		self.status_of(name)
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "customer_satisfaction"), 5)

		page = self.page_for(SUPERVISOR)
		pages.append(page)
		self.open_ticket(page, name)
		self.action(page, "Close", {"review_note": "Solution and duration reviewed"}, in_menu=False)
		self.assertEqual(self.status_of(name), "Closed")
		# a closed ticket is a record: it opens read-only, with no action and nothing to save
		page.reload()
		page.wait_for_selector(".ts-sla-clocks")
		editable = page.eval_on_selector_all(
			".form-layout input, .form-layout textarea, .form-layout select",
			"els => els.filter(e => e.offsetParent !== null && !e.disabled && !e.readOnly)"
			".map(e => (e.closest('[data-fieldname]') || {dataset: {}}).dataset.fieldname + ':' + e.type)",
		)
		self.assertEqual(editable, [])
		self.assertEqual(page.locator(".page-actions button:visible", has_text="Save").count(), 0)
		self.assertEqual(
			page.locator(".page-actions button:visible", has_text="Actions").count(),
			0,
			page.locator(".page-actions").inner_html()[:3000],
		)
		page.goto(f"{self.server.url}/app/support-ticket?status=Closed")
		page.wait_for_selector(".list-row-container")
		expect(page.locator(".list-row-container").first).to_contain_text("Closed")
		page.screenshot(path=str(ARTIFACTS / "support-ticket-list.png"), full_page=False)
		self.assertEqual([e for p in pages for e in p.errors], [])

	def open_action(self, page, label: str, in_menu: bool = True):
		"""The dialog of the form action ``label`` (in the Actions menu when there is one), once shown."""
		if in_menu and page.locator(".inner-group-button button", has_text="Actions").count():
			page.locator(".inner-group-button button", has_text="Actions").first.click()
			page.locator(".dropdown-menu.show .dropdown-item", has_text=label).first.click()
		else:
			page.locator(".page-actions button", has_text=label).first.click()
		return shown_dialog(page)

	def test_every_support_role_sees_every_card_and_chart(self):
		from ts_sla.services import health
		from ts_sla.tests.utils import make_ticket

		# one ticket this week: the count chart's top is 1, which Frappe Charts alone splits into quarters
		make_ticket(subject=SUBJECT, technical_domain="System Operations")
		frappe.cache.delete_value([health.TICK_STARTED, health.LAST_TICK])  # no tick: the monitor is stopped
		frappe.db.commit()
		for user in (AGENT, ENGINEER, SUPERVISOR, MANAGER):
			with self.subTest(user=user):
				# after login each lands on the workspace (their default one: services.staff)
				page = logged_in_page(self.browser, self.server.url, user, after="**/app/technical-support")
				page.wait_for_selector(".number-widget-box")
				page.wait_for_function("document.querySelectorAll('.number-widget-box .number').length >= 5")
				self.assertEqual(page.locator(".number-widget-box").count(), 5)
				self.assertEqual(page.locator(".dashboard-widget-box").count(), 2)
				# the monitor line says it is stopped, and whom to tell; managers get the figures' link
				monitor = page.locator(".ts-sla-monitor[data-status='Stopped']")
				expect(monitor.locator(".indicator-pill.red")).to_have_text("SLA monitor stopped")
				expect(monitor).to_contain_text("breaches, reminders and escalations are not being sent")
				expect(monitor.locator("a[href='/app/ts-sla-settings']")).to_have_count(int(user == MANAGER))
				page.wait_for_load_state("networkidle")  # the charts draw after their data arrives
				counts = page.locator(".dashboard-widget-box", has_text="Tickets by Priority per Week")
				expect(counts.locator("g.y.axis text").first).to_be_attached()
				ticks = counts.locator("g.y.axis text").all_text_contents()
				self.assertTrue(ticks and all(re.fullmatch(r"\d+", t.strip()) for t in ticks), ticks)
				weeks = counts.locator("g.x.axis text").all_text_contents()  # whole dates, not "O ..."
				self.assertTrue(weeks and not any("..." in w for w in weeks), weeks)
				expect(page.locator(".layout-main-section")).not_to_contain_text("Not Permitted")
				self.assertEqual(page.errors, [])
				if user == SUPERVISOR:
					page.screenshot(path=str(ARTIFACTS / "workspace.png"), full_page=True)
				page.context.close()
		# a tick started: running (or lagging, should earlier tests have left tickets long due), not stopped
		health.tick_started(frappe.utils.now_datetime())
		page = logged_in_page(self.browser, self.server.url, AGENT, after="**/app/technical-support")
		monitor = page.locator(".ts-sla-monitor[data-status]:not([data-status='Stopped'])")
		expect(monitor.locator(".indicator-pill")).to_have_text(re.compile("^SLA monitor (running|lagging)$"))
		if monitor.get_attribute("data-status") == "OK":
			expect(monitor).to_contain_text("Last check")
		else:
			expect(monitor).to_contain_text("tickets wait for their check")
		self.assertEqual(page.errors, [])
		page.context.close()
		frappe.cache.delete_value([health.TICK_STARTED])

	def test_the_manager_reads_monitor_health_on_the_settings_form(self):
		page = self.page_for(MANAGER)
		page.goto(f"{self.server.url}/app/ts-sla-settings")
		health = page.locator(".frappe-control[data-fieldname='monitor_health_html'] table")
		expect(health).to_contain_text("Due backlog")
		expect(health.locator("tr", has_text="Status").locator(".indicator-pill")).to_have_count(1)
		# the tests' outgoing Email Account is set up: the mail row says so
		expect(health.locator("tr", has_text="Email")).to_contain_text("Outgoing Email Account set up")
		self.assertEqual(page.errors, [])
		page = self.page_for(SUPERVISOR)  # may read the settings, not the monitor's figures
		page.goto(f"{self.server.url}/app/ts-sla-settings")
		page.wait_for_selector(".frappe-control[data-fieldname='default_policy']")
		expect(page.locator(".frappe-control[data-fieldname='monitor_health_html'] table")).to_have_count(0)
		self.assertEqual(page.errors, [])

	def test_sidebar_assignment_is_the_assign_action(self):
		from ts_sla.tests.utils import make_ticket

		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)
		name = make_ticket(subject=SUBJECT, technical_domain="System Operations").name
		frappe.db.commit()
		page = self.page_for(AGENT)
		self.open_ticket(page, name)
		page.locator(".add-assignment-btn").first.click()
		dialog = shown_dialog(page)
		expect(dialog.locator(".modal-title")).to_have_text("Assign")
		pick_link(dialog, "user", ENGINEER)
		page.wait_for_function(f"cur_dialog && cur_dialog.get_value('user') === '{ENGINEER}'")
		try:
			dialog.locator(".btn-primary").last.click()
			page.wait_for_selector(".modal.show", state="detached")
		except Exception:
			page.screenshot(path=str(ARTIFACTS / "failed-sidebar-assign.png"))
			raise
		frappe.db.rollback()
		ticket = frappe.db.get_value(
			"Support Ticket", name, ["status", "assigned_to", "assigned_at"], as_dict=True
		)
		self.assertEqual((ticket.status, ticket.assigned_to), ("Assigned", ENGINEER))
		self.assertTrue(ticket.assigned_at)
		self.assertEqual(frappe.db.count("ToDo", {"reference_name": name, "status": "Open"}), 1)
		# the engineer may not assign: the sidebar says how it is done instead of failing on the server
		page = self.page_for(ENGINEER)
		self.open_ticket(page, name)
		page.locator(".add-assignment-btn").first.click()
		expect(page.locator(".modal.show .modal-title")).to_have_text("Use the Assign action")
		self.assertEqual(page.errors, [])

	def test_a_refused_dialog_keeps_what_was_typed(self):
		from ts_sla.api import ticket as api
		from ts_sla.tests.utils import make_ticket

		name = make_ticket(subject=SUBJECT, technical_domain="System Operations").name
		api.assign(name, ENGINEER)
		api.respond(name)
		frappe.db.commit()
		page = self.page_for(ENGINEER)
		self.open_ticket(page, name)
		self.open_action(page, "Request Extension")
		dialog = page.locator(".modal.show")
		dialog.locator(".frappe-control[data-fieldname='reason'] textarea").fill("Waiting for the vendor")
		dialog.locator(".btn-primary").last.click()  # neither extra time nor a new due: refused
		page.locator(".modal.show .msgprint, .modal.show .modal-body", has_text="extra").first.wait_for()
		page.keyboard.press("Escape")  # the error message
		page.wait_for_timeout(500)
		reason = page.locator(".modal .frappe-control[data-fieldname='reason'] textarea").first
		self.assertEqual(reason.input_value(), "Waiting for the vendor")
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Support Ticket Extension", {"parent": name}))

	def test_a_phone_sees_the_list_and_the_form_without_sideways_scrolling(self):
		from ts_sla.tests.utils import make_ticket

		name = make_ticket(subject=SUBJECT, technical_domain="System Operations").name
		frappe.db.commit()
		page = self.page_for(SUPERVISOR, width=390, height=844)
		# the list on this ticket alone: others committed by earlier tests must not push it off the first page
		page.goto(f"{self.server.url}/app/support-ticket?name={name}")
		page.wait_for_selector(".list-row-container")
		page.wait_for_timeout(500)
		overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
		self.assertLessEqual(page.evaluate(overflow), 0)
		expect(page.locator(".standard-filter-section")).to_be_hidden()  # folded away on a phone
		# the row's pill says the priority and the time left, and ends inside the screen
		row = page.locator(".list-row-container", has=page.locator(f"[data-name='{name}']")).first
		pill = row.locator(".visible-xs .indicator-pill")
		expect(pill).to_have_text(re.compile(r"P[0-3] · .*(left|overdue)"))
		pill_box = pill.bounding_box()
		self.assertLessEqual(pill_box["x"] + pill_box["width"], 390, "the pill runs past the screen")
		# a long subject ends with an ellipsis, a gap before the pill (it neither runs under it nor is cut at it)
		subject = row.locator(".list-subject > span:not(.select-like)").first
		subject_box = subject.bounding_box()
		self.assertLessEqual(
			subject_box["x"] + subject_box["width"], pill_box["x"] - 4, "no gap before the pill"
		)
		self.assertEqual(
			subject.locator("a").first.evaluate("a => getComputedStyle(a).textOverflow"), "ellipsis"
		)
		page.screenshot(path=str(ARTIFACTS / "mobile-list.png"))
		self.open_ticket(page, name)
		page.wait_for_timeout(500)
		self.assertLessEqual(page.evaluate(overflow), 0)
		# the form head's status pill stops before the menu button instead of running under it
		head_pill = page.locator(".page-head .title-area .indicator-pill").bounding_box()
		menu = page.locator(".page-head .page-actions .menu-btn-group, .page-head .page-actions").first
		self.assertLessEqual(head_pill["x"] + head_pill["width"], menu.bounding_box()["x"] + 1)
		# a clock that has not stopped has no figure yet: "—", not 0
		expect(
			page.locator(".frappe-control[data-fieldname='response_business_minutes'] .control-value")
		).to_have_text("—")
		# the clocks table fits the screen (it scrolls inside its own box if it must, never the page)
		box = page.locator(".ts-sla-clocks").bounding_box()
		self.assertLessEqual(box["x"] + box["width"], 390 + 1)
		page.locator(".ts-sla-clocks").scroll_into_view_if_needed()
		page.screenshot(path=str(ARTIFACTS / "mobile-form.png"))
		self.assertEqual(page.errors, [])

	def test_the_list_shows_whole_ids_priority_and_time_left(self):
		from ts_sla.tests.utils import make_ticket

		name = make_ticket(subject=SUBJECT, technical_domain="System Operations").name
		frappe.db.commit()
		page = self.page_for(SUPERVISOR, width=1400)
		page.goto(f"{self.server.url}/app/support-ticket?name={name}")
		row = page.locator(".list-row-container", has=page.locator(f"[data-name='{name}']")).first
		expect(row.locator(".ts-sla-id")).to_have_text(name)
		# the whole ID, the time left and the priority fit their columns: nothing cut short
		for cls in ("ts-sla-id", "ts-sla-next-due", "ts-sla-priority"):
			cut = row.locator(f".{cls}").evaluate(
				"e => e.parentElement.scrollWidth - e.parentElement.clientWidth"
			)
			self.assertLessEqual(cut, 0, cls)
		expect(row.locator(".ts-sla-next-due")).to_have_text(re.compile("(left|overdue)$"))
		# whatever a ticket's time left is, it fits: the longest figures the list can show, in the same cell
		for minutes in (-1439, 1439, -(999 * 1440 + 23 * 60)):
			cut = row.locator(".ts-sla-next-due").evaluate(
				"(e, m) => { e.textContent = ts_sla.time_left(m); return e.parentElement.scrollWidth - e.parentElement.clientWidth; }",
				minutes,
			)
			self.assertLessEqual(cut, 0, minutes)
		expect(row.locator(".ts-sla-priority")).to_have_text(re.compile("^P[0-3]$"))
		# the assignee's avatar names them on the row
		assignee = frappe.db.get_value("Support Ticket", name, "assigned_to")
		self.assertTrue(assignee)
		expect(row.locator(f".list-assignments [data-filter*='{assignee}']")).to_have_count(1)
		# header and rows line up: the ID heading sits over the IDs
		head = page.locator(".list-row-head [data-sort-by='name']").bounding_box()
		cell = row.locator(".ts-sla-id").bounding_box()
		self.assertLess(abs(head["x"] - cell["x"]), 4)
		page.screenshot(path=str(ARTIFACTS / "list-1400.png"))
		self.assertEqual(page.errors, [])

	def test_bulk_edit_offers_only_what_an_edit_may_change(self):
		from ts_sla.services.guard import action_only_fields
		from ts_sla.tests.utils import make_ticket

		name = make_ticket(subject=SUBJECT, technical_domain="System Operations").name
		frappe.db.commit()
		page = self.page_for(SUPERVISOR, width=1400)
		page.goto(f"{self.server.url}/app/support-ticket?name={name}")
		row = page.locator(".list-row-container", has=page.locator(f"[data-name='{name}']")).first
		row.locator(".list-row-checkbox").check()
		page.locator(".page-actions .actions-btn-group > button").click()
		page.locator(".actions-btn-group .dropdown-item", has_text="Edit").first.click()
		dialog = shown_dialog(page)
		expect(dialog.locator(".modal-title")).to_have_text("Bulk Edit")
		offered = dialog.locator("[data-fieldname='field'] select option").all_text_contents()
		labels = {
			frappe.get_meta("Support Ticket").get_label(f)
			for f in action_only_fields()
			if frappe.get_meta("Support Ticket").get_field(f)
		}
		self.assertIn("Subject", offered)
		self.assertEqual(labels & set(offered), set(), "fields only actions change")
		page.keyboard.press("Escape")
		# the new-ticket form still lets the agent of this browser set priority and domain (nothing stayed read-only)
		page.goto(f"{self.server.url}/app/support-ticket/new")
		page.wait_for_selector("[data-fieldname='priority'] select")
		expect(page.locator("[data-fieldname='priority'] select")).to_be_enabled()
		self.assertEqual(page.errors, [])

	def test_the_reports_show_full_ids_and_dates(self):
		from ts_sla.tests.utils import make_ticket

		name = make_ticket(
			subject=SUBJECT, technical_domain="System Operations", received_at="2023-10-25 09:15:00"
		).name
		frappe.db.commit()
		page = self.page_for(SUPERVISOR)
		page.goto(
			f"{self.server.url}/app/query-report/Response Time Tracking?from_date=2023-10-23&to_date=2023-10-29"
		)
		try:
			page.wait_for_selector(".dt-row")
		except Exception:
			page.screenshot(path=str(ARTIFACTS / "failed-tracking.png"))
			raise
		cell = page.locator(".dt-cell__content", has_text=name).first
		expect(cell).to_be_visible()
		# not cut short: the whole ID and each whole date and time fit their columns
		self.assertLessEqual(cell.evaluate("c => c.scrollWidth - c.clientWidth"), 0)
		cut = page.locator(".dt-row", has=cell).evaluate(
			"row => [...row.querySelectorAll('.dt-cell__content')]"
			".filter(c => /\\d{2}:\\d{2}/.test(c.textContent) && c.scrollWidth > c.clientWidth)"
			".map(c => c.textContent.trim())"
		)
		self.assertEqual(cut, [])
		page.screenshot(path=str(ARTIFACTS / "response-time-tracking.png"))
		self.assertEqual(page.errors, [])
		page.wait_for_load_state("networkidle")
		page.goto(f"{self.server.url}/app/query-report/Weekly SLA Review")
		page.wait_for_selector(".report-summary")
		page.wait_for_load_state("networkidle")
		page.evaluate("frappe.query_report.set_filter_value('week', '2023-10-25')")
		page.wait_for_selector(".dt-row")
		page.wait_for_load_state("networkidle")
		page.wait_for_timeout(1000)
		page.screenshot(path=str(ARTIFACTS / "weekly-sla-review.png"), full_page=True)
		self.assertEqual(page.errors, [])

	def test_tour_what_a_new_supervisor_sees_first(self):
		"""The README's tour: a morning's tickets registered over REST, then the supervisor's five screens."""
		agent, engineer = self.server.session(AGENT, PASSWORD), self.server.session(ENGINEER, PASSWORD)
		tour = [
			("P0", "Tour: payment channel down for all stores", "System Operations", None),
			("P1", "Tour: expense claims cannot be submitted", "System Operations", "respond"),
			("P2", "Tour: report totals shown twice", "System Operations", "respond,wait_for_customer"),
			("P3", "Tour: how do I export my timesheet?", "Network", None),
		]
		names = []
		try:
			for priority, subject, domain, action in tour:
				body = {
					"subject": subject,
					"description": subject,
					"reporter_type": "Internal Employee",
					"reporter_name": "Li Na",
					"contact_method": "Phone",
					"contact_detail": "+86 139 0000 0000",
					"channel": "Phone",
					"problem_type": "Software",
					"technical_domain": domain,
					"priority": priority,
				}
				response = agent.post(f"{self.server.url}/api/resource/Support Ticket", json=body, timeout=60)
				self.assertEqual(response.status_code, 200, response.text)
				names.append(response.json()["data"]["name"])
				for step in (action or "").split(",") if action else ():
					method = f"{self.server.url}/api/method/ts_sla.api.ticket.{step}"
					response = engineer.post(method, json={"ticket": names[-1]}, timeout=60)
					self.assertEqual(response.status_code, 200, response.text)
			page = self.page_for(SUPERVISOR)
			page.goto(f"{self.server.url}/app/technical-support")
			page.wait_for_function("document.querySelectorAll('.number-widget-box .number').length >= 5")
			page.wait_for_timeout(2000)
			page.screenshot(path=str(ARTIFACTS / "tour-1-workspace.png"))
			page.goto(
				f"{self.server.url}/app/support-ticket?status=%5B%22not%20in%22%2C%5B%22Closed%22%2C%22Cancelled%22%5D%5D"
			)
			page.wait_for_selector(".list-row-container")
			# the P0's next due is its 15-minute response (time left computed in the system zone)
			expect(page.locator(".list-row-container", has_text="Tour: payment")).to_contain_text(
				re.compile(r"1[0-5] min left")
			)
			page.screenshot(path=str(ARTIFACTS / "tour-2-list.png"))
			self.open_ticket(page, names[0])
			page.wait_for_timeout(500)
			page.screenshot(path=str(ARTIFACTS / "tour-3-ticket.png"))
			frappe.db.rollback()
			day = str(frappe.db.get_value("Support Ticket", names[0], "received_at"))[:10]
			page.goto(
				f"{self.server.url}/app/query-report/Response Time Tracking?from_date={day}&to_date={day}"
			)
			page.wait_for_selector(".dt-row")
			page.wait_for_load_state("networkidle")
			page.screenshot(path=str(ARTIFACTS / "tour-4-tracking.png"))
			page.goto(f"{self.server.url}/app/query-report/Weekly SLA Review")
			page.wait_for_selector(".report-summary")
			page.wait_for_load_state("networkidle")
			page.evaluate(f"frappe.query_report.set_filter_value('week', '{day}')")
			page.wait_for_selector(".dt-row")
			page.wait_for_load_state("networkidle")
			page.wait_for_timeout(1000)
			page.screenshot(path=str(ARTIFACTS / "tour-5-weekly-review.png"))
			self.assertEqual(page.errors, [])
		finally:
			frappe.db.rollback()
			for name in names:
				frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
			frappe.db.commit()

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
			# time left in Chinese units, the headline and the state pills in Chinese, each pill on one line
			panel = page.locator(".ts-sla-clocks").inner_text()
			self.assertRegex(panel, "分钟|小时|天")
			self.assertNotRegex(panel, r"\d+ min\b")
			self.assertNotIn("due in", page.locator(".ts-sla-headline").inner_text())
			pills = page.locator(".ts-sla-clocks .indicator-pill")
			for i in range(pills.count()):
				self.assertLess(pills.nth(i).bounding_box()["height"], 30)
			page.screenshot(path=str(ARTIFACTS / "support-ticket-form-zh.png"))
			self.assertEqual(page.errors, [])
			# the workspace's monitor line in Chinese too, on a phone as well
			for width in (1400, 390):
				page = self.page_for(SUPERVISOR, width=width, height=900)
				page.goto(f"{self.server.url}/app/technical-support")
				line = page.locator(".ts-sla-monitor[data-status]")
				expect(line.locator(".indicator-pill")).to_have_text(
					re.compile("^SLA 监控(已停止|运行中|滞后)$")
				)
				self.assertNotRegex(line.inner_text(), "[A-Za-z]{4,}", "an English word in the zh line")
				self.assertLessEqual(
					page.evaluate("document.documentElement.scrollWidth"), width, "sideways scrolling"
				)
				page.screenshot(path=str(ARTIFACTS / f"workspace-zh-{width}.png"), full_page=True)
				self.assertEqual(page.errors, [])
				page.context.close()
		finally:
			set_site_language("en")
			for user, language in languages.items():
				frappe.db.set_value("User", user, "language", language)
			frappe.db.commit()
			frappe.clear_cache()

	def test_a_chinese_engineer_reads_the_timeline_and_names_of_an_english_site_in_chinese(self):
		from ts_sla.services import lifecycle
		from ts_sla.tests.utils import make_ticket

		name = make_ticket(
			subject=SUBJECT, technical_domain="System Operations", received_at=frappe.utils.now()
		).name
		frappe.set_user(SUPERVISOR)  # an English reader writes the reclassification
		try:
			lifecycle.reclassify(
				frappe.get_doc("Support Ticket", name), "customer escalated", {"priority": "P2"}
			)
		finally:
			frappe.set_user("Administrator")
		frappe.db.commit()
		with speaking(ENGINEER, "zh"):
			page = self.page_for(ENGINEER)
			self.open_ticket(page, name)
			timeline = page.locator(".new-timeline")
			expect(timeline).to_contain_text(f"已指派给 {ENGINEER}：按技术领域分派")
			expect(timeline).to_contain_text("因 问题级别：P1 → P2 变化，时限已重新计算。")
			expect(timeline).to_contain_text("原因：customer escalated")
			self.assertNotRegex(timeline.inner_text(), "Assigned to|Deadlines recomputed|routed by|Reason:")
			domain = page.locator(".frappe-control[data-fieldname='technical_domain']").first.evaluate(
				"el => (el.querySelector('input') || {}).value || el.innerText"
			)
			self.assertIn("系统运维", domain)
			page.screenshot(path=str(ARTIFACTS / "timeline-zh.png"), full_page=True)
			self.assertEqual(page.errors, [])
			page.context.close()
			page = self.page_for(SUPERVISOR)  # the same lines in English for an English reader
			self.open_ticket(page, name)
			expect(page.locator(".new-timeline")).to_contain_text(
				f"Assigned to {ENGINEER}: routed by technical domain"
			)
			expect(page.locator(".new-timeline")).to_contain_text(
				"Deadlines recomputed because Priority: P1 → P2"
			)
			self.assertEqual(page.errors, [])
			page.context.close()
