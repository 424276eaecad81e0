"""/support/<ticket>: one of the reporter's tickets — its clocks, the conversation and their answers."""

import frappe
from frappe.utils.html_utils import sanitize_html

from ts_sla.services import portal

no_cache = 1


def get_context(context):
	portal.require_login()
	name = frappe.form_dict.get("name")
	try:
		ticket = portal.visible_ticket(name)
	except frappe.DoesNotExistError:
		# someone else's ticket and a missing one look the same
		raise frappe.PageDoesNotExistError
	context.doc = ticket
	context.title = f"{ticket.subject} ({ticket.name})"
	context.show_sidebar = True
	context.clocks = portal.reporter_clocks(ticket)
	context.messages = portal.conversation(ticket)
	context.files = portal.ticket_files(ticket)
	context.actions = portal.actions(ticket)
	context.suggestion_pending = portal.suggestion_pending(ticket)
	context.received_label = portal.in_user_zone(ticket.received_at)
	context.max_file_mb = portal.MAX_FILE_BYTES // 1048576
	context.script_messages = portal.script_messages()
	context.description_html = sanitize_html(ticket.description or "")
	context.STATE_COLOURS, context.PRIORITY_COLOURS = portal.STATE_COLOURS, portal.PRIORITY_COLOURS
