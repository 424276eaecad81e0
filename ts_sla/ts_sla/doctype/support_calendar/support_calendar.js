const TS_SLA_CALENDAR_API = "ts_sla.api.calendar";

frappe.ui.form.on("Support Calendar", {
	setup(frm) {
		frappe.call("ts_sla.ts_sla.doctype.support_calendar.support_calendar.get_time_zones").then((r) => {
			ts_sla_set_choices(frm, "time_zone", r.message || []);
		});
		ts_sla_holiday_options(frm).then(() => {
			ts_sla_set_choices(frm, "holiday_country", ts_sla_country_choices(frm.ts_sla_sources));
			frm.trigger("holiday_country");
		});
	},
	refresh(frm) {
		if (!frm.doc.time_zone) {
			frm.set_intro(__("No time zone set: the calendar uses the system time zone."), "blue");
		}
		if (!frm.is_new() && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Load Holidays"), () =>
				ts_sla_holiday_options(frm).then(() => ts_sla_load_holidays(frm))
			);
			// what-if: the tickets on this calendar replayed with the form's (possibly unsaved) hours and holidays
			frm.add_custom_button(__("Simulate"), () =>
				frappe.require("/assets/ts_sla/js/whatif.js", () => ts_sla.whatif.simulate(frm, "calendar"))
			);
			// preview and repair the open tickets on this calendar on the SLA Repair page
			frm.add_custom_button(__("Repair Open Tickets"), () => {
				frappe.route_options = { support_calendar: frm.doc.name };
				frappe.set_route("sla-repair");
			});
		}
	},
	holiday_country(frm) {
		const countries = (frm.ts_sla_sources && frm.ts_sla_sources.countries) || {};
		ts_sla_set_choices(frm, "holiday_subdivision", countries[frm.doc.holiday_country] || []);
	},
});

function ts_sla_set_choices(form, fieldname, choices) {
	// choices that change after a form or dialog is drawn go to the field's list without redrawing the field:
	// set_df_property leaves a drawn Autocomplete's list as it was, and redraws the field with the saved value,
	// wiping what the user is typing into it
	const field = form.get_field(fieldname);
	field.df.options = choices;
	field.set_data(choices);
}

function ts_sla_country_choices(options) {
	// the codes the holidays package knows, shown and found by name in the reader's language: "Germany (DE)"
	const labels = (options && options.country_labels) || {};
	return Object.keys((options && options.countries) || {})
		.map((code) => ({ value: code, label: labels[code] || code }))
		.sort((a, b) => a.label.localeCompare(b.label));
}

function ts_sla_holiday_year() {
	// from October on, a calendar is usually being prepared for next year
	const today = new Date();
	return today.getMonth() >= 9 ? today.getFullYear() + 1 : today.getFullYear();
}

function ts_sla_holiday_options(frm) {
	// the sources (installed or not) and the countries of the holidays package, asked once per form
	if (!frm.ts_sla_sources_loading) {
		frm.ts_sla_sources_loading = frappe
			.call(`${TS_SLA_CALENDAR_API}.holiday_source_options`)
			.then((r) => {
				frm.ts_sla_sources = r.message || { sources: [], countries: {} };
			});
	}
	return frm.ts_sla_sources_loading;
}

