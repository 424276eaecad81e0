"""The reporter's side of a ticket on the website (``/support``): their tickets, a new ticket, the conversation
and the answers that are theirs (reply, confirm or reject the fix, rate it).

A reporter is whoever the ticket names as ``reporter_user`` — a website user or a Desk user alike. Everything
here runs as the session user and checks that the user is that reporter; the ticket is read and changed
through the same permission rules and lifecycle actions as the Desk and the REST API. What a reporter sees is
chosen here: the response and resolution clocks (not the team's internal intake clocks), public replies
(never internal notes), and times in the reporter's own time zone.
"""

from __future__ import annotations

import base64
import functools
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import format_datetime, get_datetime, get_system_timezone, now_datetime
from frappe.utils.caching import request_cache
from frappe.utils.html_utils import sanitize_html

from ts_sla.services import erpnext, guard, lifecycle, notes, permissions, reporters, sla
from ts_sla.services.notes import Note
from ts_sla.services.states import FINAL, PRIORITIES, WAITING

#: What a reporter may type when opening a ticket (the rest is the support team's to set).
INTAKE = ("subject", "description", "problem_type", "technical_domain", "contact_method", "contact_detail")
#: What a reporter must say (the rest has defaults: contact by email to their address).
REQUIRED = ("subject", "description", "problem_type")
#: The clocks a reporter sees: their answer and their fix, not the team's registration and triage.
REPORTER_CLOCKS = ("response", "resolution")
#: The indicator colours the portal's pages use (as the Desk's list and form do).
STATE_COLOURS = {
	"On Track": "green",
	"At Risk": "orange",
	"Breached": "red",
	"Paused": "blue",
	"Met": "green",
}
PRIORITY_COLOURS = {"P0": "red", "P1": "orange", "P2": "blue", "P3": "gray"}
#: Largest attachment a reporter may upload.
MAX_FILE_BYTES = 10 * 1024 * 1024


def require_login() -> str:
	"""The session user, or a redirect to the login page that comes back here."""
	user = frappe.session.user
	if user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=" + frappe.utils.quote(
			frappe.request.path if getattr(frappe, "request", None) else "/support"
		)
		raise frappe.Redirect
	return user


def user_zone(user: str | None = None) -> str:
	return _zone_of(user or frappe.session.user)


@request_cache
def _zone_of(user: str) -> str:
	"""The reader's time zone, read once per request (a page shows many datetimes)."""
	return frappe.db.get_value("User", user, "time_zone") or get_system_timezone()


def in_user_zone(value, user: str | None = None) -> str:
	"""A stored (system-zone) datetime shown in the reader's zone, with the zone named."""
	if not value:
		return ""
	system, zone = ZoneInfo(get_system_timezone()), user_zone(user)
	local = get_datetime(value).replace(tzinfo=system).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
	return f"{format_datetime(local)} ({zone})"


def own_ticket(name: str, user: str | None = None):
	"""The ticket, when the user is its reporter; the same answer for someone else's and a missing one."""
	user = user or frappe.session.user
	if (
		not isinstance(name, str)
		or not name
		or frappe.db.get_value("Support Ticket", name, "reporter_user") != user
		or user == "Guest"
	):
		frappe.throw(_("Ticket {0} not found").format(name), frappe.DoesNotExistError)
	return frappe.get_doc("Support Ticket", name)


def visible_ticket(name: str, user: str | None = None):
	"""The ticket, when the user is its reporter or (when the setting allows it) a portal user of its
	customer; the same answer for a ticket they may not see and a missing one."""
	user = user or frappe.session.user
	customers = erpnext.portal_customers(user)
	if customers and isinstance(name, str) and name:
		customer = frappe.db.get_value("Support Ticket", name, "customer")
		if customer and customer in customers:
			return frappe.get_doc("Support Ticket", name)
	return own_ticket(name, user)


def my_tickets(user: str | None = None) -> list[dict]:
	"""The reporter's tickets (and their customers' when the setting allows it), newest first, with what the
	list shows."""
	user = user or frappe.session.user
	customers = erpnext.portal_customers(user)
	or_filters = {"reporter_user": user}
	if customers:
		or_filters["customer"] = ("in", customers)
	rows = frappe.get_all(
		"Support Ticket",
		or_filters=or_filters,
		fields=[
			"name",
			"subject",
			"status",
			"priority",
			"sla_state",
			"next_due",
			"received_at",
			"reporter_name",
			"reporter_user",
			"suggested_priority",
			"first_responded_at",
			"response_status",
			"resolution_status",
		],
		order_by="received_at desc",
		limit_page_length=200,
	)
	for row in rows:
		row.next_due_label = in_user_zone(row.next_due, user)
		row.received_label = in_user_zone(row.received_at, user)
		# a customer's ticket someone else reported: the list names who did
		row.reported_by_colleague = row.pop("reporter_user") != user
		row.suggestion_pending = suggestion_pending(row)
		row.sla_result = sla_result(row) if row.status in FINAL else None
	return rows


