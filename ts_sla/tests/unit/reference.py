"""A slow, obviously right model of SLA clocks that steps through real time minute by minute.

It exists to check the clock engine (``ts_sla.sla``) in differential tests, so it is written apart from it
and imports nothing from it: only ``datetime`` and ``zoneinfo``. Everything is whole minutes: range bounds,
holidays and inputs are whole wall-clock minutes and the zones used shift on whole minutes, so stepping
through UTC minutes is exact.

The model, in words:

- Real time is a sequence of UTC minutes. Each minute shows a wall-clock reading in a zone (its local date
  and minute of the day), read off ``datetime.fromtimestamp``.
- *Where a wall-clock time falls*: the earliest minute at which the zone's wall clock shows that time or a
  later one. A wall time the clocks skip (spring forward) thus falls on the jump; one that occurs twice (fall
  back) on its first occurrence. The same reading places naive datetimes given as inputs.
- *A date's schedule*: its extra-working-day ranges if it is a make-up day; else none if it is a whole-day
  holiday; else its weekday's ranges (``00:00-24:00`` every day for a 24x7 calendar). A range
  ``start-end`` with ``end <= start`` crosses midnight and ends on the next date; it still belongs to the date
  it starts on.
- *Working minutes*: a UTC minute is working if the wall clock then shows a time that a date's schedule
  covers - its own local date's ranges, or a midnight-crossing range of the previous date (its reading on
  the next date, before the range's end) - and that no partial holiday cuts. Each real minute is judged by
  its own reading, so minutes count by real time: a skipped (spring-forward) hour is never worked, and a
  repeated (fall-back) wall time inside a range is worked on both of its passes, wherever the range starts
  or ends.
- *Holidays*: a whole-day holiday on date D voids D's own schedule and nothing else (the night shift that
  began on D-1 and runs past midnight into D is still worked). A partial holiday ``[s, e)`` on D cuts every
  minute whose reading is D's ``s`` or later and before D's ``e`` - whichever date's range covers it, so a
  partial holiday 02:00-04:00 on Tuesday cuts Monday's 22:00-06:00 shift.
- A *working day* is a make-up day, or a date whose weekday has ranges and that is not a whole-day holiday.

Clock dues, from a start minute ``S`` and pauses (minutes that do not count):

- Calendar: the earliest minute boundary by which ``n`` unpaused minutes have passed since ``S``.
- Business hours: the same, counting working minutes that are not paused.
- Working days: roll ``S`` forward to the first working minute ``F``; take ``F``'s wall date and time of day;
  step ``n`` working days forward from that date; find where that date's same wall time falls and roll forward
  to the next working minute (the nominal due); then step back over non-working minutes, so the due is the
  earliest instant with the same working time elapsed (an opening after a gap becomes the close before it).
  Working minutes in ``[S, due)`` that were paused are then added after it as business minutes that are not
  paused (again the earliest such boundary). ``n = 0`` is due at ``S``.

The model covers a window of UTC minutes; an answer that needs minutes outside it raises :class:`Outside`.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 1440
UTC = dt.timezone.utc


class Outside(Exception):
	"""The answer depends on minutes outside the modelled window."""


def hhmm(text: str) -> int:
	"""Minutes since midnight of ``"HH:MM"`` (``"24:00"`` is 1440)."""
	hours, minutes = text.split(":")
	return int(hours) * 60 + int(minutes)


def minute_of(instant: dt.datetime) -> int:
	"""The UTC minute (minutes since the epoch) of an aware datetime that lies on a whole minute."""
	seconds = instant.timestamp()
	assert seconds % 60 == 0, instant
	return int(seconds) // 60


class Walls:
	"""The wall-clock reading, in one zone, of every UTC minute in ``[low, high)``."""

	def __init__(self, zone: str, low: int, high: int) -> None:
		tz = ZoneInfo(zone)
		self.low, self.high = low, high
		self.readings = array("q")
		for minute in range(low, high):
			local = dt.datetime.fromtimestamp(minute * 60, tz)
			assert local.second == 0 and local.microsecond == 0, local
			self.readings.append(local.toordinal() * DAY + local.hour * 60 + local.minute)
		# The latest reading so far: it only grows, so "the first minute showing w or later" is a bisection.
		self.reached = array("q")
		latest = None
		for reading in self.readings:
			latest = reading if latest is None else max(latest, reading)
			self.reached.append(latest)

	def reading(self, minute: int) -> tuple[int, int]:
		"""(local date ordinal, minute of the day) shown at a UTC minute."""
		if not self.low <= minute < self.high:
			raise Outside(minute)
		return divmod(self.readings[minute - self.low], DAY)

	def falls(self, ordinal: int, minute_of_day: int) -> int:
		"""The earliest UTC minute at which the wall clock shows ``minute_of_day`` on date ``ordinal`` or later.

		Minutes of the day may exceed 1440 (the next date). A time not shown in the window raises
		:class:`Outside`.
		"""
		wanted = ordinal * DAY + minute_of_day
		index = bisect_left(self.reached, wanted)
		if index == 0 or index == len(self.reached):
			raise Outside(wanted)
		return self.low + index

	def naive(self, value: dt.datetime) -> int:
		"""Where a naive wall-clock datetime falls (see the module docstring)."""
		return self.falls(value.toordinal(), value.hour * 60 + value.minute)


@lru_cache(maxsize=24)
def walls(zone: str, low: int, high: int) -> Walls:
	return Walls(zone, low, high)


@dataclass(frozen=True)
class Plan:
	"""A support calendar as plain data.

	``weekly``: ``(weekday, "HH:MM", "HH:MM")`` with 0 = Monday; ``end <= start`` crosses midnight.
	``partial_holidays``: ``(date, "HH:MM", "HH:MM")`` (end may be ``"24:00"``).
	``extra_days``: ``(date, (("HH:MM", "HH:MM"), ...))``, make-up days whose ranges replace the weekday's.
	"""

	zone: str
	weekly: tuple[tuple[int, str, str], ...] = ()
	whole_holidays: tuple[dt.date, ...] = ()
	partial_holidays: tuple[tuple[dt.date, str, str], ...] = ()
	extra_days: tuple[tuple[dt.date, tuple[tuple[str, str], ...]], ...] = ()
	always_open: bool = False

	def schedule(self, ordinal: int) -> list[tuple[int, int]]:
		"""The (start, end) minutes a date's schedule starts; end beyond 1440 runs into the next date."""
		date = dt.date.fromordinal(ordinal)
		extra = dict(self.extra_days)
		if date in extra:
			ranges = [(hhmm(s), hhmm(e)) for s, e in extra[date]]
		elif date in self.whole_holidays:
			ranges = []
		elif self.always_open:
			ranges = [(0, DAY)]
		else:
			ranges = [(hhmm(s), hhmm(e)) for day, s, e in self.weekly if day == date.weekday()]
		return [(s, e if e > s else e + DAY) for s, e in ranges]

	def is_working_day(self, ordinal: int) -> bool:
		return bool(self.schedule(ordinal))


