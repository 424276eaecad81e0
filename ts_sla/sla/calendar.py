"""Support calendars: which instants are working time.

A :class:`SupportCalendar` is plain data (time zone, weekly ranges, holidays, extra working days) that is
validated once and then answers questions about working time quickly. Instants are handled internally as
integer microseconds since the Unix epoch (UTC), so arithmetic is exact; working hours are wall-clock times
in the calendar's zone and are turned into real instants day by day, so DST changes are honoured (a range
of 01:00-03:00 on a spring-forward night lasts one real hour).

Semantics, in one place:

- Working time is the union of the ranges each local date's schedule produces (the date's extra-working-day
  ranges if it has them, else the weekday's ranges unless the date is a whole-day holiday), minus every
  partial-holiday span.
- A range ``start``-``end`` with ``end <= start`` crosses midnight: it runs from ``start`` on its date to
  ``end`` on the next date, and belongs to the date it starts on. ``24:00`` is accepted as an end.
- A whole-day holiday voids its date's own ranges (and nothing else: the night shift of the day before, which
  runs past midnight into the holiday, is still worked). A partial holiday ``[start, end)`` on a date removes
  that wall-clock span of the date, whichever date's range covers it (so a partial holiday 02:00-04:00 cuts
  the previous evening's night shift).
- A *working day* is a date that is an extra working day, or a weekday with ranges that is not a whole-day
  holiday.
- An instant is working time when the wall clock, in the calendar's zone, then shows a time inside a range
  (and outside every partial holiday); business time counts real minutes. So a DST change is honoured both
  ways: a wall time the clocks skip is never worked (a range 02:30-04:00 on a night the clocks go from 02:00
  to 03:00 starts at the jump, 03:00 new time, and lasts one real hour), and a wall time the clocks show
  twice (fall back) is worked on both passes when it lies inside a range (00:00-24:00 on a night that
  repeats 02:00-03:00 is 25 real hours; 00:00-02:30 on that night also works 02:00-02:30 of the second
  pass). A partial holiday likewise removes both passes.
- A single wall-clock time given to the engine (a naive datetime, :meth:`SupportCalendar.to_us`, or the same
  time of day n working days later) is one instant: one the clocks skip is the instant they jump, one they
  show twice its first occurrence unless ``fold=1``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import HorizonExceeded, InvalidCalendar, InvalidInput

US = 1_000_000
DAY_SECONDS = 86_400
DAY_US = DAY_SECONDS * US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
ONE_US = dt.timedelta(microseconds=1)
#: No computed instant may lie further than this many days after its start.
HORIZON_DAYS = 5 * 365 + 1
HORIZON_US = HORIZON_DAYS * DAY_US
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Datetimes the engine accepts: those of the years 1000 to 8999 (their own wall-clock year), so nothing
#: computed from them overflows Python's date range (years 1 to 9999).
MIN_YEAR, MAX_YEAR = 1000, 8999

TimeLike = str | dt.time | dt.timedelta | int
Range = tuple[TimeLike, TimeLike]
Interval = tuple[int, int]


def parse_time_of_day(value: TimeLike) -> int:
	"""Seconds since midnight of a wall-clock time.

	Accepts ``"HH:MM"``, ``"HH:MM:SS"``, ``"24:00"``, :class:`datetime.time`, :class:`datetime.timedelta`
	(how Frappe returns Time fields from the database) and plain seconds.
	"""
	if isinstance(value, bool):
		raise InvalidCalendar("Invalid time of day: {value}", value=value)
	if isinstance(value, dt.time):
		seconds = value.hour * 3600 + value.minute * 60 + value.second
	elif isinstance(value, dt.timedelta):
		seconds = int(value.total_seconds())
	elif isinstance(value, int):
		seconds = value
	elif isinstance(value, str):
		parts = value.strip().split(":")
		try:
			if len(parts) not in (2, 3):
				raise ValueError
			hours, minutes = int(parts[0]), int(parts[1])
			secs = int(float(parts[2])) if len(parts) == 3 else 0
		except (ValueError, OverflowError):
			raise InvalidCalendar("Invalid time of day: {value}", value=value) from None
		if not (0 <= minutes < 60 and 0 <= secs < 60):
			raise InvalidCalendar("Invalid time of day: {value}", value=value)
		seconds = hours * 3600 + minutes * 60 + secs
	else:
		raise InvalidCalendar("Invalid time of day: {value}", value=value)
	if not 0 <= seconds <= DAY_SECONDS:
		raise InvalidCalendar("Invalid time of day: {value}", value=value)
	return seconds


def _format_seconds(seconds: int) -> str:
	return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def as_zone(tz: str | dt.tzinfo) -> dt.tzinfo:
	"""A time zone from an IANA name or a tzinfo object (:class:`InvalidInput` for anything else)."""
	if isinstance(tz, dt.tzinfo):
		return tz
	try:
		if not isinstance(tz, str):
			raise TypeError
		return ZoneInfo(tz)
	except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
		raise InvalidInput("Unknown time zone '{timezone}'", timezone=tz) from None


def _offset_at(tz: dt.tzinfo, seconds: int) -> dt.timedelta | None:
	return (EPOCH + dt.timedelta(seconds=seconds)).astimezone(tz).utcoffset()


def wall_to_us(wall: dt.datetime, tz: dt.tzinfo) -> int:
	"""The instant (microseconds since the epoch) of a wall-clock time in a zone.

	``wall``'s own tzinfo is ignored. A wall time that a DST change skips is the instant the clocks jump (the
	earliest instant with the same or a later wall time); one that occurs twice is the occurrence ``fold``
	selects (``fold=0``, the default: the first).
	"""
	local = wall.replace(tzinfo=tz)
	instant = (local - EPOCH) // ONE_US
	if local.fold:
		return instant
	other = local.replace(fold=1)
	before, after = local.utcoffset(), other.utcoffset()
	if before is None or after is None or after <= before:
		return instant  # an ordinary wall time, or the first occurrence of an ambiguous one
	# Skipped: fold=0 read the wall time with the offset before the jump (an instant after the jump), fold=1
	# with the one after (an instant before it). The jump lies between.
	return _offset_change(tz, (other - EPOCH) // ONE_US // US, -(-instant // US)) * US


def _offset_change(tz: dt.tzinfo, low: int, high: int) -> int:
	"""The first second in ``(low, high]`` whose UTC offset differs from that at ``low`` (seconds since the
	epoch; the offset at ``high`` must differ). Zones change offset on whole seconds."""
	offset = _offset_at(tz, low)
	while high - low > 1:
		middle = (low + high) // 2
		if _offset_at(tz, middle) == offset:
			low = middle
		else:
			high = middle
	return high


def _range_items(ranges: object, where: str) -> list:
	"""The items of a list of working ranges (None is no ranges)."""
	if ranges is None:
		return []
	if isinstance(ranges, str | bytes | Mapping) or not isinstance(ranges, Iterable):
		raise InvalidCalendar(
			"Invalid working ranges on {where}: {ranges} (give a list of (start, end) pairs)",
			where=where,
			ranges=ranges,
		)
	return list(ranges)


def _parse_range(item: Range, where: str) -> tuple[int, int]:
	if isinstance(item, str | bytes | Mapping):
		parts = None
	else:
		try:
			parts = tuple(item)
		except TypeError:
			parts = None
	if parts is None or len(parts) != 2:
		raise InvalidCalendar(
			"Invalid working range on {where}: {item} (give a (start, end) pair)", where=where, item=item
		)
	start_s, end_s = parse_time_of_day(parts[0]), parse_time_of_day(parts[1])
	if start_s == DAY_SECONDS:
		raise InvalidCalendar("A working range on {where} cannot start at 24:00", where=where)
	if start_s == end_s:
		raise InvalidCalendar(
			"Empty working range {start}-{end} on {where}",
			start=_format_seconds(start_s),
			end=_format_seconds(end_s),
			where=where,
		)
	return start_s, end_s


def _span(start_s: int, end_s: int) -> tuple[int, int]:
	"""Seconds from the range's own midnight; a range with end <= start crosses midnight."""
	return start_s, end_s if end_s > start_s else end_s + DAY_SECONDS


