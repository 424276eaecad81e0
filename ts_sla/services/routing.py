"""Routing: technical domain -> team -> engineer. It only chooses; the lifecycle assigns (through Frappe's
own assign_to and ToDo), so the Desk's "Assigned To", the assignee's notifications and the list filters work
as for any document.
"""

from __future__ import annotations

import frappe

from ts_sla.services.notes import Note
from ts_sla.services.states import WORKING
from ts_sla.services.teams import active_members, team_for_domain


def pick_engineer(team: str, tier: str = "L2") -> str | None:
	"""An active engineer of the tier, by the team's method; the team row is locked while choosing."""
	method, last = frappe.db.get_value(
		"Support Team", team, ["assignment_method", "last_assigned_to"], for_update=True
	)
	candidates = active_members(team, tier)
	if not candidates:
		return None
	if method == "Load Balancing":
		counts = dict(
			frappe.get_all(
				"Support Ticket",
				filters={"assigned_to": ("in", candidates), "status": ("in", WORKING)},
				fields=["assigned_to", "count(name) as open"],
				group_by="assigned_to",
				as_list=True,
			)
		)
		chosen = min(candidates, key=lambda u: (counts.get(u, 0), candidates.index(u)))
	else:
		index = candidates.index(last) + 1 if last in candidates else 0
		chosen = candidates[index % len(candidates)]
	frappe.db.set_value("Support Team", team, "last_assigned_to", chosen, update_modified=False)
	return chosen


def choose(ticket, tier: str = "L2") -> tuple[str | None, str | None, Note | None]:
	"""(team, engineer, warning) for a ticket: its team (or the team of its domain) and that team's next
	active engineer of the tier; a warning saying why nobody could be chosen."""
	team = ticket.support_team or team_for_domain(ticket.technical_domain)
	if not team:
		return (
			None,
			None,
			Note(
				"No Support Team serves the technical domain {0}: assign ticket {1} by hand",
				Note(ticket.technical_domain or "(none)"),
				ticket.name,
			),
		)
	engineer = pick_engineer(team, tier)
	if not engineer:
		return (
			team,
			None,
			Note(
				"Support Team {0} has no active {1} engineer: assign ticket {2} by hand",
				team,
				tier,
				ticket.name,
			),
		)
	return team, engineer, None
