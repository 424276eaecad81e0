"""SLA monitor benchmark: the minute tick at 10 000 and 100 000 open tickets, against a naive loop.

Prints figures; asserts nothing. Run as the bench user from the bench's ``sites`` folder, on a site of its
own (it bulk-inserts and then deletes its tickets):

    cd ~/frappe-bench/sites && ../env/bin/python ../apps/ts_sla/benchmarks/tick.py ts-sla-bench.localhost

Goals (issue 6): idle tick under 50 ms at 100 000 open tickets and at least 50x faster than the naive loop.
The naive loop loads every open ticket as a document and evaluates its clocks; at 100 000 tickets it is
timed on a sample and scaled linearly (it is linear by construction), which the output says.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import sys
import time

import frappe
from frappe.utils import now_datetime
from seed import template_row

NAIVE_SAMPLE = 5000
PREFIX = "TS-19990101-"


def bulk_insert(count: int) -> None:
	"""Open P2 tickets with their deadlines and next check instant computed by the real code for one
	ticket, copied into ``count`` rows by multi-row INSERTs (benchmark data only)."""
	row, columns = template_row(dt.timedelta(hours=1))
	future = now_datetime() + dt.timedelta(days=1)
	sql = "INSERT INTO `tabSupport Ticket` (`name`, {}) VALUES ".format(", ".join(f"`{c}`" for c in columns))
	batch = 5000
	for offset in range(0, count, batch):
		values, params = [], []
		for i in range(offset, min(count, offset + batch)):
			values.append("(" + ", ".join(["%s"] * (len(columns) + 1)) + ")")
			params.append(f"{PREFIX}{i:06d}")
			# registered long ago: nothing left for after the commit (no pending ToDo or alarm)
			params.extend(
				future if c == "next_check_at" else 0 if c == "registration_pending" else row[c]
				for c in columns
			)
		frappe.db.sql(sql + ", ".join(values), params)
	frappe.db.commit()


def clean() -> None:
	frappe.db.sql("DELETE FROM `tabSupport Ticket` WHERE `name` LIKE %s", (PREFIX + "%",))
	frappe.db.sql("DELETE FROM `tabSLA Event` WHERE `ticket` LIKE %s", (PREFIX + "%",))
	frappe.db.commit()


def median_ms(fn, runs: int) -> float:
	samples = []
	for _ in range(runs):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	return statistics.median(samples)


def run(count: int) -> None:
	from ts_sla.services import monitor, sla

	clean()
	t0 = time.perf_counter()
	bulk_insert(count)
	print(f"\n{count:,} open tickets (bulk insert {time.perf_counter() - t0:.1f} s)")
	now = now_datetime()
	idle = median_ms(lambda: monitor.tick(now, commit=False), 20)
	print(f"  tick, nothing due:          {idle:10.2f} ms (median of 20)")

	due = max(1, count // 100)
	frappe.db.sql(
		"UPDATE `tabSupport Ticket` SET `next_check_at` = %s WHERE `name` LIKE %s ORDER BY `name` LIMIT %s",
		(now - dt.timedelta(minutes=1), PREFIX + "%", due),
	)
	frappe.db.commit()
	start = time.perf_counter()
	result = monitor.tick(now, commit=False)
	busy = (time.perf_counter() - start) * 1000
	frappe.db.rollback()
	print(
		f"  tick, 1 % due ({due:,}):       {busy:10.0f} ms, checked {result['checked']}, events {result['fired']}"
	)

	names = frappe.get_all(
		"Support Ticket",
		filters={"status": ("not in", ("Closed", "Cancelled"))},
		pluck="name",
		limit=NAIVE_SAMPLE,
	)
	start = time.perf_counter()
	for name in names:
		doc = frappe.get_doc("Support Ticket", name)
		sla.update_states(doc, now)
	naive = (time.perf_counter() - start) * 1000
	scaled = naive * count / len(names)
	note = "" if len(names) >= count else f" (timed on {len(names):,}, scaled)"
	print(f"  naive loop over all open:   {scaled:10.0f} ms{note}")
	print(f"  idle tick vs naive:         {scaled / idle:10.0f}x faster")
	clean()


def main() -> None:
	site = sys.argv[1] if len(sys.argv) > 1 else "ts-sla-bench.localhost"
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	print(
		f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; site {site}; MariaDB {frappe.db.sql('select version()')[0][0]}"
	)
	try:
		for count in (10_000, 100_000):
			run(count)
	finally:
		clean()
		frappe.destroy()


if __name__ == "__main__":
	main()
