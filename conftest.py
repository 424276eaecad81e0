"""pytest wiring: unit tests need nothing; integration tests run on the Frappe site named by TS_SLA_SITE.

Tests under ``ts_sla/tests/unit/`` are unit tests. Every other test is an integration test: the session
connects to the site once (``frappe.init`` + ``frappe.connect``) and each test is rolled back afterwards.
``scripts/run-tests`` sets TS_SLA_BENCH / TS_SLA_SITE and runs pytest from the bench's ``sites`` folder.
"""

import os
from pathlib import Path

import pytest

UNIT_DIR = f"{os.sep}tests{os.sep}unit{os.sep}"


def pytest_collection_modifyitems(config, items):
	for item in items:
		if UNIT_DIR not in str(item.path):
			item.add_marker(pytest.mark.integration)
	config._ts_sla_integration = any(item.get_closest_marker("integration") for item in items)


@pytest.fixture(scope="session", autouse=True)
def frappe_site(request):
	"""Connect to the test site once, if any integration test was collected."""
	if not getattr(request.config, "_ts_sla_integration", False):
		yield None
		return
	site = os.environ.get("TS_SLA_SITE")
	bench = os.environ.get("TS_SLA_BENCH", "/home/frappe/frappe-bench")
	if not site:
		pytest.exit("integration tests need TS_SLA_SITE: run scripts/run-tests", returncode=4)
	import frappe

	frappe.init(site=site, sites_path=str(Path(bench) / "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.flags.mute_emails = True  # queued mail stays in the test's transaction
	frappe.set_user("Administrator")
	yield frappe
	frappe.db.rollback()
	frappe.destroy()


def erpnext_missing() -> str | None:
	"""Why an ERPNext-only test cannot run here (None when ERPNext is installed on the test site)."""
	import frappe

	if "erpnext" in frappe.get_installed_apps():
		return None
	return f"ERPNext is not installed on {frappe.local.site}"


@pytest.fixture(autouse=True)
def _skip_erpnext_tests_without_erpnext(request, frappe_site):
	"""Tests marked ``erpnext`` run on an ERPNext site and skip, saying why, on a plain Frappe site."""
	if request.node.get_closest_marker("erpnext") is not None and (reason := erpnext_missing()):
		pytest.skip(reason)


@pytest.fixture(autouse=True)
def _rollback_each_integration_test(request):
	"""Each integration test sees the site as the previous one found it."""
	yield
	if request.node.get_closest_marker("integration") is not None:
		import frappe

		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.local.flags.pop("ts_sla_action", None)
