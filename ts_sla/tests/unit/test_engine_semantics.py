"""Named examples of the engine's rules: the earliest-instant rule for working days, night shifts and
holidays, DST gaps, the ``tz`` argument, and hostile input (each the regression test of a fixed defect)."""

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ts_sla.sla import (
	Basis,
	ClockState,
	Holiday,
	HorizonExceeded,
	InvalidCalendar,
	InvalidInput,
	SLAError,
	SupportCalendar,
	Target,
	due,
	elapsed,
	evaluate,
	explain,
	next_working_moment,
	threshold,
)
from ts_sla.sla.calendar import US

D = dt.datetime
UTC = dt.timezone.utc
SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: [("09:00", "18:00")] for d in range(5)}
NIGHTS = {d: [("22:00", "06:00")] for d in range(5)}
THREE_DAYS = Target(3, Basis.WORKING_DAYS)


def office(tz="Asia/Shanghai", weekly=OFFICE, **kw):
	return SupportCalendar("Head Office", tz, weekly, **kw)


def at(cal, *args):
	return D(*args, tzinfo=cal.tz)


def utc(*args):
	return D(*args, tzinfo=UTC)


# -- 1. working days: the earliest instant at which the target has elapsed ------------------------------


def test_working_days_from_saturday_are_due_at_the_close_before_the_opening():
	"""Sat 10:00 rolls to Mon 09:00; nominally Thu 09:00, an opening after the night: due Wed 18:00."""
	cal = office()
	assert due(cal, D(2023, 10, 28, 10), THREE_DAYS) == at(cal, 2023, 11, 1, 18)


def test_working_days_from_a_close_are_due_at_a_close():
	"""Mon 18:00 (the close, not working time) rolls to Tue 09:00; nominally Fri 09:00: due Thu 18:00."""
	cal = office()
	assert due(cal, D(2023, 10, 30, 18), THREE_DAYS) == at(cal, 2023, 11, 2, 18)


def test_working_days_spec_example_is_unchanged():
	cal = office()
	assert due(cal, D(2023, 10, 27, 16), THREE_DAYS) == at(cal, 2023, 11, 1, 16)


def test_working_days_from_an_opening_are_due_at_the_previous_close():
	"""Mon 09:00 + 1 working day: Tue 09:00 has no more working time elapsed than Mon 18:00."""
	cal = office()
	assert due(cal, D(2023, 10, 30, 9), Target(1, Basis.WORKING_DAYS)) == at(cal, 2023, 10, 30, 18)


def test_zero_working_days_are_due_at_the_start():
	cal = office()
	assert due(cal, D(2023, 10, 28, 10), Target(0, Basis.WORKING_DAYS)) == at(cal, 2023, 10, 28, 10)


@pytest.mark.parametrize(
	"start",
	[
		D(2023, 10, 28, 10),
		D(2023, 10, 30, 18),
		D(2023, 10, 27, 16),
		D(2023, 10, 30, 9),
		D(2023, 10, 25, 12, 30),
	],
)
def test_working_days_elapsed_threshold_and_evaluate_agree_with_due(start):
	"""elapsed(due(n)) == n, just before due(n) it is n - 1; thresholds and states switch at due(n)."""
	cal = office()
	for days in range(1, 8):
		target = Target(days, Basis.WORKING_DAYS)
		due_at = due(cal, start, target)
		before = due_at - dt.timedelta(microseconds=1)
		assert elapsed(cal, start, due_at, Basis.WORKING_DAYS) == days
		assert elapsed(cal, start, before, Basis.WORKING_DAYS) == days - 1
		assert threshold(cal, start, target, 100) == due_at
		assert threshold(cal, start, target, 99.9) < due_at
		assert evaluate(cal, start, target, due_at).state is ClockState.BREACHED
		reading = evaluate(cal, start, target, before)
		assert reading.state is ClockState.AT_RISK and reading.next_change == due_at
		assert reading.crossed == (75.0,)


def test_working_days_elapsed_at_a_later_opening_counts_the_same_day():
	cal = office()
	start = D(2023, 10, 28, 10)
	# due(3) is Wed 18:00; Thu 09:00 has the same working time elapsed, Thu 08:59 too
	assert elapsed(cal, start, D(2023, 11, 2, 8, 59), Basis.WORKING_DAYS) == 3
	assert elapsed(cal, start, D(2023, 11, 1, 17, 59), Basis.WORKING_DAYS) == 2