function ts_sla_load_holidays(frm) {
	const options = frm.ts_sla_sources || { sources: [], countries: {} };
	const countries = options.countries || {};
	const COUNTRY = "Country Public Holidays";
	let previewed = null; // the values the preview shown was made for

	const dialog = new frappe.ui.Dialog({
		title: __("Load Holidays"),
		size: "large",
		fields: [
			{
				fieldname: "source",
				fieldtype: "Select",
				label: __("Holiday Source"),
				reqd: 1,
				options: (options.sources || []).map((s) => ({ value: s.value, label: s.label })),
				default: frm.doc.holiday_source || "China Statutory",
				onchange: () => reset(),
			},
			{
				fieldname: "year",
				fieldtype: "Int",
				label: __("Year"),
				reqd: 1,
				default: ts_sla_holiday_year(),
				onchange: () => reset(),
			},
			{ fieldtype: "Column Break" },
			{
				fieldname: "country",
				fieldtype: "Autocomplete",
				label: __("Holiday Country"),
				options: ts_sla_country_choices(options),
				default: frm.doc.holiday_country,
				depends_on: `eval:doc.source=='${COUNTRY}'`,
				onchange: () => {
					const subdivisions = countries[dialog.get_value("country")] || [];
					ts_sla_set_choices(dialog, "subdivision", subdivisions);
					reset();
				},
			},
			{
				fieldname: "subdivision",
				fieldtype: "Autocomplete",
				label: __("Holiday Subdivision"),
				options: countries[frm.doc.holiday_country] || [],
				default: frm.doc.holiday_subdivision,
				depends_on: `eval:doc.source=='${COUNTRY}'`,
				onchange: () => reset(),
			},
			{ fieldtype: "Section Break" },
			{ fieldname: "preview", fieldtype: "HTML" },
		],
		primary_action_label: __("Preview"),
		primary_action: (values) => {
			const args = {
				calendar: frm.doc.name,
				source: values.source,
				year: values.year,
				country: values.source === COUNTRY ? values.country : null,
				subdivision: values.source === COUNTRY ? values.subdivision : null,
			};
			const key = JSON.stringify(args);
			if (previewed !== key) {
				frappe.call({
					method: `${TS_SLA_CALENDAR_API}.preview_holidays`,
					args,
					freeze: true,
					callback: (r) => {
						dialog.fields_dict.preview.$wrapper.html(ts_sla_preview_html(r.message));
						previewed = key;
						dialog.set_primary_action(__("Load"), dialog.primary_action);
					},
				});
				return;
			}
			frappe.call({
				method: `${TS_SLA_CALENDAR_API}.load_holidays`,
				args,
				freeze: true,
				freeze_message: __("Loading holidays ..."),
				callback: (r) => {
					dialog.hide();
					frappe.show_alert({ message: r.message.message, indicator: "green" }, 10);
					frm.reload_doc();
				},
			});
		},
	});

	function reset() {
		if (previewed === null) return;
		previewed = null;
		dialog.fields_dict.preview.$wrapper.empty();
		dialog.set_primary_action(__("Preview"), dialog.primary_action);
	}

	const missing = (options.sources || []).filter((s) => !s.installed);
	if (missing.length) {
		dialog.fields_dict.preview.$wrapper.html(
			`<div class="alert alert-warning">${missing
				.map((s) =>
					__("{0} is not available: its Python package is not installed on this site.", [
						frappe.utils.escape_html(s.label),
					])
				)
				.join("<br>")}</div>`
		);
	}
	dialog.show();
}

function ts_sla_day_ranges(items) {
	// consecutive days with the same description (and hours) as one row: "29 Sep – 6 Oct (8 days)"
	const next = (date) => frappe.datetime.add_days(date, 1);
	const groups = [];
	for (const item of items) {
		const last = groups[groups.length - 1];
		const same =
			last &&
			last.description === item.description &&
			last.start_time === item.start_time &&
			last.end_time === item.end_time;
		if (same && (item.date === last.to || item.date === next(last.to))) {
			if (item.date !== last.to) last.days += 1;
			last.to = item.date;
		} else {
			groups.push({ ...item, from: item.date, to: item.date, days: 1 });
		}
	}
	return groups;
}

function ts_sla_preview_html(plan) {
	const esc = frappe.utils.escape_html;
	const day = (date) => frappe.datetime.str_to_user(date, false, true);
	const rows = (items, cls, sign, withHours) =>
		ts_sla_day_ranges(items)
			.map((g) => {
				const when =
					g.days > 1
						? `${day(g.from)} – ${day(g.to)} ${__("({0} days)", [g.days])}`
						: day(g.from);
				const hours = withHours ? `<td>${esc(`${g.start_time} – ${g.end_time}`)}</td>` : "";
				return (
					`<tr class="${cls}"><td>${sign}</td><td>${esc(when)}</td>` +
					`<td>${esc(g.description || "")}</td>${hours}</tr>`
				);
			})
			.join("");
	const table = (title, part, withHours) => {
		const body =
			rows(part.add, "ts-sla-add text-success", "+", withHours) +
			rows(part.remove, "ts-sla-remove text-danger", "−", withHours);
		const counts = __("{0} to add, {1} to remove, {2} unchanged", [
			part.add.length,
			part.remove.length,
			part.keep,
		]);
		return (
			`<h5>${esc(title)} <small class="text-muted">${esc(counts)}</small></h5>` +
			(body
				? `<table class="table table-sm table-bordered ts-sla-preview-table"><tbody>${body}</tbody></table>`
				: "")
		);
	};
	let html = `<div class="ts-sla-holiday-preview"><p>${esc(
		plan.changed
			? __("Source {0}: these changes are saved when you click Load.", [plan.source])
			: __("Source {0}: the calendar already has these holidays; nothing would change.", [
					plan.source,
			  ])
	)}</p>`;
	html += table(__("Holidays"), plan.holidays, false);
	html += table(__("Extra Working Days"), plan.extra_working_days, true);
	if (plan.skipped.length) {
		html += `<h5>${esc(__("Not loaded"))}</h5><ul>${plan.skipped
			.map((s) => `<li>${esc(day(s.date))}: ${esc(s.reason)}</li>`)
			.join("")}</ul>`;
	}
	return html + "</div>";
}
