"""Table tests of the clock engine: SPEC §3's worked examples, calendars, pauses, states, explanations."""

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ts_sla.sla import (
	Basis,
	ClockState,
	Holiday,
	HorizonExceeded,
	InvalidCalendar,
	InvalidInput,
	SupportCalendar,
	Target,
	due,
	elapsed,
	evaluate,
	explain,
	format_duration,
	next_working_moment,
	parse_time_of_day,
	threshold,
)

D = dt.datetime
SH = ZoneInfo("Asia/Shanghai")
OFFICE = {d: [("09:00", "18:00")] for d in range(5)}


def office(tz="Asia/Shanghai", **kw):
	return SupportCalendar("Head Office", tz, kw.pop("weekly", OFFICE), **kw)


def local(cal, value):
	return value.replace(tzinfo=cal.tz)


# SPEC §3 worked examples: (received, target, expected due)
SPEC_EXAMPLES = [
	("P1 response", D(2023, 10, 25, 9, 15), Target(240), D(2023, 10, 25, 13, 15)),
	("P1 resolution", D(2023, 10, 25, 9, 15), Target(480), D(2023, 10, 25, 17, 15)),
	("P0 response", D(2023, 10, 25, 14, 20), Target(15), D(2023, 10, 25, 14, 35)),
	("P0 resolution", D(2023, 10, 25, 14, 20), Target(120), D(2023, 10, 25, 16, 20)),
	("P0 hard limit", D(2023, 10, 25, 14, 20), Target(240), D(2023, 10, 25, 18, 20)),
	("P3 response", D(2023, 10, 27, 16, 0), Target(1440), D(2023, 10, 28, 16, 0)),
	("P3 resolution", D(2023, 10, 27, 16, 0), Target(3, Basis.WORKING_DAYS), D(2023, 11, 1, 16, 0)),
	("P2 response", D(2023, 10, 25, 16, 45), Target(480), D(2023, 10, 26, 0, 45)),
]


@pytest.mark.parametrize(("label", "start", "target", "expected"), SPEC_EXAMPLES)
def test_spec_worked_examples(label, start, target, expected):
	cal = office()
	assert due(cal, start, target) == local(cal, expected), label


def test_spec_pause_pushes_running_clock_back_on_its_basis():
	cal = office()
	start = D(2023, 10, 25, 9, 15)
	pause = [(D(2023, 10, 25, 10, 0), D(2023, 10, 25, 11, 30))]
	assert due(cal, start, Target(240), pause) == local(cal, D(2023, 10, 25, 14, 45))
	assert due(cal, start, Target(240, Basis.BUSINESS), pause) == local(cal, D(2023, 10, 25, 14, 45))
	# Waiting over a weekend costs a business clock only the business minutes it lost (Fri 17:00-18:00):
	# unpaused, 8 business hours from Fri 16:00 end Mon 15:00; paused, one hour later.
	weekend = [(D(2023, 10, 27, 17, 0), D(2023, 10, 30, 9, 0))]
	assert due(cal, D(2023, 10, 27, 16, 0), Target(480, Basis.BUSINESS)) == local(cal, D(2023, 10, 30, 15, 0))
	assert due(cal, D(2023, 10, 27, 16, 0), Target(480, Basis.BUSINESS), weekend) == local(
		cal, D(2023, 10, 30, 16, 0)
	)
	# ...while a calendar clock loses the whole wall-clock span.
	assert due(cal, D(2023, 10, 27, 16, 0), Target(120), weekend) == local(cal, D(2023, 10, 30, 10, 0))


def test_lunch_break_is_not_counted():
	cal = office(weekly={d: [("09:00", "12:00"), ("13:30", "18:00")] for d in range(5)})
	assert due(cal, D(2024, 5, 6, 11, 0), Target(120, Basis.BUSINESS)) == local(cal, D(2024, 5, 6, 14, 30))
	assert elapsed(cal, D(2024, 5, 6, 11, 0), D(2024, 5, 6, 14, 30), Basis.BUSINESS) == 120
	# a due instant may be exactly the end of a range
	assert due(cal, D(2024, 5, 6, 11, 0), Target(60, Basis.BUSINESS)) == local(cal, D(2024, 5, 6, 12, 0))


