"""Integration-test helpers: the base test case and factories (make_calendar, make_policy, make_ticket ...)."""

import frappe
from frappe.tests.utils import FrappeTestCase


class TSSLATestCase(FrappeTestCase):
	"""FrappeTestCase with a rollback after every test, under pytest and under ``bench run-tests`` alike."""

	def tearDown(self):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		super().tearDown()
