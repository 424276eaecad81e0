// Support Ticket form: the clocks panel (refreshed from the server every 30 s, no reload needed) and
// one button per action the current user may take now, each asking for what it needs in a dialog.

const STATE_COLOURS = {
	"On Track": "green",
	"At Risk": "orange",
	Breached: "red",
	Paused: "blue",
	Met: "green",
};

const ACTIONS = {
	assign: {
		label: __("Assign"),
		fields: [
			{ fieldname: "user", fieldtype: "Link", options: "User", label: __("Engineer"), reqd: 1 },
			{ fieldname: "tier", fieldtype: "Select", options: "\nL1\nL2\nL3", label: __("Tier") },
			{ fieldname: "team", fieldtype: "Link", options: "Support Team", label: __("Support Team") },
			{ fieldname: "note", fieldtype: "Small Text", label: __("Note") },
		],
	},
	reclassify: {
		label: __("Reclassify"),
		fields: [
			{ fieldname: "priority", fieldtype: "Select", options: "\nP0\nP1\nP2\nP3", label: __("Priority") },
			{ fieldname: "technical_domain", fieldtype: "Link", options: "Technical Domain", label: __("Technical Domain") },
			{ fieldname: "support_team", fieldtype: "Link", options: "Support Team", label: __("Support Team") },
			{ fieldname: "sla_policy", fieldtype: "Link", options: "SLA Policy", label: __("SLA Policy") },
			{ fieldname: "support_calendar", fieldtype: "Link", options: "Support Calendar", label: __("Support Calendar") },
			{ fieldname: "received_at", fieldtype: "Datetime", label: __("Received At") },
			{ fieldname: "occurred_at", fieldtype: "Datetime", label: __("Occurred At") },
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
		],
	},
	fulfil_collaboration: {
		label: __("Fulfil Collaboration"),
		fields: [{ fieldname: "note", fieldtype: "Small Text", label: __("Note") }],
	},
	respond: {
		label: __("Respond"),
		primary: true,
		fields: [
			{
				fieldname: "reply",
				fieldtype: "Text Editor",
				label: __("Public Reply"),
				description: __("The reporter sees it: emailed when they have an email address, and kept in the ticket's conversation"),
			},
			{ fieldname: "note", fieldtype: "Small Text", label: __("Internal Note"), description: __("Only the support team sees it") },
		],
	},
	add_progress: {
		label: __("Add Progress"),
		fields: [
			{
				fieldname: "progress_status",
				fieldtype: "Autocomplete",
				label: __("Progress Status"),
				options: [__("Investigating"), __("Root cause located"), __("Testing the solution"), __("Waiting for third party")],
				reqd: 1,
			},
			{ fieldname: "note", fieldtype: "Small Text", label: __("Note") },
		],
	},
	wait_for_customer: {
		label: __("Wait for Customer"),
		fields: [{ fieldname: "reason", fieldtype: "Small Text", label: __("What is needed from the customer") }],
	},
	resume: { label: __("Resume"), fields: [{ fieldname: "note", fieldtype: "Small Text", label: __("Note") }] },
	request_extension: {
		label: __("Request Extension"),
		fields: [
			{ fieldname: "clock", fieldtype: "Select", options: "Resolution\nResponse", label: __("Clock"), reqd: 1, default: "Resolution" },
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
			{ fieldname: "extra_minutes", fieldtype: "Float", label: __("Extra Time (minutes)") },
			{ fieldname: "new_due", fieldtype: "Datetime", label: __("Or a New Due Time") },
		],
	},
	decide_extension: {
		label: __("Decide Extension"),
		fields: [
			{ fieldname: "approve", fieldtype: "Select", options: [{ label: __("Approve"), value: "1" }, { label: __("Reject"), value: "0" }], label: __("Decision"), reqd: 1, default: "1" },
			{ fieldname: "note", fieldtype: "Small Text", label: __("Note") },
		],
	},
	resolve: {
		label: __("Resolve"),
		primary: true,
		fields: [
			{ fieldname: "resolution_summary", fieldtype: "Small Text", label: __("Solution Summary"), reqd: 1 },
			{ fieldname: "resolution_result", fieldtype: "Data", label: __("Result"), reqd: 1 },
			{ fieldname: "root_cause", fieldtype: "Small Text", label: __("Root Cause") },
		],
	},
	confirm: {
		label: __("Confirm Resolved"),
		primary: true,
		fields: [{ fieldname: "note", fieldtype: "Small Text", label: __("Note (required when confirming for the reporter)") }],
	},
	reject_resolution: {
		label: __("Reject Fix"),
		fields: [{ fieldname: "reason", fieldtype: "Small Text", label: __("What still does not work"), reqd: 1 }],
	},
	rate: {
		label: __("Rate"),
		fields: [
			{ fieldname: "satisfaction", fieldtype: "Select", options: "5\n4\n3\n2\n1", label: __("Satisfaction (1-5)"), reqd: 1, default: "5" },
			{ fieldname: "comment", fieldtype: "Small Text", label: __("Comment") },
		],
	},
	close: {
		label: __("Close"),
		primary: true,
		fields: [
			{ fieldname: "review_note", fieldtype: "Small Text", label: __("Review Note") },
			{
				fieldname: "override_reason",
				fieldtype: "Small Text",
				label: __("Reason for Closing without Confirmation"),
				depends_on: "eval:cur_frm && cur_frm.doc.status == 'Resolved'",
			},
		],
	},
	cancel: {
		label: __("Cancel Ticket"),
		danger: true,
		fields: [{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 }],
	},
};


