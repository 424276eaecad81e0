// What-if: the Simulate dialog shared by the SLA Policy and Support Calendar forms (loaded with frappe.require).
frappe.provide("ts_sla.whatif");

ts_sla.whatif.last_quarter = () => {
	const today = frappe.datetime.str_to_obj(frappe.datetime.get_today());
	const quarter_start = new Date(today.getFullYear(), Math.floor(today.getMonth() / 3) * 3, 1);
	const from = new Date(quarter_start.getFullYear(), quarter_start.getMonth() - 3, 1);
	const to = new Date(quarter_start.getFullYear(), quarter_start.getMonth(), 0);
	return [frappe.datetime.obj_to_str(from), frappe.datetime.obj_to_str(to)];
};

// the form's current values, saved or not, as the draft to replay; ``targets``: the dialog's rows that
// replace the priorities' times and units (someone who may not edit the policy tries other targets there)
ts_sla.whatif.draft = (frm, targets) => {
	const doc = { ...frm.doc };
	for (const df of frm.meta.fields.filter((f) => f.fieldtype === "Table")) {
		doc[df.fieldname] = (frm.doc[df.fieldname] || []).map((row) => ({ ...row }));
	}
	for (const target of targets || []) {
		const row = (doc.priorities || []).find((r) => r.priority === target.priority);
		if (!row) continue;
		for (const field of ts_sla.whatif.TARGET_FIELDS) row[field] = target[field];
	}
	return JSON.stringify(doc);
};

ts_sla.whatif.TARGET_FIELDS = ["response_time", "response_unit", "resolution_time", "resolution_unit"];

// a read-only policy form (a Support Supervisor's): the targets to try, in the dialog
ts_sla.whatif.target_fields = (frm) => {
	const units = "Minutes\nHours\nDays";
	const column = (fieldname, fieldtype, label, extra) => ({ fieldname, fieldtype, label, in_list_view: 1, columns: 2, ...extra });
	return [
		{ fieldtype: "Section Break", label: __("Targets to try") },
		{
			fieldname: "targets",
			fieldtype: "Table",
			label: __("Targets"),
			cannot_add_rows: true,
			cannot_delete_rows: true,
			in_place_edit: true,
			data: (frm.doc.priorities || []).map((r) => ({
				priority: r.priority,
				...Object.fromEntries(ts_sla.whatif.TARGET_FIELDS.map((f) => [f, r[f]])),
			})),
			fields: [
				column("priority", "Data", __("Priority"), { read_only: 1 }),
				column("response_time", "Float", __("Response Time"), { reqd: 1 }),
				column("response_unit", "Select", __("Response Unit"), { options: units, reqd: 1 }),
				column("resolution_time", "Float", __("Resolution Time"), { reqd: 1 }),
				column("resolution_unit", "Select", __("Resolution Unit"), { options: units, reqd: 1 }),
			],
		},
	];
};

ts_sla.whatif.simulate = (frm, what) => {
	const [from, to] = ts_sla.whatif.last_quarter();
	const try_targets = what === "policy" && !(frm.perm[0] && frm.perm[0].write);
	const intro = try_targets
		? __("Replays the tickets of a period under the targets below and compares them with this policy's. Nothing is saved: not the policy, not the tickets.")
		: what === "policy"
		? __("Replays the tickets of a period under this form's values (saved or not) and compares them with the current rules. Nothing is saved on the tickets.")
		: __("Replays the tickets on this calendar over a period with this form's values (saved or not) and compares them with the current calendar. Nothing is saved on the tickets.");
	const dialog = new frappe.ui.Dialog({
		title: __("Simulate"),
		size: try_targets ? "large" : undefined,
		fields: [
			{
				fieldtype: "HTML",
				fieldname: "intro",
				options: `<p class="text-muted">${frappe.utils.escape_html(intro)}</p>`,
			},
			{ fieldname: "from_date", fieldtype: "Date", label: __("From Date"), reqd: 1, default: from },
			{ fieldtype: "Column Break" },
			{ fieldname: "to_date", fieldtype: "Date", label: __("To Date"), reqd: 1, default: to },
			...(try_targets ? ts_sla.whatif.target_fields(frm) : []),
		],
		primary_action_label: __("Simulate"),
		primary_action(values) {
			frappe.call({
				method: "ts_sla.api.whatif.simulate",
				args: {
					[what]: ts_sla.whatif.draft(frm, try_targets ? values.targets : null),
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
