"""Telling people: Frappe's Notification Log (the bell), a queued email (``frappe.sendmail``; Frappe itself
never emails "Alert" notifications, so there is no duplicate), a realtime alert in their open Desk, and
optionally a WeCom / DingTalk group robot message.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import time
import urllib.parse

import frappe
import requests
from frappe import _
from frappe.utils import get_fullname, get_url_to_form

from ts_sla.services import confirmation, notes
from ts_sla.services.notes import Note
from ts_sla.services.teams import active_members, on_duty, supervisors_of

ROBOT_ATTEMPTS = 3
#: A user told of more tickets than this at once gets one realtime alert that counts them.
ALERTS_EACH = 3


def notify(users: list[str], subject: str, message: str, ticket, alert: bool = True) -> list[str]:
	"""Bell, queued email and a realtime alert for each enabled user; returns who was told.

	The recipients' addresses and email preferences are read in two queries, whatever their number."""
	users, emails, muted = _reachable(users)
	for user in users:
		_bell(user, subject, message, ticket)
		if user not in muted:
			send_mail(
				recipients=[emails[user] or user],
				subject=subject,
				message=_with_link(message, ticket),
				reference_doctype="Support Ticket",
				reference_name=ticket.name,
			)
	if alert:
		_alerts([(user, subject, message, ticket) for user in users])
	return users


def _reachable(users: list[str]) -> tuple[list[str], dict, set]:
	"""(the enabled users, their addresses, those who switched email notifications off) in two queries."""
	users = sorted({u for u in users if u and u not in ("Guest",)})
	if not users:
		return [], {}, set()
	emails = dict(
		frappe.get_all(
			"User", filters={"name": ("in", users), "enabled": 1}, fields=["name", "email"], as_list=True
		)
	)
	users = [u for u in users if u in emails]
	# Frappe's Notification Settings: email unless the user switched it off (no row means on)
	muted = (
		set(
			frappe.get_all(
				"Notification Settings",
				filters={"name": ("in", users), "enable_email_notifications": 0},
				pluck="name",
			)
		)
		if users
		else set()
	)
	return users, emails, muted


def _link(ticket) -> str:
	return f"<a href='{get_url_to_form('Support Ticket', ticket.name)}'>{ticket.name}</a>"


def _with_link(message: str, ticket) -> str:
	return f"{message}<br><br>{_link(ticket)}"


def _bell(user: str, subject: str, message: str, ticket) -> None:
	"""The Notification Log (the bell); the realtime alerts of bells are ``_alerts``."""
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"document_type": "Support Ticket",
			"document_name": ticket.name,
			"subject": subject,
			"email_content": message,
			"from_user": "Administrator",
		}
	).insert(ignore_permissions=True, ignore_links=True)


def send_notices(notices: list[tuple[list[str], str, str]], ticket) -> int:
	"""Tell people about one ticket once (``send_digest`` of that ticket alone)."""
	return send_digest([(ticket, notices)])


def send_digest(tickets: list[tuple[object, list[tuple[list[str], str, str]]]]) -> int:
	"""Tell people about several tickets: for each ticket its ``notices`` (users, subject, message), each
	user in at most one of a ticket's notices. Each user gets a bell and a realtime alert per ticket, and
	one email for all of the tickets, carrying only the notices that name them: users told exactly the same
	share one queued email (Frappe sends each their own copy, addressed to them alone), since rendering an
	email is the dearest part. One ticket's notice reads as it would alone. A ticket needs a name, a subject
	and a priority. Returns how many bells were rung."""
	everyone = [u for _ticket, notices in tickets for group, _s, _m in notices for u in group]
	users, emails, muted = _reachable(everyone)
	reachable = set(users)
	bells, mailed = [], {}
	for ticket, notices in tickets:
		for group, subject, message in notices:
			for user in sorted(set(group) & reachable):
				bells.append((user, subject, message, ticket))
				if user not in muted:
					mailed.setdefault(user, []).append((ticket, subject, message))
	# in one order everywhere (the user): two workers telling the same people wait, never deadlock
	bells.sort(key=lambda bell: bell[0])
	for user, subject, message, ticket in bells:
		_bell(user, subject, message, ticket)
	_alerts(bells)
	shared: dict[tuple, tuple[list, list[str]]] = {}  # the same items: (items, addresses)
	for user, items in mailed.items():
		key = tuple((ticket.name, subject, message) for ticket, subject, message in items)
		shared.setdefault(key, (items, []))[1].append(emails[user] or user)
	for items, addresses in shared.values():
		subject, message, reference = _digest(items)
		send_mail(
			recipients=sorted(set(addresses)),
			subject=subject,
			message=message,
			reference_doctype="Support Ticket" if reference else None,
			reference_name=reference,
		)
	return len(bells)