def _check_overlaps(spans: list[tuple[int, int, str]], cycle: int | None) -> None:
	items = sorted(spans)
	if cycle is not None:
		# A range crossing the end of the cycle (Sunday night into Monday) wraps to the start.
		items += [(s + cycle, e + cycle, w) for s, e, w in items[:1]]
	for (s1, e1, w1), (s2, _e2, w2) in itertools.pairwise(items):
		if s2 < e1:
			raise InvalidCalendar(
				"Working ranges overlap: {first} {first_range} and {second} {second_range}",
				first=w1,
				first_range=f"{_format_seconds(s1 % DAY_SECONDS)}-{_format_seconds(e1 % DAY_SECONDS)}",
				second=w2,
				second_range=f"{_format_seconds(s2 % DAY_SECONDS)}-",
			)


@dataclass(frozen=True)
class Holiday:
	"""A non-working date, or a non-working part ``[start, end)`` of a date (seconds since midnight)."""

	date: dt.date
	start: int | None = None
	end: int | None = None
	description: str = ""

	@property
	def whole_day(self) -> bool:
		return self.start is None


def _is_date(value: object) -> bool:
	return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _as_holiday(item: Holiday | dt.date | tuple) -> Holiday:
	if isinstance(item, Holiday):
		date, start, end, description = item.date, item.start, item.end, item.description
	elif isinstance(item, tuple | list):
		date, start, end, description = (*item, None, None, "")[:4] if item else (None, None, None, "")
	else:
		date, start, end, description = item, None, None, ""
	if not _is_date(date):
		raise InvalidCalendar("Invalid holiday: {item} (give a date)", item=date)
	if (start is None) != (end is None):
		raise InvalidCalendar("A partial holiday on {date} needs both a start and an end", date=date)
	holiday = Holiday(
		date,
		None if start is None else parse_time_of_day(start),
		None if end is None else parse_time_of_day(end),
		str(description or ""),
	)
	if holiday.start is not None and holiday.end <= holiday.start:
		raise InvalidCalendar("A partial holiday on {date} must end after it starts", date=holiday.date)
	return holiday


