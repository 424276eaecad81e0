"""Support staff land on the Technical Support workspace after login: a desk user given one of the app's
roles gets it as their default workspace (Frappe's ``User.default_workspace``, which its login answers with
as ``home_page``), a default someone chose is kept, and the migration patch does the same for the staff a
site already has, in one statement. The browser tests log each role in and see them land there
(``test_desk_browser``)."""

from __future__ import annotations

import frappe

from ts_sla.services import staff
from ts_sla.tests.utils import TSSLATestCase, make_user

ENGINEER, CHOSEN, OUTSIDER = (
	"landing.engineer@ts-sla.test",
	"landing.chosen@ts-sla.test",
	"landing.outsider@ts-sla.test",
)


def default_workspace(user: str) -> str | None:
	return frappe.db.get_value("User", user, "default_workspace")


class TestStaffLanding(TSSLATestCase):
	def test_support_staff_land_on_the_workspace_and_a_chosen_default_stays(self):
		make_user(ENGINEER, ["Support Engineer"])
		self.assertEqual(default_workspace(ENGINEER), "Technical Support")
		make_user(OUTSIDER, [])  # a desk user without a support role: Frappe's own landing
		self.assertIsNone(default_workspace(OUTSIDER))
		make_user(CHOSEN, [])
		frappe.db.set_value("User", CHOSEN, "default_workspace", "Tools")
		user = frappe.get_doc("User", CHOSEN)
		user.add_roles("Support Supervisor")
		self.assertEqual(default_workspace(CHOSEN), "Tools")
		# the patch: the staff without a default get it, in one statement; the others are left alone
		frappe.db.set_value("User", ENGINEER, "default_workspace", None)
		self.assertGreaterEqual(staff.land_existing_staff(), 1)
		self.assertEqual(default_workspace(ENGINEER), "Technical Support")
		self.assertEqual(default_workspace(CHOSEN), "Tools")
		self.assertIsNone(default_workspace(OUTSIDER))
		self.assertEqual(staff.land_existing_staff(), 0)  # idempotent
