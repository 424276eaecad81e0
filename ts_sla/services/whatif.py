"""What-if: replay the tickets of a period under a draft SLA Policy and/or Support Calendar.

The same receipts, pauses, first responses and resolutions are measured twice — against the rules the
tickets run under today (each ticket's own policy and calendar) and against the draft — and compared: met %
by priority and clock, the tickets whose outcome changes, and the median and p90 of the response and
resolution times on each clock's own basis (business minutes on a business-hours clock, calendar minutes on a
calendar clock, working days' business minutes on a working-days clock).

- ``load_policy`` / ``load_calendar`` turn a draft (a dict of the form's values, its JSON, or a saved name)
  into a document that is validated but never saved.
- ``replay`` reads the tickets with one query and their pauses with another, builds each engine calendar
  once and calls the engine per ticket; nothing is loaded as a document per ticket.
- ``start`` records an SLA Simulation and runs it at once when the period is small, else on the long queue
  (``run``), which reports its progress through ``frappe.publish_progress``.

Both sides are measured without approved extensions (an extension was granted under the old rules; under the
draft it may not have been asked for), so a ticket never "changes" because of one. The hard limit and the
intake clocks (registration, triage) are not replayed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.query_builder.functions import Cast_, Count
from frappe.utils import add_days, add_months, get_datetime, getdate, now_datetime, nowdate

from ts_sla.services.clocks import (
	calendar_from_doc,
	engine_error,
	get_calendar,
	make_target,
	naive,
	system_zone,
)
from ts_sla.services.policy import APPLICABILITY
from ts_sla.services.sla import minutes_basis, percentile
from ts_sla.services.states import CANCELLED, PRIORITIES, RESOLUTION, RESPONSE
from ts_sla.sla import SLAError, SupportCalendar, Target, due, elapsed

#: The clocks a what-if replays, with the ticket column that stops each and the policy row's field prefix.
CLOCKS = ((RESPONSE, "first_responded_at", "response"), (RESOLUTION, "resolved_at", "resolution"))
MET, BREACHED, PENDING = "Met", "Breached", "Pending"
#: The longest period a simulation may replay.
MAX_DAYS = 731
#: At most this many tickets in one simulation.
MAX_TICKETS = 1_000_000
#: A simulation of at most this many tickets runs at once; a larger one on the long queue.
INLINE_TICKETS = 2000
#: The changed tickets a simulation keeps (all are counted).
MAX_CHANGES = 10_000
#: Numeric fields of a policy and of its priority rows that must be finite numbers.
POLICY_NUMBERS = (
	"registration_minutes",
	"verification_followup_minutes",
	"closure_minutes",
	"collaboration_hours",
)
ROW_NUMBERS = (
	"triage_minutes",
	"response_time",
	"resolution_time",
	"hard_limit_time",
	"progress_interval",
	"warning_percent",
)
REPORT = "SLA What-If"


# -- the draft -------------------------------------------------------------------------------------------


def _parse(draft, doctype: str) -> dict | str | None:
	"""A draft as given: a dict, its JSON, or the name of a saved document."""
	if draft in (None, "", {}):
		return None
	if isinstance(draft, str) and draft.lstrip().startswith("{"):
		try:
			draft = json.loads(draft)
		except ValueError:
			frappe.throw(_("The draft {0} is not valid JSON").format(_(doctype)), title=_("Invalid draft"))
	if isinstance(draft, str):
		if not frappe.db.exists(doctype, draft):
			frappe.throw(_("{0} {1} not found").format(_(doctype), draft), frappe.DoesNotExistError)
		return draft
	if not isinstance(draft, dict):
		frappe.throw(_("The draft {0} must be a document").format(_(doctype)), title=_("Invalid draft"))
	return draft


def _number(value, label: str, row: int | None = None) -> float | None:
	"""A finite number (or None for an empty value), else a clear error naming the field."""
	if value in (None, ""):
		return None
	try:
		number = float(value)
	except (TypeError, ValueError):
		number = math.nan
	if isinstance(value, bool) or not math.isfinite(number):
		shown = frappe.bold(str(value))
		frappe.throw(
			_("Row {0}: {1} must be a finite number, not {2}").format(row, _(label), shown)
			if row
			else _("{0} must be a finite number, not {1}").format(_(label), shown),
			title=_("Invalid draft"),
		)
	return number


def load_policy(draft):
	"""The draft SLA Policy as an unsaved, validated document (or the saved one when a name is given)."""
	draft = _parse(draft, "SLA Policy")
	if draft is None or isinstance(draft, str):
		return draft and frappe.get_doc("SLA Policy", draft)
	meta = frappe.get_meta("SLA Policy")
	data = {k: v for k, v in draft.items() if not k.startswith("_")}
	for fieldname in POLICY_NUMBERS:
		data[fieldname] = _number(data.get(fieldname), meta.get_label(fieldname))
	rows = data.get("priorities") or []
	if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
		frappe.throw(_("The draft's priorities must be a list of rows"), title=_("Invalid draft"))
	row_meta = frappe.get_meta("SLA Policy Priority")
	clean_rows = []
	for idx, row in enumerate(rows, 1):
		row = {k: v for k, v in row.items() if not k.startswith("_") and k not in ("name", "parent")}
		for fieldname in ROW_NUMBERS:
			row[fieldname] = _number(row.get(fieldname), row_meta.get_label(fieldname), idx)
		row["idx"] = idx
		clean_rows.append(row)
	data.update(doctype="SLA Policy", priorities=clean_rows, escalation_rules=[])
	data.pop("name", None)
	doc = frappe.get_doc(data)
	doc.name = draft.get("name") if not str(draft.get("name") or "").startswith("new-") else None
	try:
		doc.validate_priorities()
		doc.validate_dates()
		for row in doc.priorities:
			if row.priority not in PRIORITIES:
				frappe.throw(_("Row {0}: unknown priority {1}").format(row.idx, row.priority))
	except SLAError as error:
		engine_error(error, _("Invalid draft"))
	return doc


def load_calendar(draft):
	"""The draft Support Calendar as an unsaved document (or the saved one when a name is given)."""
	draft = _parse(draft, "Support Calendar")
	if draft is None or isinstance(draft, str):
		return draft and frappe.get_doc("Support Calendar", draft)
	data = {k: v for k, v in draft.items() if not k.startswith("_")}
	for table in ("working_hours", "holidays", "extra_working_days"):
		rows = data.get(table) or []
		if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
			frappe.throw(_("The draft calendar's {0} must be a list of rows").format(table))
		data[table] = [{k: v for k, v in r.items() if k not in ("name", "parent")} for r in rows]
	data["doctype"] = "Support Calendar"
	data.pop("name", None)
	doc = frappe.get_doc(data)
	name = str(draft.get("name") or "")
	doc.name = None if not name or name.startswith("new-") else name
	return doc


def engine_calendar(doc) -> SupportCalendar:
	"""The engine calendar of a (draft) Support Calendar document, or a clear error."""
	try:
		return calendar_from_doc(doc)
	except SLAError as error:
		engine_error(error, _("Invalid Support Calendar"))


def calendar_key(doc) -> str:
	return doc.name or doc.calendar_name or ""


def targets_of(policy) -> dict[str, dict[str, Target | None]]:
	"""priority -> clock -> Target (None when the row sets no target for the clock)."""
	out = {}
	for row in policy.priorities:
		out[row.priority] = {
			clock: make_target(
				row.get(f"{prefix}_time"), row.get(f"{prefix}_unit"), row.get(f"{prefix}_basis")
			)
			for clock, _column, prefix in CLOCKS
		}
	return out


# -- the period -----------------------------------------------------------------------------------------


def last_quarter(today: dt.date | str | None = None) -> tuple[dt.date, dt.date]:
	"""The last full calendar quarter before ``today``."""
	today = getdate(today or nowdate())
	this_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
	return getdate(add_months(this_quarter, -3)), getdate(add_days(this_quarter, -1))


def period(from_date=None, to_date=None) -> tuple[dt.date, dt.date]:
	"""The replayed dates (inclusive): the last full quarter unless given; reversed or too long is an error."""
	default_from, default_to = last_quarter()
	try:
		start = getdate(from_date) if from_date else default_from
		end = getdate(to_date) if to_date else default_to
	except Exception:
		start = end = None
	if not (isinstance(start, dt.date) and isinstance(end, dt.date)):  # Frappe reads 0001-01-01 as no date
		frappe.throw(_("The period's dates are not valid dates"), title=_("Invalid period"))
	if not (dt.date(1000, 1, 1) <= start <= dt.date(8999, 12, 31) and dt.date(1000, 1, 1) <= end):
		frappe.throw(_("The period must lie between the years 1000 and 8999"), title=_("Invalid period"))
	if end < start:
		frappe.throw(
			_("The period ends ({1}) before it starts ({0})").format(start, end), title=_("Invalid period")
		)
	if (end - start).days + 1 > MAX_DAYS:
		frappe.throw(
			_("A simulation covers at most {0} days; {1} to {2} is {3} days").format(
				MAX_DAYS, start, end, (end - start).days + 1
			),
			title=_("Period too long"),
		)
	return start, end


# -- which tickets ----------------------------------------------------------------------------------------


@dataclass
class Draft:
	"""What a simulation replays: the draft policy and/or calendar, and the period."""

	policy: object | None
	calendar: object | None
	from_date: dt.date
	to_date: dt.date
	engine: SupportCalendar | None = field(default=None, repr=False)

	def __post_init__(self) -> None:
		if self.policy is None and self.calendar is None:
			frappe.throw(
				_("Give a draft SLA Policy or Support Calendar to simulate"), title=_("Nothing to simulate")
			)
		if self.calendar is not None:
			self.engine = engine_calendar(self.calendar)  # built once for the whole replay

	@property
	def scope(self) -> str:
		"""'policy': the tickets of the saved policy the draft edits; 'matching': the tickets the draft's
		applicability matches (a new policy); 'calendar': the tickets on the calendar (a calendar draft)."""
		if self.policy is None:
			return "calendar"
		if self.policy.name and frappe.db.exists("SLA Policy", self.policy.name):
			return "policy"
		return "matching"

	def describe(self) -> str:
		dates = _("{0} to {1}").format(self.from_date, self.to_date)
		if self.scope == "policy":
			return _("Tickets of SLA Policy {0} received {1}").format(self.policy.name, dates)
		if self.scope == "matching":
			return _("Tickets the draft policy applies to, received {0}").format(dates)
		return _("Tickets on Support Calendar {0} received {1}").format(calendar_key(self.calendar), dates)


def _conditions(draft: Draft, ticket):
	start = get_datetime(draft.from_date)
	end = get_datetime(add_days(draft.to_date, 1))
	condition = (ticket.received_at >= start) & (ticket.received_at < end)
	if draft.scope == "policy":
		condition &= ticket.sla_policy == draft.policy.name
	elif draft.scope == "matching":
		for fieldname in APPLICABILITY:
			if draft.policy.get(fieldname):
				condition &= getattr(ticket, fieldname) == draft.policy.get(fieldname)
	else:
		name = calendar_key(draft.calendar)
		on_policy = frappe.get_all("SLA Policy", {"support_calendar": name}, pluck="name") or [""]
		condition &= (ticket.support_calendar == name) | (
			(ticket.support_calendar.isnull() | (ticket.support_calendar == ""))
			& ticket.sla_policy.isin(on_policy)
		)
	return condition


def count(draft: Draft) -> int:
	ticket = frappe.qb.DocType("Support Ticket")
	query = frappe.qb.from_(ticket).select(Count("*")).where(_conditions(draft, ticket))
	return query.run()[0][0]


def _text(column):
	return Cast_(column, "varchar")


def _tickets(draft: Draft) -> list:
	ticket = frappe.qb.DocType("Support Ticket")
	return (
		frappe.qb.from_(ticket)
		.select(
			ticket.name,
			ticket.priority,
			ticket.status,
			# datetimes as text, parsed by fromisoformat: Frappe's own conversion (strptime) would take longer
			# than the engine
			_text(ticket.received_at),
			_text(ticket.first_responded_at),
			_text(ticket.resolved_at),
			ticket.sla_policy,
			ticket.support_calendar,
			ticket.support_team,
		)
		.where(_conditions(draft, ticket))
		.orderby(ticket.received_at)
		.orderby(ticket.name)
		.run()
	)


def _pauses(draft: Draft) -> dict[str, list]:
	"""ticket -> [(paused_from, paused_to, clocks)] for every replayed ticket, in one query."""
	ticket = frappe.qb.DocType("Support Ticket")
	pause = frappe.qb.DocType("Support Ticket Pause")
	rows = (
		frappe.qb.from_(pause)
		.join(ticket)
		.on(pause.parent == ticket.name)
		.select(pause.parent, _text(pause.paused_from), _text(pause.paused_to), pause.clocks)
		.where((pause.parenttype == "Support Ticket") & _conditions(draft, ticket))
		.orderby(pause.parent)
		.orderby(pause.paused_from)
		.run()
	)
	out: dict[str, list] = defaultdict(list)
	for parent, start, end, clocks in rows:
		out[parent].append((start, end, {c.strip() for c in (clocks or "").split(",")}))
	return out


# -- the replay -------------------------------------------------------------------------------------------


@dataclass
class Side:
	"""The figures of one set of rules for one priority and clock."""

	met: int = 0
	breached: int = 0
	pending: int = 0
	minutes: list = field(default_factory=list)
	bases: set = field(default_factory=set)

	def add(self, outcome) -> None:
		if outcome is None:
			return
		_due, state, minutes, basis = outcome
		self.bases.add(basis)
		if state == MET:
			self.met += 1
		elif state == BREACHED:
			self.breached += 1
		else:
			self.pending += 1
		if minutes is not None:
			self.minutes.append(minutes)

	def figures(self) -> dict:
		decided = self.met + self.breached
		values = sorted(self.minutes)
		return {
			"met": self.met,
			"breached": self.breached,
			"pending": self.pending,
			"met_percent": round(100.0 * self.met / decided, 2) if decided else None,
			"median": percentile(values, 50),
			"p90": percentile(values, 90),
			"basis": ", ".join(_(b) for b in sorted(self.bases)),
		}


def outcome(calendar, target, start, stop, pauses, as_of, cancelled=False, measured=None):
	"""(due, state, elapsed minutes or None, basis) of one clock under one set of rules; None when the
	rules set no target for it, or the ticket was cancelled before the clock stopped. Datetimes are aware;
	``measured`` keeps the clock's elapsed minutes per (calendar, basis), so the other side reuses them."""
	if target is None or (stop is None and cancelled):
		return None
	until = stop or as_of
	closed = [(s, e if e is not None else until) for s, e in pauses if e is not None or s < until]
	due_at = due(calendar, start, target, closed)
	if stop is None:
		return due_at, BREACHED if as_of >= due_at else PENDING, None, target.basis.value
	basis = minutes_basis(target)
	key = (id(calendar), basis)
	measured = {} if measured is None else measured
	if key not in measured:
		measured[key] = round(elapsed(calendar, start, stop, basis, closed), 2)
	return due_at, MET if stop <= due_at else BREACHED, measured[key], target.basis.value