def test_night_shift_crosses_midnight():
	cal = SupportCalendar("Night", "UTC", {d: [("22:00", "06:00")] for d in range(5)})
	# Fri 22:00 -> Sat 06:00 is Friday's shift; the next is Monday 22:00.
	assert due(cal, D(2024, 5, 10, 23, 0), Target(8 * 60, Basis.BUSINESS)) == local(
		cal, D(2024, 5, 13, 23, 0)
	)
	assert next_working_moment(cal, D(2024, 5, 11, 7, 0)) == local(cal, D(2024, 5, 13, 22, 0))
	assert cal.is_working_day(D(2024, 5, 10).toordinal())
	assert not cal.is_working_day(D(2024, 5, 11).toordinal())


def test_holidays_whole_and_partial():
	cal = office(
		holidays=[
			Holiday(dt.date(2024, 10, 1), description="National Day"),
			(dt.date(2024, 10, 2), "12:00", "18:00", "Half day"),
		]
	)
	# Mon 30 Sep 17:00 + 2 business hours: 1 h Monday, Tue is a holiday, Wed 09:00-10:00
	assert due(cal, D(2024, 9, 30, 17, 0), Target(120, Basis.BUSINESS)) == local(cal, D(2024, 10, 2, 10, 0))
	# ...and Wednesday afternoon is a half-day holiday: 4 h end at Wed 12:00, 5 h at Thu 10:00
	assert due(cal, D(2024, 9, 30, 17, 0), Target(240, Basis.BUSINESS)) == local(cal, D(2024, 10, 2, 12, 0))
	assert due(cal, D(2024, 9, 30, 17, 0), Target(300, Basis.BUSINESS)) == local(cal, D(2024, 10, 3, 10, 0))
	# a working day keeps the same time of day, rolled to the next working moment (Wed 17:00 is a half-day
	# hole, so Thu 09:00), reported at the earliest instant with that working time elapsed: Wed 12:00
	assert due(cal, D(2024, 9, 30, 17, 0), Target(1, Basis.WORKING_DAYS)) == local(cal, D(2024, 10, 2, 12, 0))
	text = explain(cal, "P3 resolution", D(2024, 9, 30, 17, 0), Target(2, Basis.WORKING_DAYS)).render()
	assert "National Day" in text


def test_extra_working_day_counts():
	saturday = dt.date(2024, 10, 12)
	cal = office(extra_working_days={saturday: [("09:00", "18:00")]})
	assert due(cal, D(2024, 10, 11, 17, 0), Target(120, Basis.BUSINESS)) == local(cal, D(2024, 10, 12, 10, 0))
	assert due(cal, D(2024, 10, 11, 16, 0), Target(1, Basis.WORKING_DAYS)) == local(
		cal, D(2024, 10, 12, 16, 0)
	)
	plain = office()
	assert due(plain, D(2024, 10, 11, 16, 0), Target(1, Basis.WORKING_DAYS)) == local(
		cal, D(2024, 10, 14, 16, 0)
	)


def test_working_days_start_outside_hours_rolls_forward_first():
	cal = office()
	# counted from Mon 09:00: nominally Thu 09:00, an opening after the night, so due at Wed 18:00 (SPEC §3)
	assert due(cal, D(2023, 10, 28, 10, 0), Target(3, Basis.WORKING_DAYS)) == local(
		cal, D(2023, 11, 1, 18, 0)
	)
	assert due(cal, D(2023, 10, 27, 20, 0), Target(1, Basis.WORKING_DAYS)) == local(
		cal, D(2023, 10, 30, 18, 0)
	)
	# no working day to count: due at once, like a zero target on any other basis
	assert due(cal, D(2023, 10, 27, 20, 0), Target(0, Basis.WORKING_DAYS)) == local(
		cal, D(2023, 10, 27, 20, 0)
	)
	assert elapsed(cal, D(2023, 10, 27, 16), D(2023, 11, 1, 16), Basis.WORKING_DAYS) == 3
	assert elapsed(cal, D(2023, 10, 27, 16), D(2023, 11, 1, 15), Basis.WORKING_DAYS) == 2


