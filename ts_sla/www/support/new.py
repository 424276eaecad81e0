"""/support/new: a reporter opens a ticket (login required)."""

import frappe
from frappe import _

from ts_sla.services import portal

no_cache = 1


def get_context(context):
	user = portal.require_login()
	meta = frappe.get_meta("Support Ticket")
	context.title = _("New Support Ticket")
	context.show_sidebar = True
	context.problem_types = [o for o in (meta.get_field("problem_type").options or "").split("\n") if o]
	context.contact_methods = [o for o in (meta.get_field("contact_method").options or "").split("\n") if o]
	context.domains = frappe.get_all("Technical Domain", pluck="name", order_by="name asc")
	context.email = frappe.db.get_value("User", user, "email") or user
	context.max_file_mb = portal.MAX_FILE_BYTES // 1048576
	context.script_messages = portal.script_messages()
	context.priority_help = _(meta.get_field("priority").description or "")