class SupportCalendar:
	"""A validated support calendar.

	:param name: shown in explanations.
	:param timezone: IANA zone name (``"Asia/Shanghai"``).
	:param weekly: weekday (0 = Monday) -> ranges ``[("09:00", "12:00"), ("13:30", "18:00")]``.
	:param holidays: dates, ``(date, start, end[, description])`` tuples or :class:`Holiday` objects. A
	    whole-day holiday voids its date's own ranges; a partial one cuts its span from any range.
	:param extra_working_days: date -> ranges, for make-up working days; replaces the weekday's ranges.
	:param always_open: a 24x7 calendar (``weekly`` must then be empty); holidays still apply.
	:raises InvalidCalendar: unknown zone, empty or overlapping ranges, no working time at all, or any
	    malformed argument (a string for a date, a weekday outside 0-6, a range that is not a pair, ...).
	"""

	def __init__(
		self,
		name: str,
		timezone: str,
		weekly: Mapping[int, Sequence[Range]] | None = None,
		holidays: Iterable[Holiday | dt.date | tuple] = (),
		extra_working_days: Mapping[dt.date, Sequence[Range]] | None = None,
		always_open: bool = False,
	) -> None:
		self.name = name
		try:
			self.tz = ZoneInfo(str(timezone))
		except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
			raise InvalidCalendar("Unknown time zone '{timezone}'", timezone=timezone) from None
		self.timezone = str(timezone)
		self.always_open = bool(always_open)
		if weekly is None:
			weekly = {}
		if not isinstance(weekly, Mapping):
			raise InvalidCalendar(
				"Invalid weekly working hours: {weekly} (give each weekday, 0 (Monday) to 6 (Sunday), with its ranges)",
				weekly=weekly,
			)
		for day in weekly:
			if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
				raise InvalidCalendar("Invalid weekday {day}: use 0 (Monday) to 6 (Sunday)", day=day)
		weekly = {day: _range_items(ranges, WEEKDAY_NAMES[day]) for day, ranges in weekly.items()}
		if self.always_open and any(weekly.values()):
			raise InvalidCalendar("A 24x7 calendar cannot also have weekly working ranges")
		if self.always_open:
			weekly = {day: [(0, DAY_SECONDS)] for day in range(7)}
		self.weekly: tuple[tuple[tuple[int, int], ...], ...] = tuple(
			tuple(_parse_range(r, WEEKDAY_NAMES[day]) for r in weekly.get(day, ())) for day in range(7)
		)
		_check_overlaps(
			[
				(day * DAY_SECONDS + s, day * DAY_SECONDS + e, WEEKDAY_NAMES[day])
				for day, ranges in enumerate(self.weekly)
				for s, e in (_span(*r) for r in ranges)
			],
			7 * DAY_SECONDS,
		)
		if extra_working_days is None:
			extra_working_days = {}
		if not isinstance(extra_working_days, Mapping):
			raise InvalidCalendar(
				"Invalid extra working days: {days} (give each date and its ranges)", days=extra_working_days
			)
		self.extra: dict[int, tuple[tuple[int, int], ...]] = {}
		for date, ranges in extra_working_days.items():
			if not _is_date(date):
				raise InvalidCalendar("Invalid extra working day: {date} (give a date)", date=date)
			parsed = tuple(_parse_range(r, date.isoformat()) for r in _range_items(ranges, date.isoformat()))
			if not parsed:
				raise InvalidCalendar("Extra working day {date} has no working ranges", date=date)
			_check_overlaps([(*_span(*r), date.isoformat()) for r in parsed], None)
			self.extra[date.toordinal()] = parsed
		if holidays is None:
			holidays = ()
		if isinstance(holidays, str | bytes) or not isinstance(holidays, Iterable):
			raise InvalidCalendar("Invalid holidays: {holidays} (give a list of dates)", holidays=holidays)
		self.holidays: dict[int, list[Holiday]] = {}
		for item in holidays:
			holiday = _as_holiday(item)
			self.holidays.setdefault(holiday.date.toordinal(), []).append(holiday)
		for ordinal, items in self.holidays.items():
			if ordinal in self.extra and any(h.whole_day for h in items):
				raise InvalidCalendar(
					"{date} is both a holiday and an extra working day", date=dt.date.fromordinal(ordinal)
				)
		if not any(self.weekly) and not self.extra:
			raise InvalidCalendar("Calendar '{name}' has no working time at all", name=name)
		self._days: dict[int, tuple[tuple[Interval, ...], int]] = {}
		self._offsets: dict[int, int | None] = {}
		self._midnights: dict[int, dt.timedelta] = {}
		self._segment_cache: dict[int, tuple[tuple[int, int, int], ...]] = {}
		# Per weekday: the ranges as (start, end) seconds after the date's midnight, sorted and merged,
		# for the fast path of a day with no holiday and no offset change.
		self._weekly_spans = tuple(_merge_spans(ranges) for ranges in self.weekly)
		self._weekly_totals = tuple(sum(e - s for s, e in spans) * US for spans in self._weekly_spans)
		self._whole_holidays = {o for o, items in self.holidays.items() if any(h.whole_day for h in items)}
		self._partial_holidays = {
			o for o, items in self.holidays.items() if any(not h.whole_day for h in items)
		}

	@classmethod
	def twenty_four_seven(cls, timezone: str = "UTC", name: str = "24x7") -> SupportCalendar:
		"""A calendar in which every instant is working time."""
		return cls(name, timezone, always_open=True)

	@property
	def is_24x7(self) -> bool:
		"""True when working time is simply all time (business minutes equal wall-clock minutes)."""
		return self.always_open and not self.holidays and not self.extra

	# -- instants ---------------------------------------------------------------------------------

	def to_us(self, value: dt.datetime, tz: str | dt.tzinfo | None = None) -> int:
		"""Microseconds since the epoch of a datetime.

		A naive datetime is a wall-clock time in ``tz`` (default: the calendar's zone); a wall time that a DST
		change skips is the instant the clocks jump, an ambiguous one its first occurrence (unless
		``fold=1``). An aware datetime whose wall time its own zone skips (made with ``replace(tzinfo=...)``)
		is read the same way.

		:raises InvalidInput: not a datetime, an unknown ``tz``, or a date outside the years 1000 to 8999.
		"""
		if not isinstance(value, dt.datetime):
			raise InvalidInput("Expected a date and time, not {value}", value=value)
		if not MIN_YEAR <= value.year <= MAX_YEAR:
			raise InvalidInput(
				"{value} lies outside the years {first} to {last} that the engine supports",
				value=value,
				first=MIN_YEAR,
				last=MAX_YEAR,
			)
		tzinfo = value.tzinfo
		if tzinfo is None or value.utcoffset() is None:
			tzinfo = self.tz if tz is None else as_zone(tz)
		if type(tzinfo) is dt.timezone:
			return (value.replace(tzinfo=tzinfo) - EPOCH) // ONE_US
		return wall_to_us(value, tzinfo)

	def from_us(self, instant: int) -> dt.datetime:
		"""The aware datetime, in the calendar's zone, of an instant in microseconds."""
		return (EPOCH + dt.timedelta(microseconds=instant)).astimezone(self.tz)

	def local_parts(self, instant: int) -> tuple[int, int]:
		"""(local date ordinal, wall-clock microseconds since local midnight) of an instant."""
		local = self.from_us(instant)
		return local.toordinal(), (
			(local.hour * 3600 + local.minute * 60 + local.second) * US + local.microsecond
		)

	def ordinal(self, instant: int) -> int:
		return self.from_us(instant).toordinal()

	def _midnight_offset(self, ordinal: int) -> dt.timedelta:
		"""The UTC offset at local midnight starting a date (memoised: one zone lookup per date)."""
		offset = self._midnights.get(ordinal)
		if offset is None:
			date = dt.date.fromordinal(ordinal)
			offset = dt.datetime(date.year, date.month, date.day, tzinfo=self.tz).utcoffset()
			self._midnights[ordinal] = offset
		return offset

	def _uniform_offset(self, ordinal: int) -> int | None:
		"""The day's UTC offset in microseconds, or None when the offset changes during the day."""
		try:
			return self._offsets[ordinal]
		except KeyError:
			pass
		start = self._midnight_offset(ordinal)
		offset = start // ONE_US if start == self._midnight_offset(ordinal + 1) else None
		self._offsets[ordinal] = offset
		return offset

	def local_to_us(self, ordinal: int, micros: int) -> int:
		"""The instant of a wall-clock time (microseconds after local midnight, up to 48 h) on a date.

		A wall time skipped by a DST change is the instant the clocks jump, an ambiguous one its first
		occurrence (see :func:`wall_to_us`).
		"""
		while micros >= DAY_US:
			ordinal += 1
			micros -= DAY_US
		offset = self._uniform_offset(ordinal)
		if offset is not None:
			return (ordinal - EPOCH_ORDINAL) * DAY_US + micros - offset
		date = dt.date.fromordinal(ordinal)
		seconds, micro = divmod(micros, US)
		wall = dt.datetime(
			date.year, date.month, date.day, seconds // 3600, seconds % 3600 // 60, seconds % 60, micro
		)
		return wall_to_us(wall, self.tz)

	# -- working time -----------------------------------------------------------------------------

	def ranges_of(self, ordinal: int) -> tuple[tuple[int, int], ...]:
		"""The wall-clock ranges (seconds) that the date's own schedule starts, before holidays."""
		extra = self.extra.get(ordinal)
		if extra is not None:
			return extra
		if ordinal in self._whole_holidays:
			return ()
		return self.weekly[(ordinal - 1) % 7]  # ordinal 1 (0001-01-01) is a Monday

	def is_working_day(self, ordinal: int) -> bool:
		"""True for an extra working day, or a weekday with ranges that is not a whole-day holiday."""
		return bool(self.ranges_of(ordinal))

	def holiday_on(self, ordinal: int) -> Holiday | None:
		"""The whole-day holiday of a date, if any."""
		return next((h for h in self.holidays.get(ordinal, ()) if h.whole_day), None)

	def _partial_holiday_spans(self, ordinal: int) -> list[Interval]:
		"""The instants the partial holidays of a date remove (whole-day holidays only void the date's ranges):
		every instant at which the wall clock shows a time of a holiday's span, on both passes of a repeated
		hour."""
		return [
			piece
			for h in self.holidays.get(ordinal, ())
			if h.start is not None
			for piece in self.wall_span_to_us(ordinal, h.start * US, h.end * US)
		]

	def _segments(self, ordinal: int) -> tuple[tuple[int, int, int], ...]:
		"""Real time around a date and the next one, cut where the zone's UTC offset changes.

		``(start, end, offset)`` in microseconds, in order, covering every instant whose wall time lies in the
		48 hours from the date's local midnight (with three hours' margin either side). Memoised.
		"""
		cached = self._segment_cache.get(ordinal)
		if cached is not None:
			return cached
		midnight = (ordinal - EPOCH_ORDINAL) * DAY_SECONDS
		offsets = [self._midnight_offset(ordinal + k) // dt.timedelta(seconds=1) for k in range(3)]
		low = midnight - max(offsets) - 3 * 3600
		high = midnight + 2 * DAY_SECONDS - min(offsets) + 3 * 3600
		step = 1800  # zones change offset at most once in half an hour
		changes = [(low, _offset_at(self.tz, low))]  # (second, offset from then on)
		for probe in range(low + step, high + step, step):
			probe = min(probe, high)
			if _offset_at(self.tz, probe) != changes[-1][1]:
				change = _offset_change(self.tz, probe - step, probe)
				changes.append((change, _offset_at(self.tz, change)))
		ends = [second for second, _offset in changes[1:]] + [high]
		segments = tuple(
			(start * US, end * US, offset // ONE_US)
			for (start, offset), end in zip(changes, ends, strict=True)
		)
		self._segment_cache[ordinal] = segments
		return segments

	def wall_span_to_us(self, ordinal: int, start: int, end: int) -> list[Interval]:
		"""The instants at which the wall clock shows a time in ``[start, end)`` (microseconds after a date's
		local midnight, up to 48 h), in order: none of a skipped hour, both passes of a repeated one."""
		offset = self._uniform_offset(ordinal)
		base = (ordinal - EPOCH_ORDINAL) * DAY_US
		if offset is not None and (end <= DAY_US or self._uniform_offset(ordinal + 1) == offset):
			return [(base + start - offset, base + end - offset)] if start < end else []
		pieces: list[Interval] = []
		for a, b, off in self._segments(ordinal):
			# within a segment the wall clock runs with real time: wall = instant + offset
			s, e = max(a, base + start - off), min(b, base + end - off)
			if s < e:
				if pieces and s <= pieces[-1][1]:
					pieces[-1] = (pieces[-1][0], max(e, pieces[-1][1]))
				else:
					pieces.append((s, e))
		return pieces

	def day(self, ordinal: int) -> tuple[tuple[Interval, ...], int]:
		"""Working intervals (instants) started by a date's schedule, sorted and merged, and their total."""
		cached = self._days.get(ordinal)
		if cached is not None:
			return cached
		intervals: Sequence[Interval] = ()
		ranges = self.ranges_of(ordinal)
		if ranges and ordinal not in self.extra:
			# Fast path: a weekday (not a whole-day holiday, else it has no ranges) without a partial holiday
			# and without an offset change; a range crossing midnight also needs the same of the next date.
			weekday = (ordinal - 1) % 7
			spans = self._weekly_spans[weekday]
			offset = self._uniform_offset(ordinal)
			crosses = spans[-1][1] > DAY_SECONDS
			if (
				offset is not None
				and ordinal not in self._partial_holidays
				and not (
					crosses
					and (ordinal + 1 in self._partial_holidays or self._uniform_offset(ordinal + 1) != offset)
				)
			):
				base = (ordinal - EPOCH_ORDINAL) * DAY_US - offset
				result = (
					tuple([(base + s * US, base + e * US) for s, e in spans]),
					self._weekly_totals[weekday],
				)
				self._days[ordinal] = result
				return result
		if ranges:
			holes = self._partial_holiday_spans(ordinal)
			if any(e <= s for s, e in ranges):
				holes += self._partial_holiday_spans(ordinal + 1)
			pieces = sorted(
				piece
				for start_s, end_s in ranges
				for piece in self.wall_span_to_us(ordinal, *(part * US for part in _span(start_s, end_s)))
			)
			for hs, he in holes:
				pieces = [p for s, e in pieces for p in ((s, min(e, hs)), (max(s, he), e)) if p[0] < p[1]]
			intervals = _merge_intervals(pieces)  # a range inside a skipped hour gave no piece
		result = (tuple(intervals), sum(e - s for s, e in intervals))
		self._days[ordinal] = result
		return result

	def blocks(self, ordinal: int) -> Iterator[tuple[int, tuple[Interval, ...], int]]:
		"""From a date on, ``(next date, working intervals, their total)`` a date at a time, in real-time order.

		A date's intervals come before the next date's, except around a repeated hour: a range running past
		midnight into a night whose clocks fall back ends on the second pass, after the next date's own range
		began on the first (both passes work). Such dates come as one block, their intervals merged.
		"""
		while True:
			intervals, total = self.day(ordinal)
			ordinal += 1
			while intervals:
				following = self.day(ordinal)[0]
				if not following or following[0][0] >= intervals[-1][1]:
					break
				intervals = _merge_intervals(intervals + following)
				total = sum(e - s for s, e in intervals)
				ordinal += 1
			yield ordinal, intervals, total

	def working_intervals(self, start: int, end: int) -> Iterable[Interval]:
		"""Working intervals clipped to ``[start, end)``, in order and without overlap."""
		cursor, last = start, self.ordinal(end)
		for after, intervals, _total in self.blocks(self.ordinal(start) - 1):
			for s, e in intervals:
				s, e = max(s, cursor), min(e, end)
				if s < e:
					yield s, e
					cursor = e
			if after > last:
				return

	def add(self, start: int, amount: int, pauses: Sequence[Interval] = ()) -> int:
		"""The instant at which ``amount`` microseconds of working time, not paused, have passed."""
		if amount <= 0:
			return start
		ordinal = self.ordinal(start) - 1
		limit = ordinal + HORIZON_DAYS + 2
		cursor, remaining = start, amount
		for after, intervals, total in self.blocks(ordinal):
			if after > limit + 1:
				break
			if not intervals:
				continue
			if not pauses and total < remaining and intervals[0][0] >= cursor:
				remaining -= total
				cursor = intervals[-1][1]
				continue
			for s, e in intervals:
				if e <= cursor:
					continue
				for ps, pe in subtract(max(s, cursor), e, pauses):
					if remaining <= pe - ps:
						return check_horizon(start, ps + remaining)
					remaining -= pe - ps
				cursor = e
		raise HorizonExceeded("The deadline lies more than 5 years after {start}", start=self.from_us(start))

	def between(self, start: int, end: int, pauses: Sequence[Interval] = ()) -> int:
		"""Working microseconds, not paused, in ``[start, end)``."""
		if end <= start:
			return 0
		total, cursor, last = 0, start, self.ordinal(end)
		for after, intervals, day_total in self.blocks(self.ordinal(start) - 1):
			if intervals and not pauses and intervals[0][0] >= cursor and intervals[-1][1] <= end:
				total += day_total
				cursor = intervals[-1][1]
			else:
				for s, e in intervals:
					s, e = max(s, cursor), min(e, end)
					if s < e:
						total += sum(pe - ps for ps, pe in subtract(s, e, pauses))
						cursor = e
			if after > last:
				return total
		return total  # pragma: no cover - blocks() never ends

	def next_interval(self, instant: int) -> Interval:
		"""The first working interval ``(start, end)`` that ends after ``instant`` (it may start before it)."""
		first = self.ordinal(instant) - 1
		for after, intervals, _total in self.blocks(first):
			for s, e in intervals:
				if e > instant:
					check_horizon(instant, s)
					return s, e
			if after >= first + HORIZON_DAYS + 2:
				break
		raise HorizonExceeded("No working time within 5 years after {start}", start=self.from_us(instant))

	def next_working(self, instant: int) -> int:
		"""The first working instant at or after ``instant``."""
		return max(self.next_interval(instant)[0], instant)

	def settle_back(self, instant: int, floor: int) -> int:
		"""The earliest instant, not before ``floor``, from which no working time passes until ``instant``.

		``instant`` itself when the moment before it is working time; else the end of the working time before
		it (an opening after a non-working gap moves back to the close before the gap), or ``floor``.
		"""
		best, found = floor, False
		ordinal, lowest = self.ordinal(instant), self.ordinal(floor) - 1
		while ordinal >= lowest:
			for s, e in self.day(ordinal)[0]:
				if s < instant and e > best:
					best = min(e, instant)
			if best == instant or found:
				break
			# Intervals of a date start after its midnight and end within two days: once a date gave an end,
			# only the date before it can still give a later one.
			found = best > floor
			ordinal -= 1
		return best

	def is_working(self, instant: int) -> bool:
		"""True when the instant lies inside working time."""
		return self.next_working(instant) == instant

	def __repr__(self) -> str:
		return f"SupportCalendar({self.name!r}, {self.timezone!r})"


def _merge_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
	merged: list[Interval] = []
	for start, end in sorted(intervals):
		if merged and start <= merged[-1][1]:
			merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
		else:
			merged.append((start, end))
	return tuple(merged)


def _merge_spans(ranges: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
	return _merge_intervals(_span(*r) for r in ranges)


def check_horizon(start: int, instant: int) -> int:
	if instant - start > HORIZON_US:
		raise HorizonExceeded(
			"The deadline lies more than 5 years after {start}",
			start=EPOCH + dt.timedelta(microseconds=start),
		)
	return instant


def subtract(start: int, end: int, pauses: Sequence[Interval]) -> list[Interval]:
	"""``[start, end)`` minus sorted, merged pause intervals."""
	if not pauses:
		return [(start, end)]
	pieces = []
	index = bisect_right(pauses, (start, start)) - 1
	index = max(index, 0)
	cursor = start
	for ps, pe in pauses[index:]:
		if ps >= end:
			break
		if pe <= cursor:
			continue
		if ps > cursor:
			pieces.append((cursor, ps))
		cursor = max(cursor, pe)
		if cursor >= end:
			break
	if cursor < end:
		pieces.append((cursor, end))
	return pieces
