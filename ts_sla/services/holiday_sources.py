"""Holidays from the source: a year of public holidays and make-up working days loaded into a Support Calendar.

Two sources, each imported lazily (the app installs and runs without them; the form says what is missing):

- ``China Statutory``: the State Council's statutory holidays *and* make-up working days (调休) from PyPI
  ``chinese-calendar``, updated each November when the next year's schedule is published;
- ``Country Public Holidays``: the public holidays of a country or subdivision from PyPI ``holidays``
  (no make-up days).

Every loaded row carries its origin in ``source`` (``chinese-calendar:2023``, ``holidays:DE-BE:2024``).
Loading a source and year replaces only the rows of that source and year: hand-made rows (no source) and
other sources' rows are never touched, and on a date they already cover they win. A loaded date that stays
keeps its row (a make-up day's hours edited by hand survive a reload). Make-up days get the calendar's
normal working hours of a weekday. A library that does not know the year yet says so (``YearNotKnown``)
instead of guessing. ``reload_next_year`` is the December job: it reloads next year for the calendars that
opted in and tells the Support Managers what changed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import cint, get_time, getdate, now_datetime

from ts_sla.services import jobs
from ts_sla.services.states import MANAGER
from ts_sla.services.teams import role_holders

CHINA, COUNTRY = "China Statutory", "Country Public Holidays"
SOURCES = (CHINA, COUNTRY)
#: source -> (module to import, PyPI package)
PACKAGES = {CHINA: ("chinese_calendar", "chinese-calendar"), COUNTRY: ("holidays", "holidays")}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
#: Years a load may ask for (the engine's horizon is five years back; nobody plans further than this ahead).
FIRST_YEAR, LAST_YEAR = 1990, 2100


class SourceMissing(frappe.ValidationError):
	"""The source's Python package is not installed on this site."""


class YearNotKnown(frappe.ValidationError):
	"""The source does not know the holidays of that year (yet)."""


@dataclass(frozen=True)
class Day:
	date: dt.date
	description: str


@dataclass(frozen=True)
class Schedule:
	"""A source's year: its holidays and make-up working days, and the ``source`` its rows are marked with."""

	tag: str
	year: int
	holidays: tuple[Day, ...]
	workdays: tuple[Day, ...] = ()


@dataclass
class Plan:
	"""What a load changes in a calendar: rows added and removed per table, rows kept, dates skipped."""

	tag: str
	year: int
	add_holidays: list[dict] = field(default_factory=list)
	remove_holidays: list[dict] = field(default_factory=list)
	keep_holidays: int = 0
	add_days: list[dict] = field(default_factory=list)
	remove_days: list[dict] = field(default_factory=list)
	keep_days: int = 0
	skipped: list[dict] = field(default_factory=list)

	@property
	def changed(self) -> bool:
		return bool(self.add_holidays or self.remove_holidays or self.add_days or self.remove_days)

	def as_dict(self) -> dict:
		return {
			"source": self.tag,
			"year": self.year,
			"changed": self.changed,
			"holidays": {
				"add": self.add_holidays,
				"remove": self.remove_holidays,
				"keep": self.keep_holidays,
			},
			"extra_working_days": {"add": self.add_days, "remove": self.remove_days, "keep": self.keep_days},
			"skipped": self.skipped,
		}

	def summary(self) -> str:
		return _(
			"Holidays: {0} added, {1} removed, {2} kept. Extra working days: {3} added, {4} removed, {5} kept."
		).format(
			len(self.add_holidays),
			len(self.remove_holidays),
			self.keep_holidays,
			len(self.add_days),
			len(self.remove_days),
			self.keep_days,
		)


# -- the sources ----------------------------------------------------------------------------------------------


def _import(source: str):
	module, package = PACKAGES[source]
	try:
		return importlib.import_module(module)
	except ImportError:
		frappe.throw(
			_(
				"The holiday source {0} needs the Python package {1}, which is not installed on this site. "
				"Ask your administrator to run: bench pip install {1}"
			).format(_(source), package),
			SourceMissing,
			title=_("Holiday source not installed"),
		)


