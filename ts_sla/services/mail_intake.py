"""Email intake: an Email Account whose "Append To" is Support Ticket turns a new mail into a ticket and
threads the replies into it, through Frappe's own inbound path (``frappe.email.receive.InboundMail``).

Frappe creates the document of a new mail with only its subject and sender (``_create_reference_document``,
mandatory fields skipped) and never looks at a mail's headers; a ticket needs the whole intake, its receipt
time is the mail's Date, and an auto-reply or a bounce must not open one. So the Email Account's controller
(``TicketEmailAccount``, declared in hooks ``override_doctype_class``) hands Frappe a ``TicketMail`` for each
mail it pulls: an ``InboundMail`` that

- creates a ticket from a person's new mail with the full intake (``new_ticket``) and none from a machine's;
  a sender who is a Contact is linked as the ticket's contact, and on ERPNext the contact's Customer too,
- also threads a mail whose subject names a ticket as ``[TS-YYYYMMDD-NNN]`` (the subject of ts_sla's public
  replies) when the sender is the ticket's reporter or a member of staff; Frappe itself threads by the
  In-Reply-To header (a reply to any mail ts_sla sent) and by ``(#TS-…)`` in the subject (the Desk's),
- resumes a ticket that is Waiting for Customer when its reporter replies, the pause ending at the reply's
  Date (``reporter_replied``).

Everything else (the Communication, its attachments, de-duplication by Message-ID, the participants'
notification) is Frappe's.
"""

from __future__ import annotations

import email.message
import re
from email.header import decode_header, make_header
from email.utils import parseaddr

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.receive import InboundMail
from frappe.utils import escape_html, get_datetime, sanitize_html
from frappe.utils.user import is_system_user

from ts_sla.services import guard, lifecycle, reporters
from ts_sla.services.states import FINAL, WAITING

TICKET = "Support Ticket"
#: A ticket named in a subject the way ts_sla's replies name it: "Re: Printer offline [TS-20231025-001]".
TICKET_IN_SUBJECT = re.compile(r"\[(TS-\d{8}-\d{3,})\]")
#: A mail's problem type is not known from the mail: the first line reclassifies it.
MAIL_PROBLEM_TYPE = "Software"
#: RFC 2076 / RFC 3834: mail sent in bulk or by an auto-responder.
AUTOMATED_PRECEDENCE = ("bulk", "auto_reply", "junk")
#: Headers auto-responders add (any value but "no").
AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond")
#: Mail systems send bounces from these mailboxes.
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
#: Delivery status (RFC 3464) and read receipts (RFC 8098).
REPORT_TYPES = ("multipart/report", "message/delivery-status", "message/disposition-notification")
#: The longest Message-ID kept as the ticket's external reference (a Data field).
MAX_REF = 140


class TicketEmailAccount(EmailAccount):
	"""Frappe's Email Account, whose pulled mails are ``TicketMail``s: same behaviour for every other
	doctype, the intake above for Support Ticket."""

	def get_inbound_mails(self) -> list[InboundMail]:
		return [
			TicketMail(mail.raw_message, self, mail.uid, mail.seen_status, mail.append_to)
			for mail in super().get_inbound_mails()
		]


class TicketMail(InboundMail):
	"""An inbound mail that knows Support Tickets (see the module's docstring)."""

	def _create_reference_document(self, doctype):
		if doctype != TICKET:
			return super()._create_reference_document(doctype)
		return new_ticket(self)

	def match_record_by_subject_and_sender(self, doctype):
		if doctype != TICKET:
			return super().match_record_by_subject_and_sender(doctype)
		if name := ticket_named_in(self.subject, self.from_email):
			return self.get_doc(TICKET, name, ignore_error=True)
		# Frappe's guess by subject and sender: a new mail joins an open ticket, never a closed one
		record = super().match_record_by_subject_and_sender(doctype)
		return record if record and record.status not in FINAL else None

	def reference_document(self):
		document = super().reference_document()
		if not document and self.append_to == TICKET and self.email_account.append_to != TICKET:
			# an IMAP folder appending to tickets: Frappe matches subjects only for the account's Append To
			name = ticket_named_in(self.subject, self.from_email)
			document = self._reference_document = self.get_doc(TICKET, name) if name else ""
		return document

	def _build_communication_doc(self):
		communication = super()._build_communication_doc()
		reporter_replied(self, communication)
		return communication


# -- what a mail is -----------------------------------------------------------------------------------------


def automated(message: email.message.Message, sender: str | None) -> str | None:
	"""Why a mail was sent by a machine (an auto-reply, a bounce, a delivery or read report), or None when a
	person wrote it."""
	auto_submitted = (message.get("Auto-Submitted") or "").split(";")[0].strip().lower()
	if auto_submitted and auto_submitted != "no":
		return f"Auto-Submitted: {auto_submitted}"
	for header in AUTOREPLY_HEADERS:
		value = (message.get(header) or "").strip().lower()
		if value and value != "no":
			return f"{header}: {value}"
	precedence = (message.get("Precedence") or "").strip().lower()
	if precedence in AUTOMATED_PRECEDENCE:
		return f"Precedence: {precedence}"
	if message.get("X-Failed-Recipients"):
		return "X-Failed-Recipients"
	if (message.get("Return-Path") or "").strip() == "<>":
		return "Return-Path: <>"
	if (sender or "").split("@")[0].lower() in BOUNCE_SENDERS:
		return f"sender {sender}"
	for part in message.walk():
		if part.get_content_type() in REPORT_TYPES:
			return part.get_content_type()
	return None