class Model:
	"""The working minutes of a plan over a window of UTC minutes, and clock dues on them."""

	def __init__(self, plan: Plan, low: int, high: int) -> None:
		self.plan = plan
		self.low, self.high = low, high
		self.walls = walls(plan.zone, low, high)
		self.working = bytearray(high - low)
		schedules: dict[int, list[tuple[int, int]]] = {}
		cuts: dict[int, list[tuple[int, int]]] = {}
		for date, start, end in plan.partial_holidays:
			cuts.setdefault(date.toordinal(), []).append((hhmm(start), hhmm(end)))
		for index, reading in enumerate(self.walls.readings):
			ordinal, minute_of_day = divmod(reading, DAY)
			covered = False
			for date in (ordinal, ordinal - 1):
				if date not in schedules:
					schedules[date] = plan.schedule(date)
				shown = minute_of_day + (ordinal - date) * DAY  # the reading as a time of ``date``
				covered = covered or any(s <= shown < e for s, e in schedules[date])
			cut = any(s <= minute_of_day < e for s, e in cuts.get(ordinal, ()))
			self.working[index] = covered and not cut

	def is_working(self, minute: int) -> bool:
		if not self.low <= minute < self.high:
			raise Outside(minute)
		return bool(self.working[minute - self.low])

	# -- clocks ----------------------------------------------------------------------------------------

	@staticmethod
	def paused(minute: int, pauses: list[tuple[int, int]]) -> bool:
		return any(start <= minute < end for start, end in pauses)

	def _count_until(self, start: int, amount: int, counts) -> int:
		"""The earliest minute boundary by which ``amount`` minutes that ``counts`` have passed."""
		done, minute = 0, start
		while done < amount:
			if minute >= self.high:
				raise Outside(minute)
			if counts(minute):
				done += 1
			minute += 1
		return minute

	def calendar_due(self, start: int, minutes: int, pauses: list[tuple[int, int]] = ()) -> int:
		return self._count_until(start, minutes, lambda m: not self.paused(m, pauses))

	def business_due(self, start: int, minutes: int, pauses: list[tuple[int, int]] = ()) -> int:
		return self._count_until(start, minutes, lambda m: self.is_working(m) and not self.paused(m, pauses))

	def business_elapsed(self, start: int, end: int, pauses: list[tuple[int, int]] = ()) -> int:
		return sum(1 for m in range(start, end) if self.is_working(m) and not self.paused(m, pauses))

	def next_working(self, minute: int) -> int:
		while not self.is_working(minute):
			minute += 1
		return minute

	def working_days_due(self, start: int, days: int, pauses: list[tuple[int, int]] = ()) -> int:
		if days == 0:
			return start
		first = self.next_working(start)
		ordinal, time_of_day = self.walls.reading(first)
		last = self.walls.reading(self.high - 1)[0] + 1  # dates past the modelled window are unknown
		for _ in range(days):
			ordinal += 1
			while not self.plan.is_working_day(ordinal):
				ordinal += 1
				if ordinal > last:
					raise Outside(ordinal)
		nominal = self.next_working(self.walls.falls(ordinal, time_of_day))
		due = nominal
		while not self.is_working(due - 1):  # stops at first + 1 at the latest: first is working
			due -= 1
		lost = sum(1 for m in range(start, due) if self.is_working(m) and self.paused(m, pauses))
		return self.business_due(due, lost, pauses)

	def working_days_elapsed(self, start: int, end: int, pauses: list[tuple[int, int]] = ()) -> int:
		"""The largest ``n`` whose working-days due is at or before ``end``."""
		days = 0
		while self.working_days_due(start, days + 1, pauses) <= end:
			days += 1
		return days
