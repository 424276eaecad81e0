"""Clock-engine benchmark: p50 deadline cost and how due-time cost grows with the span.

Run: ``python3 benchmarks/engine.py`` (no Frappe needed). Prints figures; asserts nothing.
Goals (issue 4): p50 of a 3-working-day and an 8-business-hour deadline <= 20 us; due-time cost grows at most
linearly with the days spanned; a 1-year span <= 1 ms.
"""

import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ts_sla.sla import Basis, SupportCalendar, Target
from ts_sla.sla.clock import due_us


def office() -> SupportCalendar:
	holidays = [dt.date(2024, 1, 1), dt.date(2024, 5, 1), dt.date(2024, 10, 1), dt.date(2024, 10, 2)]
	return SupportCalendar(
		"Head Office",
		"Asia/Shanghai",
		{d: [("09:00", "12:00"), ("13:30", "18:00")] for d in range(5)},
		holidays,
		{dt.date(2024, 9, 29): [("09:00", "18:00")]},
	)


def p50(fn, runs: int = 20000) -> float:
	samples = []
	for _ in range(runs):
		start = time.perf_counter_ns()
		fn()
		samples.append(time.perf_counter_ns() - start)
	return statistics.median(samples) / 1000


def cold_us(start: int, amount: Target) -> float:
	"""Median cost on a calendar that has computed no day yet."""
	samples = []
	for _ in range(20):
		fresh = office()
		t0 = time.perf_counter_ns()
		due_us(fresh, start, amount)
		samples.append(time.perf_counter_ns() - t0)
	return statistics.median(samples) / 1000


def main() -> None:
	print(
		f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"
	)
	cal = office()
	start = cal.to_us(dt.datetime(2024, 3, 14, 16, 30))
	three_days, eight_hours = Target(3, Basis.WORKING_DAYS), Target(480, Basis.BUSINESS)
	print(f"p50 3-working-day deadline:   {p50(lambda: due_us(cal, start, three_days)):7.2f} us (goal <= 20)")
	print(
		f"p50 8-business-hour deadline: {p50(lambda: due_us(cal, start, eight_hours)):7.2f} us (goal <= 20)"
	)
	print(
		"due-time cost by span (business hours on a lunch-break calendar; cold = new calendar, warm = cached days):"
	)
	per_day = 7.5 * 60  # business minutes per working day
	for days in (1, 10, 100, 1000):
		amount = Target(days * per_day * 5 / 7, Basis.BUSINESS)
		cold = []
		for _ in range(20):
			fresh = office()
			t0 = time.perf_counter_ns()
			due_us(fresh, start, amount)
			cold.append(time.perf_counter_ns() - t0)
		warm = p50(lambda amount=amount: due_us(cal, start, amount), runs=200)
		print(
			f"  {days:5d} days: cold {statistics.median(cold) / 1000:9.1f} us, warm {warm:8.1f} us,"
			f" warm per day {warm / days:6.3f} us"
		)
	year = Target(365 * per_day * 5 / 7, Basis.BUSINESS)
	cold = []
	for _ in range(20):
		fresh = office()
		t0 = time.perf_counter_ns()
		due_us(fresh, start, year)
		cold.append(time.perf_counter_ns() - t0)
	print(
		f"1-year span: cold {statistics.median(cold) / 1000:.1f} us, warm {p50(lambda: due_us(cal, start, year), 200):.1f} us (goal <= 1000)"
	)


if __name__ == "__main__":
	main()
