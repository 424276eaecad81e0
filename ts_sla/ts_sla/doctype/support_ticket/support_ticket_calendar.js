// Calendar view of Support Tickets: each open ticket at the time its next clock falls due (timed, not
// all-day), coloured by priority; closed tickets have no next due and are not drawn.
frappe.views.calendar["Support Ticket"] = {
	field_map: {
		start: "next_due",
		end: "next_due_end",
		id: "name",
		title: "title",
	},
	get_css_class(event) {
		// the calendar's own palette: danger red, warning orange, default blue, success green
		return { P0: "danger", P1: "warning", P2: "default", P3: "success" }[event.priority] || "default";
	},
	filters: [
		{ fieldtype: "Select", fieldname: "priority", options: "\nP0\nP1\nP2\nP3", label: __("Priority") },
		{ fieldtype: "Link", fieldname: "support_team", options: "Support Team", label: __("Support Team") },
	],
	get_events_method: "ts_sla.api.ticket.calendar_events",
};
