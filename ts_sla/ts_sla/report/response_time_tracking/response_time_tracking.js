// The source document's tracking table: late times in red, "—" where a clock still runs, and one totals
// row (tickets counted, overdue minutes summed, satisfaction averaged).

const TS_RUNNING = {
	first_responded_at: "response_met",
	response_met: "response_met",
	resolved_at: "resolution_met",
	resolution_met: "resolution_met",
};

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
		if (["response_minutes", "resolution_minutes"].includes(column.fieldname) && data) {
			// "2 h 15 min" of the clock's own (business) time, not a wall-clock difference; the totals row
			// gives the average of the tickets that have one
			return value == null || value === "" ? `<span class="text-muted">—</span>` : ts_sla.duration(value);
		}
		const flag = TS_RUNNING[column.fieldname];
		if (data && !data.is_total_row && flag && data[flag] == null && !data[column.fieldname]) {
			return `<span class="text-muted" title="${__("Clock still running")}">—</span>`;
		}
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		const late =
			(column.fieldname === "first_responded_at" && data.response_breached) ||
			(column.fieldname === "resolved_at" && data.resolution_breached) ||
			(column.fieldname === "overdue_minutes" && data.overdue_minutes > 0);
		return late ? `<span style="color: var(--red-600); font-weight: 600">${value}</span>` : value;
	},
	get_datatable_options(options) {
		// the "No." column is the table's own: no second row-number column
		return Object.assign(options, {
			serialNoColumn: false,
			showTotalRow: true,
			hooks: {
				columnTotal(values, column, type) {
					const field = column.column.fieldname;
					const given = values.filter((v) => v !== null && v !== undefined && v !== "");
					if (field === "idx") return given.length; // the number of tickets
					if (field === "satisfaction") {
						return given.length ? Math.round((given.reduce((a, b) => a + cint(b), 0) / given.length) * 10) / 10 : null;
					}
					if (field === "overdue_minutes") {
						return given.reduce((a, b) => a + cint(b), 0);
					}
					if (field === "response_minutes" || field === "resolution_minutes") {
						return given.length ? given.reduce((a, b) => a + flt(b), 0) / given.length : null;
					}
					return null;
				},
			},
		});
	},
};
