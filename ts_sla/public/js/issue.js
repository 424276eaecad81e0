// ERPNext's Issue form: register the Issue as a TS SLA Support Ticket, or open the ticket it already is.
frappe.ui.form.on("Issue", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.support_ticket) {
			frm.add_custom_button(__("Support Ticket {0}", [frm.doc.support_ticket]), () =>
				frappe.set_route("Form", "Support Ticket", frm.doc.support_ticket)
			);
			return;
		}
		if (!frappe.model.can_create("Support Ticket")) return;
		frm.add_custom_button(__("Create Support Ticket"), () =>
			frappe
				.call({
					method: "ts_sla.api.erpnext.create_ticket_from_issue",
					args: { issue: frm.doc.name },
					freeze: true,
				})
				.then((r) => {
					frappe.show_alert({
						message: __("Support Ticket {0} created ({1})", [r.message.ticket, r.message.priority]),
						indicator: "green",
					});
					frm.reload_doc();
				})
		);
	},
});