function render_clocks(frm, clocks, headline, explanation) {
	const field = frm.get_field("clocks_html");
	if (!field) return;
	if (!clocks || !clocks.length) {
		field.$wrapper.html("");
		return;
	}
	const rows = clocks
		.map((c) => {
			const colour = STATE_COLOURS[c.state] || "gray";
			const when = c.stopped_at
				? __("stopped {0}", [frappe.datetime.str_to_user(c.stopped_at)])
				: c.paused
				? __("paused")
				: ts_sla.time_left(c.minutes_left);
			// on a phone the due time moves under the time left and "Used" is left out: the table fits 390 px
			const due = frappe.datetime.str_to_user(c.due);
			return `<tr data-clock="${c.clock}">
				<td>${frappe.utils.escape_html(c.label)}</td>
				<td class="d-none d-sm-table-cell">${due}</td>
				<td>${when}<div class="d-sm-none text-muted small">${due}</div></td>
				<td><span class="indicator-pill ${colour}" style="white-space: nowrap">${__(c.state)}</span></td>
				<td class="text-muted d-none d-sm-table-cell">${c.percent > 999 ? "> 999" : Math.round(c.percent)}%</td>
			</tr>`;
		})
		.join("");
	// the clock that drives the ticket now, in the colour of its state
	const driving = clocks.find((c) => !c.stopped_at && c.state === "Breached") || clocks.filter((c) => !c.stopped_at).sort((a, b) => a.minutes_left - b.minutes_left)[0];
	const tone = driving ? STATE_COLOURS[driving.state] || "gray" : "gray";
	const head = headline
		? `<div class="ts-sla-headline" style="font-size: var(--text-lg); font-weight: 600; margin-bottom: 8px; color: var(--text-on-${tone}, inherit)">${frappe.utils.escape_html(headline)}</div>`
		: "";
	// rendered by the server in the reader's language (the stored field is in the saver's)
	const why = explanation
		? `<details class="ts-sla-explanation text-muted small"><summary>${__("Why these times")}</summary>
			<div style="white-space: pre-wrap">${frappe.utils.escape_html(explanation)}</div></details>`
		: "";
	field.$wrapper.html(`${head}<div class="table-responsive"><table class="table table-sm ts-sla-clocks">
		<thead><tr><th>${__("Clock")}</th><th class="d-none d-sm-table-cell">${__("Due")}</th><th>${__("Time")}</th><th>${__("State")}</th><th class="d-none d-sm-table-cell">${__("Used")}</th></tr></thead>
		<tbody>${rows}</tbody></table></div>${why}`);
}