def test_working_days_pause_is_added_after_the_earliest_due():
	cal = office()
	start = D(2023, 10, 28, 10)
	# a whole paused Monday (9 business hours) moves Wed 18:00 by 9 business hours: Thu 18:00, not Fri 09:00
	monday = [(D(2023, 10, 30, 9), D(2023, 10, 30, 18))]
	assert due(cal, start, THREE_DAYS, monday) == at(cal, 2023, 11, 2, 18)
	# one paused hour: Thu 10:00
	hour = [(D(2023, 10, 30, 10), D(2023, 10, 30, 11))]
	assert due(cal, start, THREE_DAYS, hour) == at(cal, 2023, 11, 2, 10)
	# a pause on the weekend before the start costs nothing
	weekend = [(D(2023, 10, 28, 11), D(2023, 10, 29, 11))]
	assert due(cal, start, THREE_DAYS, weekend) == at(cal, 2023, 11, 1, 18)
	assert elapsed(cal, start, at(cal, 2023, 11, 2, 18), Basis.WORKING_DAYS, monday) == 3


def test_working_days_due_at_a_close_before_a_holiday():
	cal = office(holidays=[dt.date(2023, 11, 2)])
	# Fri 09:00 + 3: nominally Wed 09:00, an opening: Tue 18:00. + 4 skips the Thursday holiday: nominally
	# Fri 09:00, the same working time as Wed 18:00 (before the holiday)
	assert due(cal, D(2023, 10, 27, 9), THREE_DAYS) == at(cal, 2023, 10, 31, 18)
	assert due(cal, D(2023, 10, 27, 9), Target(4, Basis.WORKING_DAYS)) == at(cal, 2023, 11, 1, 18)
	# from 10:00 the nominal due lies inside working time: Fri 10:00
	assert due(cal, D(2023, 10, 27, 10), Target(4, Basis.WORKING_DAYS)) == at(cal, 2023, 11, 3, 10)


def test_business_due_is_the_close_not_the_next_opening():
	cal = office()
	assert due(cal, D(2023, 10, 30, 9), Target(9 * 60, Basis.BUSINESS)) == at(cal, 2023, 10, 30, 18)
	pause = [(D(2023, 10, 30, 10), D(2023, 10, 30, 11))]
	assert due(cal, D(2023, 10, 30, 9), Target(8 * 60, Basis.BUSINESS), pause) == at(cal, 2023, 10, 30, 18)


def test_zero_calendar_target_inside_a_pause_is_due_at_the_start():
	cal = office()
	pause = [(D(2023, 10, 30, 8), D(2023, 10, 30, 12))]
	for basis in Basis:
		assert due(cal, D(2023, 10, 30, 10), Target(0, basis), pause) == at(cal, 2023, 10, 30, 10)


# -- 2. a range crossing midnight belongs to the day it starts on, for holidays too -------------------


def test_whole_day_holiday_keeps_the_night_shift_running_into_it():
	"""Tue 24 Oct is a holiday: Monday's 22:00-06:00 shift still runs into it; Tuesday's own shift is void."""
	cal = office(weekly=NIGHTS, holidays=[dt.date(2023, 10, 24)])
	assert due(cal, D(2023, 10, 23, 22), Target(480, Basis.BUSINESS)) == at(cal, 2023, 10, 24, 6)
	assert due(cal, D(2023, 10, 24, 5), Target(120, Basis.BUSINESS)) == at(cal, 2023, 10, 25, 23)
	assert cal.is_working(cal.to_us(D(2023, 10, 24, 3)))
	assert not cal.is_working(cal.to_us(D(2023, 10, 24, 23)))
	assert not cal.is_working_day(dt.date(2023, 10, 24).toordinal())


def test_whole_day_holiday_does_not_void_the_day_before_on_the_fast_path():
	cal = office(weekly=NIGHTS, holidays=[dt.date(2023, 10, 24)])
	monday = dt.date(2023, 10, 23).toordinal()
	intervals, total = cal.day(monday)
	assert intervals == ((cal.to_us(D(2023, 10, 23, 22)), cal.to_us(D(2023, 10, 24, 6))),)
	assert total == 8 * 3600 * US
	assert cal.day(monday + 1) == ((), 0)


def test_partial_holiday_cuts_the_night_shift_of_the_day_before():
	cal = office(weekly=NIGHTS, holidays=[(dt.date(2023, 10, 24), "02:00", "04:00")])
	# Mon 22:00-02:00 and 04:00-06:00 give 6 h; 2 h more on Tuesday night
	assert due(cal, D(2023, 10, 23, 22), Target(480, Basis.BUSINESS)) == at(cal, 2023, 10, 25, 0)
	assert not cal.is_working(cal.to_us(D(2023, 10, 24, 3)))


def test_whole_and_partial_holiday_on_one_date():
	cal = office(
		weekly=NIGHTS,
		holidays=[dt.date(2023, 10, 24), Holiday(dt.date(2023, 10, 24), 5 * 3600, 6 * 3600, "Drill")],
	)
	assert due(cal, D(2023, 10, 23, 22), Target(480, Basis.BUSINESS)) == at(cal, 2023, 10, 25, 23)


