"""Property tests of the clock engine over random calendars, starts, amounts and pauses."""

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from ts_sla.sla import Basis, InvalidCalendar, SupportCalendar, Target, due, elapsed
from ts_sla.sla.clock import due_us

ZONES = ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York"]
# Dates near DST changes in Berlin and New York, so random starts often cross one.
DST_DATES = [dt.date(2024, 3, 9), dt.date(2024, 3, 29), dt.date(2024, 10, 25), dt.date(2024, 11, 1)]
MINUTES = 60


@st.composite
def day_ranges(draw):
	"""0-3 ordered, non-overlapping ranges on a 30-minute grid, possibly ending at 24:00."""
	points = sorted(draw(st.sets(st.integers(0, 48), min_size=0, max_size=6)))
	if len(points) % 2:
		points = points[:-1]
	return [(points[i] * 30 * MINUTES, points[i + 1] * 30 * MINUTES) for i in range(0, len(points), 2)]


@st.composite
def calendars(draw, holidays=True, extra=True):
	tz = draw(st.sampled_from(ZONES))
	weekly = {day: draw(day_ranges()) for day in range(7)}
	if draw(st.booleans()):
		# a night shift crossing midnight on some weekdays; the next day then starts after it ends
		for day in draw(st.sets(st.integers(0, 6), min_size=1, max_size=3)):
			weekly[day] = [r for r in weekly[day] if r[1] <= 20 * 3600] + [(22 * 3600, 6 * 3600)]
			nxt = (day + 1) % 7
			weekly[nxt] = [r for r in weekly[nxt] if r[0] >= 6 * 3600]
	assume(any(weekly.values()))  # sparse calendars of extra days only are covered by the table tests
	base = dt.date(2024, 1, 1)
	holiday_list = []
	if holidays:
		for offset in draw(st.lists(st.integers(0, 400), max_size=6, unique=True)):
			date = base + dt.timedelta(days=offset)
			if draw(st.booleans()):
				holiday_list.append(date)
			else:
				start = draw(st.integers(0, 22))
				holiday_list.append((date, start * 3600, (start + draw(st.integers(1, 24 - start))) * 3600))
	extra_days = {}
	if extra:
		whole = {h for h in holiday_list if isinstance(h, dt.date)}
		for offset in draw(st.lists(st.integers(0, 400), max_size=4, unique=True)):
			date = base + dt.timedelta(days=offset)
			if date not in whole:
				extra_days[date] = [("09:00", "17:00")]
	try:
		return SupportCalendar("Random", tz, weekly, holiday_list, extra_days)
	except InvalidCalendar:
		assume(False)


@st.composite
def starts(draw):
	if draw(st.booleans()):
		day = draw(st.sampled_from(DST_DATES))
	else:
		day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365)))
	minute = draw(st.integers(0, 24 * 60 - 1))
	return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute)


amounts = st.integers(1, 6000)


@given(calendars(), starts(), amounts)
def test_elapsed_of_due_is_the_amount_on_the_business_basis(cal, start, minutes):
	end = due(cal, start, Target(minutes, Basis.BUSINESS))
	assert elapsed(cal, start, end, Basis.BUSINESS) == minutes


@given(calendars(), starts(), amounts, amounts, st.sampled_from(list(Basis)))
def test_due_is_monotonic_in_the_amount(cal, start, a, b, basis):
	if basis is Basis.WORKING_DAYS:
		a, b = a % 20, b % 20
	low, high = sorted((a, b))
	assert due(cal, start, Target(low, basis)) <= due(cal, start, Target(high, basis))


@given(calendars(), starts(), amounts, amounts, st.sampled_from([Basis.CALENDAR, Basis.BUSINESS]))
def test_due_is_additive(cal, start, a, b, basis):
	assert due(cal, due(cal, start, Target(a, basis)), Target(b, basis)) == due(
		cal, start, Target(a + b, basis)
	)


@given(calendars(), starts(), amounts)
def test_business_due_lies_inside_working_time_or_at_a_range_end(cal, start, minutes):
	instant = cal.to_us(due(cal, start, Target(minutes, Basis.BUSINESS)))
	assert cal.is_working(instant) or cal.is_working(instant - 1)


