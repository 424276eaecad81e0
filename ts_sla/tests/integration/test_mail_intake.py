"""Email intake and replies through Frappe's real inbound and outbound paths.

Inbound: an Email Account (POP3, "Append To" Support Ticket) whose ``receive()`` pulls raw RFC 822 messages,
the server faked as in Frappe's own email tests (``test_email_account.mocked_email_receive``): parsing,
threading, the Communication and the ticket are Frappe's and ours. ``receive()`` commits after each mail; the
commit is held back so that each test stays one transaction, rolled back afterwards.

Outbound: a public reply queued by ts_sla, sent by Frappe's Email Queue over SMTP to a real local server
(aiosmtpd), the message that left read back and its reply received into the same ticket.
"""

from __future__ import annotations

import datetime as dt
import email
import socket
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from unittest.mock import patch

import frappe
from frappe.email.receive import EmailServer
from frappe.utils import get_datetime

from ts_sla.services import lifecycle, notifier
from ts_sla.services.mail_intake import TicketEmailAccount, automated
from ts_sla.tests.utils import TEAM, TSSLATestCase, make_team

MAILBOX = "TS SLA Test Helpdesk"
SUPPORT = "helpdesk@ts-sla.test"
REPORTER = "reporter@ts-sla.test"  # a website user (tests.utils.USERS)
D = dt.datetime


def raw_mail(
	sender: str = f"Li Na <{REPORTER}>",
	subject: str = "Printer offline on floor 3",
	body: str = "The printer on floor 3 shows offline since this morning.\n\nThanks,\nLi Na",
	date: str = "Wed, 25 Oct 2023 03:15:00 +0200",  # 01:15 UTC = 09:15 in Asia/Shanghai
	headers: dict | None = None,
) -> str:
	message = EmailMessage()
	message["From"] = sender
	message["To"] = SUPPORT
	message["Subject"] = subject
	message["Date"] = date
	message["Message-ID"] = make_msgid(domain="customer.example")
	for name, value in (headers or {}).items():
		message[name] = value
	message.set_content(body)
	return message.as_string()


def bounce(original_subject: str) -> str:
	"""A delivery status notification (RFC 3464) as Postfix sends it."""
	message = EmailMessage()
	message["From"] = "Mail Delivery System <MAILER-DAEMON@mx.customer.example>"
	message["To"] = SUPPORT
	message["Subject"] = "Undelivered Mail Returned to Sender"
	message["Date"] = "Wed, 25 Oct 2023 03:20:00 +0200"
	message["Message-ID"] = make_msgid(domain="mx.customer.example")
	message.set_content(f"This is the mail system. Your message '{original_subject}' could not be delivered.")
	status = EmailMessage()
	status.set_content("Reporting-MTA: dns; mx.customer.example\n", subtype="plain")
	message.add_attachment(status)
	message.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
	return message.as_string()


class MailTestCase(TSSLATestCase):
	def setUp(self):
		super().setUp()
		self._forget_outgoing_account()
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": MAILBOX,
				"email_id": SUPPORT,
				"enable_incoming": 1,
				"use_imap": 0,
				"email_server": "pop.ts-sla.test",
				"append_to": "Support Ticket",
				"enable_auto_reply": 0,
				"enable_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)

	def tearDown(self):
		super().tearDown()
		self._forget_outgoing_account()
		frappe.clear_document_cache("Email Account", MAILBOX)

	@staticmethod
	def _forget_outgoing_account():
		# EmailAccount.find_outgoing keeps its answer for the request
		if hasattr(frappe.local, "outgoing_email_account"):
			del frappe.local.outgoing_email_account

	def receive(self, *messages: str, account: str = MAILBOX) -> list:
		"""Pull ``messages`` through the Email Account's receive(); returns the Communications made."""
		account = frappe.get_doc("Email Account", account)
		self.assertIsInstance(account, TicketEmailAccount)  # hooks: override_doctype_class
		before = set(frappe.get_all("Communication", pluck="name"))
		with (
			patch.object(EmailServer, "connect", return_value=True),
			patch.object(EmailServer, "get_messages", return_value={"latest_messages": list(messages)}),
			patch.object(EmailServer, "select_imap_folder", return_value=True),
			patch.object(EmailServer, "logout"),
			patch.object(frappe.db, "commit"),
		):
			account.receive()
		made = frappe.get_all(
			"Communication",
			filters={"name": ("not in", before or [""]), "sent_or_received": "Received"},
			fields=["name", "reference_doctype", "reference_name", "sender", "communication_date"],
			order_by="creation",
		)
		self.assertEqual(len(made), len(messages))
		return made

	def ticket_from(self, communication):
		self.assertEqual(communication.reference_doctype, "Support Ticket")
		return frappe.get_doc("Support Ticket", communication.reference_name)

	def waiting(self, ticket):
		"""Assign, respond and pause the ticket, now (frozen by the caller)."""
		make_team()
		lifecycle.assign(ticket, "engineer@ts-sla.test", team=TEAM)
		lifecycle.respond(ticket)
		lifecycle.pause(ticket, "Asked for the printer's model")
		self.assertEqual(ticket.status, "Waiting for Customer")
		return ticket


