// Desk-wide: SLA alerts arrive in the user's open Desk through Frappe's realtime channel.
frappe.provide("ts_sla");

$(document).on("app_ready", () => {
	frappe.realtime.on("ts_sla_alert", (data) => {
		if (!data || !data.ticket) return;
		frappe.show_alert({ message: frappe.utils.escape_html(data.subject), indicator: data.priority === "P0" ? "red" : "orange" }, 15);
		frappe.utils.play_sound("alert");
	});
});