def installed() -> dict[str, bool]:
	"""Which sources' packages this site has."""
	return {source: _findable(module) for source, (module, _package) in PACKAGES.items()}


def _findable(module: str) -> bool:
	try:
		return importlib.util.find_spec(module) is not None
	except (ImportError, ValueError):  # ValueError: blocked in sys.modules
		return False


def _year(year) -> int:
	value = cint(year)
	if not FIRST_YEAR <= value <= LAST_YEAR:
		frappe.throw(
			_("Choose a year from {0} to {1}").format(FIRST_YEAR, LAST_YEAR), title=_("Invalid year")
		)
	return value


def _not_known(source: str, year: int, detail: str = "") -> None:
	frappe.throw(
		_(
			"The holiday source {0} does not know the holidays of {1} yet{2}. Nothing was changed: update the "
			"package {3} when the schedule is published and load again."
		).format(_(source), year, f" ({detail})" if detail else "", PACKAGES[source][1]),
		YearNotKnown,
		title=_("Holidays not known yet"),
	)


def fetch(source: str, year, country: str | None = None, subdivision: str | None = None) -> Schedule:
	"""A source's holidays (and make-up working days) of a year."""
	year = _year(year)
	if source == CHINA:
		return _china(year)
	if source == COUNTRY:
		return _country(year, country, subdivision)
	frappe.throw(
		_("Unknown holiday source {0}: choose one of {1}").format(source, ", ".join(_(s) for s in SOURCES)),
		title=_("Invalid holiday source"),
	)


def _china(year: int) -> Schedule:
	cc = _import(CHINA)
	try:
		cc.is_holiday(dt.date(year, 1, 1))  # the library raises for a year it has no schedule of
	except NotImplementedError as error:
		_not_known(CHINA, year, str(error))
	holidays = tuple(Day(d, _(str(name))) for d, name in sorted(cc.holidays.items()) if d.year == year)
	workdays = tuple(
		Day(d, _("Make-up working day ({0})").format(_(str(name))))
		for d, name in sorted(cc.workdays.items())
		if d.year == year and d.weekday() >= 5
	)
	return Schedule(f"chinese-calendar:{year}", year, holidays, workdays)


def countries() -> dict[str, list[str]]:
	"""Country code -> subdivision codes the ``holidays`` package knows ({} when it is not installed)."""
	if not installed()[COUNTRY]:
		return {}
	return {
		code: list(subdivisions) for code, subdivisions in _import(COUNTRY).list_supported_countries().items()
	}


def country_labels(lang: str | None = None) -> dict[str, str]:
	"""Country code -> "Germany (DE)" / "德国 (DE)": the name in the reader's language (the CLDR names Babel,
	a Frappe dependency, carries), for the codes the ``holidays`` package knows; an unknown code is itself."""
	import babel

	codes = countries()
	if not codes:
		return {}
	try:
		names = babel.Locale.parse((lang or frappe.local.lang or "en").replace("-", "_")).territories
	except (ValueError, babel.UnknownLocaleError):
		names = babel.Locale("en").territories
	return {code: f"{names[code]} ({code})" if code in names else code for code in codes}


