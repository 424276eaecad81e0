// What-if: the Simulate dialog shared by the SLA Policy and Support Calendar forms (loaded with frappe.require).
frappe.provide("ts_sla.whatif");

ts_sla.whatif.last_quarter = () => {
	const today = frappe.datetime.str_to_obj(frappe.datetime.get_today());
	const quarter_start = new Date(today.getFullYear(), Math.floor(today.getMonth() / 3) * 3, 1);
	const from = new Date(quarter_start.getFullYear(), quarter_start.getMonth() - 3, 1);
	const to = new Date(quarter_start.getFullYear(), quarter_start.getMonth(), 0);
	return [frappe.datetime.obj_to_str(from), frappe.datetime.obj_to_str(to)];
};

// the form's current values, saved or not, as the draft to replay
ts_sla.whatif.draft = (frm) => {
	const doc = { ...frm.doc };
	for (const df of frm.meta.fields.filter((f) => f.fieldtype === "Table")) {
		doc[df.fieldname] = (frm.doc[df.fieldname] || []).map((row) => ({ ...row }));
	}
	return JSON.stringify(doc);
};

ts_sla.whatif.simulate = (frm, what) => {
	const [from, to] = ts_sla.whatif.last_quarter();
	const dialog = new frappe.ui.Dialog({
		title: __("Simulate"),
		fields: [
			{
				fieldtype: "HTML",
				fieldname: "intro",
				options: `<p class="text-muted">${frappe.utils.escape_html(
					what === "policy"
						? __("Replays the tickets of a period under this form's values (saved or not) and compares them with the current rules. Nothing is saved on the tickets.")
						: __("Replays the tickets on this calendar over a period with this form's values (saved or not) and compares them with the current calendar. Nothing is saved on the tickets.")
				)}</p>`,
			},
			{ fieldname: "from_date", fieldtype: "Date", label: __("From Date"), reqd: 1, default: from },
			{ fieldtype: "Column Break" },
			{ fieldname: "to_date", fieldtype: "Date", label: __("To Date"), reqd: 1, default: to },
		],
		primary_action_label: __("Simulate"),
		primary_action(values) {
			frappe.call({
				method: "ts_sla.api.whatif.simulate",
				args: {
					[what]: ts_sla.whatif.draft(frm),
					from_date: values.from_date,
					to_date: values.to_date,
				},
				freeze: true,
				freeze_message: __("Replaying tickets ..."),
				callback(r) {
					if (!r.message) return;
					dialog.hide();
					if (r.message.status !== "Completed") {
						frappe.show_alert(
							{
								message: __("Simulating {0} tickets in the background; the report fills in when it is done.", [r.message.tickets]),
								indicator: "blue",
							},
							10
						);
					}
					frappe.set_route(...r.message.route);
				},
			});
		},
	});
	dialog.show();
};
