"""Integration-test helpers: the base test case and factories (make_user, make_calendar, make_ticket ...)."""

from __future__ import annotations

import contextlib
import unittest

import frappe
from frappe.tests.utils import FrappeTestCase

from ts_sla.services.clocks import clear_calendar_cache
from ts_sla.services.teams import forget_role_holders
from ts_sla.setup.defaults import DEFAULT_CALENDAR, DEFAULT_POLICY, create_defaults

PASSWORD = "Ts-Sla-Test-9!"
USERS = {
	"agent@ts-sla.test": ["Support Agent"],
	"engineer@ts-sla.test": ["Support Engineer"],
	"engineer2@ts-sla.test": ["Support Engineer"],
	"outsider.engineer@ts-sla.test": ["Support Engineer"],
	"supervisor@ts-sla.test": ["Support Supervisor"],
	"manager@ts-sla.test": ["Support Manager"],
	"reporter@ts-sla.test": [],
	"other.reporter@ts-sla.test": [],
}
TEAM = "System Operations Team"


def set_system_time_zone(tz: str) -> None:
	frappe.db.set_single_value("System Settings", "time_zone", tz)
	_clear_settings_cache()


def _clear_settings_cache() -> None:
	frappe.clear_document_cache("System Settings", "System Settings")
	if hasattr(frappe.local, "system_settings"):
		del frappe.local.system_settings
	forget_role_holders()
	clear_calendar_cache()


def make_user(email: str, roles: list[str], user_type: str = "System User") -> str:
	from ts_sla.setup.demo import ensure_user

	ensure_user(email, email.split("@")[0].replace(".", " ").title(), roles, PASSWORD)
	if user_type == "System User" and not roles:
		frappe.db.set_value("User", email, "user_type", "System User")
	return email


def make_email_account() -> None:
	"""An outgoing account so queued mail can be asserted (nothing is sent: no worker, no SMTP)."""
	if not frappe.db.exists("Email Account", "TS SLA Test Outgoing"):
		frappe.flags.in_test = True
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "TS SLA Test Outgoing",
				"email_id": "support@ts-sla.test",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)


def make_team(name: str = TEAM, members: dict | None = None, domains=("System Operations",), **kw) -> str:
	if frappe.db.exists("Support Team", name):
		frappe.delete_doc("Support Team", name, force=True, ignore_permissions=True)
	members = (
		members if members is not None else {"engineer@ts-sla.test": "L2", "engineer2@ts-sla.test": "L3"}
	)
	frappe.get_doc(
		{
			"doctype": "Support Team",
			"team_name": name,
			"supervisor": "supervisor@ts-sla.test",
			"lead": "supervisor@ts-sla.test",
			"domains": [{"technical_domain": d} for d in domains],
			"members": [{"user": u, "tier": t, "active": 1} for u, t in members.items()],
			**kw,
		}
	).insert(ignore_permissions=True)
	return name


def make_calendar(
	name: str, time_zone: str = "", weekly=None, holidays=(), extra_days=(), always_open=0
) -> str:
	weekly = weekly or {
		d: [("09:00", "18:00")] for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
	}
	doc = frappe.get_doc(
		{
			"doctype": "Support Calendar",
			"calendar_name": name,
			"time_zone": time_zone,
			"always_open": always_open,
			"working_hours": [
				{"weekday": day, "start_time": s, "end_time": e}
				for day, ranges in weekly.items()
				for s, e in ranges
			],
			"holidays": [dict(h) for h in holidays],
			"extra_working_days": [dict(x) for x in extra_days],
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def make_policy(name: str, calendar: str = DEFAULT_CALENDAR, targets: dict | None = None, **kw) -> str:
	"""A policy copied from the default one, with per-priority overrides ``{"P1": {"response_time": 2}}``."""
	base = frappe.get_doc("SLA Policy", DEFAULT_POLICY)
	rows = []
	for row in base.priorities:
		data = {
			k: row.get(k)
			for k in row.as_dict()
			if k not in ("name", "parent", "parentfield", "parenttype", "idx")
		}
		data.update((targets or {}).get(row.priority, {}))
		rows.append(data)
	doc = frappe.get_doc(
		{
			"doctype": "SLA Policy",
			"policy_name": name,
			"enabled": 1,
			"is_default": 0,
			"support_calendar": calendar,
			"priorities": rows,
			"daily_progress_cutoff": "17:00:00",
			**kw,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def ticket_data(**kw) -> dict:
	data = {
		"doctype": "Support Ticket",
		"subject": "ERP cannot submit expense claims",
		"description": "Submitting an expense claim fails with an error.",
		"reporter_type": "Internal Employee",
		"reporter_name": "Zhang Wei",
		"contact_method": "Phone",
		"contact_detail": "+86 138 0000 0000",
		"channel": "Phone",
		"problem_type": "Software",
		"technical_domain": "System Operations",
		"priority": "P1",
		"received_at": "2023-10-25 09:15:00",
	}
	data.update(kw)
	return data


def make_ticket(**kw):
	return frappe.get_doc(ticket_data(**kw)).insert()


class TSSLATestCase(FrappeTestCase):
	"""FrappeTestCase with the defaults, test users and system time zone Asia/Shanghai (SPEC §3), and a
	rollback after every test, under pytest and under ``bench run-tests`` alike."""

	TIME_ZONE = "Asia/Shanghai"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		create_defaults()
		for email, roles in USERS.items():
			make_user(email, roles, "System User" if roles else "Website User")
		make_email_account()
		frappe.db.commit()  # shared fixtures, like Frappe's test records

	def setUp(self):
		super().setUp()
		# Frappe sends a notification's email at once under tests, and that commits; muted, mail stays
		# queued in the transaction (and can be asserted), and the rollback keeps tests isolated.
		frappe.flags.mute_emails = True
		set_system_time_zone(self.TIME_ZONE)
		# routing at registration is tested on its own (test_routing); elsewhere tickets start New
		frappe.db.set_single_value("TS SLA Settings", "auto_assign", 0)

	def tearDown(self):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		_clear_settings_cache()
		super().tearDown()


def skip_without_erpnext() -> None:
	"""For a test class's ``setUpClass``: skip it on a site without ERPNext. Under pytest the ``erpnext``
	marker already does (conftest.py); Frappe's own runner ignores pytest markers."""
	if "erpnext" not in frappe.get_installed_apps():
		raise unittest.SkipTest(f"ERPNext is not installed on {frappe.local.site}")


class LiveServerCase(TSSLATestCase):
	"""A test class with the site's own web server running (``cls.server``) for its tests."""

	@classmethod
	def setUpClass(cls):
		from ts_sla.tests.server import LiveServer

		super().setUpClass()
		cls.server = LiveServer().start()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		super().tearDownClass()


@contextlib.contextmanager
def speaking(user: str, lang: str):
	"""``user`` reads the Desk and the portal in ``lang`` until the block ends (committed: the web server
	reads it), then their own language again."""
	before = frappe.db.get_value("User", user, "language")
	frappe.db.set_value("User", user, "language", lang)
	frappe.db.commit()
	frappe.clear_cache(user=user)
	try:
		yield
	finally:
		frappe.db.set_value("User", user, "language", before)
		frappe.db.commit()
		frappe.clear_cache(user=user)