def _country(year: int, country: str | None, subdivision: str | None) -> Schedule:
	lib = _import(COUNTRY)
	country = (country or "").strip().upper()
	if not country:
		frappe.throw(_("Choose the country whose public holidays to load"), title=_("Country required"))
	supported = lib.list_supported_countries()
	if country not in supported:
		frappe.throw(
			_("The holidays package knows no country {0} (use its ISO code, e.g. DE)").format(country),
			title=_("Unknown country"),
		)
	subdivision = (subdivision or "").strip() or None
	if subdivision:
		known = {s.upper(): s for s in supported[country]}
		if subdivision.upper() not in known:
			frappe.throw(
				_("Country {0} has no subdivision {1}; known: {2}").format(
					country, subdivision, ", ".join(supported[country])
				),
				title=_("Unknown subdivision"),
			)
		subdivision = known[subdivision.upper()]
	entity = lib.country_holidays(country, subdiv=subdivision, years=year)
	start, end = getattr(entity, "start_year", None), getattr(entity, "end_year", None)
	if (start and year < start) or (end and year > end) or not entity:
		_not_known(COUNTRY, year, f"{country}{'-' + subdivision if subdivision else ''}")
	holidays = tuple(Day(d, str(name)) for d, name in sorted(entity.items()) if d.year == year)
	area = f"{country}-{subdivision}" if subdivision else country
	return Schedule(f"holidays:{area}:{year}", year, holidays)


# -- planning and applying a load -------------------------------------------------------------------------------


def weekday_hours(calendar) -> list[tuple[str, str]]:
	"""The calendar's normal working hours of a weekday (the first of Monday-Friday that has any)."""
	for day in WEEKDAYS:
		ranges = sorted(
			(_time(r.start_time), _time(r.end_time))
			for r in calendar.get("working_hours") or []
			if r.weekday == day
		)
		if ranges:
			return ranges
	return []


def _time(value) -> str:
	return get_time(value).strftime("%H:%M:%S")


def plan_load(calendar, schedule: Schedule) -> Plan:
	"""What loading ``schedule`` changes in ``calendar`` (a Support Calendar document), without changing it."""
	plan = Plan(schedule.tag, schedule.year)
	tag = schedule.tag
	# dates that hand-made rows and other sources' rows already cover: they win
	taken = {
		getdate(r.holiday_date): r.description or _("Holiday") for r in calendar.holidays if r.source != tag
	} | {
		getdate(r.work_date): r.description or _("Extra working day")
		for r in calendar.extra_working_days
		if r.source != tag
	}
	hours = [] if cint(calendar.always_open) else weekday_hours(calendar)

	def wanted(days, what: str) -> dict:
		out = {}
		for day in days:
			if day.date in taken:
				plan.skipped.append(
					{
						"date": str(day.date),
						"description": day.description,
						"reason": _("{0} is already in the calendar ({1})").format(day.date, taken[day.date]),
					}
				)
			elif what == "day" and not hours:
				plan.skipped.append(
					{
						"date": str(day.date),
						"description": day.description,
						"reason": _("a 24×7 calendar works every day")
						if cint(calendar.always_open)
						else _("the calendar has no weekday working hours to give it"),
					}
				)
			else:
				out[day.date] = day
		return out

	holidays, workdays = wanted(schedule.holidays, "holiday"), wanted(schedule.workdays, "day")
	own_holidays = {getdate(r.holiday_date): r for r in calendar.holidays if r.source == tag}
	own_days = {getdate(r.work_date): r for r in calendar.extra_working_days if r.source == tag}
	for date, row in sorted(own_holidays.items()):
		if date not in holidays:
			plan.remove_holidays.append({"date": str(date), "description": row.description or ""})
	for date, day in sorted(holidays.items()):
		if date in own_holidays:
			plan.keep_holidays += 1
		else:
			plan.add_holidays.append({"date": str(date), "description": day.description})
	for date, row in sorted(own_days.items()):
		if date not in workdays:
			plan.remove_days.append(
				{
					"date": str(date),
					"description": row.description or "",
					"start_time": _time(row.start_time),
					"end_time": _time(row.end_time),
				}
			)
	for date, day in sorted(workdays.items()):
		if date in own_days:
			plan.keep_days += 1
			continue
		for start, end in hours:
			plan.add_days.append(
				{"date": str(date), "description": day.description, "start_time": start, "end_time": end}
			)
	return plan