def test_extra_working_day_night_shift_runs_into_a_holiday():
	saturday = dt.date(2023, 10, 28)
	cal = office(
		weekly=OFFICE, extra_working_days={saturday: [("20:00", "02:00")]}, holidays=[dt.date(2023, 10, 29)]
	)
	assert due(cal, D(2023, 10, 28, 20), Target(360, Basis.BUSINESS)) == at(cal, 2023, 10, 29, 2)


# -- 3. DST: a wall time the clocks skip is the instant they jump --------------------------------------


def test_range_starting_in_a_skipped_hour_starts_at_the_jump():
	"""Berlin, Sun 31 Mar 2024, 02:00 -> 03:00: a 02:30-04:00 range starts at 03:00 CEST (01:00 UTC)."""
	cal = SupportCalendar("Berlin", "Europe/Berlin", {6: [("02:30", "04:00")]})
	sunday = dt.date(2024, 3, 31).toordinal()
	assert cal.day(sunday) == (((cal.to_us(utc(2024, 3, 31, 1)), cal.to_us(utc(2024, 3, 31, 2))),), 3600 * US)
	assert next_working_moment(cal, D(2024, 3, 31, 1)) == utc(2024, 3, 31, 1)
	assert due(cal, D(2024, 3, 31, 1), Target(60, Basis.BUSINESS)) == at(cal, 2024, 3, 31, 4)


def test_range_ending_in_a_skipped_hour_ends_at_the_jump():
	cal = SupportCalendar("Berlin", "Europe/Berlin", {6: [("01:00", "02:30")], 0: [("09:00", "10:00")]})
	assert elapsed(cal, D(2024, 3, 31), D(2024, 3, 31, 5), Basis.BUSINESS) == 60
	assert due(cal, D(2024, 3, 31), Target(60, Basis.BUSINESS)) == utc(2024, 3, 31, 1)


def test_range_inside_a_skipped_hour_is_empty():
	cal = SupportCalendar("Berlin", "Europe/Berlin", {6: [("02:15", "02:45"), ("05:00", "06:00")]})
	assert cal.day(dt.date(2024, 3, 31).toordinal())[1] == 3600 * US


def test_naive_wall_time_in_a_skipped_hour_is_the_jump():
	cal = SupportCalendar("Berlin", "Europe/Berlin", OFFICE)
	jump = utc(2024, 3, 31, 1)
	for wall in (D(2024, 3, 31, 2), D(2024, 3, 31, 2, 30), D(2024, 3, 31, 2, 59, 59, 999999)):
		assert cal.to_us(wall) == cal.to_us(jump)
		assert cal.to_us(wall.replace(tzinfo=BERLIN)) == cal.to_us(jump)  # replace(tzinfo=...) reads the same
		assert due(cal, wall, Target(0)) == jump
	assert cal.to_us(D(2024, 3, 31, 3)) == cal.to_us(jump)
	assert cal.to_us(D(2024, 3, 31, 1, 59)) == cal.to_us(utc(2024, 3, 31, 0, 59))


def test_ambiguous_wall_time_is_its_first_occurrence():
	cal = SupportCalendar("Berlin", "Europe/Berlin", OFFICE)
	assert cal.to_us(D(2024, 10, 27, 2, 30)) == cal.to_us(utc(2024, 10, 27, 0, 30))
	assert cal.to_us(D(2024, 10, 27, 2, 30, fold=1)) == cal.to_us(utc(2024, 10, 27, 1, 30))


# -- a repeated hour (fall back): every real minute whose wall time is working time counts --------------


def test_a_range_ending_in_a_repeated_hour_works_both_passes():
	# Berlin repeats 02:00-03:00 on 2024-10-27: 01:00-02:30 is 01:00-02:30 CEST and 02:00-02:30 CET
	night = SupportCalendar("Berlin", "Europe/Berlin", {6: [("01:00", "02:30")], 0: [("09:00", "10:00")]})
	assert elapsed(night, D(2024, 10, 27), D(2024, 10, 27, 5), Basis.BUSINESS) == 120
	# (an aware time of a repeated hour never equals one of another zone: compare in UTC)
	got = due(night, utc(2024, 10, 26, 23), Target(100, Basis.BUSINESS))
	assert got.astimezone(dt.timezone.utc) == utc(2024, 10, 27, 1, 10)


def test_a_range_starting_in_a_repeated_hour_skips_the_second_pass_before_it():
	# 02:30-04:00 on 2024-10-27: 02:30-03:00 CEST, then 02:30-04:00 CET (02:00-02:30 CET is before 02:30)
	cal = SupportCalendar("Berlin", "Europe/Berlin", {6: [("02:30", "04:00")], 0: [("09:00", "10:00")]})
	assert elapsed(cal, D(2024, 10, 27), D(2024, 10, 27, 6), Basis.BUSINESS) == 120
	got = due(cal, utc(2024, 10, 27, 0, 30), Target(31, Basis.BUSINESS))
	assert got.astimezone(dt.timezone.utc) == utc(2024, 10, 27, 1, 31)


