"""ERPNext Issue → Support Ticket: an Issue becomes a ticket (the "Create Support Ticket" button, or every new
Issue when TS SLA Settings says so), and the two stay linked (the ticket's ``issue``, the Issue's
``support_ticket``).

One direction, ticket → Issue: once the ticket exists, the work happens on the ticket and the Issue follows it.

- Replies: every message of the ticket's conversation (the team's public replies, the reporter's mails and
  portal replies) is also linked to the Issue (a Communication timeline link), so the Issue's timeline shows
  the conversation. Replies written on the Issue are not copied to the ticket.
- Closing: the ticket's Resolved / Confirmed sets the Issue to Resolved, Closed and Cancelled set it to
  Closed, and a ticket reopened from there sets it back to Open (saved as ERPNext saves it, so its own SLA
  records resolution as usual). Closing the Issue in ERPNext changes nothing on the ticket.
- ERPNext's own Service Level Agreement on the Issue is left alone: nothing here sets its agreement, its
  first response or its deadlines.

Mapping: subject, description, customer, contact (the reporter then follows the contact), company, the
Issue's opening as the ticket's receipt, and its priority through the Issue Priority → P0–P3 table of TS SLA
Settings (an unmapped or empty priority gets the settings' default).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from ts_sla.services import erpnext, notes, reporters
from ts_sla.services.notes import Note
from ts_sla.services.states import CANCELLED, CLOSED, CONFIRMED, DEFAULT_PRIORITY, PRIORITIES, RESOLVED

TICKET, ISSUE, SETTINGS = "Support Ticket", "Issue", "TS SLA Settings"
#: What the ticket's status makes of the Issue's.
ISSUE_STATUS = {RESOLVED: "Resolved", CONFIRMED: "Resolved", CLOSED: "Closed", CANCELLED: "Closed"}
#: The channel of a ticket registered from an Issue (its external reference is the Issue's name).
CHANNEL = "Ticket System"
#: An Issue does not say what kind of problem it is: the first line reclassifies.
PROBLEM_TYPE = "Software"


def available() -> bool:
	return erpnext.exists(ISSUE) and erpnext.has_field(TICKET, "issue")


def priority_for(issue_priority: str | None) -> str:
	"""The ticket priority of an Issue Priority, from the settings' table (else the settings' default)."""
	settings = frappe.get_cached_doc(SETTINGS)
	for row in settings.get("issue_priority_map") or []:
		if issue_priority and row.issue_priority == issue_priority and row.priority in PRIORITIES:
			return row.priority
	return settings.get("issue_default_priority") or DEFAULT_PRIORITY


def validate_priority_map(settings) -> None:
	"""TS SLA Settings: each Issue Priority is mapped once."""
	seen = set()
	for row in settings.get("issue_priority_map") or []:
		if row.issue_priority in seen:
			frappe.throw(
				_("Issue Priority {0} is mapped twice").format(row.issue_priority),
				title=_("Duplicate Issue Priority"),
			)
		seen.add(row.issue_priority)


def ticket_values(issue) -> dict:
	"""A new ticket's fields from an Issue."""
	opened = issue.creation
	if issue.get("opening_date") and issue.get("opening_time"):
		opened = get_datetime(f"{issue.opening_date} {issue.opening_time}")
	received = min(get_datetime(opened), now_datetime()).replace(microsecond=0)
	raised_by = (issue.get("raised_by") or "").strip()
	values = {
		"doctype": TICKET,
		"subject": (issue.subject or issue.name)[:140],
		"description": issue.description or frappe.utils.escape_html(issue.subject or issue.name),
		"channel": "Web Portal" if issue.get("via_customer_portal") else CHANNEL,
		"external_ref": issue.name,
		"received_at": received,
		"problem_type": PROBLEM_TYPE,
		"priority": priority_for(issue.get("priority")),
		"reporter_type": "External Customer" if issue.get("customer") else "Internal Employee",
		"reporter_name": (issue.get("customer_name") or raised_by or issue.owner or "")[:140],
		"contact_method": "Email" if raised_by and "@" in raised_by else None,
		"contact_detail": raised_by or None,
		"contact": issue.get("contact"),
		"issue": issue.name,
	}
	if issue.get("contact"):  # the reporter is the contact (its own name, email or phone where it has them)
		values |= {k: v for k, v in reporters.contact_details(issue.contact).items() if v}
	for field in ("customer", "company"):
		if erpnext.has_field(TICKET, field) and issue.get(field):
			values[field] = issue.get(field)
	if raised_by and (user := frappe.db.get_value("User", {"email": raised_by, "enabled": 1}, "name")):
		values["reporter_user"] = user
	return values


