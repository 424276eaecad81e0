"""Repair by hand: a Support Manager recomputes the deadlines of one ticket or of a filter of open tickets
(after rules changed outside the app, say). Closed tickets are never rewritten."""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import guard, repair

#: The most tickets one call repairs at once in the request; more go to the long queue.
AT_ONCE = 200


def _check_manager() -> None:
	if not frappe.has_permission("SLA Policy", "write"):
		frappe.throw(_("Only a Support Manager repairs tickets"), frappe.PermissionError)


def _selection(tickets: str | list | None, filters: str | dict | None) -> list[str]:
	"""The ticket IDs named and/or matching the filters (a dict of Support Ticket fields), checked."""
	names = guard.json_argument(tickets, "tickets") if str(tickets).startswith("[") else tickets
	if isinstance(names, str):
		names = [n.strip() for n in names.replace(",", "\n").splitlines() if n.strip()] or None
	where = guard.json_argument(filters, "filters") if filters != "" else None
	if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
		frappe.throw(_("Tickets must be a list of ticket IDs"), title=_("Invalid value"))
	if where is not None and not isinstance(where, dict):
		frappe.throw(_("Filters must be field: value pairs"), title=_("Invalid value"))
	if names is None and not where:
		frappe.throw(_("Say which tickets to repair: by ID or by filters"), title=_("Nothing to repair"))
	if where:
		guard.check_filters("Support Ticket", where)
		matched = frappe.get_list("Support Ticket", filters=where, pluck="name", limit_page_length=0)
		names = sorted(set(names or []) | set(matched)) if names is not None else matched
	return names


@frappe.whitelist(methods=["POST"])
def repair_tickets(
	tickets: str | list | None = None, filters: str | dict | None = None, reason: str | None = None
) -> dict:
	"""Recompute the named open tickets, or the open tickets matching ``filters`` (a dict of Support Ticket
	fields). Returns what moved when done at once, or that it was queued (``repair_progress_by_hand``
	follows it)."""
	_check_manager()
	names = _selection(tickets, filters)
	why = reason or _("Repaired by {0}").format(frappe.session.user)
	if len(names) > AT_ONCE:
		repair.enqueue(names=names, reason=why, source=repair.by_hand(frappe.session.user))
		return {"queued": len(names)}
	return repair.repair_tickets(names=names, reason=why)


@frappe.whitelist(methods=["POST"])
@frappe.read_only()
def preview_repair(tickets: str | list | None = None, filters: str | dict | None = None) -> dict:
	"""What ``repair_tickets`` with the same selection would move, without writing anything: each open
	ticket whose due times would change (due, now, after), how many stay, how many are not open or unknown."""
	_check_manager()
	return repair.preview(_selection(tickets, filters))


@frappe.whitelist()
def repair_progress_by_hand() -> dict | None:
	"""How the last queued repair the current user ran from the SLA Repair page is going."""
	_check_manager()
	return repair.progress(*repair.by_hand(frappe.session.user))


@frappe.whitelist()
@guard.required_arguments
def repair_progress(doctype: str, name: str) -> dict | None:
	"""How the repair a Support Calendar's or SLA Policy's last change asked for is going (for its form)."""
	if doctype not in ("Support Calendar", "SLA Policy") or not isinstance(name, str):
		frappe.throw(_("Repairs follow a Support Calendar or an SLA Policy"), title=_("Invalid value"))
	if not frappe.has_permission(doctype, "read", name):
		frappe.throw(_("You are not allowed to see {0} {1}").format(_(doctype), name), frappe.PermissionError)
	return repair.progress(doctype, name)
