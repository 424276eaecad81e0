"""Differential tests: the clock engine against the minute-stepping reference model (``reference.py``).

Random calendars (several ranges a day, night shifts across midnight, whole and partial holidays, make-up
days, 24x7) in zones with and without DST - including Australia/Lord_Howe's 30-minute shift - random starts
and pauses (often on DST weekends, with ends inside a skipped hour), naive inputs read in a zone other than
the calendar's (``tz=``), on all three bases. Profiles as in ``test_engine_properties.py``
(``TS_SLA_HYPOTHESIS_PROFILE=thorough`` for many more examples).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ts_sla.sla import (
	Basis,
	HorizonExceeded,
	InvalidCalendar,
	SupportCalendar,
	Target,
	due,
	elapsed,
	next_working_moment,
)

from .reference import DAY, Model, Outside, Plan, minute_of, walls

UTC = dt.timezone.utc
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Shanghai"]
#: DST changes (the first of each zone skips an hour): Berlin and New York skip 02:00-03:00 and repeat
#: 02:00-03:00 (Berlin) / 01:00-02:00 (New York); Lord Howe skips 02:00-02:30 in October and repeats
#: 01:30-02:00 in April. Both passes of a repeated wall time inside working hours are worked.
CHANGES = {
	"Europe/Berlin": [dt.date(2024, 3, 31), dt.date(2024, 10, 27), dt.date(2023, 10, 29)],
	"America/New_York": [dt.date(2024, 3, 10), dt.date(2024, 11, 3)],
	"Australia/Lord_Howe": [dt.date(2024, 10, 6), dt.date(2024, 4, 7), dt.date(2023, 4, 2)],
}
ALL_CHANGES = sorted({d for dates in CHANGES.values() for d in dates})
#: Wall times around the changes (01:00-03:30), drawn often so range bounds and pauses hit them.
NEAR_CHANGE = list(range(60, 211, 15))
SKIPPED = {"Europe/Berlin": (120, 180), "America/New_York": (120, 180), "Australia/Lord_Howe": (120, 150)}


def scaled(factor: float) -> int:
	"""Examples for a test: the active profile's count times ``factor``."""
	return max(20, int(settings.default.max_examples * factor))


def hhmm(minutes: int) -> str:
	return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def wall_minute(draw, grid: int = 15) -> int:
	if draw(st.integers(0, 3)) == 0:
		return draw(st.sampled_from(NEAR_CHANGE))
	return draw(st.integers(0, DAY // grid)) * grid


@st.composite
def day_ranges(draw, max_ranges: int = 3) -> list[tuple[int, int]]:
	"""0-3 ordered, non-overlapping (start, end) minutes of one day, possibly ending at 24:00."""
	points = sorted(draw(st.sets(wall_minute(), max_size=2 * max_ranges)))
	if len(points) % 2:
		points = points[:-1]
	return [(points[i], points[i + 1]) for i in range(0, len(points), 2)]


@st.composite
def night_range(draw, after: int, before: int) -> tuple[int, int] | None:
	"""A range crossing midnight that starts after ``after`` and ends by ``before`` the next morning."""
	starts = [m for m in range(after + 15, DAY, 15)]
	if not starts:
		return None
	start = draw(st.sampled_from(starts))
	ends = [m for m in range(15, min(start, before) + 1, 15)]
	return (start, draw(st.sampled_from(ends))) if ends else None


@st.composite
def plans(draw, near: dt.date) -> Plan:
	zone = draw(st.sampled_from(ZONES))
	always_open = draw(st.integers(0, 7)) == 0
	weekly: dict[int, list[tuple[int, int]]] = {}
	if not always_open:
		weekly = {day: draw(day_ranges()) for day in range(7)}
		if draw(st.booleans()):
			for day in draw(st.sets(st.integers(0, 6), min_size=1, max_size=4)):
				following = weekly[(day + 1) % 7]
				last_end = max((e for _s, e in weekly[day]), default=0)
				first_start = min((s for s, _e in following), default=DAY)
				night = draw(night_range(last_end, first_start))
				if night:
					weekly[day].append(night)
	dates = [near + dt.timedelta(days=k) for k in range(-3, 16)]
	whole = draw(st.lists(st.sampled_from(dates), max_size=3, unique=True))
	partial = []
	for date in draw(st.lists(st.sampled_from(dates), max_size=3)):
		start = draw(st.one_of(st.sampled_from(NEAR_CHANGE), st.integers(0, 95).map(lambda q: q * 15)))
		end = draw(st.integers(start // 15 + 1, 96)) * 15
		partial.append((date, hhmm(start), hhmm(end)))
	extra = []
	for date in draw(st.lists(st.sampled_from(dates), max_size=2, unique=True)):
		if date in whole:
			continue
		ranges = draw(day_ranges(2))
		if draw(st.booleans()):
			night = draw(night_range(max((e for _s, e in ranges), default=0), DAY))
			ranges += [night] if night else []
		if ranges:
			extra.append((date, tuple((hhmm(s), hhmm(e)) for s, e in ranges)))
	return Plan(
		zone,
		tuple((day, hhmm(s), hhmm(e)) for day, ranges in weekly.items() for s, e in ranges),
		tuple(whole),
		tuple(partial),
		tuple(extra),
		always_open,
	)


def engine_calendar(plan: Plan) -> SupportCalendar:
	weekly: dict[int, list[tuple[str, str]]] = {}
	for day, start, end in plan.weekly:
		weekly.setdefault(day, []).append((start, end))
	try:
		return SupportCalendar(
			"Random",
			plan.zone,
			weekly,
			[*plan.whole_holidays, *plan.partial_holidays],
			{date: list(ranges) for date, ranges in plan.extra_days},
			always_open=plan.always_open,
		)
	except InvalidCalendar:
		assume(False)
		raise


@st.composite
def start_dates(draw) -> dt.date:
	if draw(st.booleans()):
		return draw(st.sampled_from(ALL_CHANGES)) + dt.timedelta(days=draw(st.integers(-3, 1)))
	return dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365)))


@st.composite
def naive_walls(draw, date: dt.date, zone: str, spread: int) -> dt.datetime:
	"""A naive wall time near ``date``: often inside the zone's skipped hour on a change date."""
	skipped = SKIPPED.get(zone)
	day = CHANGES[zone][0] if skipped else None
	if skipped and abs((day - date).days) <= 2 and draw(st.integers(0, 2)) == 0:
		minute = draw(st.integers(skipped[0], skipped[1] - 1))
		return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute)
	base = dt.datetime(date.year, date.month, date.day)
	return base + dt.timedelta(minutes=draw(st.integers(-spread, spread)))