function refresh_clocks(frm) {
	if (frm.is_new()) return;
	frappe
		.xcall("ts_sla.api.ticket.get_clocks", { ticket: frm.doc.name })
		.then((r) => render_clocks(frm, r.clocks, r.headline, r.explanation));
}

function run_action(frm, action) {
	const spec = ACTIONS[action];
	const go = (values) =>
		frappe
			.xcall(`ts_sla.api.ticket.${action}`, Object.assign({ ticket: frm.doc.name }, values || {}))
			.then(() => frm.reload_doc());
	// a refusal is shown by frappe (the server's message); it is handled here, not left as an uncaught rejection
	const refused = () => {};
	if (!spec.fields.length) return go().catch(refused);
	const fields = action === "decide_extension" ? [pending_extension_html(frm), ...spec.fields] : spec.fields;
	const dialog = new frappe.ui.Dialog({
		title: spec.label,
		fields: fields,
		primary_action_label: spec.label,
		primary_action(values) {
			// keep the dialog (and what was typed) until the server has accepted it
			dialog.disable_primary_action();
			go(values)
				.then(() => dialog.hide(), refused)
				.finally(() => dialog.enable_primary_action());
		},
	});
	dialog.show();
}

function pending_extension_html(frm) {
	// what the supervisor decides on: the latest pending request someone else made
	const pending = (frm.doc.extensions || []).filter((e) => e.status === "Pending" && e.requested_by !== frappe.session.user);
	const e = pending[pending.length - 1];
	if (!e) return { fieldtype: "HTML", fieldname: "request", options: "" };
	const current = e.clock === "Response" ? frm.doc.response_due : frm.doc.resolution_due;
	const esc = frappe.utils.escape_html;
	const row = (label, value) => `<tr><th class="text-muted" style="width: 40%">${label}</th><td>${value || "—"}</td></tr>`;
	const extra = e.extra_minutes ? __("{0} min", [e.extra_minutes]) : "";
	return {
		fieldtype: "HTML",
		fieldname: "request",
		options: `<table class="table table-sm">
			${row(__("Clock"), __(e.clock))}
			${row(__("Reason"), esc(e.reason || ""))}
			${row(__("Requested By"), esc(e.requested_by || ""))}
			${row(__("Extra Time"), extra)}
			${row(__("Proposed Due"), e.new_due ? frappe.datetime.str_to_user(e.new_due) : "")}
			${row(__("Current Due"), current ? frappe.datetime.str_to_user(current) : "")}
		</table>`,
	};
}

function hide_time_zones(frm) {
	// the explanation names the zone once: no zone line under each datetime (it also broke the zh help texts)
	frm.meta.fields
		.filter((df) => df.fieldtype === "Datetime")
		.forEach((meta_df) => {
			const field = frm.fields_dict[meta_df.fieldname];
			if (!field || !field.set_description) return;
			field.df.hide_timezone = 1;
			const zone = field.get_user_time_zone ? field.get_user_time_zone() : "";
			if (zone && field.df.description && field.df.description.includes(zone)) {
				field.df.description = field.df.description.replace(`<br>${zone}`, "").replace(zone, "") || null;
				field._description = undefined; // render the help text again
				field.set_description();
			}
		});
}

// the due times the clocks panel already shows (kept as fields for reports and the API)
const DUE_FIELDS = ["registration_due", "triage_due", "response_due", "resolution_due", "resolution_limit", "next_due"];

