frappe.ui.form.on("Support Calendar", {
	setup(frm) {
		frappe.call("ts_sla.ts_sla.doctype.support_calendar.support_calendar.get_time_zones").then((r) => {
			frm.set_df_property("time_zone", "options", r.message || []);
		});
	},
	refresh(frm) {
		if (!frm.doc.time_zone) {
			frm.set_intro(__("No time zone set: the calendar uses the system time zone."), "blue");
		}
	},
});