def test_issue_example_berlin_round_the_clock_seen_from_shanghai():
	# a Berlin calendar working 00:00-24:00 every day, system zone Asia/Shanghai: received 2023-10-29 07:30
	# Shanghai (01:30 CEST), 120 business minutes -> 09:30 Shanghai (02:30 CET, two real hours later)
	cal = SupportCalendar("Berlin", "Europe/Berlin", {day: [("00:00", "24:00")] for day in range(7)})
	shanghai = ZoneInfo("Asia/Shanghai")
	got = due(cal, D(2023, 10, 29, 7, 30), Target(120, Basis.BUSINESS), tz="Asia/Shanghai")
	assert got.astimezone(shanghai).replace(tzinfo=None) == D(2023, 10, 29, 9, 30)
	assert got.astimezone(BERLIN).fold == 1
	# a range ending in the repeat: the minutes of its second pass count too
	split = SupportCalendar(
		"Berlin", "Europe/Berlin", {day: [("00:00", "02:30"), ("02:40", "24:00")] for day in range(7)}
	)
	got = due(split, D(2023, 10, 29, 7, 30), Target(120, Basis.BUSINESS), tz="Asia/Shanghai")
	assert got.astimezone(shanghai).replace(tzinfo=None) == D(2023, 10, 29, 9, 50)
	# a pause over the whole repeated hour costs its 60 real minutes only once it is working time
	pause = [(D(2023, 10, 29, 8), D(2023, 10, 29, 9))]  # Shanghai: 02:00 CEST to 02:00 CET
	got = due(cal, D(2023, 10, 29, 7, 30), Target(120, Basis.BUSINESS), pause, tz="Asia/Shanghai")
	assert got.astimezone(shanghai).replace(tzinfo=None) == D(2023, 10, 29, 10, 30)


def test_lord_howe_repeats_thirty_minutes():
	# Lord Howe goes from +11 to +10:30 at 02:00 on 2023-04-02: 01:30-02:00 is shown twice
	cal = SupportCalendar("LH", "Australia/Lord_Howe", {6: [("01:00", "01:45")], 0: [("09:00", "10:00")]})
	# 01:00-01:45 (+11) is 45 minutes, then 01:30-01:45 (+10:30) another 15
	assert elapsed(cal, D(2023, 4, 2), D(2023, 4, 2, 4), Basis.BUSINESS) == 60
	assert elapsed(cal, D(2024, 4, 7), D(2024, 4, 7, 4), Basis.BUSINESS) == 60
	first = cal.to_us(D(2023, 4, 2, 1))
	assert cal.from_us(cal.add(first, 50 * 60 * 10**6)) == D(2023, 4, 2, 1, 35, fold=1).replace(tzinfo=cal.tz)


def test_a_partial_holiday_in_a_repeated_hour_removes_both_passes():
	cal = SupportCalendar(
		"Berlin",
		"Europe/Berlin",
		{6: [("00:00", "06:00")], 0: [("09:00", "10:00")]},
		holidays=[(dt.date(2024, 10, 27), "02:15", "02:45")],
	)
	# 7 real hours from 00:00 CEST to 06:00 CET, less 30 minutes on each pass of 02:15-02:45
	assert elapsed(cal, D(2024, 10, 27), D(2024, 10, 27, 7), Basis.BUSINESS) == 7 * 60 - 60


def test_a_skipped_hour_counts_nothing():
	cal = SupportCalendar("Berlin", "Europe/Berlin", {6: [("01:00", "04:00")], 0: [("09:00", "10:00")]})
	assert elapsed(cal, D(2024, 3, 31), D(2024, 3, 31, 6), Basis.BUSINESS) == 120
	lh = SupportCalendar("LH", "Australia/Lord_Howe", {6: [("01:00", "03:00")], 0: [("09:00", "10:00")]})
	assert elapsed(lh, D(2023, 10, 1), D(2023, 10, 1, 6), Basis.BUSINESS) == 90  # 02:00-02:30 skipped


