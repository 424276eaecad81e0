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
	context.STATE_COLOURS, context.PRIORITY_COLOURS = portal.STATE_COLOURS, portal.PRIORITY_COLOURS
	frappe.local.no_cache = 1