frappe.ui.form.on("Support Ticket", {
	refresh(frm) {
		set_minute_formatters(frm);
		hide_time_zones(frm);
		frm.toggle_display(DUE_FIELDS, false);
		if (frm.assign_to) {
			// the sidebar's "Assigned To +" is the Assign action (status, tier, team and triage clock in step)
			frm.assign_to.add = () =>
				(frm.doc.__onload?.allowed_actions || []).includes("assign")
					? run_action(frm, "assign")
					: frappe.msgprint({
							title: __("Use the Assign action"),
							message: __("An agent or a supervisor assigns a ticket with its Assign action, so its status and clocks stay in step."),
							indicator: "orange",
					  });
		}
		const onload = frm.doc.__onload || {};
		if (["Closed", "Cancelled"].includes(frm.doc.status)) frm.disable_form(); // a final ticket is a record
		render_clocks(frm, onload.clocks, onload.headline, onload.explanation);
		frm.toggle_display("sla_explanation", !onload.explanation); // the panel shows it, in the reader's language
		(onload.allowed_actions || []).forEach((action) => {
			const spec = ACTIONS[action];
			if (!spec) return;
			const button = frm.add_custom_button(spec.label, () => run_action(frm, action), spec.primary ? null : __("Actions"));
			// (a grouped item that is already there comes back undefined: nothing to style then)
			if (button && spec.primary) button.addClass("btn-primary");
			if (button && spec.danger) button.addClass("btn-danger");
		});
		// deadlines and ownership move only through the Reclassify and Assign actions (with a reason)
		const locked = ["priority", "received_at", "occurred_at", "sla_policy", "support_calendar", "technical_domain", "support_team", "assigned_to", "support_tier", "external_ref"];
		locked.forEach((f) => frm.set_df_property(f, "read_only", frm.is_new() ? 0 : 1));
		if (frm.doc.sla_explanation) {
			frm.set_df_property("sla_explanation", "description", "");
		}
		clearInterval(frm.ts_sla_timer);
		if (!frm.is_new() && !["Closed", "Cancelled"].includes(frm.doc.status)) {
			// no socket needed: the panel asks the server every 30 s
			frm.ts_sla_timer = setInterval(() => {
				if (cur_frm === frm && !frm.is_dirty()) refresh_clocks(frm);
			}, 30000);
		}
	},
	setup(frm) {
		set_minute_formatters(frm);
	},
	onload(frm) {
		if (frm.is_new() && !frm.doc.received_at) {
			frm.set_value("received_at", frappe.datetime.now_datetime());
		}
	},
	// picking who reported it fills the reporter's name and contact (and, on ERPNext, the customer)
	contact(frm) {
		fill_reporter(frm, { contact: frm.doc.contact });
	},
	employee(frm) {
		fill_reporter(frm, { employee: frm.doc.employee });
	},
});

// business minutes read as durations ("1 h 6 min"), not as floats; a clock that has not stopped has no figure
// yet ("—", not 0). The fields exist only once the form is drawn: set on setup and again on refresh.
const TS_MINUTE_STOPS = { response_business_minutes: "first_responded_at", resolution_business_minutes: "resolved_at" };
function set_minute_formatters(frm) {
	ts_sla.MINUTE_FIELDS.forEach((fieldname) => {
		const field = frm.fields_dict[fieldname];
		if (!field || field.df.ts_sla_formatted) return;
		field.df.ts_sla_formatted = true;
		field.df.formatter = (value, df, options, doc) => {
			const stop = TS_MINUTE_STOPS[fieldname];
			if (stop && !(doc || frm.doc)[stop]) return "—";
			return ts_sla.minutes(value) || "—";
		};
		frm.refresh_field(fieldname);
	});
}

function fill_reporter(frm, args) {
	if (!Object.values(args)[0]) return;
	frappe.call({ method: "ts_sla.api.erpnext.reporter_details", args }).then((r) => {
		Object.entries(r.message || {}).forEach(([field, value]) => {
			if (value && frm.fields_dict[field] && frm.doc[field] !== value) frm.set_value(field, value);
		});
	});
}
