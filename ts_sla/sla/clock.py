"""Clock arithmetic on the three bases of an SLA target.

- ``Calendar``: wall-clock minutes, 24x7 (real minutes, so a DST night is an hour shorter or longer).
- ``Business Hours``: minutes inside the calendar's working time.
- ``Working Days``: whole working days of the calendar. The start is first rolled forward to the next
  working moment; the due instant is the same wall-clock time of day ``n`` working days later, rolled
  forward to the next working moment if that time is not working time.

Pauses (``[(start, end), ...]``) do not count on the clock's own basis: on a business-hours clock a pause
over a weekend costs nothing; on a working-days clock the paused business time is added on the business
basis after the nominal due instant. Every function takes datetimes (naive ones are wall-clock times in the
calendar's zone) and returns aware datetimes in the calendar's zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .calendar import HORIZON_DAYS, US, Interval, SupportCalendar, check_horizon, subtract
from .errors import HorizonExceeded, InvalidInput

MINUTE_US = 60 * US

Pause = tuple[dt.datetime, "dt.datetime | None"]


class Basis(str, Enum):
	"""How an SLA target's amount is counted."""

	CALENDAR = "Calendar"
	BUSINESS = "Business Hours"
	WORKING_DAYS = "Working Days"


@dataclass(frozen=True)
class Target:
	"""An SLA target: ``amount`` minutes (Calendar, Business Hours) or whole working days (Working Days)."""

	amount: float
	basis: Basis = Basis.CALENDAR

	def __post_init__(self) -> None:
		object.__setattr__(self, "basis", Basis(self.basis))
		if isinstance(self.amount, bool) or not isinstance(self.amount, int | float) or self.amount < 0:
			raise InvalidInput(
				"An SLA target must be a non-negative number, not {amount}", amount=self.amount
			)
		if self.basis is Basis.WORKING_DAYS and self.amount != int(self.amount):
			raise InvalidInput(
				"A working-days target must be a whole number of days, not {amount}", amount=self.amount
			)

	@property
	def micros(self) -> int:
		"""The amount in microseconds (Calendar and Business Hours)."""
		return round(self.amount * MINUTE_US)


def pauses_to_us(
	calendar: SupportCalendar, pauses: Sequence[Pause], until: int | None = None
) -> tuple[Interval, ...]:
	"""Sorted, merged pause intervals in microseconds. An open pause (end ``None``) ends at ``until``."""
	intervals = []
	for start, end in pauses:
		s = calendar.to_us(start)
		if end is None:
			if until is None:
				raise InvalidInput("A pause that has not ended needs the current time to be evaluated")
			e = max(s, until)
		else:
			e = calendar.to_us(end)
		if e < s:
			raise InvalidInput("A pause cannot end ({end}) before it starts ({start})", start=start, end=end)
		if e > s:
			intervals.append((s, e))
	intervals.sort()
	merged: list[Interval] = []
	for s, e in intervals:
		if merged and s <= merged[-1][1]:
			merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
		else:
			merged.append((s, e))
	return tuple(merged)


# -- microsecond-level core (used by state.py and the Frappe side's batch work) ------------------------


def wall_add(start: int, amount: int, pauses: Sequence[Interval] = ()) -> int:
	"""``start`` plus ``amount`` microseconds of wall-clock time that is not paused."""
	cursor, remaining = start, amount
	for ps, pe in pauses:
		if pe <= cursor:
			continue
		if cursor + remaining <= ps:
			break
		remaining -= ps - cursor if ps > cursor else 0
		cursor = max(cursor, pe)
	return check_horizon(start, cursor + remaining)


def wall_between(start: int, end: int, pauses: Sequence[Interval] = ()) -> int:
	"""Wall-clock microseconds in ``[start, end)`` that are not paused."""
	if end <= start:
		return 0
	return sum(e - s for s, e in subtract(start, end, pauses))


def working_days_add(
	calendar: SupportCalendar, start: int, days: int, pauses: Sequence[Interval] = ()
) -> int:
	"""The due instant ``days`` working days after ``start`` (see the module docstring)."""
	first = calendar.next_working(start)
	ordinal, time_of_day = calendar.local_parts(first)
	limit = ordinal + HORIZON_DAYS
	for _ in range(int(days)):
		ordinal += 1
		while not calendar.is_working_day(ordinal):
			ordinal += 1
			if ordinal > limit:
				raise HorizonExceeded(
					"The deadline lies more than 5 years after {start}", start=calendar.from_us(start)
				)
	due = calendar.next_working(calendar.local_to_us(ordinal, time_of_day))
	if pauses:
		paused = calendar.between(start, due) - calendar.between(start, due, pauses)
		due = calendar.add(due, paused, pauses) if paused else due
	return check_horizon(start, due)


