// Calendar view of Support Tickets: each ticket spans its response due time to its resolution due time.
frappe.views.calendar["Support Ticket"] = {
	field_map: {
		start: "response_due",
		end: "resolution_due",
		id: "name",
		title: "subject",
		allDay: "all_day",
		color: "color",
	},
	style_map: { P0: "danger", P1: "warning", P2: "info", P3: "default" },
	filters: [
		{ fieldtype: "Select", fieldname: "priority", options: "\nP0\nP1\nP2\nP3", label: __("Priority") },
		{ fieldtype: "Link", fieldname: "support_team", options: "Support Team", label: __("Support Team") },
	],
	get_events_method: "frappe.desk.calendar.get_events",
};