def test_working_days_pause_adds_business_time():
	cal = office()
	pauses = [(D(2023, 10, 30, 10, 0), D(2023, 10, 30, 12, 0))]
	assert due(cal, D(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS), pauses) == local(
		cal, D(2023, 11, 1, 18, 0)
	)
	weekend = [(D(2023, 10, 28, 10, 0), D(2023, 10, 29, 12, 0))]
	assert due(cal, D(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS), weekend) == local(
		cal, D(2023, 11, 1, 16, 0)
	)


def test_twenty_four_seven_and_dst():
	cal = SupportCalendar.twenty_four_seven("Europe/Berlin")
	assert cal.is_24x7
	# 31 Mar 2024: 02:00 -> 03:00. Two real hours from 01:00 end at 04:00 wall-clock.
	assert due(cal, D(2024, 3, 31, 1, 0), Target(120, Basis.BUSINESS)) == local(cal, D(2024, 3, 31, 4, 0))
	assert due(cal, D(2024, 3, 31, 1, 0), Target(120)) == local(cal, D(2024, 3, 31, 4, 0))
	# Working hours are wall-clock: 09:00-18:00 is 9 real hours on either side of the change.
	berlin = office("Europe/Berlin", weekly={d: [("09:00", "18:00")] for d in range(7)})
	assert due(berlin, D(2024, 3, 30, 17, 0), Target(120, Basis.BUSINESS)) == local(
		berlin, D(2024, 3, 31, 10, 0)
	)
	# A night range across the spring-forward gap lasts one hour less.
	night = SupportCalendar("Night", "America/New_York", {6: [("00:00", "06:00")]})
	assert elapsed(night, D(2024, 3, 10, 0, 0), D(2024, 3, 10, 6, 0), Basis.BUSINESS) == 300


def test_naive_and_aware_inputs_agree():
	cal = office()
	naive = D(2023, 10, 27, 16, 0)
	aware = naive.replace(tzinfo=SH).astimezone(dt.timezone.utc)
	for target in (Target(90, Basis.BUSINESS), Target(2, Basis.WORKING_DAYS), Target(600)):
		assert due(cal, naive, target) == due(cal, aware, target)


@pytest.mark.parametrize(
	("kwargs", "message"),
	[
		({"timezone": "Mars/Olympus"}, "Unknown time zone"),
		({"weekly": {0: [("09:00", "09:00")]}}, "Empty working range"),
		({"weekly": {0: [("09:00", "12:00"), ("11:00", "13:00")]}}, "overlap"),
		({"weekly": {0: [("22:00", "06:00")], 1: [("05:00", "09:00")]}}, "overlap"),
		({"weekly": {6: [("22:00", "06:00")], 0: [("05:00", "09:00")]}}, "overlap"),
		({"weekly": {}}, "no working time"),
		({"weekly": {7: [("09:00", "10:00")]}}, "Invalid weekday"),
		({"weekly": {0: [("9h", "10:00")]}}, "Invalid time of day"),
		({"weekly": {0: [("09:75", "10:00")]}}, "Invalid time of day"),
		({"weekly": {0: [("24:00", "10:00")]}}, "cannot start at 24:00"),
		({"weekly": {0: [("25:00", "10:00")]}}, "Invalid time of day"),
		({"weekly": {0: ["09:00"]}}, "Invalid working range"),
		({"weekly": {0: [(None, "10:00")]}}, "Invalid time of day"),
		({"weekly": {0: [(True, "10:00")]}}, "Invalid time of day"),
		({"extra_working_days": {dt.date(2024, 1, 6): []}}, "has no working ranges"),
		({"holidays": ["2024-01-01"]}, "Invalid holiday"),
		({"holidays": [(dt.date(2024, 1, 1), "10:00", None)]}, "needs both"),
		({"holidays": [(dt.date(2024, 1, 1), "12:00", "10:00")]}, "must end after"),
		(
			{
				"holidays": [dt.date(2024, 1, 6)],
				"extra_working_days": {dt.date(2024, 1, 6): [("09:00", "12:00")]},
			},
			"both a holiday",
		),
		({"always_open": True}, "cannot also have weekly"),
	],
)
def test_invalid_calendars_are_rejected(kwargs, message):
	kwargs = {"timezone": "UTC", "weekly": OFFICE, **kwargs}
	with pytest.raises(InvalidCalendar, match=message) as info:
		SupportCalendar("Bad", **kwargs)
	assert info.value.template  # translatable template kept for the Frappe side


