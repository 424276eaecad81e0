"""What the browser tests share: Debian's Chromium driven by Playwright (no browser download), a page per
user that records every uncaught exception and console error, and where screenshots go."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path

from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import PASSWORD

try:
	from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the test command installs it
	expect = sync_playwright = None

#: How long a browser test waits for what it needs (an element, a page, an assertion to hold), in ms. A
#: generous bound, not a speed goal: every wait ends as soon as its event happens, and a busy machine (both
#: cores loaded, scripts/stress-tests) must not fail a test. Playwright's own defaults are 30 s and, for
#: ``expect``, 5 s.
WAIT_MS = 90_000
if expect is not None:
	expect.set_options(timeout=WAIT_MS)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TS_SLA_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
AVAILABLE = sync_playwright is not None and os.path.exists(CHROMIUM)
#: Browser messages that are not the app's errors: the realtime socket (no socket.io server in the tests)
#: and the HTTP status line Chromium logs when a test expects the server to refuse.
NOT_OURS = re.compile(r"socket\.io|WebSocket|the server responded with a status of (417|404)")
#: Page errors that come from Frappe itself, not from the app. Frappe's microtemplate names each
#: ``{% for %}`` loop's variables with ``frappe.utils.get_random(3)``. Now and then that draws a JavaScript
#: keyword (``new``, ``for``, ``try``, ``var``), so ``new Function`` throws, ``compile`` returns
#: undefined, and this error appears on whichever Desk page is rendering a template (seen once in CI on the
#: ERPNext site's calendar form).
FRAMEWORK_PAGE_ERRORS = re.compile(r"frappe\.template\.compile\(\.\.\.\) is not a function")


def launch():
	"""(playwright, browser) for a test class; stop both in its tearDownClass."""
	playwright = sync_playwright().start()
	browser = playwright.chromium.launch(
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
	return playwright, browser


def open_browser(cls) -> None:
	"""For a test class, after its committed fixtures: the site's web server and a browser."""
	ARTIFACTS.mkdir(parents=True, exist_ok=True)
	cls.server = LiveServer().start()
	cls.playwright, cls.browser = launch()


def close_browser(cls) -> None:
	cls.browser.close()
	cls.playwright.stop()
	cls.server.stop()


def logged_in_page(
	browser, url: str, user: str, width: int = 1400, height: int = 1000, after: str = "**/app**"
):
	"""A new browser context logged in as ``user``; ``page.errors`` collects what went wrong in the page."""
	context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
	page = context.new_page()
	page.set_default_timeout(WAIT_MS)
	page.set_default_navigation_timeout(WAIT_MS)
	page.errors = []
	page.on(
		"pageerror",
		lambda error: FRAMEWORK_PAGE_ERRORS.search(str(error)) or page.errors.append(f"{user}: {error}"),
	)
	record_traffic(page)

	def console(message):
		text = f"{message.text} ({message.location.get('url')})"
		page.console_log.append(f"{message.type}: {text}"[:300])
		if message.type == "error" and not NOT_OURS.search(text):
			page.errors.append(f"{user}: {text}")

	page.on("console", console)
	page.goto(f"{url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", PASSWORD)
	page.click(".page-card-actions .btn-login")
	page.wait_for_url(after)
	return page


def record_traffic(page) -> None:
	"""Keep, on ``page``, what a failed wait needs to say: the requests still in flight (with when they
	started), the last ones that ended, and the console's last messages."""
	page.in_flight, page.finished, page.console_log = {}, [], []

	def started(request):
		page.in_flight[request] = time.monotonic()

	def ended(request, how: str):
		began = page.in_flight.pop(request, None)
		took = f"{time.monotonic() - began:.1f} s" if began is not None else "?"
		page.finished.append(f"{how} {request.method} {request.url[:160]} ({took})")
		del page.finished[:-40]

	page.on("request", started)
	page.on("requestfinished", lambda request: ended(request, "done"))
	page.on("requestfailed", lambda request: ended(request, f"failed ({request.failure})"))


