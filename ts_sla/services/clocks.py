"""The Frappe side of the clock engine: calendars and targets from documents, time-zone conversion.

Frappe stores naive datetimes in the system time zone. Everything handed to the engine is made aware in
that zone first, and every instant coming back is turned into a naive system-zone datetime, so a calendar in
another zone (a branch office in Europe/Berlin on a site running in Asia/Shanghai) is handled exactly.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import get_datetime, get_system_timezone

from ts_sla.sla import HORIZON_DAYS, Basis, SLAError, SupportCalendar, Target

UNIT_MINUTES = {"Minutes": 1, "Hours": 60, "Days": 1440}
__all__ = [
	"HORIZON_DAYS",
	"aware",
	"calendar_from_doc",
	"get_calendar",
	"make_target",
	"naive",
	"system_zone",
]


def system_zone() -> ZoneInfo:
	return ZoneInfo(get_system_timezone())


def aware(value: dt.datetime | str | None) -> dt.datetime | None:
	"""A stored (naive, system-zone) datetime as an aware one."""
	if value in (None, ""):
		return None
	value = get_datetime(value)
	return value if value.tzinfo else value.replace(tzinfo=system_zone())


def naive(value: dt.datetime | None) -> dt.datetime | None:
	"""An aware instant as Frappe stores it: naive, in the system zone, whole seconds."""
	if value is None:
		return None
	return value.astimezone(system_zone()).replace(tzinfo=None, microsecond=0)


def engine_error(error: SLAError, title: str | None = None) -> None:
	"""Re-raise an engine error as a translated Frappe validation error."""
	frappe.throw(_(error.template).format(**error.params), frappe.ValidationError, title=title or _("SLA"))


def calendar_from_doc(doc) -> SupportCalendar:
	"""Build the engine's calendar from a Support Calendar document (raises SLAError when invalid)."""
	weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
	weekly: dict[int, list] = {}
	for row in doc.get("working_hours") or []:
		weekly.setdefault(weekdays.index(row.weekday), []).append((row.start_time, row.end_time))
	extra: dict[dt.date, list] = {}
	for row in doc.get("extra_working_days") or []:
		extra.setdefault(get_datetime(row.work_date).date(), []).append((row.start_time, row.end_time))
	holidays = [
		(
			get_datetime(row.holiday_date).date(),
			_time(row.start_time) if row.partial_day else None,
			_time(row.end_time) if row.partial_day else None,
			row.description or "",
		)
		for row in doc.get("holidays") or []
	]
	return SupportCalendar(
		doc.name or doc.calendar_name,
		doc.time_zone or get_system_timezone(),
		weekly,
		holidays,
		extra,
		always_open=bool(doc.always_open),
	)


def _time(value):
	return None if value in (None, "") else value


def get_calendar(name: str | None) -> SupportCalendar:
	"""The engine calendar of a Support Calendar (cached per request); a 24x7 system-zone one when empty."""
	cache = getattr(frappe.local, "ts_sla_calendars", None)
	if cache is None:
		cache = frappe.local.ts_sla_calendars = {}
	key = name or ""
	if key not in cache:
		if not name:
			cache[key] = SupportCalendar.twenty_four_seven(get_system_timezone())
		else:
			try:
				cache[key] = calendar_from_doc(frappe.get_cached_doc("Support Calendar", name))
			except SLAError as error:
				engine_error(error, _("Invalid Support Calendar {0}").format(name))
	return cache[key]


def clear_calendar_cache() -> None:
	if hasattr(frappe.local, "ts_sla_calendars"):
		del frappe.local.ts_sla_calendars


def make_target(amount: float | None, unit: str | None, basis: str | None) -> Target | None:
	"""A Target from a policy row's (amount, unit, basis); None when the amount is empty or zero-less."""
	if amount is None or amount == "":
		return None
	basis = Basis(basis or Basis.CALENDAR.value)
	unit = unit or "Minutes"
	if basis is Basis.WORKING_DAYS:
		if unit != "Days":
			frappe.throw(_("A Working Days target must be given in Days"), title=_("Invalid SLA target"))
		return Target(int(amount), basis)
	if unit == "Days" and basis is Basis.BUSINESS:
		frappe.throw(
			_("Give a Business Hours target in Minutes or Hours, or use the Working Days basis"),
			title=_("Invalid SLA target"),
		)
	return Target(float(amount) * UNIT_MINUTES[unit], basis)
