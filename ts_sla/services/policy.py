"""Choosing the SLA policy of a ticket and reading its targets."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate

from ts_sla.services import erpnext

APPLICABILITY = ("reporter_type", "problem_type", "technical_domain", "channel")


def default_policy() -> str | None:
	"""The policy named in TS SLA Settings, else the enabled policy flagged as default."""
	name = frappe.db.get_single_value("TS SLA Settings", "default_policy")
	if name and frappe.db.get_value("SLA Policy", name, "enabled"):
		return name
	return frappe.db.get_value("SLA Policy", {"is_default": 1, "enabled": 1}, "name")


#: Applicability by customer (on ERPNext), most specific first: a policy for the customer itself beats one for
#: its group, which beats one for its territory; a nearer group or territory beats a parent.
CUSTOMER_RULES = ("customer", "customer_group", "territory")


def customer_rules() -> tuple[str, ...]:
	"""The customer applicability fields this site has (none on a plain Frappe site)."""
	if not erpnext.has_field("Support Ticket", "customer"):
		return ()
	return tuple(f for f in CUSTOMER_RULES if erpnext.has_field("SLA Policy", f))


def _customer_match(policy, customer: str | None, profile: dict) -> tuple | None:
	"""How specifically a policy's customer conditions match: a tuple to compare (larger = more specific),
	or None when a condition does not match. Per condition: 0 blank; for a group or territory, the number of
	levels above the customer's own it sits (nearer is more specific); for the customer, an exact match."""
	ranks = []
	for field in CUSTOMER_RULES:
		wanted = policy.get(field)
		if not wanted:
			ranks.append(0)
			continue
		chain = [customer] if field == "customer" else profile.get(field) or []
		if wanted not in chain:
			return None
		ranks.append(1000 - chain.index(wanted))
	return tuple(ranks)


def matching(ticket) -> list[tuple[tuple, dict]]:
	"""The enabled policies valid on the ticket's received date whose applicability matches, most specific
	first, each with its specificity: (customer ranks, number of other conditions matched, default)."""
	on = getdate(ticket.received_at)
	rules = customer_rules()
	customer = ticket.get("customer") if rules else None
	profile = erpnext.customer_profile(customer) if customer else {}
	found = []
	for policy in frappe.get_all(
		"SLA Policy",
		filters={"enabled": 1},
		fields=["name", "policy_name", "is_default", "valid_from", "valid_to", *APPLICABILITY, *rules],
		order_by="is_default desc, name asc",
	):
		if (policy.valid_from and getdate(policy.valid_from) > on) or (
			policy.valid_to and getdate(policy.valid_to) < on
		):
			continue
		if any(policy.get(f) and policy.get(f) != ticket.get(f) for f in APPLICABILITY):
			continue
		by_customer = _customer_match(policy, customer, profile)
		if by_customer is None:
			continue
		score = sum(1 for f in APPLICABILITY if policy.get(f))
		found.append(((by_customer, score, policy.is_default), policy))
	# most specific first; equal ones keep the order above (default first, then by name)
	found.sort(key=lambda pair: (pair[0][0], pair[0][1]), reverse=True)
	return found


def find_policy(ticket) -> str:
	"""The most specific enabled policy valid on the ticket's received date whose applicability matches.

	Blank applicability fields match anything. A policy matching the ticket's customer, then its customer
	group (a nearer group first), then its territory is the more specific; then the one matching on more of
	the other fields; ties go to the default policy, then to the policy name. Falls back to the default policy.
	"""
	found = matching(ticket)
	best = found[0][1].name if found else default_policy()
	if not best:
		frappe.throw(
			_("No SLA Policy applies to this ticket and no default policy is set"), title=_("No SLA Policy")
		)
	return best


def why(ticket) -> str:
	"""Which rule chose the ticket's policy, in words (the first line of the ticket's explanation)."""
	name = ticket.sla_policy
	if not name:
		return ""
	found = matching(ticket)
	mine = next((policy for _rank, policy in found if policy.name == name), None)
	if mine is None:
		return _("SLA Policy {0} was set on the ticket (not chosen by its applicability).").format(_(name))
	conditions = []
	for field in customer_rules():
		value = mine.get(field)
		if not value:
			continue
		if field == "customer":
			conditions.append(_("customer {0}").format(value))
		else:
			own = frappe.db.get_value("Customer", ticket.customer, field)
			label = _("customer group {0}") if field == "customer_group" else _("territory {0}")
			text = label.format(value)
			if own and own != value:
				text += " " + _("(which contains {0}, the customer's)").format(own)
			conditions.append(text)
	for field in APPLICABILITY:
		if mine.get(field):
			conditions.append(f"{_(frappe.get_meta('SLA Policy').get_label(field))} {_(mine.get(field))}")
	if not conditions:
		if found[0][1].name == name and mine.is_default:
			return _(
				"SLA Policy {0} applies: it is the default policy and no more specific policy matches."
			).format(_(name))
		return _("SLA Policy {0} applies to every ticket.").format(_(name))
	others = len(found) - 1
	text = _("SLA Policy {0} chosen by its rule: {1}.").format(_(name), ", ".join(conditions))
	if others > 0 and found[0][1].name == name:
		text += " " + _("It is the most specific of {0} matching policies.").format(len(found))
	return text


def priority_row(policy, priority: str):
	"""The policy's row for a priority, or a clear error."""
	for row in policy.priorities:
		if row.priority == priority:
			return row
	frappe.throw(
		_("SLA Policy {0} has no targets for priority {1}").format(policy.name, priority),
		title=_("Missing SLA target"),
	)
