"""Who may see a ticket and who may take which action on it.

- Support Agent: registers and triages every ticket.
- Support Engineer: works the tickets of their teams (assigned to them, or owned, led or asked for help by
  a team they are an active member of).
- Support Supervisor (and Support Manager, System Manager): everything operational.
- A reporter with a user (any other logged-in user): only the tickets whose ``reporter_user`` is them; on
  ERPNext, with TS SLA Settings' "Portal Users See Their Customer's Tickets", also (read only) the tickets of
  the customers whose Portal Users table lists them.
- Guest: nothing.
"""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import erpnext
from ts_sla.services.states import AGENT, ENGINEER, MANAGER, SUPERVISOR, allowed_in
from ts_sla.services.teams import user_teams

SUPERVISING = {SUPERVISOR, MANAGER, "System Manager"}
STAFF = {AGENT, *SUPERVISING}


def roles(user: str | None = None) -> set[str]:
	return set(frappe.get_roles(user or frappe.session.user))


def is_supervisor(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(roles(user) & SUPERVISING)


def is_staff(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(roles(user) & STAFF)


def is_team_engineer(ticket, user: str | None = None) -> bool:
	"""The assignee, or an active member of the ticket's team, lead team or a team asked to collaborate."""
	user = user or frappe.session.user
	if ticket.assigned_to == user:
		return True
	if ENGINEER not in roles(user):
		return False
	teams = set(user_teams(user))
	involved = {
		ticket.support_team,
		ticket.lead_team,
		*(c.support_team for c in ticket.get("collaborations") or []),
	}
	return bool(teams & involved)


def is_reporter(ticket, user: str | None = None) -> bool:
	user = user or frappe.session.user
	return bool(ticket.reporter_user) and ticket.reporter_user == user and user != "Guest"


def is_customer_reader(ticket, user: str | None = None) -> bool:
	"""A portal user of the ticket's customer, when the setting lets them read its tickets."""
	user = user or frappe.session.user
	customer = ticket.get("customer")
	return bool(customer) and customer in erpnext.portal_customers(user)


def reporter_condition(user: str) -> str:
	"""SQL: the tickets a reporter reads (their own; their customers' when allowed)."""
	own = f"`tabSupport Ticket`.`reporter_user` = {frappe.db.escape(user)}"
	customers = erpnext.portal_customers(user)
	if not customers:
		return own
	listed = ", ".join(frappe.db.escape(c) for c in customers)
	return f"({own} or `tabSupport Ticket`.`customer` in ({listed}))"


def get_permission_query_conditions(user: str | None = None) -> str:
	"""List / report filter for Support Ticket."""
	user = user or frappe.session.user
	if is_staff(user):
		return ""
	quoted = frappe.db.escape(user)
	own = reporter_condition(user)
	if ENGINEER not in roles(user):
		return own
	teams = user_teams(user)
	conditions = [own, f"`tabSupport Ticket`.`assigned_to` = {quoted}"]
	if teams:
		team_list = ", ".join(frappe.db.escape(t) for t in teams)
		conditions += [
			f"`tabSupport Ticket`.`support_team` in ({team_list})",
			f"`tabSupport Ticket`.`lead_team` in ({team_list})",
			"`tabSupport Ticket`.`name` in (select `parent` from `tabSupport Ticket Collaboration`"
			f" where `support_team` in ({team_list}))",
		]
	return "(" + " or ".join(conditions) + ")"


def readable_condition(user: str | None = None) -> str:
	"""SQL condition on `tabSupport Ticket` for the tickets the user may read ("" when nothing restricts
	them), escaped for use with query values: Frappe's own match conditions, so this app's rule, User
	Permissions and shares all apply, exactly as in the list view. Guest and users without read permission
	are refused. Reports, figures and charts use it so nobody counts what they cannot see."""
	from frappe.model.db_query import DatabaseQuery

	user = user or frappe.session.user
	if user == "Guest" or not frappe.has_permission("Support Ticket", "read", user=user):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	condition = DatabaseQuery("Support Ticket", user=user).build_match_conditions(as_condition=True)
	return (condition or "").replace("%", "%%")


def has_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	"""Document-level check for Support Ticket (the role permissions decide the rest)."""
	user = user or frappe.session.user
	if user == "Guest":
		return False
	if is_staff(user):
		return None
	if doc.get("__islocal") or doc.is_new():
		return None
	if is_team_engineer(doc, user):
		return None
	if is_reporter(doc, user):
		return ptype in ("read", "print", "email")
	if is_customer_reader(doc, user):
		return ptype in ("read", "print")
	return False


# -- actions ------------------------------------------------------------------------------------------


def _worker(ticket, user) -> bool:
	return is_supervisor(user) or is_team_engineer(ticket, user)


def _staff(ticket, user) -> bool:
	return is_staff(user)


def _for_reporter(ticket, user) -> bool:
	return is_reporter(ticket, user) or is_supervisor(user)


def _supervisor(ticket, user) -> bool:
	return is_supervisor(user)


#: action -> (states it is allowed in, who may take it)
WHO = {
	"assign": _staff,
	"reclassify": _staff,
	"respond": _worker,
	"add_progress": _worker,
	"wait_for_customer": _worker,
	"resume": _worker,
	"request_extension": _worker,
	"decide_extension": _supervisor,
	"fulfil_collaboration": _worker,
	"resolve": _worker,
	"confirm": _for_reporter,
	"reject_resolution": _for_reporter,
	"rate": _for_reporter,
	"close": _supervisor,
	"cancel": _staff,
}
ACTIONS = {action: (allowed_in(action), who) for action, who in WHO.items()}


def allowed_actions(ticket, user: str | None = None) -> list[str]:
	"""The actions the user may take on the ticket in its current state."""
	user = user or frappe.session.user
	if user == "Guest":
		return []
	answers: dict = {}  # several actions share a rule: ask each rule (and its queries) once

	def may(who) -> bool:
		if who not in answers:
			answers[who] = who(ticket, user)
		return answers[who]

	allowed = [name for name, (states, who) in ACTIONS.items() if ticket.status in states and may(who)]
	if "decide_extension" in allowed and not any(
		e.status == "Pending" and e.requested_by != user for e in ticket.get("extensions") or []
	):
		allowed.remove("decide_extension")
	if "rate" in allowed and ticket.customer_satisfaction:
		allowed.remove("rate")  # a rating and its comment are given once, then they are a record
	if "fulfil_collaboration" in allowed and not any(
		not c.fulfilled_at for c in ticket.get("collaborations") or []
	):
		allowed.remove("fulfil_collaboration")
	return allowed


def check_action(ticket, action: str, user: str | None = None) -> None:
	"""Raise a PermissionError (role) or a ValidationError (state) unless the user may take the action now."""
	user = user or frappe.session.user
	states, who = ACTIONS[action]
	if not who(ticket, user):
		frappe.throw(
			_("You are not allowed to {0} ticket {1}").format(_(action.replace("_", " ")), ticket.name),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
	if ticket.status not in states:
		frappe.throw(
			_("Cannot {0} ticket {1} while it is {2}").format(
				_(action.replace("_", " ")), ticket.name, _(ticket.status)
			),
			frappe.ValidationError,
			title=_("Not allowed in this state"),
		)


# -- SLA Events: the same rows as their tickets -----------------------------------------------------------


def sla_event_query_conditions(user: str | None = None) -> str:
	"""List / report filter for SLA Event: only events of tickets the user may read."""
	user = user or frappe.session.user
	if is_staff(user):
		return ""
	tickets = get_permission_query_conditions(user)
	return (
		"`tabSLA Event`.`ticket` in (select `tabSupport Ticket`.`name` from `tabSupport Ticket`"
		f" where {tickets})"
	)


def sla_event_has_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	user = user or frappe.session.user
	if user == "Guest":
		return False
	if is_staff(user):
		return None
	return frappe.has_permission("Support Ticket", "read", doc.ticket, user=user)