def due_us(calendar: SupportCalendar, start: int, target: Target, pauses: Sequence[Interval] = ()) -> int:
	"""The due instant, in microseconds, of a clock started at ``start``."""
	if target.basis is Basis.WORKING_DAYS:
		return working_days_add(calendar, start, int(target.amount), pauses)
	if target.basis is Basis.BUSINESS and not calendar.is_24x7:
		return calendar.add(start, target.micros, pauses)
	return wall_add(start, target.micros, pauses)


def measure_us(
	calendar: SupportCalendar, basis: Basis, start: int, end: int, pauses: Sequence[Interval] = ()
) -> int:
	"""Microseconds that count on the basis in ``[start, end)``: wall time for Calendar, working time else."""
	if basis is Basis.CALENDAR or calendar.is_24x7:
		return wall_between(start, end, pauses)
	return calendar.between(start, end, pauses)


def advance_us(
	calendar: SupportCalendar, basis: Basis, start: int, amount: int, pauses: Sequence[Interval] = ()
) -> int:
	"""The instant at which ``amount`` microseconds have counted on the basis after ``start``."""
	if basis is Basis.CALENDAR or calendar.is_24x7:
		return wall_add(start, amount, pauses)
	return calendar.add(start, amount, pauses)


# -- datetime-level public API ------------------------------------------------------------------------


def due(
	calendar: SupportCalendar, start: dt.datetime, target: Target, pauses: Sequence[Pause] = ()
) -> dt.datetime:
	"""The due instant of a clock started at ``start``, with its (ended) pauses not counted.

	>>> cal = SupportCalendar("Office", "Asia/Shanghai", {d: [("09:00", "18:00")] for d in range(5)})
	>>> due(cal, dt.datetime(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS)).isoformat()
	'2023-11-01T16:00:00+08:00'
	"""
	start_us = calendar.to_us(start)
	return calendar.from_us(due_us(calendar, start_us, target, pauses_to_us(calendar, pauses)))


def elapsed(
	calendar: SupportCalendar,
	start: dt.datetime,
	end: dt.datetime,
	basis: Basis,
	pauses: Sequence[Pause] = (),
) -> float:
	"""How much of a clock has run between two instants, in the basis' unit.

	Minutes for Calendar and Business Hours; for Working Days, the number of whole working days ``n`` such
	that ``due(start, n) <= end``.
	"""
	basis = Basis(basis)
	start_us, end_us = calendar.to_us(start), calendar.to_us(end)
	intervals = pauses_to_us(calendar, pauses)
	if basis is Basis.WORKING_DAYS:
		days = 0
		while days <= HORIZON_DAYS and working_days_add(calendar, start_us, days + 1, intervals) <= end_us:
			days += 1
		return days
	return measure_us(calendar, basis, start_us, end_us, intervals) / MINUTE_US


def next_working_moment(calendar: SupportCalendar, at: dt.datetime) -> dt.datetime:
	"""The first working instant at or after ``at``."""
	return calendar.from_us(calendar.next_working(calendar.to_us(at)))


def threshold(
	calendar: SupportCalendar,
	start: dt.datetime,
	target: Target,
	percent: float,
	pauses: Sequence[Pause] = (),
) -> dt.datetime:
	"""The instant at which ``percent`` % of the clock has run (100 % is the due instant; 150 % is allowed)."""
	start_us = calendar.to_us(start)
	intervals = pauses_to_us(calendar, pauses)
	return calendar.from_us(threshold_us(calendar, start_us, target, percent, intervals))


def threshold_us(
	calendar: SupportCalendar,
	start: int,
	target: Target,
	percent: float,
	pauses: Sequence[Interval] = (),
	due_at: int | None = None,
) -> int:
	if percent < 0:
		raise InvalidInput("A threshold percentage cannot be negative, not {percent}", percent=percent)
	due_at = due_us(calendar, start, target, pauses) if due_at is None else due_at
	if percent == 100:
		return due_at
	basis = Basis.BUSINESS if target.basis is Basis.WORKING_DAYS else target.basis
	total = measure_us(calendar, basis, start, due_at, pauses)
	return advance_us(calendar, basis, start, round(total * percent / 100), pauses)
