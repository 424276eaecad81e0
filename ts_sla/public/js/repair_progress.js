// Support Calendar and SLA Policy forms: after a change that moves deadlines, the form follows the repair
// of the open tickets on Frappe's long queue (a progress bar in the form's dashboard, polled every 2 s, so no
// socket.io server is needed), until it says how many tickets were checked and moved.
(function () {
	const TITLE = __("Repairing open tickets");

	function follow(frm) {
		clearTimeout(frm.ts_repair_timer);
		if (frm.is_new()) return;
		frappe
			.xcall("ts_sla.api.repair.repair_progress", { doctype: frm.doctype, name: frm.doc.name })
			.then((state) => {
				if (!state || cur_frm !== frm) return;
				if (state.status === "Done") {
					if (state.age_seconds > 600) return; // an old repair is history, not news
					const message = __("{0} open tickets checked, {1} moved, {2} failed", [state.done, state.moved, state.failed]);
					frm.dashboard.show_progress(TITLE, 100, `${TITLE}: ${message}`);
					return;
				}
				const percent = state.total ? (state.done * 100) / state.total : 0;
				const message = ts_sla.repair_state(state);
				frm.dashboard.show_progress(TITLE, percent, `${TITLE}: ${message}`);
				frm.ts_repair_timer = setTimeout(() => follow(frm), 2000);
			});
	}

	["Support Calendar", "SLA Policy"].forEach((doctype) =>
		frappe.ui.form.on(doctype, { refresh: follow, after_save: follow })
	);
})();
