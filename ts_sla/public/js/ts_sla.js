// Desk-wide: SLA alerts arrive in the user's open Desk through Frappe's realtime channel; the durations
// every ts_sla screen writes ("2 h 15 min", "3 h 0 min left", "10 min overdue") in the reader's language.
frappe.provide("ts_sla");

ts_sla.duration = function (minutes) {
	const m = Math.round(Math.abs(minutes));
	if (m >= 1440) return __("{0} d {1} h", [Math.floor(m / 1440), Math.floor((m % 1440) / 60)]);
	if (m >= 60) return __("{0} h {1} min", [Math.floor(m / 60), m % 60]);
	return __("{0} min", [m]);
};

// a stored figure of minutes (Support Ticket's business times) as a duration; nothing when there is none
ts_sla.MINUTE_FIELDS = ["response_business_minutes", "resolution_business_minutes", "paused_minutes"];
ts_sla.minutes = function (value) {
	return value === null || value === undefined || value === "" ? "" : ts_sla.duration(value);
};

// a running or queued repair's progress (ts_sla.api.repair), in words: the forms and the SLA Repair page say it alike
ts_sla.repair_state = function (state) {
	if (state.status !== "Queued") return __("{0} of {1} open tickets checked", [state.done, state.total]);
	return state.waiting_for_worker ? __("Queued, waiting for a background worker (none is running)") : __("Queued");
};

ts_sla.time_left = function (minutes) {
	return minutes >= 0 ? __("{0} left", [ts_sla.duration(minutes)]) : __("{0} overdue", [ts_sla.duration(minutes)]);
};

$(document).on("app_ready", () => {
	frappe.realtime.on("ts_sla_alert", (data) => {
		if (!data || !data.ticket) return;
		frappe.show_alert({ message: frappe.utils.escape_html(data.subject), indicator: data.priority === "P0" ? "red" : "orange" }, 15);
		frappe.utils.play_sound("alert");
	});
});

// The Technical Support workspace's monitor line (Custom HTML Block "SLA Monitor Status", setup.workspace): is
// the minute tick running, is it keeping up. Breach alerts and reminders depend on it, so a stopped or lagging
// monitor is said in red or orange; a running one in one muted line.
ts_sla.SUPPORT_ROLES = ["Support Agent", "Support Engineer", "Support Supervisor", "Support Manager", "System Manager"];
ts_sla.monitor_line = function (state) {
	const at = state.last_tick_at; // the system zone's wall clock, as every stored datetime
	const since = at ? frappe.datetime.prettyDate(at) || frappe.datetime.str_to_user(at) : "";
	if (state.status === "OK") {
		return { colour: "green", title: __("SLA monitor running"), text: since ? __("Last check {0}", [since]) : "" };
	}
	const whom = state.may_read_figures
		? __("Check that the scheduler and the background workers run (bench doctor).")
		: __("Tell your Support Manager or system administrator.");
	if (state.status === "Lagging") {
		return {
			colour: "orange",
			title: __("SLA monitor lagging"),
			text: __("{0} behind: {1} tickets wait for their check, so alerts arrive late.", [
				ts_sla.duration(state.lag_seconds / 60),
				state.backlog,
			]) + " " + whom,
		};
	}
	const stopped = since
		? __("No check since {0}: breaches, reminders and escalations are not being sent.", [since])
		: __("It has not run on this site yet: breaches, reminders and escalations are not being sent.");
	return { colour: "red", title: __("SLA monitor stopped"), text: `${stopped} ${whom}` };
};

ts_sla.monitor_banner = function (root) {
	const box = root && root.querySelector(".ts-sla-monitor");
	if (!box || !frappe.user.has_role(ts_sla.SUPPORT_ROLES)) return;
	frappe.call({ method: "ts_sla.api.health.monitor_state", type: "GET", quiet: true }).then((r) => {
		const state = r && r.message;
		if (!state) return;
		const line = ts_sla.monitor_line(state);
		const link = state.may_read_figures
			? ` <a href="/app/ts-sla-settings">${frappe.utils.escape_html(__("Monitor Health"))}</a>`
			: "";
		box.dataset.status = state.status;
		box.innerHTML = `<span class="indicator-pill ${line.colour}">${frappe.utils.escape_html(line.title)}</span>
			<span class="ts-sla-monitor-text ${line.colour === "green" ? "text-muted" : ""}">${frappe.utils.escape_html(line.text)}</span>${link}`;
	}).catch(() => {}); // frappe.call has said what went wrong; the line stays empty
};

