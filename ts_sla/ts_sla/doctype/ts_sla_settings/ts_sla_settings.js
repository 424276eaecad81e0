// Monitor Health: the minute tick's figures, from onload (Support and System Managers only), refreshed from
// the same REST reading an external monitor polls.
const TS_SLA_MONITOR_STATUS = {
	OK: ["green", __("Running normally")],
	Lagging: ["orange", __("Lagging")],
	Stopped: ["red", __("Stopped")],
};

frappe.ui.form.on("TS SLA Settings", {
	refresh(frm) {
		const figures = frm.doc.__onload && frm.doc.__onload.monitor_health;
		frm.toggle_display("monitor_health_section", !!figures);
		if (!figures) return;
		ts_sla_render_monitor_health(frm, figures);
		frm.add_custom_button(__("Refresh Monitor Health"), () =>
			frappe
				.call({ method: "ts_sla.api.health.monitor_health", type: "GET" })
				.then((r) => ts_sla_render_monitor_health(frm, r.message)),
		);
	},
});

function ts_sla_render_monitor_health(frm, f) {
	const tick = f.last_tick || {};
	const when = (value) => (value ? frappe.datetime.str_to_user(value) : __("never"));
	const lag = (s) => __("{0} min {1} s", [Math.floor(s / 60), s % 60]);
	const known = (value) => (value === undefined || value === null ? "–" : value);
	const [color, status] = TS_SLA_MONITOR_STATUS[f.status] || [
		"gray",
		frappe.utils.escape_html(f.status),
	];
	const rows = [
		[__("Status"), `<span class="indicator-pill ${color}">${status}</span>`],
		[__("Last tick"), when(f.last_tick_at)],
		[
			__("Last tick took"),
			tick.duration_seconds === undefined ? "–" : __("{0} s", [tick.duration_seconds]),
		],
		[__("Tickets checked / events fired"), `${known(tick.checked)} / ${known(tick.fired)}`],
		[__("Due backlog"), f.backlog],
		[__("Oldest overdue check"), when(f.oldest_due_at)],
		[__("Lag"), `${lag(f.lag_seconds)} (${__("limit {0}", [lag(f.lag_limit_seconds)])})`],
		[__("Email"), ts_sla_mail_health(f.mail)],
	];
	frm.get_field("monitor_health_html").$wrapper.html(
		`<table class="table table-bordered table-sm" style="max-width: 40rem">${rows
			.map(
				([label, value]) =>
					`<tr><th class="text-muted">${label}</th><td>${value}</td></tr>`,
			)
			.join("")}</table>`,
	);
}

function ts_sla_mail_health(mail) {
	if (!mail) return "–";
	if (mail.outgoing) return `<span class="indicator-pill green">${__("Outgoing Email Account set up")}</span>`;
	const unsent = mail.unsent
		? " " +
			__("{0} emails not sent since {1}", [
				mail.unsent,
				frappe.datetime.str_to_user(mail.since),
			])
		: "";
	return `<span class="indicator-pill orange">${__("No outgoing Email Account")}</span>${frappe.utils.escape_html(unsent)}
		<div><a href="/app/email-account/new">${__("Set up an outgoing Email Account")}</a></div>`;
}
