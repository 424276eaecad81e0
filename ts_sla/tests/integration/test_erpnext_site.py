"""The ERPNext test site: ERPNext and ts_sla installed side by side (skipped on a site without ERPNext)."""

import frappe
import pytest

from ts_sla.install import MODULE, ROLES
from ts_sla.tests.utils import TSSLATestCase, make_ticket, skip_without_erpnext

pytestmark = pytest.mark.erpnext


class TestERPNextSite(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		skip_without_erpnext()
		super().setUpClass()

	def test_erpnext_and_ts_sla_are_both_installed(self):
		import erpnext

		self.assertTrue(erpnext.__version__.startswith("15."), erpnext.__version__)
		self.assertLess(
			frappe.get_installed_apps().index("erpnext"), frappe.get_installed_apps().index("ts_sla")
		)
		self.assertTrue(frappe.db.count("Company"), "ERPNext's setup wizard was completed")
		for doctype in ("Support Ticket", "SLA Policy", "Support Calendar", "TS SLA Settings"):
			self.assertEqual(frappe.db.get_value("DocType", doctype, "module"), MODULE, doctype)
		for role in ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)

	def test_erpnext_issue_and_service_level_agreement_are_not_touched(self):
		for doctype in ("Issue", "Service Level Agreement"):
			self.assertEqual(frappe.db.get_value("DocType", doctype, "module"), "Support", doctype)
			self.assertFalse(frappe.get_all("Custom Field", {"dt": doctype, "module": MODULE}), doctype)
		ticket = make_ticket()
		self.assertTrue(ticket.name.startswith("TS-20231025-"), ticket.name)
		self.assertTrue(ticket.response_due)
