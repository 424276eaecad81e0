"""Team facts: who serves a domain, who is an active member, who is on duty, who may be assigned.

A leaf: it imports no other ts_sla service, so routing, the notifier, permissions and the lifecycle can all
use it without import cycles.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from ts_sla.services.states import ASSIGNABLE_ROLES, SUPERVISOR


def team_for_domain(domain: str | None) -> str | None:
	"""The team serving a technical domain (the first by name when several do)."""
	if not domain:
		return None
	teams = frappe.get_all(
		"Support Team Domain",
		filters={"technical_domain": domain, "parenttype": "Support Team"},
		pluck="parent",
		order_by="parent asc",
	)
	return teams[0] if teams else None


def with_assignable_role(users: list[str]) -> set[str]:
	"""The enabled users among ``users`` who hold a role that may own a ticket (never Administrator)."""
	users = [u for u in users if u and u not in ("Administrator", "Guest")]
	if not users:
		return set()
	enabled = set(frappe.get_all("User", filters={"name": ("in", users), "enabled": 1}, pluck="name"))
	holders = (
		set(
			frappe.get_all(
				"Has Role",
				filters={
					"parent": ("in", list(enabled)),
					"parenttype": "User",
					"role": ("in", ASSIGNABLE_ROLES),
				},
				pluck="parent",
			)
		)
		if enabled
		else set()
	)
	return enabled & holders


def active_members(team: str, tier: str | None = None) -> list[str]:
	"""Active members of a team (optionally of one tier) who are enabled and may own tickets, in team order."""
	filters = {"parent": team, "parenttype": "Support Team", "active": 1}
	if tier:
		filters["tier"] = tier
	users = frappe.get_all("Support Team Member", filters=filters, pluck="user", order_by="idx asc")
	eligible = with_assignable_role(users)
	return [u for u in users if u in eligible]


def user_teams(user: str) -> list[str]:
	"""Teams the user is an active member of."""
	return frappe.get_all(
		"Support Team Member",
		filters={"user": user, "active": 1, "parenttype": "Support Team"},
		pluck="parent",
	)


def teams_led_by(user: str) -> list[str]:
	"""Teams the user supervises or leads."""
	return sorted(
		set(frappe.get_all("Support Team", filters={"supervisor": user}, pluck="name"))
		| set(frappe.get_all("Support Team", filters={"lead": user}, pluck="name"))
	)


def can_own(user: str, team: str | None = None) -> bool:
	"""May ``user`` be assigned a ticket (of ``team``)? An enabled user with an engineer, supervisor or
	manager role who is an active member, the supervisor or the lead of that team (of any team when none
	is given)."""
	if not with_assignable_role([user]):
		return False
	teams = set(user_teams(user)) | set(teams_led_by(user))
	return team in teams if team else bool(teams)


def on_duty(at=None, duty_role: str | None = None, team: str | None = None) -> list[str]:
	"""Users on duty at an instant (default now), optionally by duty role and team."""
	at = at or now_datetime()
	filters = {"from_datetime": ("<=", at), "to_datetime": (">", at)}
	if duty_role:
		filters["duty_role"] = duty_role
	if team:
		filters["support_team"] = team
	return sorted(set(frappe.get_all("Duty Roster", filters=filters, pluck="user")))


def role_holders(role: str) -> list[str]:
	"""Users holding a role, read once per request or tick (``forget_role_holders`` starts afresh)."""
	cache = getattr(frappe.local, "ts_sla_role_holders", None)
	if cache is None:
		cache = frappe.local.ts_sla_role_holders = {}
	if role not in cache:
		cache[role] = frappe.get_all("Has Role", filters={"role": role, "parenttype": "User"}, pluck="parent")
	return cache[role]


def forget_role_holders() -> None:
	if hasattr(frappe.local, "ts_sla_role_holders"):
		del frappe.local.ts_sla_role_holders


def supervisors_of(team: str | None) -> list[str]:
	"""The team's supervisor, or every Support Supervisor when the team names none."""
	supervisor = frappe.get_cached_value("Support Team", team, "supervisor") if team else None
	return [supervisor] if supervisor else role_holders(SUPERVISOR)
