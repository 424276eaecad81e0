// SLA Repair: a Support Manager recomputes the due times of open tickets after rules changed outside the app
// (or to check a change): choose tickets by ID or by filter, preview what would move, repair, follow a queued
// repair to its result. Closed tickets are never rewritten. The server does the work
// (ts_sla.api.repair: preview_repair, repair_tickets, repair_progress_by_hand).
frappe.pages["sla-repair"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("SLA Repair"), single_column: true });
	wrapper.ts_sla_repair = new ts_sla.RepairPage(page);
};

frappe.pages["sla-repair"].on_page_show = (wrapper) => wrapper.ts_sla_repair.take_route_options();

frappe.provide("ts_sla");

ts_sla.RepairPage = class RepairPage {
	constructor(page) {
		this.page = page;
		this.form = new frappe.ui.FieldGroup({
			fields: [
				{
					fieldtype: "HTML",
					fieldname: "intro",
					options: `<p class="text-muted">${frappe.utils.escape_html(
						__("Recomputes the due times of open tickets on their policy and calendar as saved now. A change to a policy or calendar repairs its tickets by itself; use this after changes made outside the app, or to check. Closed tickets keep their recorded outcome.")
					)}</p>`,
				},
				{
					fieldname: "tickets",
					fieldtype: "Small Text",
					label: __("Ticket IDs"),
					description: __("One per line or separated by commas"),
				},
				{ fieldtype: "Section Break", label: __("Or the tickets matching") },
				{ fieldname: "sla_policy", fieldtype: "Link", options: "SLA Policy", label: __("SLA Policy") },
				{ fieldname: "support_calendar", fieldtype: "Link", options: "Support Calendar", label: __("Support Calendar") },
				{ fieldtype: "Column Break" },
				{ fieldname: "priority", fieldtype: "Select", options: ["", "P0", "P1", "P2", "P3"], label: __("Priority") },
				{ fieldname: "technical_domain", fieldtype: "Link", options: "Technical Domain", label: __("Technical Domain") },
				{ fieldtype: "Section Break" },
				{
					fieldname: "reason",
					fieldtype: "Data",
					label: __("Why"),
					description: __("Written in the note on each ticket that moves"),
				},
				{ fieldtype: "Section Break" },
				{ fieldname: "result", fieldtype: "HTML" },
			],
			body: this.page.body,
		});
		this.form.make();
		this.page.set_secondary_action(__("Preview"), () => this.preview());
		this.page.set_primary_action(__("Repair"), () => this.confirm_repair());
		this.follow();
	}

	take_route_options() {
		if (!frappe.route_options) return;
		const values = {};
		for (const field of ["tickets", "sla_policy", "support_calendar", "priority", "technical_domain"]) {
			if (frappe.route_options[field]) values[field] = frappe.route_options[field];
		}
		frappe.route_options = null;
		this.form.set_values(values).then(() => this.preview());
	}

	selection() {
		const values = this.form.get_values() || {};
		const filters = {};
		for (const field of ["sla_policy", "support_calendar", "priority", "technical_domain"]) {
			if (values[field]) filters[field] = values[field];
		}
		const args = {};
		if ((values.tickets || "").trim()) args.tickets = values.tickets.trim();
		if (Object.keys(filters).length) args.filters = JSON.stringify(filters);
		return args;
	}

	show(html) {
		this.form.get_field("result").$wrapper.html(html);
	}

	call(method, args) {
		// a refusal (nothing chosen, not permitted, a bad filter) shows Frappe's message and leaves the page as it is
		return frappe
			.call({ method: `ts_sla.api.repair.${method}`, args, freeze: true, freeze_message: __("Working ...") })
			.then((r) => r.message)
			.catch(() => null);
	}

	preview() {
		const args = this.selection();
		if (!args.tickets && !args.filters) {
			this.show(`<p class="text-muted">${__("Choose tickets by ID or by filter, then Preview.")}</p>`);
			return;
		}
		this.call("preview_repair", args).then((preview) => preview && this.show(this.preview_html(preview)));
	}

	preview_html(p) {
		const esc = frappe.utils.escape_html;
		const parts = [
			`<p class="ts-sla-repair-summary">${esc(
				__("{0} tickets chosen: {1} open, {2} would move, {3} would stay as they are; {4} not open (never rewritten).", [
					p.selected,
					p.open,
					p.moves.length,
					p.unchanged,
					p.not_open,
				])
			)}</p>`,
		];
		if (p.not_found.length) {
			parts.push(`<p class="text-warning">${esc(__("No such ticket: {0}", [p.not_found.join(", ")]))}</p>`);
		}
		if (p.previewed < p.open) {
			parts.push(`<p class="text-muted">${esc(__("Showing the first {0} open tickets; the repair covers all {1}.", [p.previewed, p.open]))}</p>`);
		}
		if (p.moves.length) {
			const rows = p.moves.flatMap((move) =>
				move.changes.map(
					(change, i) => `<tr>
						<td>${i ? "" : `<a href="/app/support-ticket/${encodeURIComponent(move.ticket)}">${esc(move.ticket)}</a>`}</td>
						<td>${i ? "" : esc(move.subject || "")}</td>
						<td>${esc(change.label)}</td>
						<td class="text-nowrap">${this.when(change.from)}</td>
						<td class="text-nowrap">${this.when(change.to)}</td>
					</tr>`
				)
			);
			parts.push(`<div class="table-responsive"><table class="table table-bordered ts-sla-repair-moves">
				<thead><tr><th>${__("Ticket")}</th><th>${__("Subject")}</th><th>${__("Due")}</th>
				<th>${__("Now")}</th><th>${__("After repair")}</th></tr></thead>
				<tbody>${rows.join("")}</tbody></table></div>`);
		}
		return parts.join("");
	}

	when(value) {
		return value ? frappe.format(value, { fieldtype: "Datetime" }) : "—";
	}

	confirm_repair() {
		const args = this.selection();
		if (!args.tickets && !args.filters) {
			this.show(`<p class="text-muted">${__("Choose tickets by ID or by filter, then Preview.")}</p>`);
			return;
		}
		frappe.confirm(__("Recompute the due times of the chosen open tickets now?"), () => {
			const reason = (this.form.get_value("reason") || "").trim();
			this.call("repair_tickets", { ...args, ...(reason ? { reason } : {}) }).then((result) => {
				if (!result) return;
				if (result.queued) {
					this.show(`<p>${frappe.utils.escape_html(__("{0} tickets queued for repair.", [result.queued]))}</p>`);
					this.follow();
					return;
				}
				this.show(this.result_html(Object.keys(result.moved), result.unchanged, result.failed));
				frappe.show_alert({ message: __("Repair done"), indicator: "green" });
			});
		});
	}

	result_html(moved, unchanged, failed) {
		const esc = frappe.utils.escape_html;
		const links = moved
			.map((name) => `<a href="/app/support-ticket/${encodeURIComponent(name)}">${esc(name)}</a>`)
			.join(", ");
		return `<p class="ts-sla-repair-result">${esc(
			__("Repair done: {0} moved, {1} unchanged, {2} failed.", [moved.length, unchanged, failed])
		)}</p>${links ? `<p>${__("Moved")}: ${links}</p>` : ""}${
			failed ? `<p class="text-danger">${esc(__("The failures are in the Error Log."))}</p>` : ""
		}`;
	}

	// a queued repair (more tickets than one request repairs) reports to Redis; poll it every 2 s until done
	follow() {
		clearTimeout(this.timer);
		frappe.xcall("ts_sla.api.repair.repair_progress_by_hand").then((state) => {
			if (!state || (state.status === "Done" && state.age_seconds > 600)) return;
			if (state.status === "Done") {
				this.show(
					`<p class="ts-sla-repair-result">${frappe.utils.escape_html(
						__("Repair done: {0} of {1} open tickets checked, {2} moved, {3} failed.", [state.done, state.total, state.moved, state.failed])
					)}</p>`
				);
				return;
			}
			const percent = state.total ? Math.round((state.done * 100) / state.total) : 0;
			const message = ts_sla.repair_state(state);
			this.show(`<p>${frappe.utils.escape_html(message)}</p>
				<div class="progress"><div class="progress-bar" style="width: ${percent}%"></div></div>`);
			this.timer = setTimeout(() => this.follow(), 2000);
		}).catch(() => null); // Frappe has shown what went wrong
	}
};
