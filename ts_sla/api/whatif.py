"""What-if endpoints: simulate a draft SLA Policy and/or Support Calendar over a period.

Who may read SLA Simulations simulates (Support Manager, System Manager and, read-only, Support
Supervisor; the records are made by the app, never through the REST API), on the rules they may read: a
draft is never saved, so a supervisor tries a change to a policy or calendar they cannot edit. The work is
in ``services.whatif``.
"""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import guard, jobs, whatif


def _check(calendar: bool = False) -> None:
	if not frappe.has_permission("SLA Simulation", "read"):
		frappe.throw(_("Not permitted to run a simulation"), frappe.PermissionError, title=_("Not permitted"))
	for doctype in ("SLA Policy", "Support Calendar") if calendar else ("SLA Policy",):
		if not frappe.has_permission(doctype, "read"):
			frappe.throw(
				_("Not permitted to simulate changes to {0}").format(_(doctype)),
				frappe.PermissionError,
				title=_("Not permitted"),
			)


@frappe.whitelist(methods=["POST"])
def simulate(
	policy: str | dict | None = None,
	calendar: str | dict | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
) -> dict:
	"""Replay the tickets received from ``from_date`` to ``to_date`` (default: the last full quarter) under
	the draft policy and/or calendar (the form's values as JSON, saved or not, or a saved name). Returns the
	SLA Simulation's name, its status (Completed, or Queued when it runs on the long queue) and the
	report's route."""
	_check(calendar=bool(calendar))
	return whatif.start(policy, calendar, from_date, to_date)


@frappe.whitelist()
@frappe.read_only()
@guard.required_arguments
def simulation_status(simulation: str) -> dict:
	"""Where a simulation stands (the report polls it while the job runs); while it is queued,
	``waiting_for_worker`` says whether no background worker listens on the long queue to start it."""
	doc = frappe.get_doc("SLA Simulation", simulation)
	doc.check_permission("read")
	status = {"simulation": doc.name, "status": doc.status, "progress": doc.progress, "error": doc.error}
	if doc.status == "Queued":
		status["waiting_for_worker"] = not jobs.queue_has_worker("long")
	return status