def test_time_of_day_parsing():
	assert parse_time_of_day("09:30") == 34200
	assert parse_time_of_day("09:30:15") == 34215
	assert parse_time_of_day("24:00") == 86400
	assert parse_time_of_day(dt.time(9, 30)) == 34200
	assert parse_time_of_day(dt.timedelta(hours=9, minutes=30)) == 34200
	assert parse_time_of_day(3600) == 3600
	with pytest.raises(InvalidCalendar):
		parse_time_of_day(-5)


def test_horizon_and_bad_input():
	cal = office()
	with pytest.raises(HorizonExceeded):
		due(cal, D(2024, 1, 1), Target(6 * 366 * 1440))
	with pytest.raises(HorizonExceeded):
		due(cal, D(2024, 1, 1), Target(60 * 24 * 365 * 3, Basis.BUSINESS))
	with pytest.raises(HorizonExceeded):
		due(cal, D(2024, 1, 1), Target(2000, Basis.WORKING_DAYS))
	only_extra = SupportCalendar(
		"Sparse", "UTC", {}, extra_working_days={dt.date(2024, 1, 6): [("09:00", "10:00")]}
	)
	with pytest.raises(HorizonExceeded):
		next_working_moment(only_extra, D(2024, 2, 1))
	with pytest.raises(HorizonExceeded):
		due(only_extra, D(2024, 1, 1), Target(1, Basis.WORKING_DAYS))
	with pytest.raises(InvalidInput):
		Target(-1)
	with pytest.raises(InvalidInput):
		Target(True)
	with pytest.raises(InvalidInput):
		Target(1.5, Basis.WORKING_DAYS)
	with pytest.raises(ValueError):
		Target(1, "Fortnights")
	with pytest.raises(InvalidInput, match="cannot end"):
		due(cal, D(2024, 1, 1), Target(60), [(D(2024, 1, 1, 10), D(2024, 1, 1, 9))])
	with pytest.raises(InvalidInput, match="has not ended"):
		due(cal, D(2024, 1, 1), Target(60), [(D(2024, 1, 1, 10), None)])
	with pytest.raises(InvalidInput):
		threshold(cal, D(2024, 1, 1), Target(60), -5)


def test_zero_amount_is_immediate():
	cal = office()
	assert due(cal, D(2023, 10, 28, 10), Target(0, Basis.BUSINESS)) == local(cal, D(2023, 10, 28, 10))
	assert due(cal, D(2023, 10, 28, 10), Target(0)) == local(cal, D(2023, 10, 28, 10))


def test_thresholds():
	cal = office()
	start = D(2023, 10, 25, 9, 15)
	assert threshold(cal, start, Target(240), 75) == local(cal, D(2023, 10, 25, 12, 15))
	assert threshold(cal, start, Target(240), 100) == local(cal, D(2023, 10, 25, 13, 15))
	assert threshold(cal, start, Target(240), 150) == local(cal, D(2023, 10, 25, 15, 15))
	# business basis: 150 % of 8 business hours from Wed 09:00 runs into Thursday
	assert threshold(cal, D(2023, 10, 25, 9), Target(480, Basis.BUSINESS), 150) == local(
		cal, D(2023, 10, 26, 12, 0)
	)
	# working days: percentages are of the business time up to the due instant (Fri 16:00 -> Wed 16:00 = 27 h)
	assert threshold(cal, D(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS), 50) == local(
		cal, D(2023, 10, 31, 11, 30)
	)


