"""Hostile input over REST, against a real web server, is a clear error (HTTP 417) that changes nothing, never a
server error: every whitelisted method of ``ts_sla.api`` called without a required argument (the message
names it), JSON that does not parse and filters naming unknown columns; and every field and child-row field
of the app's documents given values of the wrong kind, out of range or not real dates."""

import importlib
import inspect
import json
import pkgutil

import frappe

import ts_sla.api
from ts_sla.tests.utils import PASSWORD, LiveServerCase, make_calendar, make_policy, make_team, make_ticket

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


def message(response) -> str:
	"""The server's messages of a refused call, as the user reads them."""
	return " ".join(json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"]))


class TestArgumentsOverRest(LiveServerCase):
	def call(self, session, path: str, data: dict):
		return session.post(f"{self.server.url}/api/method/{path}", data=data, timeout=30)

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
					self.assertEqual(message(response), f"Missing value: {', '.join(required[given:])}")

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
				self.assertIn(words, message(response))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Support Ticket", name, "modified"), before)
		frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.commit()


#: Values of the wrong kind for any field: each must be refused or stored as the field's kind, never a 500.
HOSTILE = [
	"",
	" ",
	{},
	{"a": 1},
	[],
	["x"],
	True,
	"NaN",
	"Infinity",
	"-9e999",
	10**30,
	-(10**30),
	1.5,
	"2023-02-30",
	"25:99",
	"-1",
	"0001-01-01",
	"x" * 70_000,
	"x' OR 1=1 --",
]
CALENDAR, POLICY, TEAM = "REST Input Calendar", "REST Input Policy", "REST Input Team"
SWEEP = "REST input sweep"


class TestDocumentFieldsOverRest(LiveServerCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for doctype, name in (("SLA Policy", POLICY), ("Support Calendar", CALENDAR), ("Support Team", TEAM)):
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		make_calendar(CALENDAR, "Asia/Shanghai")
		make_policy(POLICY, calendar=CALENDAR)
		make_team(TEAM, domains=("Network",))
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		for doctype, name in (("SLA Policy", POLICY), ("Support Team", TEAM), ("Support Calendar", CALENDAR)):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def stored(self, doctype: str, name: str) -> dict:
		frappe.db.rollback()
		doc = frappe.get_doc(doctype, name).as_dict(no_default_fields=True)
		return json.loads(frappe.as_json(doc))

	def put(self, session, doctype: str, name: str, data: dict):
		return session.put(
			f"{self.server.url}/api/resource/{doctype}/{name}", data={"data": json.dumps(data)}, timeout=60
		)

	def test_every_field_refuses_values_of_the_wrong_kind_and_keeps_its_own(self):
		manager = self.server.session(MANAGER, PASSWORD)
		for doctype, name in (
			("SLA Policy", POLICY),
			("Support Calendar", CALENDAR),
			("Support Team", TEAM),
			("Technical Domain", "Network"),
		):
			before = self.stored(doctype, name)
			meta = frappe.get_meta(doctype)
			fields = [(None, df) for df in meta.fields if df.fieldtype not in frappe.model.no_value_fields]
			for table in meta.get_table_fields():
				child = frappe.get_meta(table.options)
				fields += [
					(table.fieldname, df)
					for df in child.fields
					if df.fieldtype not in frappe.model.no_value_fields
				]
			for table, df in fields:
				for value in HOSTILE:
					if table:
						rows = [dict(row) for row in before[table]] or [{}]
						rows[0][df.fieldname] = value
						data = {table: rows}
					else:
						data = {df.fieldname: value}
					response = self.put(manager, doctype, name, data)
					with self.subTest(
						doctype=doctype, table=table, field=df.fieldname, value=str(value)[:20]
					):
						self.assertLess(response.status_code, 500, response.text[-500:])
					if response.status_code == 200:  # stored as the field's kind: put the document back
						self.assertEqual(self.put(manager, doctype, name, before).status_code, 200)
					else:
						self.assertEqual(response.status_code, 417, response.text[-300:])
			self.assertEqual(self.stored(doctype, name), before)

	def test_the_refusal_names_the_field_and_what_is_wrong(self):
		manager = self.server.session(MANAGER, PASSWORD)
		policy = self.stored("SLA Policy", POLICY)
		calendar = self.stored("Support Calendar", CALENDAR)
		first = dict(calendar["working_hours"][0])
		for doctype, name, data, words in (
			("SLA Policy", POLICY, {"valid_from": "NaN"}, "Valid From is not a valid date: NaN"),
			("SLA Policy", POLICY, {"registration_minutes": "abc"}, "must be a number, not 'abc'"),
			("SLA Policy", POLICY, {"registration_minutes": 10**30}, "is out of range"),
			("SLA Policy", POLICY, {"daily_progress_cutoff": "-1"}, "is not a time of day (HH:MM:SS): -1"),
			("SLA Policy", POLICY, {"support_calendar": {"a": 1}}, "must be a single value"),
			(
				"SLA Policy",
				POLICY,
				{"priorities": [{**policy["priorities"][0], "response_basis": "Lunar"}]},
				"cannot be 'Lunar'",
			),
			(
				"Support Calendar",
				CALENDAR,
				{"working_hours": [{**first, "weekday": ""}]},
				"Row 1 of Working Hours: Weekday is required",
			),
			(
				"Support Calendar",
				CALENDAR,
				{"holidays": [{"holiday_date": "2023-02-30"}]},
				"is not a valid date",
			),
			("Support Calendar", CALENDAR, {"time_zone": True}, "Time Zone must be text"),
			("Technical Domain", "Network", {"description": "x" * 70_000}, "at most 65535"),
		):
			with self.subTest(doctype=doctype, data=str(data)[:60]):
				response = self.put(manager, doctype, name, data)
				self.assertEqual(response.status_code, 417, response.text[-300:])
				self.assertIn(words, message(response))
		self.assertEqual(self.stored("SLA Policy", POLICY), policy)
		self.assertEqual(self.stored("Support Calendar", CALENDAR), calendar)

	def test_digits_for_a_number_and_a_number_for_text_are_taken(self):
		manager = self.server.session(MANAGER, PASSWORD)
		description = frappe.db.get_value("Technical Domain", "Network", "description")
		response = self.put(manager, "Technical Domain", "Network", {"description": 42})
		self.assertEqual((response.status_code, response.json()["data"]["description"]), (200, "42"))
		self.put(manager, "Technical Domain", "Network", {"description": description})
		response = self.put(manager, "SLA Policy", POLICY, {"registration_minutes": " 7 "})
		self.assertEqual((response.status_code, response.json()["data"]["registration_minutes"]), (200, 7))

	def test_a_new_ticket_with_a_value_of_the_wrong_kind_anywhere_is_refused_or_stored_as_its_kind(self):
		agent = self.server.session("agent@ts-sla.test", PASSWORD)
		intake = {"subject": SWEEP, "description": "d", "problem_type": "Software", "priority": "P2"}
		meta = frappe.get_meta("Support Ticket")
		bodies = [
			{**intake, df.fieldname: value}
			for df in meta.fields
			if df.fieldtype not in frappe.model.no_value_fields and df.fieldname != "subject"
			for value in HOSTILE
		]
		bodies += [
			{**intake, table.fieldname: [{df.fieldname: value}]}
			for table in meta.get_table_fields()
			for df in frappe.get_meta(table.options).fields
			if df.fieldtype not in frappe.model.no_value_fields
			for value in HOSTILE
		]
		before = frappe.db.count("Support Ticket")
		created = []
		for body in bodies:
			response = agent.post(
				f"{self.server.url}/api/resource/Support Ticket", data={"data": json.dumps(body)}, timeout=60
			)
			with self.subTest(body={k: str(v)[:20] for k, v in body.items() if k not in intake}):
				self.assertIn(response.status_code, (200, 403, 409, 417), response.text[-500:])
			if response.status_code == 200:
				created.append(response.json()["data"]["name"])
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Support Ticket"), before + len(created))
		for name in created:
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.commit()