def apply_plan(calendar, plan: Plan) -> None:
	"""Change the calendar document as planned (no save); both tables end sorted by date."""
	removed_holidays = {r["date"] for r in plan.remove_holidays}
	removed_days = {r["date"] for r in plan.remove_days}
	holidays = [
		r
		for r in calendar.holidays
		if not (r.source == plan.tag and str(getdate(r.holiday_date)) in removed_holidays)
	]
	days = [
		r
		for r in calendar.extra_working_days
		if not (r.source == plan.tag and str(getdate(r.work_date)) in removed_days)
	]
	calendar.set("holidays", holidays)
	calendar.set("extra_working_days", days)
	for row in plan.add_holidays:
		calendar.append(
			"holidays", {"holiday_date": row["date"], "description": row["description"], "source": plan.tag}
		)
	for row in plan.add_days:
		calendar.append(
			"extra_working_days",
			{
				"work_date": row["date"],
				"start_time": row["start_time"],
				"end_time": row["end_time"],
				"description": row["description"],
				"source": plan.tag,
			},
		)
	for table, date_field in (("holidays", "holiday_date"), ("extra_working_days", "work_date")):
		rows = sorted(calendar.get(table), key=lambda r: getdate(r.get(date_field)))
		for idx, row in enumerate(rows, start=1):
			row.idx = idx
		calendar.set(table, rows)


def preview(calendar: str, source: str, year, country: str | None = None, subdivision: str | None = None):
	"""What loading a source's year into a calendar would add, remove and keep (nothing is saved)."""
	doc = frappe.get_doc("Support Calendar", calendar)
	return plan_load(doc, fetch(source, year, country, subdivision)).as_dict()


def load(
	calendar: str, source: str, year, country: str | None = None, subdivision: str | None = None
) -> dict:
	"""Load a source's year into a calendar and save it (the calendar's save repairs the open tickets whose
	deadlines move). Returns the plan that was applied."""
	return load_schedule(calendar, fetch(source, year, country, subdivision))


def load_schedule(calendar: str, schedule: Schedule) -> dict:
	doc = frappe.get_doc("Support Calendar", calendar)
	plan = plan_load(doc, schedule)
	if plan.changed:
		apply_plan(doc, plan)
		doc.flags.ts_reason = _("holidays of {0} loaded from {1}").format(plan.year, plan.tag)
		doc.save()
	return {**plan.as_dict(), "message": plan.summary()}


# -- the yearly job ---------------------------------------------------------------------------------------------


def reload_next_year(year: int | None = None, calendars: list[str] | None = None, commit: bool = True):
	"""Scheduler entry (December) and on demand: reload next year (or ``year``) into every calendar that
	opted in (``auto_load_holidays``), each in its own transaction, and tell the Support Managers per
	calendar what changed, or that the source does not know the year yet. Returns {calendar: message}."""
	year = year or now_datetime().year + 1
	commit = commit and not frappe.flags.in_test
	filters = {"auto_load_holidays": 1}
	if calendars is not None:
		filters["name"] = ("in", calendars or [""])
	results = {}
	for cal in frappe.get_all(
		"Support Calendar",
		filters=filters,
		fields=["name", "holiday_source", "holiday_country", "holiday_subdivision"],
		order_by="name asc",
	):
		try:  # before anything is written: a source that is missing or does not know the year
			schedule = fetch(cal.holiday_source, year, cal.holiday_country, cal.holiday_subdivision)
		except frappe.ValidationError as error:
			frappe.clear_last_message()
			schedule, result = None, {"error": str(error)}
		if schedule:
			result = jobs.isolated(
				lambda cal=cal, schedule=schedule: load_schedule(cal.name, schedule),
				commit,
				_("Yearly holiday load failed for {0}").format(cal.name),
			) or {"error": _("the load failed; see the Error Log")}
		message = (
			_("Holidays of {0} for Support Calendar {1} not loaded: {2}").format(
				year, cal.name, result["error"]
			)
			if result.get("error")
			else _("Holidays of {0} loaded into Support Calendar {1} from {2}: {3}").format(
				year, cal.name, result["source"], result["message"]
			)
		)
		results[cal.name] = message
		tell_managers(cal.name, message)
		if commit:
			frappe.db.commit()  # nosemgrep: the managers' bell for a calendar whose load is already kept
	return results