def create_from_issue(issue_name: str) -> str:
	"""Register the Issue as a Support Ticket and link both; an Issue already linked returns its ticket.
	The caller checks who may do it."""
	if not available():
		frappe.throw(_("ERPNext's Issue is not installed on this site"), title=_("Not available"))
	issue = frappe.get_doc(ISSUE, issue_name, for_update=True)
	existing = issue.get("support_ticket") or frappe.db.get_value(TICKET, {"issue": issue.name}, "name")
	if existing and frappe.db.exists(TICKET, existing):
		return existing
	ticket = frappe.get_doc(ticket_values(issue))
	ticket.flags.ts_from_issue = issue.name
	ticket.insert(ignore_permissions=True)  # checked by the caller (button) or the site's setting (automatic)
	issue.db_set("support_ticket", ticket.name, update_modified=False)  # the Issue itself is not re-saved
	notes.comment(
		issue, Note("Registered as Support Ticket {0} (priority {1}).", ticket.name, ticket.priority)
	)
	return ticket.name


def on_issue_insert(issue, method=None) -> None:
	"""hooks doc_events Issue after_insert: with the setting on, every new Issue becomes a ticket. A ticket
	that cannot be registered never stops the Issue: the error is logged and the Issue says so."""
	if not frappe.db.get_single_value(SETTINGS, "issue_auto_create") or not available():
		return
	if issue.get("support_ticket"):
		return
	frappe.db.savepoint("ts_sla_issue")
	try:
		create_from_issue(issue.name)
	except Exception:
		frappe.db.rollback(save_point="ts_sla_issue")
		frappe.clear_last_message()
		frappe.log_error(title=_("Support Ticket not registered for Issue {0}").format(issue.name))
		notes.comment(issue, Note("No Support Ticket could be registered for this Issue; see the Error Log."))


def check_link(ticket) -> None:
	"""The ticket's Issue is set by the registration only and never changes afterwards."""
	if not ticket.meta.has_field("issue"):
		return
	if ticket.is_new():
		if ticket.get("issue") and ticket.flags.ts_from_issue != ticket.issue:
			frappe.throw(
				_("A ticket is linked to an Issue by the Issue's Create Support Ticket action"),
				frappe.PermissionError,
				title=_("Read-only field"),
			)
		return
	before = ticket.get_doc_before_save()
	if before and (before.get("issue") or None) != (ticket.get("issue") or None):
		frappe.throw(
			_("{0} is set when the ticket is registered from the Issue and cannot be changed").format(
				_("ERPNext Issue")
			),
			frappe.PermissionError,
			title=_("Read-only field"),
		)


def issue_status(ticket, before_status: str | None) -> str | None:
	"""The status the ticket's Issue takes now, or None to leave it."""
	if ticket.status in ISSUE_STATUS:
		return ISSUE_STATUS[ticket.status]
	if before_status in ISSUE_STATUS:
		return "Open"  # reopened
	return None


def follow_ticket(ticket) -> None:
	"""After a ticket's save: its Issue follows a status change (see the module's docstring)."""
	if not ticket.get("issue") or not ticket.has_value_changed("status") or not available():
		return
	before = ticket.get_doc_before_save()
	target = issue_status(ticket, before.status if before else None)
	if not target or not frappe.db.exists(ISSUE, ticket.issue):
		return
	issue = frappe.get_doc(ISSUE, ticket.issue)
	if issue.status == target:
		return
	frappe.db.savepoint("ts_sla_issue_status")
	try:
		issue.status = target
		issue.flags.ts_from_ticket = ticket.name
		issue.save(ignore_permissions=True)  # the ticket's worker moves the Issue that carries it
	except Exception:
		frappe.db.rollback(save_point="ts_sla_issue_status")
		frappe.clear_last_message()
		frappe.log_error(
			title=_("Issue {0} did not follow Support Ticket {1}").format(issue.name, ticket.name)
		)
		notes.comment(
			ticket,
			Note("ERPNext Issue {0} could not be set to {1}; see the Error Log.", issue.name, Note(target)),
		)


def link_communication(communication, method=None) -> None:
	"""hooks doc_events Communication before_insert: a message of a ticket registered from an Issue also
	appears on the Issue's timeline (a timeline link; ERPNext's SLA reads only the Issue's own messages)."""
	if (
		communication.reference_doctype != TICKET
		or not communication.reference_name
		or communication.communication_type != "Communication"
		or not erpnext.has_field(TICKET, "issue")
	):
		return
	issue = frappe.db.get_value(TICKET, communication.reference_name, "issue")
	if issue and frappe.db.exists(ISSUE, issue):
		communication.add_link(ISSUE, issue)
