// Support Ticket list: the status · SLA state indicator (no separate SLA state column), priority colours, the next due time as time left or
// overdue, and quick filters (the doctype's standard filters give priority, status, SLA state, domain,
// assignee and team).

const TS_PRIORITY_COLOURS = { P0: "red", P1: "orange", P2: "blue", P3: "gray" };

function ts_minutes_left(value) {
	// the stored value is in the system zone: compare it with the system zone's now, not the reader's
	return Math.round(moment(value).diff(moment(frappe.datetime.system_datetime()), "minutes", true));
}

function ts_on_phone_list() {
	return window.matchMedia("(max-width: 767px)").matches && frappe.get_route()[0] === "List";
}

// Frappe's Bulk Edit offers every field a new ticket may fill in; on saved tickets, status, priority, owner,
// deadlines and the server's figures change only through the actions (services.guard refuses the rest). While
// its dialog is built, those fields read as read-only, so it offers only what an edit may change.
function keep_bulk_edit_to_editable_fields(listview) {
	const label = __("Edit", null, "Button in list view actions menu");
	const edit = (listview.actions_menu_items || []).find((item) => item.label === label);
	const kept = new Set(frappe.boot.ts_sla_action_only_fields || []);
	if (!edit || !kept.size) return;
	const $link = listview.page.actions
		.find(".menu-item-label")
		.filter((i, el) => el.textContent.trim() === label)
		.closest("a");
	$link.off("click").on("click", () => {
		const fields = frappe.meta.get_docfields("Support Ticket").filter((df) => kept.has(df.fieldname) && !df.read_only);
		fields.forEach((df) => (df.read_only = 1));
		try {
			return edit.action();
		} finally {
			fields.forEach((df) => (df.read_only = 0));
		}
	});
}

frappe.listview_settings["Support Ticket"] = {
	add_fields: ["sla_state", "status", "priority", "next_due", "response_due", "resolution_due", "assigned_to"],
	get_indicator(doc) {
		if (["Closed", "Cancelled"].includes(doc.status)) {
			return [__(doc.status), doc.status === "Closed" ? "gray" : "darkgrey", `status,=,${doc.status}`];
		}
		const colours = { "On Track": "green", "At Risk": "orange", Breached: "red", Paused: "blue", Met: "green" };
		const state = doc.sla_state || "On Track";
		if (ts_on_phone_list()) {
			// a phone's list row has no columns: its pill says the priority and the time left (its colour the state)
			const left = doc.next_due ? ts_sla.time_left(ts_minutes_left(doc.next_due)) : __(state);
			return [`${doc.priority || ""} · ${left}`, colours[state] || "gray", `sla_state,=,${state}`];
		}
		return [`${__(doc.status)} · ${__(state)}`, colours[state] || "gray", `sla_state,=,${state}`];
	},
	formatters: {
		// business minutes, should a user add them to the list: durations, not floats
		response_business_minutes: (value) => ts_sla.minutes(value),
		resolution_business_minutes: (value) => ts_sla.minutes(value),
		paused_minutes: (value) => ts_sla.minutes(value),
		// the ID, priority and time left carry a class of their own: ts_sla.css keeps their columns' width
		name: (value) => `<span class="ts-sla-id" style="white-space: nowrap">${frappe.utils.escape_html(value)}</span>`,
		priority(value) {
			if (!value) return "";
			return `<span class="ts-sla-priority indicator-pill ${TS_PRIORITY_COLOURS[value] || "gray"}" style="white-space: nowrap">${frappe.utils.escape_html(value)}</span>`;
		},
		next_due(value) {
			if (!value) return '<span class="ts-sla-next-due">—</span>';
			const minutes = ts_minutes_left(value);
			const colour = minutes < 0 ? "text-danger" : minutes < 60 ? "text-warning" : "text-muted";
			return `<span class="ts-sla-next-due ${colour}" style="white-space: nowrap" title="${frappe.datetime.str_to_user(value)}">${ts_sla.time_left(minutes)}</span>`;
		},
	},
	onload(listview) {
		if (window.matchMedia("(max-width: 767px)").matches) {
			// on a phone the standard filters fold away behind one menu item (the filter button stays)
			const standard = listview.page.page_form.find(".standard-filter-section");
			standard.hide();
			listview.page.add_menu_item(__("Show or Hide Filters"), () => standard.toggle());
		}
		keep_bulk_edit_to_editable_fields(listview);
		const add = (label, filters) =>
			listview.page.add_inner_button(label, () => {
				listview.filter_area.clear(false).then(() => listview.filter_area.add(filters));
			}, __("Quick Filters"));
		const open = ["Support Ticket", "status", "not in", ["Closed", "Cancelled"]];
		add(__("My Tickets"), [["Support Ticket", "assigned_to", "=", frappe.session.user]]);
		add(__("At Risk"), [["Support Ticket", "sla_state", "=", "At Risk"]]);
		add(__("Breached"), [["Support Ticket", "sla_state", "=", "Breached"]]);
		add(__("P0"), [["Support Ticket", "priority", "=", "P0"], open]);
		add(__("Pending Extensions"), [["Support Ticket", "extension_pending", "=", 1], open]);
	},
};
