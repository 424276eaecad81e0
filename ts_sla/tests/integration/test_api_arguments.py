"""Every whitelisted method of ``ts_sla.api``, called over REST without a required argument, is refused with a
message that names what is missing (HTTP 417), not a server error; hostile JSON and unknown filter fields
get a clear error too. Against a real web server."""

import importlib
import inspect
import json
import pkgutil

import frappe

import ts_sla.api
from ts_sla.tests.utils import PASSWORD, LiveServerCase, make_ticket

MANAGER = "manager@ts-sla.test"


def methods() -> dict[str, list[str]]:
	"""Each whitelisted method of the app's API, with its required parameters, in order."""
	found = {}
	for module in pkgutil.iter_modules(ts_sla.api.__path__):
		api = importlib.import_module(f"ts_sla.api.{module.name}")
		for name, method in inspect.getmembers(api, inspect.isfunction):
			if method in frappe.whitelisted and method.__module__ == api.__name__:
				parameters = inspect.signature(method).parameters.values()
				found[f"{api.__name__}.{name}"] = [p.name for p in parameters if p.default is p.empty]
	return found


class TestArgumentsOverRest(LiveServerCase):
	def call(self, session, path: str, data: dict):
		return session.post(f"{self.server.url}/api/method/{path}", data=data, timeout=30)

	def message(self, response) -> str:
		return " ".join(json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"]))

	def test_a_missing_argument_is_named_not_a_server_error(self):
		manager = self.server.session(MANAGER, PASSWORD)
		listed = methods()
		self.assertGreaterEqual(sum(1 for required in listed.values() if required), 20)
		self.assertIn("resolution_result", listed["ts_sla.api.ticket.resolve"])
		for path, required in listed.items():
			for given in range(len(required)):
				with self.subTest(method=path, given=required[:given]):
					response = self.call(manager, path, {name: "x" for name in required[:given]})
					self.assertEqual(response.status_code, 417, response.text[:300])
					self.assertEqual(response.json()["exc_type"], "MandatoryError")
					self.assertEqual(self.message(response), f"Missing value: {', '.join(required[given:])}")

	def test_hostile_json_and_unknown_filter_fields_are_clear_errors(self):
		name = make_ticket(subject="Arguments test").name
		frappe.db.commit()
		manager = self.server.session(MANAGER, PASSWORD)
		before = frappe.db.get_value("Support Ticket", name, "modified")
		for path, data, words in (
			("repair.repair_tickets", {"filters": "{oops"}, "Argument filters is not valid JSON"),
			("repair.repair_tickets", {"filters": '{"nope": 1}'}, "nope is not a field of Support Ticket"),
			("repair.repair_tickets", {"tickets": "[oops"}, "Argument tickets is not valid JSON"),
			(
				"ticket.calendar_events",
				{"start": "2026-01-01", "end": "2026-02-01", "filters": '[["nope", "=", 1]]'},
				"nope is not a field of Support Ticket",
			),
			(
				"ticket.calendar_events",
				{"start": "2026-01-01", "end": "2026-02-01", "filters": "[1]"},
				"each condition is [field, operator, value]",
			),
		):
			with self.subTest(path=path, data=data):
				response = self.call(manager, f"ts_sla.api.{path}", data)
				self.assertEqual(response.status_code, 417, response.text[:300])
				self.assertIn(words, self.message(response))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "modified"), before)
		frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.commit()
