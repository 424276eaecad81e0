"""/support: the reporter's tickets (login required)."""

import frappe
from frappe import _

from ts_sla.services import portal

no_cache = 1


def get_context(context):
	portal.require_login()
	context.title = _("My Support Tickets")
	context.tickets = portal.my_tickets()
	context.show_sidebar = True
	context.STATE_COLOURS = {
		"On Track": "green",
		"At Risk": "orange",
		"Breached": "red",
		"Paused": "blue",
		"Met": "green",
	}
	context.PRIORITY_COLOURS = {"P0": "red", "P1": "orange", "P2": "blue", "P3": "gray"}
	frappe.local.no_cache = 1