def test_pause_ending_in_a_skipped_hour_is_valid():
	cal = SupportCalendar.twenty_four_seven("Europe/Berlin")
	start = D(2024, 3, 31, 1)
	# both ends inside the skipped hour: an empty pause, not an error
	assert due(cal, start, Target(60), [(D(2024, 3, 31, 2, 30), D(2024, 3, 31, 3, 10))]) == utc(
		2024, 3, 31, 1
	)
	assert due(cal, start, Target(60), [(D(2024, 3, 31, 2, 30), D(2024, 3, 31, 2, 10))]) == utc(
		2024, 3, 31, 1
	)
	# 01:50 CET to the jump is 10 minutes; the jump to 03:10 CEST another 10
	assert due(cal, start, Target(60), [(D(2024, 3, 31, 1, 50), D(2024, 3, 31, 2, 30))]) == at(
		cal, 2024, 3, 31, 3, 10
	)
	assert due(cal, start, Target(60), [(D(2024, 3, 31, 2, 30), D(2024, 3, 31, 3, 10))]) == at(
		cal, 2024, 3, 31, 3
	)
	office_cal = office("Europe/Berlin", weekly={d: [("00:00", "24:00")] for d in range(7)}, holidays=[])
	# now and the open pause's start both fall on the jump: paused, and due at 04:00 CEST
	reading = evaluate(
		office_cal,
		start,
		Target(120, Basis.BUSINESS),
		D(2024, 3, 31, 2, 45),
		pauses=[(D(2024, 3, 31, 2, 30), None)],
	)
	assert reading.paused and reading.state is ClockState.PAUSED
	assert reading.due == at(office_cal, 2024, 3, 31, 4)


def test_lord_howe_half_hour_shift():
	"""Lord Howe: 6 Oct 2024 02:00 -> 02:30 (+10:30 -> +11); 7 Apr 2024 02:00 -> 01:30 (+11 -> +10:30)."""
	cal = SupportCalendar("LHI", "Australia/Lord_Howe", {6: [("01:00", "03:00")]})
	jump = utc(2024, 10, 5, 15, 30)
	assert cal.to_us(D(2024, 10, 6, 2, 15)) == cal.to_us(jump)
	assert elapsed(cal, D(2024, 10, 6), D(2024, 10, 6, 4), Basis.BUSINESS) == 90
	assert elapsed(cal, D(2024, 4, 7), D(2024, 4, 7, 4), Basis.BUSINESS) == 150
	assert due(cal, D(2024, 10, 6, 2, 10), Target(30, Basis.BUSINESS)) == at(cal, 2024, 10, 6, 3)
	shifted = SupportCalendar("LHI", "Australia/Lord_Howe", {6: [("02:10", "04:00")]})
	assert next_working_moment(shifted, D(2024, 10, 6)) == jump


def test_new_york_skipped_hour():
	cal = SupportCalendar("NY", "America/New_York", {6: [("02:30", "05:00")]})
	assert next_working_moment(cal, D(2024, 3, 10)) == utc(2024, 3, 10, 7)
	assert elapsed(cal, D(2024, 3, 10), D(2024, 3, 10, 6), Basis.BUSINESS) == 120


# -- 4. inputs: the tz argument, malformed calendars, hostile numbers, far dates ------------------------


def test_tz_argument_reads_naive_inputs_in_that_zone():
	"""The calendar is in Shanghai; the caller's naive datetimes are Berlin wall times (system zone)."""
	cal = office()
	start_berlin = D(2023, 10, 27, 3)  # CEST (+2): 09:00 in Shanghai
	aware = start_berlin.replace(tzinfo=BERLIN)
	pauses = [(D(2023, 10, 27, 4), D(2023, 10, 27, 5))]
	aware_pauses = [(s.replace(tzinfo=BERLIN), e.replace(tzinfo=BERLIN)) for s, e in pauses]
	for tz in ("Europe/Berlin", BERLIN):
		for target in (Target(120), Target(120, Basis.BUSINESS), THREE_DAYS):
			assert due(cal, start_berlin, target, pauses, tz=tz) == due(cal, aware, target, aware_pauses)
			assert threshold(cal, start_berlin, target, 50, pauses, tz=tz) == threshold(
				cal, aware, target, 50, aware_pauses
			)
		assert due(cal, start_berlin, Target(120, Basis.BUSINESS), tz=tz) == at(cal, 2023, 10, 27, 11)
		end = D(2023, 10, 27, 10)  # 16:00 in Shanghai
		assert elapsed(cal, start_berlin, end, Basis.BUSINESS, pauses, tz=tz) == 6 * 60
		assert elapsed(cal, start_berlin, end, Basis.CALENDAR, tz=tz) == 7 * 60
		assert next_working_moment(cal, D(2023, 10, 27, 1), tz=tz) == at(cal, 2023, 10, 27, 9)
		reading = evaluate(
			cal, start_berlin, Target(120), D(2023, 10, 27, 4, 30), tz=tz, pauses=[(end, None)]
		)
		assert reading.state is ClockState.AT_RISK and reading.due == at(cal, 2023, 10, 27, 11)
		text = explain(cal, "P1", start_berlin, Target(120), tz=tz).render()
		assert "Fri 27 Oct 09:00 → Fri 27 Oct 11:00" in text
	# None keeps the calendar's zone; aware datetimes ignore tz
	assert due(cal, start_berlin, Target(60)) == at(cal, 2023, 10, 27, 4)
	assert due(cal, aware, Target(60), tz="America/New_York") == due(cal, aware, Target(60))