// Count charts get whole-number y axes. Frappe Charts splits a y range whose top is 1 or 2 (or exactly 10)
// into quarters (0, 0.25 … 1; 0, 2.5 … 10): a floor for the axis top avoids those tops (4 gives 0 1 2 3 4;
// 12 gives 0 5 10 15 20). Every other top already divides into whole steps.
ts_sla.COUNT_CHARTS = ["Tickets by Priority per Week"];
ts_sla.CHARTS = [...ts_sla.COUNT_CHARTS, "SLA Met % per Week"];
ts_sla.count_axis_top = function (values) {
	const top = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
	return top <= 2 ? 4 : top === 10 ? 12 : top;
};
if (frappe.widget?.widget_factory?.chart) {
	const ChartWidget = frappe.widget.widget_factory.chart;
	frappe.widget.widget_factory.chart = class extends ChartWidget {
		get_chart_args() {
			const args = super.get_chart_args();
			if (!ts_sla.CHARTS.includes(this.chart_doc.name)) return args;
			// whole-number axis labels in the reader's number format (100, not 100.00)
			args.axisOptions = { ...args.axisOptions, numberFormatter: (v) => format_number(v, null, 0) };
			if (ts_sla.COUNT_CHARTS.includes(this.chart_doc.name) && args.data?.datasets) {
				const values = args.data.datasets.flatMap((d) => d.values || []);
				args.axisOptions.yAxisRange = { max: ts_sla.count_axis_top(values) };
			}
			return args;
		}
	};
}

// The app's timeline notes (services.notes) are stored as text in the site's language followed by a marker
// with the note's English template and arguments; the form's timeline shows them in the reader's language.
ts_sla.note_text = function (note) {
	const args = (note.a || []).map((a) => (typeof a === "string" ? a : ts_sla.note_text(a)));
	return args.length ? __(note.m, args) : __(note.m);
};
ts_sla.note_html = function (content) {
	if (typeof content !== "string" || !content.includes("data-ts-note")) return content;
	// parsed inert (DOMParser runs nothing and loads nothing); the note's text is escaped again
	const marks = new DOMParser().parseFromString(content, "text/html").querySelectorAll("[data-ts-note]");
	try {
		return frappe.utils.escape_html(ts_sla.note_text(JSON.parse(marks[marks.length - 1].dataset.tsNote)));
	} catch (e) {
		return content; // not a note of this app's making: shown as stored
	}
};
// Frappe's form timeline class is not global: its prototype is reached through the first form that has one
// and patched once; that form's timeline, already drawn, is drawn again (every later one is drawn patched).
ts_sla.read_notes_on_timeline = function (frm) {
	const Timeline = frm.timeline && Object.getPrototypeOf(frm.timeline);
	if (!Timeline || Timeline.ts_sla_notes || typeof Timeline.get_info_timeline_contents !== "function") return;
	const info_contents = Timeline.get_info_timeline_contents;
	Timeline.ts_sla_notes = true;
	Timeline.get_info_timeline_contents = function () {
		const logs = this.doc_info?.info_logs || [];
		const stored = logs.map((log) => log.content);
		logs.forEach((log) => (log.content = ts_sla.note_html(log.content)));
		try {
			return info_contents.call(this);
		} finally {
			logs.forEach((log, i) => (log.content = stored[i]));
		}
	};
	frm.timeline.refresh();
};
for (const doctype of ["Support Ticket", "Issue"]) {
	frappe.ui.form.on(doctype, { refresh: ts_sla.read_notes_on_timeline });
}
