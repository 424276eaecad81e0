frappe.ui.form.on("SLA Policy", {
	refresh(frm) {
		if (frm.perm[0] && frm.perm[0].write) {
			// what-if on the form's values, before (or without) saving them
			frm.add_custom_button(__("Simulate"), () =>
				frappe.require("/assets/ts_sla/js/whatif.js", () => ts_sla.whatif.simulate(frm, "policy"))
			);
		}
	},
});
