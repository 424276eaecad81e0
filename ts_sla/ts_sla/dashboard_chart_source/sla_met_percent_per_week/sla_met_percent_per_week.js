frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["SLA Met % per Week"] = {
	method: "ts_sla.ts_sla.dashboard_chart_source.sla_met_pct_per_week.sla_met_pct_per_week.get",
	filters: [],
};