@st.composite
def scenarios(draw):
	date = draw(start_dates())
	plan = draw(plans(date))
	cal = engine_calendar(plan)
	tz = draw(st.sampled_from([None, None, *ZONES]))
	input_zone = plan.zone if tz is None else tz
	if input_zone in CHANGES and draw(st.booleans()):
		date = draw(st.sampled_from(CHANGES[input_zone])) + dt.timedelta(days=draw(st.integers(-2, 0)))
	start = dt.datetime(date.year, date.month, date.day) + dt.timedelta(minutes=draw(wall_minute(1)))
	if input_zone in SKIPPED and draw(st.integers(0, 5)) == 0:
		start = draw(naive_walls(date, input_zone, 0))
	pauses = []
	for _ in range(draw(st.integers(0, 3))):
		begin = draw(naive_walls(start.date(), input_zone, 3 * DAY))
		length = draw(st.one_of(st.integers(0, 90), st.integers(0, 2000)))
		pauses.append((begin, begin + dt.timedelta(minutes=length)))
	if draw(st.booleans()) and tz is not None:
		tz = ZoneInfo(tz)  # a tzinfo works as well as a name
	return plan, cal, start, tz, input_zone, sorted(pauses)


def model_for(plan: Plan, start: dt.datetime, input_zone: str):
	"""The reference model over a window around ``start``, and the reading of naive inputs."""
	low = (minute_of(start.replace(tzinfo=UTC)) // DAY - 5) * DAY
	high = low + 32 * DAY
	return Model(plan, low, high), walls(input_zone, low, high)


def instant(minute: int) -> dt.datetime:
	return dt.datetime.fromtimestamp(minute * 60, UTC)


def check_due(model: Model, compute_reference, compute_engine, monotonic: bool = True) -> None:
	"""The engine's due equals the reference's. When the reference needs minutes past its window, a due found
	by counting forward (``monotonic``) lies past the window too; a working-days due may step back into it,
	so that case is left undecided."""
	try:
		expected = compute_reference()
	except Outside:
		if not monotonic:
			return
		try:
			assert minute_of(compute_engine()) >= model.high
		except HorizonExceeded:
			pass
		return
	assert minute_of(compute_engine()) == expected


def compare(scenario, calendar_minutes, business_minutes, days, end_offset):
	plan, cal, start, tz, input_zone, pauses = scenario
	model, reading = model_for(plan, start, input_zone)
	begin = reading.naive(start)
	paused = [(reading.naive(s), reading.naive(e)) for s, e in pauses]
	paused = [(s, e) for s, e in paused if e > s]

	# the naive start is read in the input zone as the reference reads it (skipped times: the jump)
	assert minute_of(due(cal, start, Target(0), tz=tz)) == begin
	check_due(model, lambda: model.next_working(begin), lambda: next_working_moment(cal, start, tz=tz))
	check_due(
		model,
		lambda: model.calendar_due(begin, calendar_minutes, paused),
		lambda: due(cal, start, Target(calendar_minutes), pauses, tz=tz),
	)
	check_due(
		model,
		lambda: model.business_due(begin, business_minutes, paused),
		lambda: due(cal, start, Target(business_minutes, Basis.BUSINESS), pauses, tz=tz),
	)
	check_due(
		model,
		lambda: model.working_days_due(begin, days, paused),
		lambda: due(cal, start, Target(days, Basis.WORKING_DAYS), pauses, tz=tz),
		monotonic=False,
	)

	end = min(begin + end_offset, model.high)
	assert elapsed(cal, start, instant(end), Basis.BUSINESS, pauses, tz=tz) == model.business_elapsed(
		begin, end, paused
	)
	assert elapsed(cal, start, instant(end), Basis.CALENDAR, pauses, tz=tz) == max(0, end - begin) - sum(
		max(0, min(e, end) - max(s, begin)) for s, e in _merged(paused)
	)
	try:
		expected_days = model.working_days_elapsed(begin, end, paused)
	except Outside:
		pass
	else:
		assert elapsed(cal, start, instant(end), Basis.WORKING_DAYS, pauses, tz=tz) == expected_days
	# elapsed(due(n)) is n (or more, when the next working days add no working time)
	try:
		due_n = model.working_days_due(begin, days, paused)
		at_due = model.working_days_elapsed(begin, due_n, paused)
	except Outside:
		return
	assert at_due >= days
	assert elapsed(cal, start, instant(due_n), Basis.WORKING_DAYS, pauses, tz=tz) == at_due


def _merged(intervals):
	merged = []
	for s, e in sorted(intervals):
		if merged and s <= merged[-1][1]:
			merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
		else:
			merged.append((s, e))
	return merged


@settings(max_examples=scaled(2.0), suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
	scenarios(),
	st.integers(0, 6000),
	st.integers(0, 3000),
	st.integers(0, 6),
	st.integers(0, 20 * DAY),
)
def test_engine_matches_the_reference_on_every_basis(scenario, calendar_minutes, business_minutes, days, end):
	compare(scenario, calendar_minutes, business_minutes, days, end)


@settings(max_examples=scaled(1.5), suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios(), st.integers(0, 600), st.integers(0, 600), st.integers(0, 2), st.integers(0, 3 * DAY))
def test_engine_matches_the_reference_on_short_clocks(
	scenario, calendar_minutes, business_minutes, days, end
):
	"""Short targets end near the start, so the DST weekends the starts are drawn on matter most."""
	compare(scenario, calendar_minutes, business_minutes, days, end)


#: Fall-back dates and the wall-clock minutes they show twice: Berlin 02:00-03:00, New York 01:00-02:00,
#: Lord Howe 01:30-02:00 (a 30-minute repeat).
REPEATED = [
	("Europe/Berlin", dt.date(2023, 10, 29), (120, 180)),
	("Europe/Berlin", dt.date(2024, 10, 27), (120, 180)),
	("America/New_York", dt.date(2024, 11, 3), (60, 120)),
	("Australia/Lord_Howe", dt.date(2023, 4, 2), (90, 120)),
	("Australia/Lord_Howe", dt.date(2024, 4, 7), (90, 120)),
]


@st.composite
def repeated_hour_scenarios(draw):
	"""A calendar whose working ranges (and partial holidays) start or end inside a repeated hour, started
	shortly before it, read in the calendar's zone or in Asia/Shanghai as the system zone."""
	zone, date, (first, last) = draw(st.sampled_from(REPEATED))
	inside = st.integers(first, last - 1)
	points = {draw(inside) for _ in range(draw(st.integers(1, 3)))}
	points |= set(draw(st.sets(wall_minute(), max_size=3)))
	points = sorted(points)
	if len(points) % 2:  # pair the points up: add midnight or 24:00, or take it away where it is already
		points = sorted(set(points) ^ {0 if draw(st.booleans()) else DAY})
	ranges = [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
	weekly = [(date.weekday(), hhmm(s), hhmm(e)) for s, e in ranges]
	weekly += [((date.weekday() + 1) % 7, "09:00", "17:00")]
	partial = ()
	if draw(st.booleans()):
		start = draw(inside)
		partial = ((date, hhmm(start), hhmm(draw(st.integers(start + 1, last + 30)))),)
	plan = Plan(zone, tuple(weekly), (), partial)
	cal = engine_calendar(plan)
	tz = draw(st.sampled_from([None, "Asia/Shanghai"]))
	begin = dt.datetime(date.year, date.month, date.day, tzinfo=ZoneInfo(zone)) - dt.timedelta(
		minutes=draw(st.integers(-200, 600))
	)
	start = begin.astimezone(ZoneInfo(tz or zone)).replace(tzinfo=None)
	pauses = []
	for _ in range(draw(st.integers(0, 2))):
		offset = draw(st.integers(0, 400))
		pause = begin + dt.timedelta(minutes=offset)
		pause = pause.astimezone(ZoneInfo(tz or zone)).replace(tzinfo=None)
		pauses.append((pause, pause + dt.timedelta(minutes=draw(st.integers(0, 120)))))
	return plan, cal, start, tz, tz or zone, sorted(pauses)


@settings(max_examples=scaled(2.0), suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
	repeated_hour_scenarios(),
	st.integers(0, 600),
	st.integers(0, 900),
	st.integers(0, 2),
	st.integers(0, DAY),
)
def test_engine_matches_the_reference_across_a_repeated_hour(
	scenario, calendar_minutes, business_minutes, days, end
):
	"""Both passes of a repeated wall time inside working hours are worked: the engine counts real minutes
	there as the reference does, on every basis, with pauses and partial holidays."""
	compare(scenario, calendar_minutes, business_minutes, days, end)
