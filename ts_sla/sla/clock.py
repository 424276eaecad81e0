"""Clock arithmetic on the three bases of an SLA target.

- ``Calendar``: wall-clock minutes, 24x7 (real minutes, so a DST night is an hour shorter or longer).
- ``Business Hours``: minutes inside the calendar's working time.
- ``Working Days``: whole working days of the calendar. The start is first rolled forward to the next
  working moment; the nominal due is the same wall-clock time of day ``n`` working days later, rolled
  forward to the next working moment if that time is not working time.

On every basis the due instant is the earliest instant at which the target has elapsed. For working days
this matters when the nominal due is an opening after a non-working gap: the due is then the close before
the gap, which has the same working time elapsed (Sat 10:00 + 3 working days on a Mon-Fri 09:00-18:00
calendar: counted from Mon 09:00, nominally Thu 09:00, due Wed 18:00). ``n = 0`` is due at the start.

Pauses (``[(start, end), ...]``) do not count on the clock's own basis: on a business-hours clock a pause
over a weekend costs nothing; on a working-days clock the paused business time is added on the business
basis after the (earliest) nominal due instant. Every function takes datetimes and returns aware datetimes
in the calendar's zone; naive datetimes are wall-clock times in the zone given as ``tz`` (default: the
calendar's zone).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .calendar import HORIZON_DAYS, HORIZON_US, US, Interval, SupportCalendar, check_horizon, subtract
from .errors import HorizonExceeded, InvalidInput

MINUTE_US = 60 * US
#: Minutes beyond which any target lies past the horizon on every basis (business time never runs faster
#: than wall-clock time, and a working day is at least a calendar day).
_BEYOND_HORIZON_MINUTES = (HORIZON_DAYS + 2) * 1440

Pause = tuple[dt.datetime, "dt.datetime | None"]
Zone = str | dt.tzinfo | None


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
		try:
			object.__setattr__(self, "basis", Basis(self.basis))
		except ValueError:
			raise InvalidInput(
				"Unknown SLA basis {basis}: use Calendar, Business Hours or Working Days", basis=self.basis
			) from None
		amount = self.amount
		if (
			isinstance(amount, bool)
			or not isinstance(amount, int | float)
			or amount < 0
			or (isinstance(amount, float) and not math.isfinite(amount))
		):
			raise InvalidInput("An SLA target must be a non-negative number, not {amount}", amount=amount)
		if self.basis is Basis.WORKING_DAYS and amount != int(amount):
			raise InvalidInput(
				"A working-days target must be a whole number of days, not {amount}", amount=amount
			)

	@property
	def micros(self) -> int:
		"""The amount in microseconds (Calendar and Business Hours); amounts beyond the horizon are capped
		(they raise :class:`HorizonExceeded` all the same)."""
		return round(min(self.amount, _BEYOND_HORIZON_MINUTES) * MINUTE_US)


def pauses_to_us(
	calendar: SupportCalendar, pauses: Sequence[Pause], until: int | None = None, *, tz: Zone = None
) -> tuple[Interval, ...]:
	"""Sorted, merged pause intervals in microseconds. An open pause (end ``None``) ends at ``until``.

	Naive datetimes are wall-clock times in ``tz`` (default: the calendar's zone); a pause whose ends fall
	into an hour a DST change skips is read with :meth:`SupportCalendar.to_us` (possibly empty, never
	ending before it starts).
	"""
	intervals = []
	for pause in pauses:
		try:
			start, end = pause
		except (TypeError, ValueError):
			raise InvalidInput("A pause must be a (start, end) pair, not {pause}", pause=pause) from None
		s = calendar.to_us(start, tz)
		if end is None:
			if until is None:
				raise InvalidInput("A pause that has not ended needs the current time to be evaluated")
			e = max(s, until)
		else:
			e = calendar.to_us(end, tz)
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
	"""``start`` plus ``amount`` microseconds of wall-clock time that is not paused (the earliest such
	instant: a zero amount is due at ``start`` even inside a pause, as on the other bases)."""
	if amount <= 0:
		return start
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
	if days <= 0:
		return start
	first = calendar.next_working(start)
	ordinal, time_of_day = calendar.local_parts(first)
	limit = ordinal + HORIZON_DAYS
	for _ in range(min(int(days), HORIZON_DAYS + 1)):  # each working day is at least a date further
		ordinal += 1
		while ordinal <= limit and not calendar.is_working_day(ordinal):
			ordinal += 1
		if ordinal > limit:
			raise HorizonExceeded(
				"The deadline lies more than 5 years after {start}", start=calendar.from_us(start)
			)
	nominal = calendar.local_to_us(ordinal, time_of_day)
	opens, _closes = calendar.next_interval(nominal)
	# Inside working time the nominal instant is the due; at an opening (the nominal time was not working
	# time, or was exactly a range's start) the same working time had elapsed at the close before the gap.
	due = nominal if opens < nominal else calendar.settle_back(opens, first)
	if pauses:
		paused = calendar.between(start, due) - calendar.between(start, due, pauses)
		due = calendar.add(due, paused, pauses) if paused else due
	return check_horizon(start, due)


def working_days_between(
	calendar: SupportCalendar, start: int, end: int, pauses: Sequence[Interval] = ()
) -> int:
	"""The number of whole working days elapsed from ``start`` at ``end``: the largest ``n`` whose due
	instant is at or before ``end`` (due instants never decrease with ``n``)."""
	if end <= start:
		return 0
	if end - start > HORIZON_US:
		raise HorizonExceeded(
			"Working days are counted up to 5 years after {start}", start=calendar.from_us(start)
		)

	def reached(days: int) -> bool:
		try:
			return working_days_add(calendar, start, days, pauses) <= end
		except HorizonExceeded:
			return False

	low, high = 0, 1  # reached(low) holds; find a high for which it does not
	while reached(high):
		low, high = high, high * 2
	while high - low > 1:
		middle = (low + high) // 2
		if reached(middle):
			low = middle
		else:
			high = middle
	return low


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
	calendar: SupportCalendar,
	start: dt.datetime,
	target: Target,
	pauses: Sequence[Pause] = (),
	*,
	tz: Zone = None,
) -> dt.datetime:
	"""The due instant of a clock started at ``start``, with its (ended) pauses not counted.

	:param tz: the zone of naive ``start`` and pause datetimes (a name or a tzinfo; default: the calendar's).

	>>> cal = SupportCalendar("Office", "Asia/Shanghai", {d: [("09:00", "18:00")] for d in range(5)})
	>>> due(cal, dt.datetime(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS)).isoformat()
	'2023-11-01T16:00:00+08:00'
	"""
	start_us = calendar.to_us(start, tz)
	return calendar.from_us(due_us(calendar, start_us, target, pauses_to_us(calendar, pauses, tz=tz)))


def elapsed(
	calendar: SupportCalendar,
	start: dt.datetime,
	end: dt.datetime,
	basis: Basis,
	pauses: Sequence[Pause] = (),
	*,
	tz: Zone = None,
) -> float:
	"""How much of a clock has run between two instants, in the basis' unit.

	Minutes for Calendar and Business Hours; for Working Days, the number of whole working days ``n`` such
	that ``due(start, n) <= end``. ``tz``: the zone of naive datetimes (default: the calendar's).
	"""
	try:
		basis = Basis(basis)
	except ValueError:
		raise InvalidInput(
			"Unknown SLA basis {basis}: use Calendar, Business Hours or Working Days", basis=basis
		) from None
	start_us, end_us = calendar.to_us(start, tz), calendar.to_us(end, tz)
	intervals = pauses_to_us(calendar, pauses, tz=tz)
	if basis is Basis.WORKING_DAYS:
		return working_days_between(calendar, start_us, end_us, intervals)
	return measure_us(calendar, basis, start_us, end_us, intervals) / MINUTE_US


def next_working_moment(calendar: SupportCalendar, at: dt.datetime, *, tz: Zone = None) -> dt.datetime:
	"""The first working instant at or after ``at`` (``tz``: the zone of a naive ``at``)."""
	return calendar.from_us(calendar.next_working(calendar.to_us(at, tz)))


def threshold(
	calendar: SupportCalendar,
	start: dt.datetime,
	target: Target,
	percent: float,
	pauses: Sequence[Pause] = (),
	*,
	tz: Zone = None,
) -> dt.datetime:
	"""The instant at which ``percent`` % of the clock has run (100 % is the due instant; 150 % is allowed).

	``tz``: the zone of naive datetimes (default: the calendar's).
	"""
	start_us = calendar.to_us(start, tz)
	intervals = pauses_to_us(calendar, pauses, tz=tz)
	return calendar.from_us(threshold_us(calendar, start_us, target, percent, intervals))


def check_percent(percent: object) -> float:
	"""A finite, non-negative threshold percentage."""
	if isinstance(percent, bool) or not isinstance(percent, int | float) or not math.isfinite(percent):
		raise InvalidInput("A threshold percentage must be a finite number, not {percent}", percent=percent)
	if percent < 0:
		raise InvalidInput("A threshold percentage cannot be negative, not {percent}", percent=percent)
	return percent


def threshold_us(
	calendar: SupportCalendar,
	start: int,
	target: Target,
	percent: float,
	pauses: Sequence[Interval] = (),
	due_at: int | None = None,
) -> int:
	check_percent(percent)
	due_at = due_us(calendar, start, target, pauses) if due_at is None else due_at
	if percent == 100:
		return due_at
	basis = Basis.BUSINESS if target.basis is Basis.WORKING_DAYS else target.basis
	total = measure_us(calendar, basis, start, due_at, pauses)
	# An amount beyond the horizon raises HorizonExceeded; capping it keeps round() finite.
	amount = min(total * percent / 100, HORIZON_US + 1)
	return advance_us(calendar, basis, start, round(amount), pauses)
