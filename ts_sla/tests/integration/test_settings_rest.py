"""TS SLA Settings over the REST API, against a real web server: every whole-number setting refuses hostile
values with a clear error and keeps its own; only managers change the settings at all."""

import json

import frappe

from ts_sla.tests.utils import PASSWORD, LiveServerCase
from ts_sla.ts_sla.doctype.ts_sla_settings.ts_sla_settings import LIMITS

MANAGER, SUPERVISOR, ENGINEER = "manager@ts-sla.test", "supervisor@ts-sla.test", "engineer@ts-sla.test"
URL = "/api/resource/TS SLA Settings/TS SLA Settings"
HOSTILE = ["abc", "NaN", "Infinity", "1.5", 1.5, "", " ", True, [], {}, "1e3", -1, "-7", 10**30, "0x10"]


class TestSettingsOverRest(LiveServerCase):
	def stored(self) -> dict:
		"""What the server committed, from the table (no cache)."""
		frappe.db.rollback()
		return dict(
			frappe.db.sql(
				"SELECT `field`, `value` FROM `tabSingles` WHERE `doctype` = 'TS SLA Settings' AND `field` IN %s",
				(list(LIMITS),),
			)
		)

	def put(self, session, values: dict):
		return session.put(self.server.url + URL, data={"data": json.dumps(values)}, timeout=30)

	def test_whole_numbers_refuse_hostile_values_and_keep_their_own(self):
		manager = self.server.session(MANAGER, PASSWORD)
		before = self.stored()
		for field, most in LIMITS.items():
			for value in [*HOSTILE, most + 1]:
				with self.subTest(field=field, value=value):
					response = self.put(manager, {field: value})
					if value in ("", " "):  # blank: the default
						self.assertEqual(response.status_code, 200, response.text)
						self.assertIn(self.stored().get(field), (None, "", "0"))
						self.put(manager, {field: before.get(field)})
						self.assertEqual(self.stored(), before)
						continue
					self.assertEqual(response.status_code, 417, response.text)
					self.assertIn(frappe.get_meta("TS SLA Settings").get_label(field), response.text)
					self.assertEqual(self.stored(), before)
		# a whole number within bounds, also as digits in a string, is stored as a number
		field = "tick_chunk_size"
		response = self.put(manager, {field: " 150 "})
		self.assertEqual((response.status_code, response.json()["data"][field]), (200, 150), response.text)
		self.assertEqual(self.stored()[field], "150")
		self.put(manager, {field: before.get(field)})
		self.assertEqual(self.stored(), before)

	def test_only_managers_change_the_settings(self):
		before = self.stored()
		for user in (SUPERVISOR, ENGINEER):
			with self.subTest(user=user):
				response = self.put(self.server.session(user, PASSWORD), {"tick_chunk_size": 7})
				self.assertEqual(response.status_code, 403, response.text)
				self.assertEqual(self.stored(), before)