def _alerts(bells: list[tuple]) -> None:
	"""The realtime alerts of the bells (user, subject, message, ticket): one per ticket, or for a user told
	of more than ``ALERTS_EACH`` tickets at once (a backlog), one that counts them."""
	mine: dict[str, list] = {}
	for user, subject, _message, ticket in bells:
		mine.setdefault(user, []).append((subject, ticket))
	for user, told in mine.items():
		alerts = [{"ticket": t.name, "subject": subject, "priority": t.priority} for subject, t in told]
		if len(alerts) > ALERTS_EACH:  # the most urgent priority among them colours it
			alerts = [
				{
					"ticket": alerts[0]["ticket"],
					"subject": _("SLA notices on {0} tickets").format(len(alerts)),
					"priority": min(a["priority"] or "P3" for a in alerts),
				}
			]
		for alert in alerts:
			frappe.publish_realtime("ts_sla_alert", alert, user=user, after_commit=True)


def _digest(items: list) -> tuple[str, str, str | None]:
	"""(subject, message, the ticket it refers to) of one email carrying ``items`` (ticket, subject,
	message): a single notice reads as it would alone; notices of several tickets are listed ticket by
	ticket, each with its link."""
	if len(items) == 1:
		ticket, subject, message = items[0]
		return subject, _with_link(message, ticket), ticket.name
	names = list(dict.fromkeys(ticket.name for ticket, _s, _m in items))
	subject = _("SLA notices on {0} tickets: {1}").format(len(names), ", ".join(names[:3])) + (
		"…" if len(names) > 3 else ""
	)
	parts = [
		f"<p><b>{_link(ticket)}</b> {frappe.utils.escape_html(heading)}<br>{message}</p>"
		for ticket, heading, message in items
	]
	return subject, "".join(parts), names[0] if len(names) == 1 else None


def reporter_email(ticket) -> str | None:
	"""The reporter's email address, when their contact method is a valid email."""
	address = ticket.contact_detail if ticket.contact_method == "Email" else None
	return address if address and frappe.utils.validate_email_address(address) else None


def notify_extension(ticket, extension) -> int:
	"""Tell the reporter the new due time when their contact is an email address."""
	address = reporter_email(ticket)
	if not address:
		return 0
	return send_mail(
		recipients=[address],
		subject=_("Ticket {0}: new target time").format(ticket.name),
		message=_(
			"Dear {0},<br><br>Your ticket {1} ({2}) needs more time: {3}.<br>The new target time is {4}."
		).format(ticket.reporter_name, ticket.name, ticket.subject, extension.reason, extension.new_due),
		reference_doctype=ticket.doctype,
		reference_name=ticket.name,
	)


def reply_address(ticket) -> str | None:
	"""Where a public reply goes: the reporter's email contact, else their user's address."""
	return reporter_email(ticket) or (
		frappe.db.get_value("User", ticket.reporter_user, "email") if ticket.reporter_user else None
	)


def support_mailbox() -> str | None:
	"""The address of the Email Account that receives mail into Support Ticket (itself or an IMAP folder's
	Append To), if one does."""
	incoming = {"enable_incoming": 1}
	folder = frappe.db.get_value("IMAP Folder", {"append_to": "Support Ticket"}, "parent")
	return frappe.db.get_value("Email Account", {**incoming, "append_to": "Support Ticket"}, "email_id") or (
		folder and frappe.db.get_value("Email Account", {**incoming, "name": folder}, "email_id")
	)


def public_reply(ticket, message: str) -> str:
	"""A reply the reporter sees: a Communication on the ticket (its timeline, and the portal's conversation),
	emailed with the ticket ID in the subject when the reporter has an address. Returns its name."""
	from frappe.core.doctype.communication.email import _make

	address = reply_address(ticket)
	kwargs = {
		"doctype": ticket.doctype,
		"name": ticket.name,
		"content": message,
		"subject": _("Re: {0} [{1}]").format(ticket.subject, ticket.name),
		"sent_or_received": "Sent",
		"recipients": address,
		"communication_medium": "Email" if address else (ticket.contact_method or "Other"),
	}
	if address and (mailbox := support_mailbox()):  # the reporter's answer comes back into the ticket
		kwargs["sender"] = email.utils.formataddr((get_fullname(frappe.session.user), mailbox))
	mailed = bool(address) and can_mail(ticket.doctype)
	if address and not mailed:  # recorded on the timeline and the portal, not emailed
		mail_not_set_up([address])
	return _make(**kwargs, send_email=mailed)["name"]