def test_tz_argument_applies_the_skipped_hour_rule_in_that_zone():
	cal = office()
	assert due(cal, D(2024, 3, 31, 2, 30), Target(0), tz="Europe/Berlin") == utc(2024, 3, 31, 1)
	# 01:00 CET is 00:00 UTC; the pause runs from the jump (01:00 UTC) to 03:10 CEST (01:10 UTC)
	pauses = [(D(2024, 3, 31, 2, 30), D(2024, 3, 31, 3, 10))]
	assert due(cal, D(2024, 3, 31, 1), Target(90), pauses, tz="Europe/Berlin") == utc(2024, 3, 31, 1, 40)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", 5, object()])
def test_unknown_tz_argument_is_invalid_input(tz):
	with pytest.raises(InvalidInput, match="Unknown time zone"):
		due(office(), D(2023, 10, 27, 9), Target(60), tz=tz)


DATE = dt.date(2024, 1, 6)


@pytest.mark.parametrize(
	("kwargs", "message"),
	[
		({"holidays": ["2024-01-01"]}, "Invalid holiday: 2024-01-01 (give a date)"),
		({"holidays": [D(2024, 1, 1)]}, "Invalid holiday: 2024-01-01 00:00:00 (give a date)"),
		({"holidays": [("2024-01-01", "10:00", "12:00")]}, "Invalid holiday: 2024-01-01 (give a date)"),
		({"holidays": [Holiday("2024-01-01")]}, "Invalid holiday: 2024-01-01 (give a date)"),
		({"holidays": [()]}, "Invalid holiday: None (give a date)"),
		({"holidays": "2024-01-01"}, "Invalid holidays: 2024-01-01 (give a list of dates)"),
		({"holidays": 5}, "Invalid holidays: 5 (give a list of dates)"),
		(
			{"holidays": [Holiday(DATE, 36000)]},
			"A partial holiday on 2024-01-06 needs both a start and an end",
		),
		(
			{"holidays": [[DATE, "10:00", "09:00"]]},
			"A partial holiday on 2024-01-06 must end after it starts",
		),
		({"holidays": [(DATE, "10:00", "25:00")]}, "Invalid time of day: 25:00"),
		(
			{"extra_working_days": {"2024-01-06": [("09:00", "10:00")]}},
			"Invalid extra working day: 2024-01-06 (give a date)",
		),
		(
			{"extra_working_days": [DATE]},
			"Invalid extra working days: [datetime.date(2024, 1, 6)] (give each date and its ranges)",
		),
		({"extra_working_days": {DATE: None}}, "Extra working day 2024-01-06 has no working ranges"),
		(
			{"extra_working_days": {DATE: "09:00"}},
			"Invalid working ranges on 2024-01-06: 09:00 (give a list of (start, end) pairs)",
		),
		(
			{"weekly": {"Monday": [("09:00", "10:00")]}},
			"Invalid weekday Monday: use 0 (Monday) to 6 (Sunday)",
		),
		({"weekly": {7: [("09:00", "10:00")]}}, "Invalid weekday 7: use 0 (Monday) to 6 (Sunday)"),
		({"weekly": {True: [("09:00", "10:00")]}}, "Invalid weekday True: use 0 (Monday) to 6 (Sunday)"),
		({"weekly": {1.0: [("09:00", "10:00")]}}, "Invalid weekday 1.0: use 0 (Monday) to 6 (Sunday)"),
		(
			{"weekly": {0: "09:00-18:00"}},
			"Invalid working ranges on Monday: 09:00-18:00 (give a list of (start, end) pairs)",
		),
		({"weekly": {0: 5}}, "Invalid working ranges on Monday: 5 (give a list of (start, end) pairs)"),
		(
			{"weekly": {0: [("09:00", "12:00", "13:00")]}},
			"Invalid working range on Monday: ('09:00', '12:00', '13:00') (give a (start, end) pair)",
		),
		({"weekly": {0: [None]}}, "Invalid working range on Monday: None (give a (start, end) pair)"),
		({"weekly": {0: ["0918"]}}, "Invalid working range on Monday: 0918 (give a (start, end) pair)"),
		({"weekly": {0: [(None, None)]}}, "Invalid time of day: None"),
		({"weekly": {0: [("09:00", 5.5)]}}, "Invalid time of day: 5.5"),
		({"weekly": {0: [("09:00", "18:00:inf")]}}, "Invalid time of day: 18:00:inf"),
		(
			{"weekly": [("09:00", "18:00")]},
			"Invalid weekly working hours: [('09:00', '18:00')] (give each weekday, 0 (Monday) to 6 (Sunday),"
			" with its ranges)",
		),
		({"timezone": None}, "Unknown time zone 'None'"),
		({"timezone": "Europe"}, "Unknown time zone 'Europe'"),
		({"timezone": "../../etc/passwd"}, "Unknown time zone '../../etc/passwd'"),
	],
)
def test_malformed_calendars_are_reported_plainly(kwargs, message):
	kwargs = {"timezone": "UTC", "weekly": OFFICE, **kwargs}
	with pytest.raises(InvalidCalendar) as info:
		SupportCalendar("Bad", **kwargs)
	assert str(info.value) == message
	assert info.value.template.format(**info.value.params) == message


