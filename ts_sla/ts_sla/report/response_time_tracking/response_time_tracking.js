frappe.query_reports["Response Time Tracking"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -6), reqd: 1 },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "priority", label: __("Priority"), fieldtype: "Select", options: "\nP0\nP1\nP2\nP3" },
		{ fieldname: "team", label: __("Support Team"), fieldtype: "Link", options: "Support Team" },
		{ fieldname: "engineer", label: __("Engineer"), fieldtype: "Link", options: "User" },
		{ fieldname: "status", label: __("Status"), fieldtype: "Select", options: "\nNew\nAssigned\nIn Progress\nWaiting for Customer\nResolved\nConfirmed\nClosed\nCancelled" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		const late =
			(column.fieldname === "first_responded_at" && data.response_breached) ||
			(column.fieldname === "resolved_at" && data.resolution_breached) ||
			(column.fieldname === "overdue_minutes" && data.overdue_minutes > 0);
		return late ? `<span style="color: var(--red-600); font-weight: 600">${value}</span>` : value;
	},
};
