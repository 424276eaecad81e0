"""Repair: recompute the deadlines of open tickets after the rules they run on changed (a Support Calendar's
hours, holidays, make-up days or zone; a policy), through the ticket's own save path.

- Only tickets whose clocks still run are touched (New, Assigned, In Progress, Waiting for Customer): a
  resolved, confirmed, closed or cancelled ticket keeps its recorded outcome.
- A ticket whose due times move is saved (the controller recomputes through ``sla.refresh``, so states and
  ``next_check_at`` follow and the minute tick fires what is now due) and gets one timeline note naming each
  due that moved, old → new, and why. A ticket that did not move is not written at all.
- Each ticket in its own transaction (``jobs.isolated``): one failure is logged and never stops the rest.
- ``enqueue`` runs it on Frappe's long queue after the commit, or at once in tests or when the caller asks.

Select tickets by calendar, by policy or by name (``repair_tickets(calendar=...)``,
``repair_tickets(policy=...)``, ``repair_tickets(["TS-20231025-001"])``).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, get_time, getdate, now_datetime

from ts_sla.services import jobs, monitor, notes, sla
from ts_sla.services.clocks import clear_calendar_cache
from ts_sla.services.notes import Note
from ts_sla.services.states import NEW, WORKING

#: Statuses whose clocks still run: the only tickets a repair rewrites.
REPAIRABLE = (NEW, *WORKING)
#: The due times a repair compares and reports.
DUE_FIELDS = ("registration_due", "triage_due", "response_due", "resolution_due", "resolution_limit")


def open_tickets(
	names: list[str] | None = None, calendar: str | None = None, policy: str | None = None
) -> list[str]:
	"""The repairable tickets among ``names`` and/or on a calendar and/or a policy (at least one given)."""
	if names is None and not calendar and not policy:
		frappe.throw(
			_("Say which tickets to repair: by name, calendar or policy"), title=_("Nothing to repair")
		)
	filters: dict = {"status": ("in", REPAIRABLE)}
	if names is not None:
		filters["name"] = ("in", list(names) or [""])
	if calendar:
		filters["support_calendar"] = calendar
	if policy:
		filters["sla_policy"] = policy
	return frappe.get_all("Support Ticket", filters=filters, pluck="name", order_by="name asc")


def repair_tickets(
	names: list[str] | None = None,
	calendar: str | None = None,
	policy: str | None = None,
	reason: Note | str = "",
	commit: bool = False,
	source: tuple[str, str] | list | None = None,
) -> dict:
	"""Recompute the selected open tickets; returns {"moved": {ticket: [field, ...]}, "unchanged": n,
	"failed": n}. ``commit``: each ticket in a transaction of its own (background job), else savepoints in
	the caller's transaction. ``source``: the (doctype, name) whose change asked for the repair — its form
	follows the progress (Frappe's ``publish_progress`` for a live Desk, and ``progress()`` to poll)."""
	clear_calendar_cache()
	if calendar:  # read the calendar as saved now, even from inside its own save
		frappe.clear_document_cache("Support Calendar", calendar)
	if policy:
		frappe.clear_document_cache("SLA Policy", policy)
	moved, unchanged, failed = {}, 0, 0
	selected = open_tickets(names, calendar, policy)
	for done, name in enumerate(selected, start=1):
		fields = jobs.isolated(
			lambda name=name: repair_one(name, reason), commit, _("SLA repair failed for {0}").format(name)
		)
		if fields is None:
			failed += 1
		elif fields:
			moved[name] = fields
		else:
			unchanged += 1
		if source and (done % 25 == 0 or done == len(selected)):
			_report(source, "Running", done, len(selected), len(moved), failed)
	if source:
		_report(source, "Done", len(selected), len(selected), len(moved), failed)
	return {"moved": moved, "unchanged": unchanged, "failed": failed}


#: How long a repair's progress stays readable after it finished.
PROGRESS_SECONDS = 24 * 3600


def _progress_key(doctype: str, name: str) -> str:
	return f"ts_sla:repair:{doctype}:{name}"


def by_hand(user: str) -> tuple[str, str]:
	"""The progress source of the repairs ``user`` runs from the SLA Repair page (one at a time is followed)."""
	return ("User", user)


def _report(source, status: str, done: int, total: int, moved: int, failed: int) -> None:
	doctype, name = source
	state = {
		"status": status,
		"done": done,
		"total": total,
		"moved": moved,
		"failed": failed,
		"at": now_datetime().isoformat(),
	}
	frappe.cache.set_value(_progress_key(doctype, name), state, expires_in_sec=PROGRESS_SECONDS)
	if total:
		frappe.publish_progress(
			done * 100 / total,
			title=_("Repairing open tickets"),
			doctype=doctype,
			docname=name,
			description=_("{0} of {1} open tickets checked").format(done, total),
		)


def progress(doctype: str, name: str) -> dict | None:
	"""The latest repair a change of this calendar or policy asked for: status (Queued, Running, Done),
	tickets checked of the total, moved and failed; while queued, ``waiting_for_worker`` says that no
	background worker listens on the long queue, so the repair will not start until one runs."""
	# read from Redis each time: a poll in one process follows a job another process runs
	frappe.local.cache.pop(frappe.cache.make_key(_progress_key(doctype, name)), None)
	state = frappe.cache.get_value(_progress_key(doctype, name))
	if state and state.get("at"):
		state["age_seconds"] = round((now_datetime() - get_datetime(state["at"])).total_seconds())
	if state and state.get("status") == "Queued":
		state["waiting_for_worker"] = not jobs.queue_has_worker("long")
	return state


def repair_one(name: str, reason: Note | str = "") -> list[str]:
	"""Recompute one ticket; when a due time moved, save it with a timeline note. Returns the moved fields."""
	ticket = frappe.get_doc("Support Ticket", name, for_update=True)
	if ticket.status not in REPAIRABLE:
		return []
	before = {f: ticket.get(f) for f in DUE_FIELDS}
	sla.refresh(ticket)
	moved = [f for f in DUE_FIELDS if _instant(before[f]) != _instant(ticket.get(f))]
	if not moved:
		return []
	ticket.flags.ts_system = True  # a recompute, not an edit: the server-kept fields may change
	ticket.save(ignore_permissions=True)  # the controller recomputes the same deadlines and states
	label = ticket.meta.get_label
	dues = Note.join(
		Note("{0} {1} → {2}", Note(label(f)), before[f] or "—", ticket.get(f) or "—") for f in moved
	)
	note = Note("Deadlines recomputed: {0}.", dues)
	if reason:
		note = Note("{0} {1}", note, Note("Why: {0}", reason))
	notes.comment(ticket, note)
	monitor.check_ticket(
		name
	)  # a clock the change leaves breached records its SLA Event now, not at the tick
	return moved


def _instant(value) -> str:
	return str(get_datetime(value)) if value else ""


#: The most open tickets a preview recomputes in its request (the rest are counted, not shown).
PREVIEW_LIMIT = 500


def preview(names: list[str]) -> dict:
	"""What repairing ``names`` would move, written nowhere: each open ticket whose due times would change,
	with each due's value now and after; how many open tickets would stay as they are; how many of the
	names are not open (a repair never rewrites them) or are no ticket at all."""
	clear_calendar_cache()
	existing = set(frappe.get_all("Support Ticket", {"name": ("in", names or [""])}, pluck="name"))
	selected = open_tickets(names)
	moves, unchanged = [], 0
	frappe.db.savepoint("ts_sla_preview")
	try:
		for name in selected[:PREVIEW_LIMIT]:
			ticket = frappe.get_doc("Support Ticket", name)
			before = {f: ticket.get(f) for f in DUE_FIELDS}
			sla.refresh(ticket)
			changes = [
				{
					"field": f,
					"label": _(ticket.meta.get_label(f)),
					"from": _instant(before[f]) or None,
					"to": _instant(ticket.get(f)) or None,
				}
				for f in DUE_FIELDS
				if _instant(before[f]) != _instant(ticket.get(f))
			]
			if changes:
				moves.append({"ticket": name, "subject": ticket.subject, "changes": changes})
			else:
				unchanged += 1
	finally:
		frappe.db.rollback(save_point="ts_sla_preview")  # a recompute writes nothing; be sure of it
	return {
		"selected": len(names),
		"open": len(selected),
		"previewed": min(len(selected), PREVIEW_LIMIT),
		"moves": moves,
		"unchanged": unchanged,
		"not_open": len(existing) - len(selected),
		"not_found": sorted(set(names) - existing),
	}


def enqueue(
	names: list[str] | None = None,
	calendar: str | None = None,
	policy: str | None = None,
	reason: Note | str = "",
	now: bool = False,
	source: tuple[str, str] | None = None,
) -> dict | None:
	"""Repair after the current transaction commits, on the long queue; at once (in the caller's
	transaction) in tests or when ``now``. Returns the result when run at once. ``source``: whose progress
	it reports (default: the calendar's or policy's; ``by_hand(user)`` for a repair a manager asked for)."""
	source = source or (
		("Support Calendar", calendar) if calendar else ("SLA Policy", policy) if policy else None
	)
	if now or frappe.flags.in_test:
		return repair_tickets(names, calendar, policy, reason, commit=False, source=source)
	if source:
		frappe.cache.set_value(
			_progress_key(*source),
			{
				"status": "Queued",
				"done": 0,
				"total": None,
				"moved": 0,
				"failed": 0,
				"at": now_datetime().isoformat(),
			},
			expires_in_sec=PROGRESS_SECONDS,
		)
	frappe.enqueue(
		"ts_sla.services.repair.repair_tickets",
		queue="long",
		timeout=3600,
		enqueue_after_commit=True,
		names=names,
		calendar=calendar,
		policy=policy,
		reason=reason,
		commit=True,
		source=source,
	)
	return None


# -- what changed in a policy ------------------------------------------------------------------------------------

#: A priority row's parts that move deadlines.
TARGET_FIELDS = (
	"triage_minutes",
	"response_time",
	"response_unit",
	"response_basis",
	"resolution_time",
	"resolution_unit",
	"resolution_basis",
	"hard_limit_time",
	"hard_limit_unit",
	"hard_limit_basis",
)
#: A policy's own fields that move deadlines.
POLICY_FIELDS = ("support_calendar", "registration_minutes", "pause_response", "pause_resolution")


#: The clock each priority-row part belongs to, for the note that names what changed ("P2 resolution").
TARGET_CLOCK = {
	"triage_minutes": "triage",
	**{
		f"{clock}_{part}": clock for clock in ("response", "resolution") for part in ("time", "unit", "basis")
	},
	**{f"hard_limit_{part}": "hard limit" for part in ("time", "unit", "basis")},
}
#: Numbers compare as numbers (a form sends 4, the database gives back 4.0), checks as 0/1.
NUMERIC = {"triage_minutes", "response_time", "resolution_time", "hard_limit_time", "registration_minutes"}
CHECKS = {"pause_response", "pause_resolution"}


def _value(field: str, value) -> str:
	if field in NUMERIC:
		return "" if value in (None, "") else repr(flt(value))
	if field in CHECKS:
		return str(cint(value))
	return str(value or "")


def _targets(doc) -> dict:
	rows = {r.priority: {f: _value(f, r.get(f)) for f in TARGET_FIELDS} for r in doc.get("priorities") or []}
	return {**{f: _value(f, doc.get(f)) for f in POLICY_FIELDS}, "priorities": rows}


def policy_changes(doc) -> list[str]:
	"""What changed in a saved SLA Policy that moves deadlines (empty for a new policy): its own fields by
	name, and for the priority rows ``(priority, what)`` pairs: a clock whose target changed ("response",
	"resolution", "hard limit", "triage"), or "added" / "removed" for a whole row."""
	before = doc.get_doc_before_save()
	if not before:
		return []
	old, new = _targets(before), _targets(doc)
	changed: list = [f for f in POLICY_FIELDS if old[f] != new[f]]
	for priority in sorted(set(old["priorities"]) | set(new["priorities"])):
		was, now = old["priorities"].get(priority), new["priorities"].get(priority)
		if was is None or now is None:
			changed.append((priority, "added" if was is None else "removed"))
			continue
		clocks = dict.fromkeys(TARGET_CLOCK[f] for f in TARGET_FIELDS if was[f] != now[f])
		changed.extend((priority, clock) for clock in clocks)
	return changed


def policy_change_labels(doc, changed: list) -> list[Note]:
	"""The words for ``policy_changes``: field labels, and "P2 resolution", "P4 added" for the rows."""
	words = {
		"triage": Note("triage"),
		"response": Note("response"),
		"resolution": Note("resolution"),
		"hard limit": Note("hard limit"),
		"added": Note("added"),
		"removed": Note("removed"),
	}
	return [
		Note("{0} {1}", item[0], words[item[1]])
		if isinstance(item, tuple)
		else Note(doc.meta.get_label(item))
		for item in changed
	]


# -- what changed in a calendar ---------------------------------------------------------------------------------


def _t(value) -> str:
	return get_time(value).strftime("%H:%M:%S") if value not in (None, "") else ""


def _schedule(doc) -> dict:
	"""The parts of a Support Calendar that move deadlines, comparable row by row (descriptions and sources
	do not move anything)."""
	return {
		"time_zone": (doc.time_zone or "").strip(),
		"always_open": int(doc.always_open or 0),
		"working_hours": sorted(
			(r.weekday, _t(r.start_time), _t(r.end_time)) for r in doc.get("working_hours") or []
		),
		"holidays": sorted(
			(
				str(getdate(r.holiday_date)),
				int(r.partial_day or 0),
				_t(r.start_time) if r.partial_day else "",
				_t(r.end_time) if r.partial_day else "",
			)
			for r in doc.get("holidays") or []
		),
		"extra_working_days": sorted(
			(str(getdate(r.work_date)), _t(r.start_time), _t(r.end_time))
			for r in doc.get("extra_working_days") or []
		),
	}


def calendar_changes(doc) -> list[str]:
	"""The fields of a saved Support Calendar whose change moves deadlines (empty for a new calendar)."""
	before = doc.get_doc_before_save()
	if not before:
		return []
	old, new = _schedule(before), _schedule(doc)
	return [f for f in new if old[f] != new[f]]