def explain(page) -> str:
	"""What the page was doing: its address and state, Frappe's route, the requests in flight and the last
	ones that ended, its errors and console."""
	now = time.monotonic()
	try:
		state = page.evaluate(
			"() => JSON.stringify({ready: document.readyState, "
			"route: window.frappe && frappe.get_route ? frappe.get_route() : null, "
			"booted: !!(window.frappe && frappe.boot && frappe.boot.user), "
			"app: !!(window.frappe && frappe.app), "
			"form: window.cur_frm ? [cur_frm.doctype, cur_frm.docname] : null, "
			"ajax: window.frappe && frappe.request ? frappe.request.ajax_count : null})"
		)
	except Exception as error:  # the page itself may be what is stuck
		state = f"(could not ask the page: {error})"
	lines = [f"at {page.url}: {state}", "in flight:"]
	lines += [
		f"  {request.method} {request.url[:160]} for {now - began:.1f} s"
		for request, began in page.in_flight.items()
	] or ["  (none)"]
	lines += ["last ended:", *(f"  {line}" for line in page.finished[-15:])]
	lines += ["errors:", *(f"  {line}" for line in page.errors)]
	lines += ["console:", *(f"  {line}" for line in page.console_log[-20:])]
	return "\n".join(lines)


def wait_for(page, selector: str, name: str) -> None:
	"""``page.wait_for_selector(selector)``; when it does not come, a screenshot ``failed-{name}.png`` and an
	error that says what the page was doing (``explain``)."""
	try:
		page.wait_for_selector(selector)
	except Exception as error:
		with contextlib.suppress(Exception):
			page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"))
		raise AssertionError(f"{selector} did not appear ({error})\n{explain(page)}") from error


@contextlib.contextmanager
def shot_on_failure(page, name: str, full_page: bool = False):
	"""A browser test's steps on ``page``: when they fail, a screenshot ``failed-{name}.png`` goes to the
	artifacts before the error; at the end the page's context is closed."""
	try:
		yield page
	except Exception:
		page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=full_page)
		raise
	finally:
		page.context.close()


def shown_dialog(page):
	"""The dialog just opened, once Frappe has finished showing it. ``.modal.show`` appears when the fade-in
	starts; when it ends Frappe focuses the dialog's first input, and a field typed into before that loses
	focus: an Autocomplete then drops the text typed as "not one of its options". On a busy machine the
	fade-in outlasts a test's first keystrokes, so wait for Frappe's own mark that the dialog is shown."""
	dialog = page.locator(".modal.show")
	dialog.wait_for()
	page.wait_for_function(
		"window.cur_dialog && cur_dialog.display && frappe.ui.open_dialogs.includes(cur_dialog)"
	)
	return dialog


def pick_link(scope, fieldname: str, value: str, shown: str | None = None) -> None:
	"""Choose ``value`` in the Link field ``fieldname`` inside ``scope`` (a page, a dialog) as a person does:
	type it, wait for the suggestion (``shown``: its visible text, default the value) and click it. Pressing
	Tab before the suggestions arrive leaves the typed text unset in the form (Frappe 15.75), so a test that
	raced them saved a ticket without the value on a busy machine."""
	control = scope.locator(f".frappe-control[data-fieldname='{fieldname}']").last
	field = control.locator("input").first
	field.fill(value)
	control.locator(".awesomplete [role='option']", has_text=shown or value).first.click()
	expect(field).to_have_value(value)


def click_page_button(page, label: str) -> None:
	"""A form's or page's own button, as a person at that width reaches it: on the toolbar, or on a phone in
	the "…" menu where Frappe repeats the toolbar's buttons."""
	button = page.locator(".page-actions button:visible", has_text=label)
	if button.count():
		button.first.click()
		return
	page.locator(".page-actions .menu-btn-group > button").first.click()
	page.locator(".dropdown-menu.show .dropdown-item", has_text=label).first.click()


#: An English word of the app (three letters or more) where Chinese is expected; IDs, time zones and
#: Frappe's "SLA" are not words to translate.
ENGLISH_WORD = re.compile(r"\b(?!TS\b|SLA\b|Asia\b|Shanghai\b)[A-Za-z]{3,}\b")
