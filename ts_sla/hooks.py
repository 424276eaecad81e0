app_name = "ts_sla"
app_title = "TS SLA"
app_publisher = "ts_sla maintainers"
app_description = "Technical-support response-time control (SLA) for Frappe / ERPNext"
app_email = "maintainers@ts-sla.invalid"
app_license = "MIT"

# Installation
# ------------
after_install = "ts_sla.install.after_install"
before_uninstall = "ts_sla.install.before_uninstall"
after_migrate = "ts_sla.install.after_migrate"
before_tests = "ts_sla.install.before_tests"

# Support portal (website): /support lists the reporter's tickets, /support/new opens one, /support/<ID>
# shows one (static routes win over the dynamic one)
# -----------------------------------------------------------------------------------------------------
website_route_rules = [
	{"from_route": "/support/new", "to_route": "support/new"},
	{"from_route": "/support/<name>", "to_route": "support/ticket"},
]
portal_menu_items = [{"title": "Support Tickets", "route": "/support", "reference_doctype": "Support Ticket"}]

# Fixtures: only our own records, filtered narrowly
# -------------------------------------------------
fixtures = [
	{
		"dt": "Role",
		"filters": [
			["name", "in", ["Support Agent", "Support Engineer", "Support Supervisor", "Support Manager"]]
		],
	},
]

# Permissions: engineers see their teams' tickets, reporters their own
# --------------------------------------------------------------------
permission_query_conditions = {
	"Support Ticket": "ts_sla.services.permissions.get_permission_query_conditions",
	"SLA Event": "ts_sla.services.permissions.sla_event_query_conditions",
}
has_permission = {
	"Support Ticket": "ts_sla.services.permissions.has_permission",
	"SLA Event": "ts_sla.services.permissions.sla_event_has_permission",
}

# Email intake: an Email Account appending to Support Ticket opens tickets from mail with the full intake,
# threads replies by "[TS-…]" too, skips auto-replies and bounces (ts_sla.services.mail_intake)
# -----------------------------------------------------------------------------------------------------------
override_doctype_class = {"Email Account": "ts_sla.services.mail_intake.TicketEmailAccount"}

# Document events: the assignee's first reply or comment is the first response
# ------------------------------------------------------------------------------
doc_events = {
	"Comment": {"after_insert": "ts_sla.services.responses.on_comment"},
	"Communication": {
		"before_insert": "ts_sla.services.issues.link_communication",
		"after_insert": "ts_sla.services.responses.on_communication",
	},
	# ERPNext (only fire where it is installed): calendars follow their Holiday List; Issues become tickets
	"Holiday List": {"on_update": "ts_sla.services.holiday_sources.on_holiday_list_update"},
	"Issue": {"after_insert": "ts_sla.services.issues.on_issue_insert"},
	# a ticket's assignment changes only through its Assign action
	"ToDo": {"validate": "ts_sla.services.lifecycle.check_todo"},
	# support staff land on the Technical Support workspace after login
	"User": {"validate": "ts_sla.services.staff.land_on_workspace"},
}

# Desk assets: realtime SLA alerts, durations, the workspace's monitor line; the ticket list's column widths
# --------------------------------
app_include_js = "/assets/ts_sla/js/ts_sla.js"
app_include_css = "/assets/ts_sla/css/ts_sla.css"
# what the Desk's Bulk Edit must not offer on a ticket (fields only actions change)
extend_bootinfo = ["ts_sla.services.guard.boot"]
# the forms whose changes repair open tickets follow that repair (kept apart from their own form scripts)
doctype_js = {
	"Support Calendar": "public/js/repair_progress.js",
	"SLA Policy": "public/js/repair_progress.js",
	# ERPNext's Issue form: the "Create Support Ticket" button (no Issue form on a plain Frappe site)
	"Issue": "public/js/issue.js",
}

# ERPNext's Customer form: its Support Tickets among the connections, with counts
override_doctype_dashboards = {"Customer": "ts_sla.services.erpnext.customer_dashboard"}

# Scheduler: one minute tick (indexed, set-based); the daily progress cut-off check
# ----------------------------------------------------------------------------------
scheduler_events = {
	"cron": {
		"* * * * *": ["ts_sla.services.monitor.tick"],
		"*/5 * * * *": ["ts_sla.services.health.check"],
		"*/10 * * * *": ["ts_sla.services.monitor.daily_progress_check"],
		"0 8 * * 1": ["ts_sla.services.review.draft_weekly_review"],
		"0 9 1 1,4,7,10 *": ["ts_sla.services.review.quarterly_policy_reminder"],
		# next year's holidays for the calendars that opted in (chinese-calendar publishes in November)
		"0 6 1 12 *": ["ts_sla.services.holiday_sources.reload_next_year"],
	},
}
