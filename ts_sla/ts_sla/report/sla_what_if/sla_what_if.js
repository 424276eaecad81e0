frappe.query_reports["SLA What-If"] = {
	filters: [
		{
			fieldname: "simulation",
			label: __("SLA Simulation"),
			fieldtype: "Link",
			options: "SLA Simulation",
			on_change(report) {
				report.refresh();
				ts_sla_whatif_wait(report);
			},
		},
	],
	onload(report) {
		// a simulation on the long queue: refresh when its job says it is done (realtime), else poll its status
		frappe.realtime.on("ts_sla_simulation", (data) => {
			if (data && data.simulation === report.get_filter_value("simulation")) report.refresh();
		});
		ts_sla_whatif_wait(report);
	},
	formatter(value, row, column, data, default_formatter) {
		// a figure a row does not have (a changed ticket has no met %) is blank, not 0 %
		if (data && (value === null || value === undefined) && column.fieldtype !== "Data") return "";
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		const red = "color: var(--red-600); font-weight: 600";
		const green = "color: var(--green-600); font-weight: 600";
		if (column.fieldname === "met_to_breached" && data.met_to_breached > 0) {
			return `<span style="${red}">${value}</span>`;
		}
		if (column.fieldname === "breached_to_met" && data.breached_to_met > 0) {
			return `<span style="${green}">${value}</span>`;
		}
		if (column.fieldname === "draft_met" && data.draft_met != null && data.current_met != null) {
			const style = data.draft_met < data.current_met ? red : data.draft_met > data.current_met ? green : "";
			return style ? `<span style="${style}">${value}</span>` : value;
		}
		if (column.fieldname === "draft_outcome" && data.draft_outcome) {
			const breached = data.draft_outcome === __("Breached");
			return `<span style="${breached ? red : green}">${value}</span>`;
		}
		return value;
	},
};

function ts_sla_whatif_wait(report) {
	const simulation = report.get_filter_value("simulation");
	if (!simulation || report.ts_sla_waiting === simulation) return;
	report.ts_sla_waiting = simulation;
	const poll = (first) =>
		frappe.xcall("ts_sla.api.whatif.simulation_status", { simulation }).then((r) => {
			if (report.get_filter_value("simulation") !== simulation) return;
			if (["Queued", "Running"].includes(r.status)) {
				setTimeout(() => poll(false), 3000);
				return;
			}
			report.ts_sla_waiting = null;
			if (!first) report.refresh();
		});
	poll(true);
}