class TestNewMail(MailTestCase):
	def test_a_new_mail_opens_a_ticket_with_its_reporter_and_its_date(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(communication,) = self.receive(raw_mail())
		ticket = self.ticket_from(communication)
		self.assertRegex(ticket.name, r"^TS-20231025-\d{3,}$")
		self.assertEqual(get_datetime(ticket.received_at), D(2023, 10, 25, 9, 15))  # +0200 → Asia/Shanghai
		self.assertEqual(get_datetime(ticket.registered_at), D(2023, 10, 25, 9, 20))
		self.assertEqual(
			{f: ticket.get(f) for f in ("channel", "reporter_user", "reporter_name", "reporter_type")},
			{
				"channel": "Email",
				"reporter_user": REPORTER,
				"reporter_name": "Li Na",
				"reporter_type": "External Customer",
			},
		)
		self.assertEqual((ticket.contact_method, ticket.contact_detail), ("Email", REPORTER))
		self.assertEqual(ticket.subject, "Printer offline on floor 3")
		self.assertIn("shows offline since this morning", ticket.description)
		self.assertEqual((ticket.status, ticket.priority, ticket.problem_type), ("New", "P2", "Software"))
		self.assertEqual(
			ticket.external_ref, frappe.db.get_value("Communication", communication.name, "message_id")
		)
		# the deadlines run from the mail's date: P2 response 8 h
		self.assertEqual(get_datetime(ticket.response_due), D(2023, 10, 25, 17, 15))
		self.assertEqual(communication.sender, REPORTER)

	def test_the_reporter_is_linked_by_address_staff_are_internal_strangers_are_named_from_the_mail(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			staff, stranger = self.receive(
				raw_mail(sender="engineer2@ts-sla.test", subject="VPN drops every hour"),
				raw_mail(sender="王芳 <fang.wang@customer.example>", subject="Invoice totals wrong"),
			)
		staff, stranger = sorted((staff, stranger), key=lambda c: c.sender != "engineer2@ts-sla.test")
		staff, stranger = self.ticket_from(staff), self.ticket_from(stranger)
		self.assertEqual(
			(staff.reporter_user, staff.reporter_type, staff.reporter_name),
			(
				"engineer2@ts-sla.test",
				"Internal Employee",
				frappe.db.get_value("User", "engineer2@ts-sla.test", "full_name"),
			),
		)
		self.assertEqual(
			(stranger.reporter_user, stranger.reporter_type, stranger.reporter_name, stranger.contact_detail),
			(None, "External Customer", "王芳", "fang.wang@customer.example"),
		)

	def test_the_same_mail_fetched_twice_is_one_ticket(self):
		message = raw_mail()
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(message)
			account = frappe.get_doc("Email Account", MAILBOX)
			with (
				patch.object(EmailServer, "connect", return_value=True),
				patch.object(EmailServer, "get_messages", return_value={"latest_messages": [message]}),
				patch.object(EmailServer, "logout"),
				patch.object(frappe.db, "commit"),
			):
				account.receive()
		self.assertEqual(frappe.db.count("Support Ticket", {"contact_detail": REPORTER}), 1)
		self.assertEqual(frappe.db.count("Communication", {"reference_name": first.reference_name}), 1)


class TestReplies(MailTestCase):
	def test_a_reply_naming_the_ticket_joins_it_and_resumes_it_at_the_reply_time(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(raw_mail())
		ticket = self.ticket_from(first)
		with self.freeze_time("2023-10-25 10:00:00", tick=True):  # ticking: the actions save several times
			self.waiting(ticket)
		# the reporter answers at 11:30 (their client drops the headers but keeps the ID in the subject);
		# the mailbox is read at 11:45
		with self.freeze_time("2023-10-25 11:45:00"):
			(reply,) = self.receive(
				raw_mail(
					subject=f"Re: the model you asked for [{ticket.name}]",
					body="It is a LaserJet 4250.",
					date="Wed, 25 Oct 2023 11:30:00 +0800",
				)
			)
		self.assertEqual((reply.reference_doctype, reply.reference_name), ("Support Ticket", ticket.name))
		ticket.reload()
		self.assertEqual(ticket.status, "In Progress")
		(pause,) = ticket.pauses
		self.assertEqual(
			(get_datetime(pause.paused_from), get_datetime(pause.paused_to), pause.minutes),
			(D(2023, 10, 25, 10, 0), D(2023, 10, 25, 11, 30), 90),
		)
		self.assertEqual(frappe.db.count("Support Ticket", {"contact_detail": REPORTER}), 1)
		self.assertTrue(
			frappe.db.exists(
				"Comment",
				{"reference_name": ticket.name, "content": ("like", "%replied by email (2023-10-25 11:30)%")},
			)
		)

	def test_a_reply_to_a_ticket_that_is_not_waiting_joins_it_and_changes_nothing(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(raw_mail())
			ticket = self.ticket_from(first)
			(reply,) = self.receive(raw_mail(subject=f"Re: [{ticket.name}]", body="One more detail."))
		self.assertEqual(reply.reference_name, ticket.name)
		ticket.reload()
		self.assertEqual((ticket.status, ticket.pauses), ("New", []))

	def test_a_stranger_cannot_join_a_ticket_by_quoting_its_id(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(raw_mail())
			(other,) = self.receive(
				raw_mail(sender="someone@elsewhere.example", subject=f"Re: [{first.reference_name}] spam")
			)
		self.assertNotEqual(other.reference_name, first.reference_name)
		self.assertEqual(self.ticket_from(other).contact_detail, "someone@elsewhere.example")

	def test_an_imap_folder_appending_to_tickets_opens_them_and_threads_by_ticket_id(self):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "TS SLA Test IMAP",
				"email_id": "imap-desk@ts-sla.test",
				"enable_incoming": 1,
				"use_imap": 1,
				"email_server": "imap.ts-sla.test",
				"imap_folder": [{"folder_name": "INBOX", "append_to": "Support Ticket"}],
			}
		).insert(ignore_permissions=True)
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(raw_mail(), account="TS SLA Test IMAP")
			ticket = self.ticket_from(first)
			(reply,) = self.receive(
				raw_mail(subject=f"More about it [{ticket.name}]"), account="TS SLA Test IMAP"
			)
		self.assertEqual((ticket.channel, reply.reference_name), ("Email", ticket.name))


class TestAutomatedMail(MailTestCase):
	AUTOMATED = {
		"Auto-Submitted": {"Auto-Submitted": "auto-replied"},
		"X-Autoreply": {"X-Autoreply": "yes"},
		"Precedence bulk": {"Precedence": "bulk"},
		"Precedence auto_reply": {"Precedence": "auto_reply"},
		"Precedence junk": {"Precedence": "junk"},
	}

	def test_auto_replies_and_bounces_open_no_ticket(self):
		tickets = frappe.db.count("Support Ticket")
		with self.freeze_time("2023-10-25 09:20:00"):
			made = self.receive(
				*(
					raw_mail(subject=f"Out of office: {name}", headers=h)
					for name, h in self.AUTOMATED.items()
				),
				raw_mail(sender="postmaster@customer.example", subject="Delivery delayed"),
				bounce("Printer offline on floor 3"),
			)
		self.assertEqual(frappe.db.count("Support Ticket"), tickets)
		# Frappe keeps them as unlinked Communications in the inbox
		self.assertEqual({(c.reference_doctype, c.reference_name) for c in made}, {(None, None)})

	def test_auto_submitted_no_is_a_person_writing(self):
		self.assertIsNone(
			automated(email.message_from_string(raw_mail(headers={"Auto-Submitted": "no"})), REPORTER)
		)
		with self.freeze_time("2023-10-25 09:20:00"):
			(communication,) = self.receive(raw_mail(headers={"Auto-Submitted": "no"}))
		self.assertEqual(communication.reference_doctype, "Support Ticket")

	def test_an_auto_reply_on_a_waiting_ticket_joins_it_but_resumes_nothing(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(raw_mail())
		ticket = self.ticket_from(first)
		with self.freeze_time("2023-10-25 10:00:00", tick=True):  # ticking: the actions save several times
			self.waiting(ticket)
		with self.freeze_time("2023-10-25 10:05:00"):
			(auto,) = self.receive(
				raw_mail(
					subject=f"Automatic reply: Re: Printer offline on floor 3 [{ticket.name}]",
					body="I am out of the office until Monday.",
					date="Wed, 25 Oct 2023 10:01:00 +0800",
					headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
				)
			)
		self.assertEqual(auto.reference_name, ticket.name)
		ticket.reload()
		self.assertEqual(ticket.status, "Waiting for Customer")
		self.assertIsNone(ticket.pauses[0].paused_to)


class SMTPSink:
	"""A real SMTP server on a free local port (aiosmtpd) that keeps what it receives."""

	def __init__(self):
		self.envelopes = []

	async def handle_DATA(self, server, session, envelope):
		self.envelopes.append(envelope)
		return "250 Message accepted for delivery"


@contextmanager
def smtp_sink():
	from aiosmtpd.controller import Controller

	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		port = probe.getsockname()[1]
	sink = SMTPSink()
	controller = Controller(sink, hostname="127.0.0.1", port=port)
	controller.start()
	try:
		yield sink, port
	finally:
		controller.stop()


class TestOutgoingReplies(MailTestCase):
	def test_a_reply_from_the_ticket_leaves_by_smtp_with_the_ticket_id_and_its_answer_comes_back(self):
		with self.freeze_time("2023-10-25 09:20:00"):
			(first,) = self.receive(raw_mail())
		ticket = self.ticket_from(first)
		with smtp_sink() as (sink, port):
			frappe.db.set_value("Email Account", MAILBOX, "smtp_port", port)
			frappe.clear_document_cache("Email Account", MAILBOX)
			# Frappe sends under tests only when told to (flags.testing_email)
			frappe.flags.mute_emails, frappe.flags.testing_email = False, True
			try:
				notifier.public_reply(ticket, "Please restart the printer and tell us if it comes back.")
				(queued,) = frappe.get_all(
					"Email Queue",
					filters={"reference_doctype": "Support Ticket", "reference_name": ticket.name},
					pluck="name",
				)
				with patch.object(frappe.db, "commit"):  # Email Queue.send commits its status
					frappe.get_doc("Email Queue", queued).send()
			finally:
				frappe.flags.mute_emails, frappe.flags.testing_email = True, False
			self.assertEqual(frappe.db.get_value("Email Queue", queued, "status"), "Sent")
		(envelope,) = sink.envelopes
		self.assertEqual(envelope.rcpt_tos, [REPORTER])
		sent = email.message_from_bytes(envelope.original_content)
		# from the support mailbox in the engineer's name, so that the answer comes back into the ticket
		self.assertEqual(envelope.mail_from, SUPPORT)
		self.assertEqual(parseaddr(sent["From"])[1], SUPPORT)
		self.assertEqual(parseaddr(sent["Reply-To"])[1], SUPPORT)
		self.assertEqual(sent["Subject"], f"Re: Printer offline on floor 3 [{ticket.name}]")
		self.assertEqual(sent["To"], REPORTER)
		body = "".join(
			part.get_payload(decode=True).decode()
			for part in sent.walk()
			if part.get_content_type() in ("text/plain", "text/html")
		)
		self.assertIn("Please restart the printer", body)
		# the reporter's client answers the message that left (In-Reply-To), with a subject of its own
		with self.freeze_time("2023-10-25 09:40:00"):
			(answer,) = self.receive(
				raw_mail(
					subject="still broken",
					body="Restarted, still offline.",
					date="Wed, 25 Oct 2023 09:38:00 +0800",
					headers={"In-Reply-To": sent["Message-ID"], "References": sent["Message-ID"]},
				)
			)
		self.assertEqual((answer.reference_doctype, answer.reference_name), ("Support Ticket", ticket.name))