def tell_managers(calendar: str, message: str) -> None:
	"""A bell (Notification Log, through Frappe's notification API) for every enabled Support Manager."""
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification

	users = [
		u
		for u in role_holders(MANAGER)
		if u not in ("Administrator", "Guest") and frappe.db.get_value("User", u, "enabled")
	]
	if users:
		enqueue_create_notification(
			users,
			{
				"type": "Alert",
				"document_type": "Support Calendar",
				"document_name": calendar,
				"subject": message,
				"email_content": message,
			},
		)


# -- an ERPNext Holiday List ---------------------------------------------------------------------------------

#: The ``source`` of the rows a calendar takes from an ERPNext/HRMS Holiday List: "Holiday List:<name>".
HOLIDAY_LIST_PREFIX = "Holiday List:"


def holiday_list_tag(holiday_list: str) -> str:
	return f"{HOLIDAY_LIST_PREFIX}{holiday_list}"


def holiday_list_schedule(holiday_list: str) -> Schedule:
	"""A Holiday List's holidays as a source. Its weekly offs (rows flagged ``weekly_off``: the Sundays and
	Saturdays ERPNext fills in) are left out: the calendar's working hours already say which days are worked,
	and a weekly off there would close a day the calendar works. A Holiday List has no make-up working days."""
	filters = {"parenttype": "Holiday List", "parent": holiday_list}
	if frappe.db.has_column("Holiday", "weekly_off"):
		filters["weekly_off"] = 0
	rows = frappe.get_all(
		"Holiday", filters=filters, fields=["holiday_date", "description"], order_by="holiday_date asc"
	)
	from_date = frappe.db.get_value("Holiday List", holiday_list, "from_date")
	days = {}
	for row in rows:
		text = frappe.utils.strip_html(row.description or "").strip()
		days.setdefault(getdate(row.holiday_date), Day(getdate(row.holiday_date), text[:140] or _("Holiday")))
	year = getdate(from_date).year if from_date else now_datetime().year
	return Schedule(holiday_list_tag(holiday_list), year, tuple(days[d] for d in sorted(days)))


def follow_holiday_list(calendar) -> Plan | None:
	"""Keep a Support Calendar's holiday rows in step with the Holiday List it links (no save): rows of that
	list are added and removed as the list has them, rows of a list it no longer links go. Hand-made rows and
	other sources' rows win on their dates; make-up working days are never touched."""
	if not calendar.meta.has_field("holiday_list"):
		return None
	name = calendar.get("holiday_list")
	tag = holiday_list_tag(name) if name else None
	stale = [
		r for r in calendar.holidays if (r.source or "").startswith(HOLIDAY_LIST_PREFIX) and r.source != tag
	]
	if stale:
		calendar.set("holidays", [r for r in calendar.holidays if r not in stale])
		for idx, row in enumerate(calendar.holidays, start=1):
			row.idx = idx
	if not name:
		return None
	plan = plan_load(calendar, holiday_list_schedule(name))
	if plan.changed:
		apply_plan(calendar, plan)
	return plan


def on_holiday_list_update(doc, method=None) -> None:
	"""hooks doc_events "Holiday List" on_update: every Support Calendar that links the list takes its changes
	(the calendar's save repairs the open tickets whose deadlines move, with a timeline note)."""
	if not frappe.get_meta("Support Calendar").has_field("holiday_list"):
		return
	for name in frappe.get_all("Support Calendar", filters={"holiday_list": doc.name}, pluck="name"):
		calendar = frappe.get_doc("Support Calendar", name)
		plan = plan_load(calendar, holiday_list_schedule(doc.name))
		if not plan.changed:
			continue
		calendar.flags.ts_reason = _("kept in step with Holiday List {0}: {1}").format(
			doc.name, plan.summary()
		)
		calendar.save(ignore_permissions=True)  # the list's editor keeps the calendars that follow it
