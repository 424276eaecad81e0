frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Tickets by Priority per Week"] = {
	method: "ts_sla.ts_sla.dashboard_chart_source.tickets_by_priority_per_week.tickets_by_priority_per_week.get",
	filters: [],
};
