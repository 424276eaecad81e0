frappe.query_reports["Weekly SLA Review"] = {
	filters: [
		{
			fieldname: "week",
			label: __("Any Day of the Week"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -7),
			reqd: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		// a figure a row does not have (an overdue ticket has no achievement) is blank, not 0 %
		if (data && !data.is_total_row && (value === null || value === undefined) && ["achievement", "satisfaction", "total", "met", "breached", "response_p50", "response_p90", "resolution_p50", "resolution_p90", "reopened"].includes(column.fieldname)) {
			return "";
		}
		value = default_formatter(value, row, column, data);
		if (data && column.fieldname === "breached" && data.breached > 0) {
			return `<span style="color: var(--red-600); font-weight: 600">${value}</span>`;
		}
		return value;
	},
};
