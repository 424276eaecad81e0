"""Every action by every role: allowed ones succeed, the others get a permission error and change nothing."""

import frappe

from ts_sla.api import ticket as api
from ts_sla.tests.utils import TSSLATestCase, make_team, make_ticket

AGENT = "agent@ts-sla.test"
ENGINEER = "engineer@ts-sla.test"  # the assignee
TEAMMATE = "engineer2@ts-sla.test"  # same team
OUTSIDER = "outsider.engineer@ts-sla.test"  # engineer of no team of the ticket
SUPERVISOR = "supervisor@ts-sla.test"
MANAGER = "manager@ts-sla.test"
REPORTER = "reporter@ts-sla.test"
STRANGER = "other.reporter@ts-sla.test"
EVERYONE = (AGENT, ENGINEER, TEAMMATE, OUTSIDER, SUPERVISOR, MANAGER, REPORTER, STRANGER)

# action -> (state to prepare, call, users allowed)
WORKERS = {ENGINEER, TEAMMATE, SUPERVISOR, MANAGER}
MATRIX = {
	"assign": ("New", lambda t: api.assign(t, ENGINEER), {AGENT, SUPERVISOR, MANAGER}),
	"respond": ("Assigned", lambda t: api.respond(t, "called"), WORKERS),
	"add_progress": ("In Progress", lambda t: api.add_progress(t, "Investigating", "log read"), WORKERS),
	"wait_for_customer": ("In Progress", lambda t: api.wait_for_customer(t, "screenshot"), WORKERS),
	"resume": ("Waiting for Customer", lambda t: api.resume(t), WORKERS),
	"request_extension": (
		"In Progress",
		lambda t: api.request_extension(t, "Resolution", "vendor", 60),
		WORKERS,
	),
	"decide_extension": ("Extension", lambda t: api.decide_extension(t, True), {SUPERVISOR, MANAGER}),
	"resolve": ("In Progress", lambda t: api.resolve(t, "cache cleared", "works"), WORKERS),
	"confirm": ("Resolved", lambda t: api.confirm(t, "confirmed by phone"), {REPORTER, SUPERVISOR, MANAGER}),
	"reject_resolution": (
		"Resolved",
		lambda t: api.reject_resolution(t, "still broken"),
		{REPORTER, SUPERVISOR, MANAGER},
	),
	"rate": ("Resolved", lambda t: api.rate(t, 4, "ok"), {REPORTER, SUPERVISOR, MANAGER}),
	"close": ("Confirmed", lambda t: api.close(t, "reviewed"), {SUPERVISOR, MANAGER}),
	"cancel": ("New", lambda t: api.cancel(t, "duplicate"), {AGENT, SUPERVISOR, MANAGER}),
}


def prepare(state: str) -> str:
	frappe.set_user("Administrator")
	make_team()
	doc = make_ticket(reporter_user=REPORTER, support_team="System Operations Team")
	if state != "New":
		api.assign(doc.name, ENGINEER)
	if state in ("In Progress", "Waiting for Customer", "Resolved", "Confirmed", "Extension"):
		api.respond(doc.name)
	if state == "Waiting for Customer":
		api.wait_for_customer(doc.name)
	if state == "Extension":
		api.request_extension(doc.name, "Resolution", "vendor", 60)
	if state in ("Resolved", "Confirmed"):
		api.resolve(doc.name, "fixed", "works")
	if state == "Confirmed":
		api.confirm(doc.name, "confirmed by phone")
	return doc.name


class TestActionPermissions(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def test_every_action_by_every_role(self):
		for action, (state, call, allowed) in MATRIX.items():
			for user in EVERYONE:
				with self.subTest(action=action, user=user):
					name = prepare(state)
					before = frappe.db.get_value("Support Ticket", name, ["modified", "status"], as_dict=True)
					frappe.set_user(user)
					if user in allowed:
						call(name)
						frappe.set_user("Administrator")
						self.assertNotEqual(
							frappe.db.get_value("Support Ticket", name, "modified"), before.modified
						)
					else:
						with self.assertRaises(frappe.PermissionError):
							call(name)
						frappe.set_user("Administrator")
						after = frappe.db.get_value(
							"Support Ticket", name, ["modified", "status"], as_dict=True
						)
						self.assertEqual(after, before)
					frappe.db.rollback()

	def test_an_edit_outside_the_actions_names_the_action_and_who_takes_it(self):
		name = make_ticket(support_team="System Operations Team", assigned_to=ENGINEER).name
		before = frappe.db.get_value("Support Ticket", name, ["modified", "priority"], as_dict=True)
		for user, says in (
			(ENGINEER, "which a Support Agent or Supervisor takes"),  # the engineer cannot reclassify
			(SUPERVISOR, "with a reason"),
			(AGENT, "with a reason"),
		):
			with self.subTest(user=user):
				frappe.set_user(user)
				doc = frappe.get_doc("Support Ticket", name)
				doc.priority = "P0" if doc.priority != "P0" else "P3"
				with self.assertRaises(frappe.PermissionError) as refused:
					doc.save()
				self.assertIn("Reclassify", str(refused.exception))
				self.assertIn(says, str(refused.exception))
				frappe.set_user("Administrator")
				self.assertEqual(
					frappe.db.get_value("Support Ticket", name, ["modified", "priority"], as_dict=True),
					before,
				)

	def test_who_sees_which_tickets(self):
		mine = make_ticket(reporter_user=REPORTER, support_team="System Operations Team")
		theirs = make_ticket(reporter_user=STRANGER, support_team=None, technical_domain="Network")
		visible = {}
		for user in EVERYONE:
			frappe.set_user(user)
			visible[user] = set(
				frappe.get_list(
					"Support Ticket", filters={"name": ("in", [mine.name, theirs.name])}, pluck="name"
				)
			)
		frappe.set_user("Administrator")
		both = {mine.name, theirs.name}
		self.assertEqual(visible[AGENT], both)
		self.assertEqual(visible[SUPERVISOR], both)
		self.assertEqual(visible[MANAGER], both)
		self.assertEqual(visible[ENGINEER], {mine.name})
		self.assertEqual(visible[TEAMMATE], {mine.name})
		self.assertEqual(visible[OUTSIDER], set())
		self.assertEqual(visible[REPORTER], {mine.name})
		self.assertEqual(visible[STRANGER], {theirs.name})
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Support Ticket")
		self.assertFalse(frappe.has_permission("Support Ticket", "read", mine.name))
		frappe.set_user(REPORTER)
		self.assertTrue(frappe.has_permission("Support Ticket", "read", mine.name))
		self.assertFalse(frappe.has_permission("Support Ticket", "write", mine.name))
		self.assertFalse(frappe.has_permission("Support Ticket", "read", theirs.name))

	def test_only_managers_change_policies_and_settings(self):
		for user, allowed in ((MANAGER, True), (SUPERVISOR, False), (AGENT, False), (ENGINEER, False)):
			frappe.set_user(user)
			self.assertEqual(frappe.has_permission("SLA Policy", "write"), allowed, user)
			self.assertEqual(frappe.has_permission("Support Calendar", "create"), allowed, user)
			self.assertEqual(frappe.has_permission("TS SLA Settings", "write"), allowed, user)