def test_none_weekday_ranges_and_holidays_mean_none():
	cal = SupportCalendar("Sparse", "UTC", {0: [("09:00", "10:00")], 1: None}, None, None)
	assert not cal.is_working_day(dt.date(2024, 1, 2).toordinal())


@pytest.mark.parametrize(
	"amount", [math.nan, math.inf, -math.inf, -1, -0.5, "60", None, True, dt.timedelta(minutes=5)]
)
def test_bad_target_amounts_are_invalid_input(amount):
	for basis in Basis:
		with pytest.raises(InvalidInput):
			Target(amount, basis)


@pytest.mark.parametrize("amount", [1e308, 1e300, 10**400, 2**63, 6 * 366 * 1440])
@pytest.mark.parametrize("basis", list(Basis))
def test_huge_targets_exceed_the_horizon(amount, basis):
	with pytest.raises(HorizonExceeded):
		due(office(), D(2024, 1, 1), Target(amount, basis))
	with pytest.raises(HorizonExceeded):
		due(SupportCalendar.twenty_four_seven("UTC"), D(2024, 1, 1), Target(amount, basis))


def test_unknown_basis_is_invalid_input():
	with pytest.raises(InvalidInput, match="Unknown SLA basis Fortnights"):
		Target(1, "Fortnights")
	with pytest.raises(InvalidInput, match="Unknown SLA basis"):
		elapsed(office(), D(2024, 1, 1), D(2024, 1, 2), "Weeks")


@pytest.mark.parametrize("percent", [math.nan, math.inf, -math.inf, "50", None, True])
def test_bad_percentages_are_invalid_input(percent):
	cal = office()
	with pytest.raises(InvalidInput):
		threshold(cal, D(2024, 1, 1), Target(60), percent)
	if percent != -math.inf:  # negative escalation thresholds are ignored
		with pytest.raises(InvalidInput):
			evaluate(cal, D(2024, 1, 1), Target(60), D(2024, 1, 1, 1), thresholds=[percent])
	with pytest.raises(InvalidInput):
		evaluate(cal, D(2024, 1, 1), Target(60), D(2024, 1, 1, 1), warning_percent=percent)


def test_huge_percentages_exceed_the_horizon():
	with pytest.raises(HorizonExceeded):
		threshold(office(), D(2024, 1, 1), Target(60), 1e308)


@pytest.mark.parametrize(
	"when",
	[
		D(1, 1, 1),
		D.min,
		D.max,
		D(9999, 12, 31, 23),
		D(999, 12, 31),
		D(9000, 1, 3),
		D(1, 1, 1, tzinfo=UTC),
		D(9999, 12, 31, tzinfo=dt.timezone(dt.timedelta(hours=-23))),
	],
)
def test_dates_out_of_range_are_invalid_input(when):
	cal = office()
	for basis in Basis:
		with pytest.raises(InvalidInput, match="outside the years 1000 to 8999"):
			due(cal, when, Target(60 if basis is not Basis.WORKING_DAYS else 3, basis))
	with pytest.raises(InvalidInput):
		elapsed(cal, D(2024, 1, 1), when, Basis.BUSINESS)
	with pytest.raises(InvalidInput):
		evaluate(cal, D(2024, 1, 1), Target(60), when)
	with pytest.raises(InvalidInput):
		due(cal, D(2024, 1, 1), Target(60), [(when, D(2024, 1, 2))])


def test_the_edges_of_the_supported_years_work():
	cal = office()
	assert due(cal, D(8999, 12, 31, 23), THREE_DAYS).year == 9000
	assert due(cal, D(1000, 1, 1), Target(60, Basis.BUSINESS)).year == 1000
	with pytest.raises(HorizonExceeded):
		due(cal, D(8999, 12, 31), Target(10**9, Basis.BUSINESS))


@pytest.mark.parametrize("value", ["2024-01-01 10:00", dt.date(2024, 1, 1), None, 1704067200])
def test_non_datetimes_are_invalid_input(value):
	cal = office()
	with pytest.raises(InvalidInput, match="Expected a date and time"):
		due(cal, value, Target(60))
	with pytest.raises(InvalidInput):
		due(cal, D(2024, 1, 1), Target(60), [(value, None)] if value is not None else [value])


