"""Routing: technical domain -> team -> engineer, and who is on duty.

Assignment goes through Frappe's own assign_to (ToDo), via ``lifecycle.assign``, so the Desk's "Assigned To",
the assignee's notifications and the list filters all work as for any document.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from ts_sla.services import lifecycle, notifier
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


def route(ticket, tier: str = "L2", note: str | None = None) -> str | None:
	"""Assign the ticket to the next engineer of its domain's team; a clear warning when nobody can take it."""
	team = ticket.support_team or team_for_domain(ticket.technical_domain)
	if not team:
		warn(
			ticket,
			_("No Support Team serves the technical domain {0}: assign ticket {1} by hand").format(
				ticket.technical_domain or _("(none)"), ticket.name
			),
		)
		return None
	engineer = pick_engineer(team, tier)
	if not engineer:
		warn(
			ticket,
			_("Support Team {0} has no active {1} engineer: assign ticket {2} by hand").format(
				team, tier, ticket.name
			),
		)
		if not ticket.support_team:
			ticket.db_set("support_team", team)
		return None
	lifecycle.assign(ticket, engineer, tier=tier, team=team, note=note or _("routed by technical domain"))
	return engineer


def warn(ticket, message: str) -> None:
	ticket.add_comment("Info", message)
	frappe.msgprint(message, title=_("Triage needed"), indicator="orange")


def on_registered(ticket) -> None:
	"""At registration: route the ticket (when enabled) and raise the P0 alarm.

	Intake never depends on the notification path: when routing or alerting fails (the job queue's Redis
	unreachable, say), its work is undone to a savepoint, the ticket is kept with ``registration_pending``
	and the minute tick completes it, once, when the queue is back."""
	frappe.db.savepoint("ts_sla_registration")
	try:
		register(ticket)
	except Exception:
		frappe.db.rollback(save_point="ts_sla_registration")
		frappe.db.set_value("Support Ticket", ticket.name, "registration_pending", 1, update_modified=False)
		ticket.reload()
		frappe.log_error(title=_("Routing and alerts of {0} deferred").format(ticket.name))
		frappe.msgprint(
			_("Ticket {0} is registered; its routing and alerts will follow within minutes").format(
				ticket.name
			),
			indicator="orange",
			alert=True,
		)


def register(ticket) -> None:
	if cint(frappe.db.get_single_value("TS SLA Settings", "auto_assign")) and not ticket.assigned_to:
		route(ticket)
	if ticket.priority == "P0":
		notifier.p0_alarm(ticket)


def complete_pending_registrations(commit: bool = True, limit: int = 200) -> int:
	"""The tick's first step: finish the registrations that could not route or alert (each once)."""
	from ts_sla.services.states import FINAL

	names = frappe.get_all(
		"Support Ticket",
		filters={"registration_pending": 1, "status": ("not in", FINAL)},
		pluck="name",
		limit=limit,
	)
	done = 0
	for name in names:
		if commit:
			frappe.db.commit()  # nosemgrep: one transaction per ticket, as in the tick
		else:
			frappe.db.savepoint("ts_sla_registration_retry")
		try:
			if not frappe.db.get_value("Support Ticket", name, "registration_pending", for_update=True):
				continue  # another worker completed it
			ticket = frappe.get_doc("Support Ticket", name)
			register(ticket)
			frappe.db.set_value("Support Ticket", name, "registration_pending", 0, update_modified=False)
			if commit:
				frappe.db.commit()  # nosemgrep
			done += 1
		except Exception:
			if commit:
				frappe.db.rollback()
			else:
				frappe.db.rollback(save_point="ts_sla_registration_retry")
			frappe.log_error(title=_("Routing and alerts of {0} deferred again").format(name))
	return done