def send_mail(**kwargs) -> int:
	"""Queue an email; returns 1, or 0 when the site has no outgoing Email Account. The action that sends it
	succeeded all the same: the missing set-up is counted and told to the Support Managers once
	(``mail_not_set_up``), never shown to the user acting as an error."""
	if not can_mail(kwargs.get("reference_doctype")):
		mail_not_set_up(kwargs["recipients"])
		return 0
	shown = len(frappe.local.message_log)
	try:
		frappe.sendmail(**kwargs)
	except frappe.OutgoingEmailError:  # the account went away in between: frappe.throw queued its pop-up
		del frappe.local.message_log[shown:]
		mail_not_set_up(kwargs["recipients"])
		return 0
	return 1


#: Mail that could not be queued for want of an outgoing Email Account (Redis): since when, how many
#: emails, the last recipients. ``MAIL_TOLD``: the Support Managers were told (SET NX: once, by one worker).
MAIL_MISSING = "ts_sla:mail:missing"
MAIL_TOLD = "ts_sla:mail:missing_told"


def can_mail(reference_doctype: str | None = "Support Ticket") -> bool:
	"""Is there an outgoing Email Account for mail about ``reference_doctype`` (or a default one)? When one
	is found again, what was counted as unsent is cleared, so a later loss of the account is news."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	if EmailAccount.find_outgoing(match_by_doctype=reference_doctype or None):
		if frappe.cache.get_value(MAIL_MISSING):
			frappe.cache.delete_value([MAIL_MISSING, MAIL_TOLD])
		return True
	return False


def mail_not_set_up(recipients: list[str]) -> None:
	"""Count an email that was not queued (no outgoing Email Account) and tell the Support Managers once, by
	the bell: the health reading (TS SLA Settings, REST) shows it until an account is set up."""
	from ts_sla.services.states import MANAGER
	from ts_sla.services.teams import role_holders

	now = str(frappe.utils.now_datetime().replace(microsecond=0))
	state = frappe.cache.get_value(MAIL_MISSING) or {"since": now, "unsent": 0}
	state.update(unsent=state["unsent"] + 1, last_at=now, last_recipients=sorted(recipients)[:5])
	frappe.cache.set_value(MAIL_MISSING, state)
	if not frappe.cache.set(frappe.cache.make_key(MAIL_TOLD), now, nx=True):
		return  # already told (by this or another worker)
	subject = _("Email is not set up: SLA notices are not emailed")
	message = _(
		"There is no outgoing Email Account, so notices, replies and confirmation requests are only shown in the"
		" Desk and the portal. Set up an outgoing Email Account (Email Account, Default Outgoing) to email them."
	)
	for user in sorted(u for u in role_holders(MANAGER) if u != "Administrator"):
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": "TS SLA Settings",
				"document_name": "TS SLA Settings",
				"subject": subject,
				"email_content": message,
				"from_user": "Administrator",
			}
		).insert(ignore_permissions=True, ignore_links=True)


def mail_reading() -> dict:
	"""For the health reading: can the site email, and what was not emailed since it could not."""
	if can_mail():
		return {"outgoing": True}
	return {"outgoing": False, **(frappe.cache.get_value(MAIL_MISSING) or {"unsent": 0})}


def extension_requested(ticket, extension) -> list[str]:
	"""Tell the team's supervisor (or every supervisor) that an extension waits for their decision."""
	users = [u for u in supervisors_of(ticket.support_team) if u != extension.requested_by]
	subject = _("Extension requested: {0} ({1})").format(ticket.subject, ticket.name)
	message = _("{0} asks for more time on the {1} clock of {2}: {3}. Current due {4}.").format(
		extension.requested_by,
		_(extension.clock),
		ticket.name,
		frappe.utils.escape_html(extension.reason or ""),
		extension.previous_due,
	)
	return notify(users, subject, message, ticket)


def extension_decided(ticket, extension) -> list[str]:
	"""Tell whoever asked for the extension (and the assignee, when someone else asked) the decision: bell,
	realtime alert and, where mail is set up, an email."""
	users = list(dict.fromkeys(u for u in (extension.requested_by, ticket.assigned_to) if u))
	users = [u for u in users if u != extension.decided_by]
	esc = frappe.utils.escape_html
	why = f" {esc(extension.decision_note)}" if extension.decision_note else ""
	if extension.status == "Approved":
		subject = _("Extension approved: {0} ({1})").format(ticket.subject, ticket.name)
		message = _("{0} approved more time on the {1} clock of {2}: now due {3}.").format(
			get_fullname(extension.decided_by), _(extension.clock), ticket.name, extension.new_due
		)
	else:
		subject = _("Extension rejected: {0} ({1})").format(ticket.subject, ticket.name)
		message = _("{0} rejected more time on the {1} clock of {2}: it stays due {3}.").format(
			get_fullname(extension.decided_by), _(extension.clock), ticket.name, extension.previous_due
		)
	return notify(users, subject, message + why, ticket)


