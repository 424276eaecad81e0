"""pytest wiring: unit tests need nothing; integration tests run on the Frappe site named by TS_SLA_SITE.

Tests under ``ts_sla/tests/unit/`` are unit tests. Every other test is an integration test: the session
connects to the site once (``frappe.init`` + ``frappe.connect``) and each test is rolled back afterwards.
``scripts/run-tests`` sets TS_SLA_BENCH / TS_SLA_SITE and runs pytest from the bench's ``sites`` folder,
once on a plain Frappe site and once on an ERPNext site.

Tests marked ``erpnext`` (``@pytest.mark.erpnext``, or ``pytestmark = pytest.mark.erpnext`` in a module) need
ERPNext on the site: on a site without it they are skipped, with the reason shown in the report. At the end of
the session the test users (``*@ts-sla.test``) the suite created are deleted, and nothing else.
"""

import os
from pathlib import Path

import pytest

UNIT_DIR = f"{os.sep}tests{os.sep}unit{os.sep}"
TEST_USERS = "%@ts-sla.test"  # every user the tests create (ts_sla.tests.utils.USERS and the tests' own)


def pytest_configure(config):
	config.addinivalue_line(
		"markers", "erpnext: needs ERPNext installed on the test site (skipped otherwise)"
	)


def _site():
	return os.environ.get("TS_SLA_SITE"), os.environ.get("TS_SLA_BENCH", "/home/frappe/frappe-bench")


def _connect():
	"""Connect to the test site (once per session: the collection may need it before the fixtures)."""
	import frappe

	site, bench = _site()
	if not site:
		pytest.exit("integration tests need TS_SLA_SITE: run scripts/run-tests", returncode=4)
	if getattr(frappe.local, "site", None) != site or not getattr(frappe.local, "db", None):
		frappe.init(site=site, sites_path=str(Path(bench) / "sites"))
		frappe.connect()
	return frappe


def pytest_collection_modifyitems(config, items):
	for item in items:
		if UNIT_DIR not in str(item.path):
			item.add_marker(pytest.mark.integration)
	config._ts_sla_integration = any(item.get_closest_marker("integration") for item in items)
	erpnext_only = [item for item in items if item.get_closest_marker("erpnext")]
	if erpnext_only:
		site = _site()[0]
		if not site or "erpnext" not in _connect().get_installed_apps():
			skip = pytest.mark.skip(
				reason=f"ERPNext is not installed on {site or 'the test site (none: no TS_SLA_SITE)'}"
			)
			for item in erpnext_only:
				item.add_marker(skip)


def _remove_test_users(frappe) -> None:
	"""Delete the users the tests made, and check that no other user went with them."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	users = set(frappe.get_all("User", pluck="name"))
	test_users = set(frappe.get_all("User", {"name": ("like", TEST_USERS)}, pluck="name"))
	for user in sorted(test_users):
		frappe.delete_doc("User", user, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.commit()
	remaining = set(frappe.get_all("User", pluck="name"))
	assert remaining == users - test_users, (
		f"removing the test users changed other users: gone {sorted(users - test_users - remaining)}, "
		f"left {sorted(remaining & test_users)}"
	)


@pytest.fixture(scope="session", autouse=True)
def frappe_site(request):
	"""Connect to the test site once, if any integration test was collected."""
	if not getattr(request.config, "_ts_sla_integration", False):
		yield None
		return
	frappe = _connect()
	frappe.flags.in_test = True
	frappe.flags.mute_emails = True  # queued mail stays in the test's transaction
	frappe.set_user("Administrator")
	yield frappe
	frappe.db.rollback()
	_remove_test_users(frappe)
	frappe.destroy()


@pytest.fixture(autouse=True)
def _rollback_each_integration_test(request):
	"""Each integration test sees the site as the previous one found it."""
	yield
	if request.node.get_closest_marker("integration") is not None:
		import frappe

		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.local.flags.pop("ts_sla_action", None)
