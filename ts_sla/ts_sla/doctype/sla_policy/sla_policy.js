frappe.ui.form.on("SLA Policy", {
	refresh(frm) {
		if (frappe.model.can_read("SLA Simulation")) {
			// what-if on the form's values, before (or without) saving them; on a read-only form (a Support
			// Supervisor's) on targets typed in the dialog
			frm.add_custom_button(__("Simulate"), () =>
				frappe.require("/assets/ts_sla/js/whatif.js", () => ts_sla.whatif.simulate(frm, "policy"))
			);
		}
		if (!frm.is_new() && frm.perm[0] && frm.perm[0].write) {
			// preview and repair this policy's open tickets on the SLA Repair page
			frm.add_custom_button(__("Repair Open Tickets"), () => {
				frappe.route_options = { sla_policy: frm.doc.name };
				frappe.set_route("sla-repair");
			});
		}
	},
});
