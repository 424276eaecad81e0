"""The foundation on a real site: the app is installed, a record makes a database round trip."""

import frappe

from ts_sla.install import ROLES
from ts_sla.tests.utils import TSSLATestCase


class TestSite(TSSLATestCase):
	def test_app_installed_with_module_and_roles(self):
		self.assertIn("ts_sla", frappe.get_installed_apps())
		self.assertTrue(frappe.db.exists("Module Def", "TS SLA"))
		for role in ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)

	def test_round_trip_insert_and_read_back(self):
		doc = frappe.get_doc(
			{"doctype": "Technical Domain", "domain_name": "Round Trip Domain", "description": "written"}
		).insert()
		frappe.clear_document_cache("Technical Domain", doc.name)
		read = frappe.db.get_value(
			"Technical Domain", "Round Trip Domain", ["domain_name", "description", "enabled"], as_dict=True
		)
		self.assertEqual(read, {"domain_name": "Round Trip Domain", "description": "written", "enabled": 1})
