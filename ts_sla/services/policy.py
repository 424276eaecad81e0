"""Choosing the SLA policy of a ticket and reading its targets."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate

APPLICABILITY = ("reporter_type", "problem_type", "technical_domain", "channel")


def default_policy() -> str | None:
	"""The policy named in TS SLA Settings, else the enabled policy flagged as default."""
	name = frappe.db.get_single_value("TS SLA Settings", "default_policy")
	if name and frappe.db.get_value("SLA Policy", name, "enabled"):
		return name
	return frappe.db.get_value("SLA Policy", {"is_default": 1, "enabled": 1}, "name")


def find_policy(ticket) -> str:
	"""The most specific enabled policy valid on the ticket's received date whose applicability matches.

	Blank applicability fields match anything; a policy matching on more fields wins; ties go to the
	default policy, then to the policy name. Falls back to the default policy.
	"""
	on = getdate(ticket.received_at)
	best, best_score = None, -1
	for policy in frappe.get_all(
		"SLA Policy",
		filters={"enabled": 1},
		fields=["name", "is_default", "valid_from", "valid_to", *APPLICABILITY],
		order_by="is_default desc, name asc",
	):
		if (policy.valid_from and getdate(policy.valid_from) > on) or (
			policy.valid_to and getdate(policy.valid_to) < on
		):
			continue
		if any(policy.get(f) and policy.get(f) != ticket.get(f) for f in APPLICABILITY):
			continue
		score = sum(1 for f in APPLICABILITY if policy.get(f))
		if score > best_score:
			best, best_score = policy.name, score
	best = best or default_policy()
	if not best:
		frappe.throw(
			_("No SLA Policy applies to this ticket and no default policy is set"), title=_("No SLA Policy")
		)
	return best


def priority_row(policy, priority: str):
	"""The policy's row for a priority, or a clear error."""
	for row in policy.priorities:
		if row.priority == priority:
			return row
	frappe.throw(
		_("SLA Policy {0} has no targets for priority {1}").format(policy.name, priority),
		title=_("Missing SLA target"),
	)
