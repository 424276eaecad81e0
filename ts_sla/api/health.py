"""Is the SLA monitor keeping up? Its figures for the settings form and external monitoring (Support / System
Managers); whether it runs for every support role's workspace."""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import health


@frappe.whitelist(methods=["GET"])
def monitor_health() -> dict:
	"""The last tick (start, duration, checked, fired, backlog left), the live due backlog, the oldest
	overdue ``next_check_at`` and the lag in seconds, and a status: OK, Lagging or Stopped. A lag past the
	limit tells the Support Managers once, so polling this also raises the alarm when workers are down."""
	if not health.may_read():
		frappe.throw(
			_("Only a Support Manager or System Manager reads the monitor's health"), frappe.PermissionError
		)
	figures = health.check()
	if figures["told"]:
		# a GET is rolled back unless asked: keep the managers' notifications
		frappe.local.flags.commit = True
	return figures


@frappe.whitelist(methods=["GET"])
@frappe.read_only()
def monitor_state() -> dict:
	"""Whether the monitor runs and keeps up (status, last tick, backlog, lag), for every support role: the
	Technical Support workspace says when it is stopped or lagging. ``may_read_figures`` tells whether the
	caller may read ``monitor_health``. Reading it alerts nobody and writes nothing."""
	if not health.may_see_state():
		frappe.throw(_("Only support staff read whether the SLA monitor runs"), frappe.PermissionError)
	return {**health.state(), "may_read_figures": health.may_read()}
