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