def test_adjacent_ranges_count_as_one():
	cal = office(weekly={0: [("09:00", "12:00"), ("12:00", "13:00")]})  # Mondays only
	assert cal.day(dt.date(2024, 1, 1).toordinal())[1] == 4 * 3600 * US
	assert due(cal, D(2024, 1, 1, 9), Target(1, Basis.WORKING_DAYS)) == at(cal, 2024, 1, 1, 13)
	# the same on a date with a partial holiday (its intervals are built range by range)
	monday = dt.date(2024, 1, 8)
	cut = office(weekly={0: [("09:00", "12:00"), ("12:00", "13:00")]}, holidays=[(monday, "09:00", "10:00")])
	assert cut.day(monday.toordinal()) == (
		((cut.to_us(D(2024, 1, 8, 10)), cut.to_us(D(2024, 1, 8, 13))),),
		3 * 3600 * US,
	)


def test_elapsed_working_days_on_a_sparse_calendar():
	"""Only one make-up day: counted from it, no further working day ever comes (the search ends at the
	horizon); counted from before it, that day is the first, so none has elapsed by its middle."""
	cal = SupportCalendar("Sparse", "UTC", {}, extra_working_days={dt.date(2024, 1, 6): [("09:00", "10:00")]})
	assert elapsed(cal, D(2024, 1, 6, 9), D(2025, 1, 1), Basis.WORKING_DAYS) == 0
	assert elapsed(cal, D(2024, 1, 1), D(2024, 1, 6, 9, 30), Basis.WORKING_DAYS) == 0


def test_elapsed_working_days_beyond_the_horizon_is_refused():
	with pytest.raises(HorizonExceeded):
		elapsed(office(), D(2024, 1, 1), D(2030, 1, 1), Basis.WORKING_DAYS)


# -- fuzzing: malformed input raises the engine's errors, never Python's --------------------------------

scalars = (
	st.none()
	| st.booleans()
	| st.integers(-(10**20), 10**20)
	| st.floats()
	| st.text(max_size=12)
	| st.sampled_from(["09:00", "24:00", "18:00", "Monday", "2024-01-01", "22:00", "06:00"])
	| st.dates()
	| st.datetimes()
	| st.times()
	| st.timedeltas()
)
junk = st.recursive(
	scalars,
	lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.tuples(inner, inner, inner),
	max_leaves=8,
)
times = st.sampled_from(["09:00", "18:00", "22:00", "06:00", "24:00", "00:00"]) | junk
ranges_lists = st.lists(st.tuples(times, times), max_size=3) | junk
weeklies = st.dictionaries(st.integers(-1, 8) | scalars, ranges_lists, max_size=4) | junk
holiday_lists = (
	st.lists(
		st.dates() | st.tuples(st.dates(), times, times) | st.tuples(st.dates(), times, times, junk) | junk,
		max_size=4,
	)
	| junk
)
extras = st.dictionaries(st.dates() | scalars, ranges_lists, max_size=3) | junk
zones = st.sampled_from(["UTC", "Asia/Shanghai", "Europe/Berlin", "Australia/Lord_Howe"]) | junk


@given(zones, weeklies, holiday_lists, extras, st.booleans())
def test_fuzzed_calendars_are_valid_or_invalid_calendar(zone, weekly, holidays, extra, always_open):
	try:
		SupportCalendar("Fuzz", zone, weekly, holidays, extra, always_open)
	except InvalidCalendar as error:
		assert error.template.format(**error.params) == str(error)


amounts = (
	st.integers(0, 5000)
	| st.floats(0, 1e7)
	| st.floats(allow_nan=True, allow_infinity=True)
	| st.integers(-(10**30), 10**30)
	| junk
)
instants = st.datetimes(min_value=D(1, 1, 2), max_value=D(9999, 12, 30)) | st.datetimes(
	timezones=st.sampled_from([UTC, SH, BERLIN, dt.timezone(dt.timedelta(hours=14))])
)


@given(
	instants,
	amounts,
	st.sampled_from(list(Basis)),
	st.lists(st.tuples(instants, instants | st.none()), max_size=2),
)
def test_fuzzed_inputs_give_a_result_or_an_sla_error(start, amount, basis, pauses):
	cal = office("Europe/Berlin", holidays=[dt.date(2024, 1, 1)])
	try:
		target = Target(amount, basis)
		result = due(cal, start, target, pauses)
		assert result.tzinfo is not None
		evaluate(cal, start, target, start + dt.timedelta(days=3), pauses=pauses, thresholds=[50, 200])
		elapsed(cal, start, result, basis, [p for p in pauses if p[1] is not None])
	except SLAError:
		pass