class Instants:
	"""Stored (naive, system-zone) stamps as aware UTC instants, read the engine's way (a wall time a DST
	change skips is the instant the clocks jump): converted once per ticket, and cheap for the engine."""

	def __init__(self) -> None:
		self.tz = system_zone()
		self.reader = SupportCalendar.twenty_four_seven("UTC")

	def __call__(self, value: str | dt.datetime | None) -> dt.datetime | None:
		if value is None:
			return None
		if isinstance(value, str):
			value = dt.datetime.fromisoformat(value)
		return UTC_EPOCH + dt.timedelta(microseconds=self.reader.to_us(value, self.tz))


UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def replay(draft: Draft, progress: Callable[[int, int], None] | None = None, as_of=None) -> dict:
	"""Replay the draft's tickets under the current rules and under the draft, and compare."""
	instant = Instants()
	as_of = instant(get_datetime(as_of or now_datetime()))
	rows = _tickets(draft)
	if len(rows) > MAX_TICKETS:
		frappe.throw(
			_(
				"The period holds {0} tickets; a simulation replays at most {1}: choose a shorter period"
			).format(len(rows), MAX_TICKETS),
			title=_("Period too long"),
		)
	pauses = _pauses(draft)

	policies: dict[str, tuple] = {}

	def current_rules(name: str) -> tuple:
		if name not in policies:
			doc = frappe.get_cached_doc("SLA Policy", name)
			policies[name] = (targets_of(doc), doc.support_calendar or "")
		return policies[name]

	draft_targets = targets_of(draft.policy) if draft.policy is not None else None
	draft_policy_calendar = (draft.policy.support_calendar or "") if draft.policy is not None else None
	draft_calendar_name = calendar_key(draft.calendar) if draft.calendar is not None else None

	def draft_calendar(name: str) -> SupportCalendar:
		if draft_calendar_name is not None and name == draft_calendar_name:
			return draft.engine
		return get_calendar(name or None)

	stats: dict[tuple[str, str], dict] = {}
	team_stats: dict[tuple[str, str], dict] = {}
	changes: list[dict] = []
	changed_tickets: set[str] = set()
	worse: set[str] = set()
	better: set[str] = set()
	skipped: list[dict] = []
	total = len(rows)
	step = max(1, total // 20)

	for done, (
		name,
		priority,
		status,
		received,
		responded,
		resolved,
		policy_name,
		ticket_calendar,
		team,
	) in enumerate(rows, 1):
		if progress and done % step == 0:
			progress(done, total)
		try:
			now_targets, now_policy_calendar = current_rules(policy_name)
			now_calendar_name = ticket_calendar or now_policy_calendar
			# a ticket's calendar is its policy's unless it was set apart from it
			overridden = ticket_calendar and ticket_calendar != now_policy_calendar
			if draft_targets is None:
				new_targets, new_calendar_name = now_targets, now_calendar_name
			else:
				new_targets = draft_targets
				new_calendar_name = ticket_calendar if overridden else draft_policy_calendar
			if priority not in now_targets or priority not in new_targets:
				skipped.append({"ticket": name, "reason": _("No targets for priority {0}").format(priority)})
				continue
			now_cal, new_cal = get_calendar(now_calendar_name or None), draft_calendar(new_calendar_name)
			cancelled = status == CANCELLED
			received, responded, resolved = instant(received), instant(responded), instant(resolved)
			ticket_pauses = [(instant(s), instant(e), c) for s, e, c in pauses.get(name, ())]
			for clock, _column, _prefix in CLOCKS:
				stop = responded if clock == RESPONSE else resolved
				clock_pauses = [(s, e) for s, e, clocks in ticket_pauses if clock in clocks]
				now_target, new_target = now_targets[priority][clock], new_targets[priority][clock]
				measured = {}
				before = outcome(
					now_cal, now_target, received, stop, clock_pauses, as_of, cancelled, measured
				)
				if new_cal is now_cal and new_target == now_target:
					after = before  # same rules: the same answer
				else:
					after = outcome(
						new_cal, new_target, received, stop, clock_pauses, as_of, cancelled, measured
					)
				state_before = before[1] if before else None
				state_after = after[1] if after else None
				# the same figures by priority and by team (a ticket without a team is its own group)
				for key, table in (((priority, clock), stats), ((team or "", clock), team_stats)):
					group = table.get(key)
					if group is None:
						group = table[key] = {
							"tickets": 0,
							"current": Side(),
							"draft": Side(),
							"met_to_breached": 0,
							"breached_to_met": 0,
						}
					group["tickets"] += 1
					group["current"].add(before)
					group["draft"].add(after)
					if state_before == MET and state_after == BREACHED:
						group["met_to_breached"] += 1
					elif state_before == BREACHED and state_after == MET:
						group["breached_to_met"] += 1
				if state_before == state_after:
					continue
				if state_before == MET and state_after == BREACHED:
					worse.add(name)
				elif state_before == BREACHED and state_after == MET:
					better.add(name)
				changed_tickets.add(name)
				if len(changes) < MAX_CHANGES:
					changes.append(
						{
							"ticket": name,
							"priority": priority,
							"clock": clock,
							"current_due": str(naive(before[0])) if before else None,
							"current_outcome": state_before,
							"draft_due": str(naive(after[0])) if after else None,
							"draft_outcome": state_after,
						}
					)
		except SLAError as error:
			skipped.append({"ticket": name, "reason": _(error.template).format(**error.params)})
		except frappe.DoesNotExistError:
			frappe.clear_last_message()
			skipped.append({"ticket": name, "reason": _("SLA Policy {0} not found").format(policy_name)})
	if progress:
		progress(total, total)
	result = summarise(draft, total, stats, changes, changed_tickets, worse, better, skipped)
	result["teams"] = _figures(team_stats, "team")
	return result


def _figures(stats: dict, key: str) -> list[dict]:
	"""One row per (``key``, clock): ticket count, changes both ways and each side's figures."""
	rows = []
	for (value, clock), group in sorted(stats.items()):
		row = {
			key: value,
			"clock": clock,
			"tickets": group["tickets"],
			"met_to_breached": group["met_to_breached"],
			"breached_to_met": group["breached_to_met"],
		}
		for side in ("current", "draft"):
			row[side] = group[side].figures()
		rows.append(row)
	return rows


def summarise(draft, total, stats, changes, changed_tickets, worse, better, skipped) -> dict:
	groups = _figures(stats, "priority")
	totals = {"current": [0, 0], "draft": [0, 0]}
	for row in groups:
		for side in ("current", "draft"):
			totals[side][0] += row[side]["met"]
			totals[side][1] += row[side]["breached"]

	def met_percent(met_breached):
		met, breached = met_breached
		return round(100.0 * met / (met + breached), 2) if met + breached else None

	return {
		"scope": draft.describe(),
		"from_date": str(draft.from_date),
		"to_date": str(draft.to_date),
		"tickets": total - len(skipped),
		"groups": groups,
		"current_met_percent": met_percent(totals["current"]),
		"draft_met_percent": met_percent(totals["draft"]),
		"met_to_breached": len(worse),
		"breached_to_met": len(better),
		"changed": len(changed_tickets),
		"changes": changes,
		"skipped": skipped[:100],
		"skipped_count": len(skipped),
	}


# -- simulations: record, run, read -----------------------------------------------------------------------


def _subject(draft: Draft) -> str:
	what = []
	if draft.policy is not None:
		what.append(_("SLA Policy {0}").format(draft.policy.name or draft.policy.policy_name or _("(new)")))
	if draft.calendar is not None:
		what.append(_("Support Calendar {0}").format(calendar_key(draft.calendar) or _("(new)")))
	return _("Draft {0}, {1} to {2}").format(" + ".join(what), draft.from_date, draft.to_date)[:140]


def start(policy=None, calendar=None, from_date=None, to_date=None, now: bool = False) -> dict:
	"""Record a simulation of the drafts over the period and run it: at once when it is small (or ``now``,
	or in tests), else on the long queue after the commit."""
	policy_doc, calendar_doc = load_policy(policy), load_calendar(calendar)
	start_date, end_date = period(from_date, to_date)
	draft = Draft(policy_doc, calendar_doc, start_date, end_date)
	tickets = count(draft)
	if tickets > MAX_TICKETS:
		frappe.throw(
			_(
				"The period holds {0} tickets; a simulation replays at most {1}: choose a shorter period"
			).format(tickets, MAX_TICKETS),
			title=_("Period too long"),
		)
	doc = frappe.get_doc(
		{
			"doctype": "SLA Simulation",
			"subject": _subject(draft),
			"status": "Queued",
			"policy": draft.policy.name if draft.scope == "policy" else None,
			"calendar": calendar_key(calendar_doc)
			if calendar_doc is not None and frappe.db.exists("Support Calendar", calendar_key(calendar_doc))
			else None,
			"from_date": start_date,
			"to_date": end_date,
			"tickets": tickets,
			"draft_policy": _as_json(policy_doc),
			"draft_calendar": _as_json(calendar_doc),
		}
	).insert(ignore_permissions=True)  # the caller checked write permission on the policy or calendar
	if now or frappe.flags.in_test or tickets <= INLINE_TICKETS:
		run(doc.name, draft=draft)
	else:
		frappe.enqueue(
			"ts_sla.services.whatif.run",
			queue="long",
			timeout=3600,
			enqueue_after_commit=True,
			name=doc.name,
			commit=True,
		)
	doc.reload()
	return {
		"simulation": doc.name,
		"status": doc.status,
		"tickets": doc.tickets,
		"route": ["query-report", REPORT, {"simulation": doc.name}],
	}


def _as_json(doc) -> str | None:
	if doc is None:
		return None
	return frappe.as_json(doc.as_dict(convert_dates_to_str=True))


def run(name: str, draft: Draft | None = None, commit: bool = False) -> None:
	"""Replay a recorded simulation and store its result (a failure is stored and logged, not raised)."""
	doc = frappe.get_doc("SLA Simulation", name)
	if draft is None:
		draft = Draft(
			load_policy(doc.draft_policy),
			load_calendar(doc.draft_calendar),
			getdate(doc.from_date),
			getdate(doc.to_date),
		)
	doc.db_set({"status": "Running", "progress": 0}, commit=commit)
	title = _("Simulating {0}").format(doc.name)

	def report(done: int, total: int) -> None:
		percent = round(100 * done / total, 1) if total else 100
		if commit:  # only a background run has a user waiting for its progress
			frappe.publish_progress(
				percent, title=title, description=_("{0} of {1} tickets replayed").format(done, total)
			)

	try:
		result = replay(draft, report)
	except Exception as error:
		if not commit:
			raise
		frappe.db.rollback()
		frappe.log_error(title=_("SLA simulation {0} failed").format(name))
		doc.db_set({"status": "Failed", "error": str(error)[:1000]}, commit=True)  # a job's own record
	else:
		doc.db_set(
			{
				"status": "Completed",
				"progress": 100,
				"tickets": result["tickets"],
				"changed": result["changed"],
				"met_to_breached": result["met_to_breached"],
				"breached_to_met": result["breached_to_met"],
				"result": frappe.as_json(result, indent=None),
			},
			commit=commit,  # a background job commits its own result
		)
	frappe.publish_realtime(
		"ts_sla_simulation", {"simulation": name, "status": doc.status}, user=doc.owner, after_commit=True
	)


def result_of(name: str) -> tuple[object, dict | None]:
	"""The simulation (read permission checked) and its stored result, if it completed."""
	doc = frappe.get_doc("SLA Simulation", name)
	doc.check_permission("read")
	return doc, (json.loads(doc.result) if doc.status == "Completed" and doc.result else None)
