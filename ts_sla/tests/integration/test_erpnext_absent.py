"""On a plain Frappe site, ts_sla's ERPNext features stay out of the way: no Custom Field, no ERPNext look-up,
and a Contact (Frappe's own) still fills the reporter."""

from __future__ import annotations

import unittest

import frappe

from ts_sla.services import erpnext, issues
from ts_sla.tests.utils import TSSLATestCase, ticket_data

REPORTER_FIELDS = ("reporter_name", "contact_method", "contact_detail")


class TestWithoutERPNext(TSSLATestCase):
	"""On a plain Frappe site: nothing of ERPNext's appears, and the contact still fills the reporter."""

	@classmethod
	def setUpClass(cls):
		if "erpnext" in frappe.get_installed_apps():
			raise unittest.SkipTest(f"ERPNext is installed on {frappe.local.site}: see the ERPNext tests")
		super().setUpClass()

	def test_no_erpnext_field_and_no_custom_field_appears(self):
		self.assertEqual(erpnext.sync_custom_fields(), [])
		self.assertFalse(frappe.db.exists("Custom Field", {"name": ("in", erpnext.custom_field_names())}))
		for doctype, field in (
			("Support Ticket", "customer"),
			("SLA Policy", "customer_group"),
			("Support Calendar", "holiday_list"),
		):
			self.assertFalse(frappe.get_meta(doctype).has_field(field))
		self.assertEqual(erpnext.portal_customers("reporter@ts-sla.test"), [])
		self.assertFalse(issues.available())

	def test_a_contact_fills_the_reporter_on_a_plain_site_too(self):
		person = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Chen",
				"last_name": "Jie",
				"phone_nos": [{"phone": "+86 137 0000 0004", "is_primary_mobile_no": 1}],
			}
		).insert(ignore_permissions=True)
		data = ticket_data(subject="plain contact", contact=person.name)
		for field in REPORTER_FIELDS:
			data.pop(field)
		ticket = frappe.get_doc(data).insert()
		self.assertEqual((ticket.reporter_name, ticket.contact_method), ("Chen Jie", "Phone"))
		self.assertEqual(ticket.contact_detail, "+86 137 0000 0004")
		self.assertIn("SLA Policy", ticket.sla_explanation.splitlines()[0])