def test_evaluate_states():
	cal = office()
	start = D(2023, 10, 25, 9, 15)
	p1 = Target(240)
	reading = evaluate(cal, start, p1, D(2023, 10, 25, 10, 0), thresholds=[50, 150])
	assert reading.state is ClockState.ON_TRACK
	assert reading.next_change == local(cal, D(2023, 10, 25, 11, 15))
	assert reading.percent == 18.75
	reading = evaluate(cal, start, p1, D(2023, 10, 25, 12, 15))
	assert reading.state is ClockState.AT_RISK
	assert reading.crossed == (75.0,)
	assert reading.next_change == local(cal, D(2023, 10, 25, 13, 15))
	reading = evaluate(cal, start, p1, D(2023, 10, 25, 13, 15), thresholds=[150])
	assert reading.state is ClockState.BREACHED
	assert reading.next_change == local(cal, D(2023, 10, 25, 15, 15))
	assert evaluate(cal, start, p1, D(2023, 10, 25, 16, 0), thresholds=[150]).next_change is None
	# stopped in time / late
	met = evaluate(cal, start, p1, D(2023, 10, 25, 16, 0), stopped_at=D(2023, 10, 25, 9, 30))
	assert (met.state, met.next_change, met.percent) == (ClockState.MET, None, 6.25)
	late = evaluate(cal, start, p1, D(2023, 10, 25, 16, 0), stopped_at=D(2023, 10, 25, 14, 0))
	assert late.state is ClockState.BREACHED
	# paused (open pause): due moves with the pause, nothing changes until resumed
	paused = evaluate(cal, start, p1, D(2023, 10, 25, 11, 0), pauses=[(D(2023, 10, 25, 10, 0), None)])
	assert (paused.state, paused.next_change, paused.paused) == (ClockState.PAUSED, None, True)
	assert paused.due == local(cal, D(2023, 10, 25, 14, 15))
	# breached before the pause stays breached
	late_pause = evaluate(cal, start, p1, D(2023, 10, 25, 15, 0), pauses=[(D(2023, 10, 25, 14, 0), None)])
	assert late_pause.state is ClockState.BREACHED
	# zero-length target
	zero = evaluate(cal, start, Target(0), D(2023, 10, 25, 9, 15))
	assert (zero.state, zero.percent) == (ClockState.BREACHED, 100.0)
	zero_future = evaluate(cal, start, Target(0), D(2023, 10, 25, 9, 0))
	assert zero_future.percent == 0.0
	with pytest.raises(InvalidInput):
		evaluate(cal, start, p1, D(2023, 10, 25, 10), warning_percent=0)
	with pytest.raises(InvalidInput):
		evaluate(cal, start, p1, D(2023, 10, 25, 10), stopped_at=D(2023, 10, 25, 9))


def test_explanations():
	cal = office()
	text = explain(cal, "P3 resolution", D(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS)).render()
	assert text == (
		"P3 resolution: 3 working days on calendar 'Head Office' (Asia/Shanghai) "
		"from Fri 27 Oct 16:00 → Wed 1 Nov 16:00; skipped Sat–Sun"
	)
	text = explain(cal, "P1 response", D(2023, 10, 25, 9, 15), Target(240)).render()
	assert text == "P1 response: 4 h (calendar time) from Wed 25 Oct 09:15 → Wed 25 Oct 13:15 (Asia/Shanghai)"
	text = explain(
		cal,
		"P2 resolution",
		D(2023, 10, 28, 10),
		Target(90, Basis.BUSINESS),
		pauses=[(D(2023, 10, 30, 9, 30), D(2023, 10, 30, 10))],
	).render()
	assert "counted from the next working moment, Mon 30 Oct 09:00" in text
	assert "paused 30 min" in text
	assert "→ Mon 30 Oct 11:00" in text
	calendar_pause = explain(
		cal, "P1", D(2023, 10, 25, 9), Target(60), pauses=[(D(2023, 10, 25, 9, 30), D(2023, 10, 25, 9, 45))]
	)
	assert "paused 15 min" in calendar_pause.render()
	one_day = explain(cal, "P3", D(2023, 10, 25, 9), Target(1, Basis.WORKING_DAYS), due_at=D(2023, 10, 26, 9))
	assert "1 working day " in str(one_day)
	# a long span names dates, not weekdays
	long_text = explain(cal, "P3", D(2023, 10, 25, 9), Target(10, Basis.WORKING_DAYS)).render()
	assert "Sat 28 Oct–Sun 29 Oct" in long_text
	# templates are translated one by one
	zh = {"{n} working days": "{n} 个工作日", "Fri": "周五", "skipped {days}": "跳过 {days}"}
	translated = explain(cal, "P3", D(2023, 10, 27, 16), Target(3, Basis.WORKING_DAYS)).render(
		lambda s: zh.get(s, s)
	)
	assert "3 个工作日" in translated and "周五" in translated and "跳过" in translated


