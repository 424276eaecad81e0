frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["SLA Met Percent per Week"] = {
	method: "ts_sla.ts_sla.dashboard_chart_source.sla_met_percent_per_week.sla_met_percent_per_week.get",
	filters: [],
};
