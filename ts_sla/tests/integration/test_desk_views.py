"""The Desk's views besides the form: the due calendar (timed, coloured by priority, only what the reader may
see), the shipped Kanban board's cards, and the list's next-due column kept by the server."""

import json

import frappe
from frappe.utils import get_datetime

from ts_sla.api import ticket as api
from ts_sla.setup.defaults import KANBAN, KANBAN_CARD_FIELDS
from ts_sla.tests.utils import TSSLATestCase, make_team, make_ticket

REPORTER, STRANGER = "reporter@ts-sla.test", "other.reporter@ts-sla.test"


class TestDeskViews(TSSLATestCase):
	def setUp(self):
		super().setUp()
		make_team()

	def test_next_due_is_the_earliest_running_clock_and_clears_when_final(self):
		with self.freeze_time("2023-10-25 09:16:00"):
			doc = make_ticket(priority="P1", received_at="2023-10-25 09:15:00")
		self.assertEqual(get_datetime(doc.next_due), get_datetime(doc.triage_due))  # not yet assigned
		api.assign(doc.name, "engineer@ts-sla.test")
		api.respond(doc.name)
		doc.reload()
		self.assertEqual(get_datetime(doc.next_due), get_datetime(doc.resolution_due))
		api.cancel(doc.name, "duplicate")
		self.assertIsNone(frappe.db.get_value("Support Ticket", doc.name, "next_due"))

	def test_the_calendar_shows_open_tickets_at_their_next_due_for_whoever_may_read_them(self):
		with self.freeze_time("2023-10-25 09:16:00"):
			mine = make_ticket(priority="P0", received_at="2023-10-25 09:15:00", reporter_user=REPORTER)
			theirs = make_ticket(priority="P3", received_at="2023-10-25 09:15:00", reporter_user=STRANGER)
			gone = make_ticket(priority="P2", received_at="2023-10-25 09:15:00")
		api.cancel(gone.name, "duplicate")
		window = ("2023-10-22 00:00:00", "2023-10-29 00:00:00")
		events = {e.name: e for e in api.calendar_events(*window)}
		self.assertIn(mine.name, events)
		self.assertIn(theirs.name, events)
		self.assertNotIn(gone.name, events)  # a final ticket has nothing due
		event = events[mine.name]
		self.assertEqual(event.priority, "P0")
		self.assertTrue(event.title.startswith(f"P0 · {mine.name}"))
		self.assertEqual((get_datetime(event.next_due_end) - get_datetime(event.next_due)).seconds, 1800)
		only_p3 = api.calendar_events(*window, filters=json.dumps([["priority", "=", "P3"]]))
		self.assertEqual({e.name for e in only_p3} & {mine.name, theirs.name}, {theirs.name})
		self.assertEqual(api.calendar_events("2024-01-01 00:00:00", "2024-01-02 00:00:00"), [])
		extended = [["Support Ticket Extension", "status", "=", "Pending"]]  # a child table's column
		self.assertEqual(api.calendar_events(*window, filters=json.dumps(extended)), [])
		for filters in (
			"not json",
			'{"priority": "P3"}',
			"[1, 2]",
			'[["no_such_field", "=", 1]]',
			'[["ToDo", "status", "=", "Open"]]',  # not a table of the ticket
			'[[["priority"], "=", "P3"]]',
		):
			with self.subTest(filters=filters), self.assertRaises(frappe.ValidationError):
				api.calendar_events(*window, filters=filters)
		frappe.set_user(REPORTER)
		self.assertEqual({e.name for e in api.calendar_events(*window)}, {mine.name})
		for start in ("", "not a date", None, {"x": 1}):
			with self.subTest(start=start), self.assertRaises(frappe.ValidationError):
				api.calendar_events(start, window[1])
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			api.calendar_events(*window)

	def test_the_shipped_board_shows_priority_state_and_due_on_its_cards(self):
		board = frappe.get_doc("Kanban Board", KANBAN)
		self.assertEqual(json.loads(board.fields), KANBAN_CARD_FIELDS)
		self.assertEqual(board.reference_doctype, "Support Ticket")
		workspace = frappe.get_doc("Workspace", "Technical Support")
		views = {
			(s.doc_view, s.kanban_board or None) for s in workspace.shortcuts if s.link_to == "Support Ticket"
		}
		self.assertIn(("Kanban", KANBAN), views)
		self.assertIn(("Calendar", None), views)