def suggestion_pending(ticket) -> bool:
	"""The reporter suggested another priority and the team has not acted on the ticket yet: the priority
	shown is the documented default until then (the first response, or a Reclassify, settles it)."""
	return bool(
		ticket.get("suggested_priority")
		and ticket.suggested_priority != ticket.priority
		and not ticket.get("first_responded_at")
		and ticket.status not in FINAL
	)


def sla_result(ticket) -> str | None:
	"""For a closed ticket, what the reporter was promised and got: Met when its response and resolution met
	their targets, Breached when one did not, nothing for a ticket whose clocks did not run (cancelled)."""
	states = {ticket.get("response_status"), ticket.get("resolution_status")}
	if "Breached" in states:
		return "Breached"
	return "Met" if "Met" in states and states <= {"Met", None} else None


def reporter_clocks(ticket) -> list[dict]:
	"""The response and resolution clocks as the reporter sees them."""
	out = []
	for clock in sla.clock_panel(ticket):
		if clock["clock"] not in REPORTER_CLOCKS:
			continue
		out.append({**clock, "due_label": in_user_zone(clock["due"])})
	return out


def conversation(ticket) -> list[dict]:
	"""Public replies both ways, oldest first, with their attachments (never internal notes)."""
	messages = frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": "Support Ticket",
			"reference_name": ticket.name,
			"communication_type": "Communication",
		},
		fields=["name", "sender", "sender_full_name", "content", "sent_or_received", "creation"],
		order_by="creation asc",
	)
	files = frappe.get_all(
		"File",
		filters={
			"attached_to_doctype": "Communication",
			"attached_to_name": ("in", [m.name for m in messages]),
		},
		fields=["attached_to_name", "file_name", "file_url"],
	)
	for message in messages:
		message.mine = message.sent_or_received == "Received"
		message.content_html = sanitize_html(message.content or "")
		message.when = in_user_zone(message.creation)
		message.files = [f for f in files if f.attached_to_name == message.name]
	return messages


def ticket_files(ticket) -> list[dict]:
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Support Ticket", "attached_to_name": ticket.name},
		fields=["file_name", "file_url"],
		order_by="creation asc",
	)


def actions(ticket) -> list[str]:
	"""The answers that are the reporter's now (their own reply aside)."""
	allowed = permissions.allowed_actions(ticket)
	out = [a for a in ("confirm", "reject_resolution", "rate") if a in allowed]
	if ticket.status not in FINAL and permissions.is_reporter(ticket):  # a customer's colleague only reads
		out.insert(0, "reply")
	return out


def _reporter_type(user: str) -> str:
	return (
		"Internal Employee"
		if frappe.db.get_value("User", user, "user_type") == "System User"
		else "External Customer"
	)


@functools.cache
def _script_messages() -> tuple[str, ...]:
	"""The messages of the portal's script (``__()`` in support_portal.js), read once per process."""
	from frappe.translate import get_messages_from_file

	path = frappe.get_app_path("ts_sla", "public", "js", "support_portal.js")
	return tuple(dict.fromkeys(message for _path, message, _context, _line in get_messages_from_file(path)))


def script_messages() -> str:
	"""The portal script's messages in the reader's language, as JSON for its page (a website page has no
	Desk boot to carry translations: Frappe's web forms pass theirs the same way)."""
	return frappe.as_json({message: _(message) for message in _script_messages()}, indent=None)