def test_format_duration():
	assert str(format_duration(0)) == "0 min"
	assert str(format_duration(90)) == "1 h 30 min"
	assert str(format_duration(1440 + 60)) == "1 d 1 h"


def test_engine_imports_without_frappe():
	root = Path(__file__).resolve().parents[3]
	code = (
		f"import sys; sys.path.insert(0, {str(root)!r}); import builtins; real = builtins.__import__\n"
		"def guard(name, *a, **k):\n"
		"    if name.split('.')[0] == 'frappe': raise ImportError('frappe imported')\n"
		"    return real(name, *a, **k)\n"
		"builtins.__import__ = guard\n"
		"import ts_sla.sla, ts_sla.sla.calendar, ts_sla.sla.clock, ts_sla.sla.state, ts_sla.sla.explain\n"
		"assert 'frappe' not in sys.modules\n"
	)
	subprocess.run([sys.executable, "-I", "-c", code], check=True)


def test_calendar_helpers():
	cal = office()
	assert "Head Office" in repr(cal)
	start = cal.to_us(D(2023, 10, 27, 17))
	intervals = list(cal.working_intervals(start, cal.to_us(D(2023, 10, 30, 10))))
	assert [(cal.from_us(s).hour, cal.from_us(e).hour) for s, e in intervals] == [(17, 18), (9, 10)]
	assert cal.is_working(cal.to_us(D(2023, 10, 27, 10)))
	assert not cal.is_working(cal.to_us(D(2023, 10, 28, 10)))
	assert cal.between(start, start) == 0
	assert elapsed(cal, D(2023, 10, 27, 17), D(2023, 10, 27, 16), Basis.CALENDAR) == 0


def test_a_range_into_a_repeated_hour_and_the_next_days_range_both_count_in_order():
	# Found by the reference comparison under load: Saturday 01:30 until Sunday 01:15, then Sunday 01:15-01:30,
	# in New York on the night the clocks fall back (Sunday 2024-11-03 02:00 EDT -> 01:00 EST). Real time from
	# 01:00 EDT: Saturday's range works until 01:15 EDT, Sunday's 01:15-01:30 EDT, then, after the repeat,
	# Saturday's again 01:00-01:15 EST and Sunday's 01:15-01:30 EST. The dates' intervals interleave.
	ny = ZoneInfo("America/New_York")
	cal = SupportCalendar(
		"Night desk", "America/New_York", {5: [("01:30", "01:15")], 6: [("01:15", "01:30")]}
	)
	start = D(2024, 11, 3, 1, 0)  # first pass, 05:00 UTC
	utc = dt.timezone.utc
	assert elapsed(cal, start, D(2024, 11, 3, 6, 1, tzinfo=utc), Basis.BUSINESS) == 31
	assert elapsed(cal, start, D(2024, 11, 3, 6, 30, tzinfo=utc), Basis.BUSINESS) == 60
	# the first pass's 01:15-01:30 EDT is working time, and a due counts it before the second pass
	# (compared as UTC: Python never finds an ambiguous wall time equal to another zone's)
	moment = next_working_moment(cal, D(2024, 11, 3, 5, 16, tzinfo=utc))
	assert moment.astimezone(utc) == D(2024, 11, 3, 5, 16, tzinfo=utc)
	assert due(cal, start, Target(31, Basis.BUSINESS)).astimezone(utc) == D(2024, 11, 3, 6, 1, tzinfo=utc)
	assert due(cal, start, Target(45, Basis.BUSINESS)).astimezone(utc) == D(2024, 11, 3, 6, 15, tzinfo=utc)
	assert due(cal, start, Target(45, Basis.BUSINESS)).tzinfo == ny