def reporter_addresses(ticket) -> set[str]:
	"""The addresses a ticket's reporter writes from: the email contact and their user's address."""
	addresses = (
		{ticket.contact_detail} if ticket.contact_method == "Email" and ticket.contact_detail else set()
	)
	if ticket.reporter_user:
		addresses |= {ticket.reporter_user, frappe.db.get_value("User", ticket.reporter_user, "email")}
	return {a.strip().lower() for a in addresses if a}


def ticket_named_in(subject: str | None, sender: str | None) -> str | None:
	"""The ticket a subject names as ``[TS-…]``, when the sender is its reporter or a member of staff (a
	stranger's mail cannot join someone's ticket by quoting its ID)."""
	for name in reversed(TICKET_IN_SUBJECT.findall(subject or "")):
		ticket = frappe.db.get_value(
			TICKET, name, ["name", "contact_method", "contact_detail", "reporter_user"], as_dict=True
		)
		if ticket and ((sender or "").lower() in reporter_addresses(ticket) or is_system_user(sender)):
			return ticket.name
	return None


# -- a new mail: a new ticket -------------------------------------------------------------------------------


def new_ticket(mail: InboundMail) -> str | None:
	"""The ticket a person's new mail opens: channel Email, the reporter by the sender's address, received at
	the mail's Date (Frappe converts it to the system time zone). A machine's mail opens none: its
	Communication stays in the inbox, unlinked."""
	reason = automated(mail.mail, mail.from_email) or ("no sender address" if not mail.from_email else None)
	if reason:
		frappe.logger("ts_sla").info(
			f"mail {mail.message_id} from {mail.from_email} opens no ticket: {reason}"
		)
		return None
	ref = mail.message_id if mail.message_id and len(mail.message_id) <= MAX_REF else None
	if ref and (name := frappe.db.get_value(TICKET, {"channel": "Email", "external_ref": ref})):
		return name  # the same mail fetched again
	ticket = frappe.get_doc(
		{
			"doctype": TICKET,
			"subject": mail.subject,
			"description": mail_body(mail),
			"channel": "Email",
			"external_ref": ref,
			"received_at": mail.date,
			"problem_type": MAIL_PROBLEM_TYPE,
			**reporter_of(mail.from_email, sender_name(mail.mail) or mail.from_real_name),
			# a Contact with the sender's address: the ticket links it (and, on ERPNext, its Customer)
			**reporters.linked_by_email(mail.from_email),
		}
	)
	ticket.insert(ignore_permissions=True)  # the mailbox is the channel: no session user opens it
	return ticket.name


def reporter_of(address: str, display_name: str | None) -> dict:
	"""The reporter fields for a sender: their user when a User has the address (staff are internal
	employees), the name from the mail (else the user's, else the address), contact by email."""
	user = frappe.db.get_value(
		"User", {"email": address, "enabled": 1}, ["name", "full_name", "user_type"], as_dict=True
	)
	name = (display_name or "").strip()
	if not name or name.lower() == address.lower():
		name = (user and user.full_name) or address
	return {
		"reporter_user": user.name if user else None,
		"reporter_type": "Internal Employee"
		if user and user.user_type == "System User"
		else "External Customer",
		"reporter_name": name[:140],
		"contact_method": "Email",
		"contact_detail": address,
	}


def sender_name(message: email.message.Message) -> str | None:
	"""The sender's display name, decoded (Frappe's parsing loses names in other scripts, such as 王芳)."""
	raw = message.get("X-Original-From") or message.get("From") or ""
	try:
		decoded = str(make_header(decode_header(raw)))
	except Exception:  # a malformed encoded word: Frappe's own reading stands
		return None
	return parseaddr(decoded)[0].strip() or None


def mail_body(mail: InboundMail) -> str:
	"""The ticket's description: the mail's HTML (sanitised) or its text as paragraphs, within the size a
	ticket's text may have (the whole mail stays on its Communication)."""
	if mail.content_type == "text/html":
		body = mail.get_content() or ""
	else:
		text = (mail.text_content or "").strip()
		body = "".join(f"<p>{escape_html(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p)
	body = sanitize_html(body[: guard.MAX_TEXT - 1000], always_sanitize=True).strip()[: guard.MAX_TEXT]
	return body or escape_html(mail.subject)


# -- a reply ------------------------------------------------------------------------------------------------


def reporter_replied(mail: InboundMail, communication) -> bool:
	"""The reporter's reply resumes a ticket that is Waiting for Customer; the pause ends at the reply's
	Date (not before the pause began). Auto-replies and bounces, and other senders' mail, resume nothing."""
	if communication.reference_doctype != TICKET or not communication.reference_name:
		return False
	if automated(mail.mail, mail.from_email):
		return False
	ticket = frappe.get_doc(TICKET, communication.reference_name)
	if ticket.status != WAITING or (mail.from_email or "").lower() not in reporter_addresses(ticket):
		return False
	at = get_datetime(communication.communication_date).replace(microsecond=0)
	paused = [get_datetime(p.paused_from) for p in ticket.get("pauses") or [] if not p.paused_to]
	lifecycle.resume(
		ticket,
		_("The reporter replied by email ({0})").format(frappe.utils.format_datetime(at, "yyyy-MM-dd HH:mm")),
		at=max([at, *paused]) if paused else at,
	)
	return True
