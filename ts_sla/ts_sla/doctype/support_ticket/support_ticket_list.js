frappe.listview_settings["Support Ticket"] = {
	add_fields: ["sla_state", "status", "priority", "response_due", "resolution_due", "assigned_to"],
	get_indicator(doc) {
		if (["Closed", "Cancelled"].includes(doc.status)) {
			return [__(doc.status), doc.status === "Closed" ? "gray" : "darkgrey", `status,=,${doc.status}`];
		}
		const colours = { "On Track": "green", "At Risk": "orange", Breached: "red", Paused: "blue", Met: "green" };
		const state = doc.sla_state || "On Track";
		return [`${__(doc.status)} · ${__(state)}`, colours[state] || "gray", `sla_state,=,${state}`];
	},
	onload(listview) {
		const add = (label, filters) =>
			listview.page.add_inner_button(label, () => {
				listview.filter_area.clear(false).then(() => listview.filter_area.add(filters));
			}, __("Quick Filters"));
		add(__("My Tickets"), [["Support Ticket", "assigned_to", "=", frappe.session.user]]);
		add(__("At Risk"), [["Support Ticket", "sla_state", "=", "At Risk"]]);
		add(__("Breached"), [["Support Ticket", "sla_state", "=", "Breached"]]);
		add(__("P0"), [["Support Ticket", "priority", "=", "P0"], ["Support Ticket", "status", "not in", ["Closed", "Cancelled"]]]);
	},
};