def send_confirmation_request(doc) -> None:
	"""Ask the reporter to confirm or reject the fix and to rate it. A reporter with a login is sent to their
	ticket on the support portal (answers are POSTs from there); one without is sent signed links, whose
	page also answers by POST."""
	address = reply_address(doc) if doc.reporter_user else reporter_email(doc)
	if not address:
		return
	intro = _("Dear {0},<br><br>Ticket {1} ({2}) was resolved: {3}<br><br>").format(
		frappe.utils.escape_html(doc.reporter_name or ""),
		doc.name,
		frappe.utils.escape_html(doc.subject or ""),
		frappe.utils.escape_html(doc.resolution_summary or ""),
	)
	if doc.reporter_user:
		choice = _('<a href="{0}">Confirm it is resolved, tell us it is not, and rate our work</a>').format(
			frappe.utils.get_url(f"/support/{doc.name}")
		)
	else:
		choice = _(
			'<a href="{0}">Confirm it is resolved</a> &nbsp; or &nbsp; <a href="{1}">Tell us it is not</a>'
		).format(confirmation.link(doc, "confirm"), confirmation.link(doc, "reject"))
	send_mail(
		recipients=[address],
		subject=_("Ticket {0} is resolved: please confirm").format(doc.name),
		message=intro + choice,
		reference_doctype=doc.doctype,
		reference_name=doc.name,
	)


def p0_alarm(ticket) -> list[str]:
	"""P0 at registration: the on-duty lead(s) and the team's L2 engineers hear at once."""
	leads = on_duty(duty_role="On-Duty Lead")
	engineers = active_members(ticket.support_team, "L2") if ticket.support_team else []
	engineers += on_duty(duty_role="L2 On Call", team=ticket.support_team) if ticket.support_team else []
	subject = _("P0 emergency: {0} ({1})").format(ticket.subject, ticket.name)
	message = _(
		"P0 ticket {0} was registered at {1}: {2}. Response due {3}, resolution due {4}, hard limit {5}."
	).format(
		ticket.name,
		ticket.registered_at,
		ticket.subject,
		ticket.response_due,
		ticket.resolution_due,
		ticket.resolution_limit,
	)
	told = notify(leads + engineers, subject, message, ticket)
	robot(f"{subject}\n{message}\n{get_url_to_form('Support Ticket', ticket.name)}")
	notes.comment(
		ticket,
		Note(
			"P0 emergency response started; notified {0}",
			", ".join(told) if told else Note("nobody (no one on duty)"),
		),
	)
	return told


# -- group robots -------------------------------------------------------------------------------------------


def robot(text: str) -> None:
	"""Queue a group-robot message when a webhook is configured (sent after the transaction commits)."""
	settings = frappe.get_cached_doc("TS SLA Settings")
	if not settings.robot_webhook_url or not settings.robot_platform:
		return
	frappe.enqueue(
		"ts_sla.services.notifier.send_robot_message",
		queue="short",
		text=text,
		enqueue_after_commit=True,
	)


def signed_url(platform: str, url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
	"""DingTalk signs a robot call with HMAC-SHA256 of "timestamp\\nsecret", base64 then URL-encoded, in the
	query string; WeCom robots carry their key in the URL and are not signed."""
	if platform != "DingTalk" or not secret:
		return url
	timestamp = str(timestamp_ms or int(time.time() * 1000))
	digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
	sign = urllib.parse.quote_plus(base64.b64encode(digest))
	return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def send_robot_message(text: str, attempt: int = 1) -> bool:
	"""Background job: post the message; on failure retry (re-enqueued) up to ROBOT_ATTEMPTS times."""
	settings = frappe.get_single("TS SLA Settings")
	platform, url = settings.robot_platform, settings.robot_webhook_url
	if not platform or not url:
		return False
	secret = settings.get_password("robot_secret", raise_exception=False)
	body = {"msgtype": "text", "text": {"content": text}}
	try:
		response = requests.post(signed_url(platform, url, secret), json=body, timeout=10)
		response.raise_for_status()
		data = response.json() if response.content else {}
		if data.get("errcode", 0) != 0:
			raise ValueError(f"robot answered {data}")
		return True
	except Exception:
		if attempt < ROBOT_ATTEMPTS:
			frappe.enqueue(
				"ts_sla.services.notifier.send_robot_message", queue="short", text=text, attempt=attempt + 1
			)
		else:
			frappe.log_error(title=_("Group robot message failed after {0} attempts").format(attempt))
		return False