def create_ticket(values: dict, files: list | None = None) -> str:
	"""A ticket opened by its reporter on the portal: the intake a reporter can know, the priority only as a
	suggestion (the ticket starts at the documented default until the first line confirms it)."""
	user = frappe.session.user
	if user == "Guest":
		frappe.throw(_("Log in to open a ticket"), frappe.PermissionError)
	if not isinstance(values, dict):
		frappe.throw(_("The ticket must be given as fields and values"), title=_("Invalid value"))
	unknown = set(values) - {*INTAKE, "suggested_priority"}
	if unknown:
		frappe.throw(
			_("A reporter cannot set {0}").format(", ".join(sorted(unknown))), title=_("Invalid value")
		)
	meta = frappe.get_meta("Support Ticket")
	for field in INTAKE:
		guard.check_text(values.get(field), meta.get_label(field))
	missing = [_(meta.get_label(f)) for f in REQUIRED if not (values.get(f) or "").strip()]
	if missing:  # in the customer's words, before Frappe's "Value missing for Support Ticket: …"
		frappe.throw(
			_("Please fill in: {0}").format(", ".join(missing)),
			frappe.MandatoryError,
			title=_("Missing value"),
		)
	suggested = values.get("suggested_priority") or None
	if suggested is not None and suggested not in PRIORITIES:
		frappe.throw(_("Priority must be P0, P1, P2 or P3"), title=_("Invalid priority"))
	email = frappe.db.get_value("User", user, "email") or user
	# on ERPNext: the customer the user is a portal user of, and their contact
	linked = reporters.linked_by_email(email)
	if customer := erpnext.customer_of_user(user):
		linked |= {"customer": customer}
	doc = frappe.get_doc(
		{
			"doctype": "Support Ticket",
			"subject": (values.get("subject") or "").strip(),
			"description": values.get("description"),
			"problem_type": values.get("problem_type"),
			"technical_domain": values.get("technical_domain") or None,
			"reporter_type": _reporter_type(user),
			"reporter_name": frappe.utils.get_fullname(user),
			"reporter_user": user,
			"channel": "Web Portal",
			"contact_method": values.get("contact_method") or "Email",
			"contact_detail": values.get("contact_detail") or email,
			"received_at": now_datetime(),
			**{k: v for k, v in linked.items() if k in ("contact", "customer")},
		}
	)
	doc.flags.ts_portal_suggestion = suggested
	doc.insert(ignore_permissions=True)  # reporters do not create in the Desk; the fields are the ones above
	for upload in files or []:
		attach(doc, upload)
	return doc.name


def note_suggestion(ticket) -> None:
	"""After a portal insert: keep the reporter's suggested priority and tell the first line."""
	suggested = ticket.flags.ts_portal_suggestion
	if not suggested:
		return
	ticket.db_set("suggested_priority", suggested, update_modified=False)
	if suggested != ticket.priority:
		notes.comment(
			ticket,
			Note(
				"The reporter suggests {0}; confirm it or keep {1} with Reclassify.",
				suggested,
				ticket.priority,
			),
		)


def reply(name: str, message: str, files: list | None = None) -> str:
	"""The reporter's public reply: a received Communication on the ticket; a ticket waiting for them
	resumes at that moment."""
	ticket = own_ticket(name)
	if ticket.status in FINAL:
		frappe.throw(_("Ticket {0} is {1}: it takes no more replies").format(name, _(ticket.status)))
	guard.check_text(message, "Reply")
	if not (message or "").strip():
		frappe.throw(_("Reply is required"), frappe.MandatoryError, title=_("Missing value"))
	user = frappe.session.user
	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Other",
			"sent_or_received": "Received",
			"subject": _("Re: {0} [{1}]").format(ticket.subject, ticket.name),
			"content": message,
			"sender": frappe.db.get_value("User", user, "email") or user,
			"sender_full_name": frappe.utils.get_fullname(user),
			"reference_doctype": "Support Ticket",
			"reference_name": ticket.name,
		}
	).insert(ignore_permissions=True)  # the reporter's own conversation, checked above
	for upload in files or []:
		attach(communication, upload)
	if frappe.db.get_value("Support Ticket", ticket.name, "status") == WAITING:
		ticket.reload()
		lifecycle.resume(ticket, _("The reporter replied on the portal"))
	return communication.name


def attach(doc, upload: dict) -> str:
	"""A private file from the reporter, attached to their ticket or reply."""
	if not isinstance(upload, dict) or not isinstance(upload.get("filename"), str):
		frappe.throw(_("An attachment needs a file name and its content"), title=_("Invalid value"))
	try:
		content = base64.b64decode(upload.get("content") or "", validate=True)
	except (ValueError, TypeError):
		frappe.throw(
			_("Attachment {0} is not valid base64").format(upload["filename"]), title=_("Invalid value")
		)
	if not content:
		frappe.throw(_("Attachment {0} is empty").format(upload["filename"]), title=_("Invalid value"))
	if len(content) > MAX_FILE_BYTES:
		frappe.throw(
			_("Attachment {0} is larger than {1} MB").format(upload["filename"], MAX_FILE_BYTES // 1048576),
			title=_("File too large"),
		)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": upload["filename"][-140:],
			"attached_to_doctype": doc.doctype,
			"attached_to_name": doc.name,
			"is_private": 1,
			"content": content,
		}
	).insert(ignore_permissions=True)
	return file.file_url