@given(calendars(), starts(), amounts, st.integers(0, 3000), st.integers(1, 3000))
def test_a_pause_moves_the_business_due_by_the_business_time_paused(cal, start, minutes, offset, length):
	plain = due(cal, start, Target(minutes, Basis.BUSINESS))
	pause_start = start + dt.timedelta(minutes=offset)
	pause_end = pause_start + dt.timedelta(minutes=length)
	assume(cal.to_us(pause_end) <= cal.to_us(plain))
	paused_minutes = elapsed(cal, pause_start, pause_end, Basis.BUSINESS)
	moved = due(cal, start, Target(minutes, Basis.BUSINESS), [(pause_start, pause_end)])
	assert elapsed(cal, plain, moved, Basis.BUSINESS) == paused_minutes
	assert moved == due(cal, plain, Target(paused_minutes, Basis.BUSINESS))


@given(calendars(), starts(), amounts, st.integers(0, 3000), st.integers(1, 3000))
def test_a_pause_moves_the_calendar_due_by_the_wall_time_paused(cal, start, minutes, offset, length):
	plain = due(cal, start, Target(minutes))
	pause_start = start + dt.timedelta(minutes=offset)
	pause_end = pause_start + dt.timedelta(minutes=length)
	assume(cal.to_us(pause_end) <= cal.to_us(plain))
	moved = due(cal, start, Target(minutes), [(pause_start, pause_end)])
	assert cal.to_us(moved) - cal.to_us(plain) == cal.to_us(pause_end) - cal.to_us(pause_start)


@given(calendars(extra=False), starts(), amounts)
def test_holidays_are_never_counted(cal, start, minutes):
	"""Partial holidays cut every range that covers them; a whole-day holiday voids its date's own ranges
	(a night shift of the day before still runs into it)."""
	begin = cal.to_us(start)
	end = cal.to_us(due(cal, start, Target(minutes, Basis.BUSINESS)))
	holes = [span for ordinal in cal.holidays for span in cal._partial_holiday_spans(ordinal)]
	for s, e in cal.working_intervals(begin, end):
		for hs, he in holes:
			assert e <= hs or s >= he
	for ordinal in cal._whole_holidays:
		assert cal.day(ordinal) == ((), 0)


@given(calendars(), starts(), st.integers(1, 15))
def test_working_days_due_is_working_time_or_the_close_of_a_range(cal, start, days):
	"""The due is the earliest instant with its working time elapsed, so the moment before it is working time
	(inside a range, or the close of one), on a working day or the night after one."""
	instant = cal.to_us(due(cal, start, Target(days, Basis.WORKING_DAYS)))
	assert cal.is_working(instant - 1)
	ordinal = cal.ordinal(instant - 1)
	assert cal.is_working_day(ordinal) or cal.is_working_day(ordinal - 1)


@given(calendars(holidays=False, extra=False), starts(), st.integers(1, 4000))
def test_an_extra_working_day_is_counted(cal, start, minutes):
	weekly = dict(enumerate(cal.weekly))
	weekly[5] = ()  # Saturday off, and no Friday range running into it
	weekly[4] = tuple(r for r in weekly[4] if r[1] > r[0])
	assume(any(weekly.values()))
	base = SupportCalendar("Base", cal.timezone, weekly)
	saturday = start.date() + dt.timedelta(days=(5 - start.weekday()) % 7 or 7)
	extra = SupportCalendar(
		"Extra", cal.timezone, weekly, extra_working_days={saturday: [("10:00", "16:00")]}
	)
	ordinal = saturday.toordinal()
	assert extra.is_working_day(ordinal) and not base.is_working_day(ordinal)
	opens, closes = (
		extra.local_to_us(ordinal, 10 * 3600 * 10**6),
		extra.local_to_us(ordinal, 16 * 3600 * 10**6),
	)
	assert extra.between(opens, closes) == closes - opens
	begin = base.to_us(start)
	without = base.to_us(due(base, start, Target(minutes, Basis.BUSINESS)))
	with_extra = extra.to_us(due(extra, start, Target(minutes, Basis.BUSINESS)))
	assert with_extra <= without
	if without > closes:
		assert extra.between(begin, without) == base.between(begin, without) + closes - opens
		assert with_extra < without


@given(calendars(), starts(), amounts, st.sampled_from(list(Basis)))
def test_naive_local_and_aware_inputs_give_identical_results(cal, start, minutes, basis):
	target = Target(minutes % 30 if basis is Basis.WORKING_DAYS else minutes, basis)
	aware_local = start.replace(tzinfo=cal.tz)
	aware_utc = aware_local.astimezone(dt.timezone.utc)
	result = due(cal, start, target)
	assert result == due(cal, aware_local, target) == due(cal, aware_utc, target)
	assert due_us(cal, cal.to_us(start), target) == cal.to_us(result)
