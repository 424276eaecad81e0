"""What-if benchmark: 100 000 closed tickets replayed under a draft policy, against a naive replay.

Prints figures; asserts nothing. Run as the bench user from the bench's ``sites`` folder, on a site of its
own (it bulk-inserts closed tickets received in the first quarter of 1999, with pauses on a fifth of them,
and deletes them at the end):

    cd ~/frappe-bench/sites && ../env/bin/python ../apps/ts_sla/benchmarks/whatif.py ts-sla-bench.localhost

Goals (issue 16): 100 000 tickets replayed in under 10 s, at least 50x faster than the naive replay. The
draft shortens P2 resolution to 8 h and puts P1 response on business hours (so both sides are computed for
those clocks). The naive replay loads every ticket as a document, computes its current clocks with
``sla.clocks_of`` and the draft's clocks per ticket; it is timed on a sample and scaled linearly (it is linear
by construction), which the output says.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import random
import sys
import time

import frappe
from seed import template_row

COUNT = 100_000
NAIVE_SAMPLE = 2000
PREFIX = "TS-19990101-"
FROM, TO = dt.date(1999, 1, 1), dt.date(1999, 3, 31)
PRIORITIES = ("P0", "P1", "P2", "P2", "P2", "P3", "P3")


def bulk_insert(count: int) -> int:
	"""Closed tickets with random receipts, responses and resolutions, copied from one real ticket's row by
	multi-row INSERTs, and a pause (response and resolution) on about a fifth of them. Returns the pauses."""
	from ts_sla.setup.defaults import DEFAULT_POLICY

	row, columns = template_row(dt.timedelta(hours=1))
	policy = DEFAULT_POLICY
	calendar = frappe.db.get_value("SLA Policy", policy, "support_calendar")
	rng = random.Random(16)
	sql = "INSERT INTO `tabSupport Ticket` (`name`, {}) VALUES ".format(", ".join(f"`{c}`" for c in columns))
	pause_sql = (
		"INSERT INTO `tabSupport Ticket Pause` (`name`, `creation`, `modified`, `modified_by`, `owner`, "
		"`docstatus`, `idx`, `parent`, `parentfield`, `parenttype`, `reason`, `paused_from`, `paused_to`, "
		"`minutes`, `clocks`) VALUES "
	)
	span = (TO - FROM).days + 1
	pauses = 0
	batch = 5000
	for offset in range(0, count, batch):
		values, params, pause_values, pause_params = [], [], [], []
		for i in range(offset, min(count, offset + batch)):
			name = f"{PREFIX}{i:06d}"
			received = dt.datetime.combine(FROM, dt.time()) + dt.timedelta(
				minutes=rng.randrange(0, span * 1440)
			)
			responded = received + dt.timedelta(minutes=rng.randrange(1, 600))
			resolved = responded + dt.timedelta(minutes=rng.randrange(10, 3000))
			own = {
				"priority": rng.choice(PRIORITIES),
				"status": "Closed",
				"received_at": received,
				"registered_at": received,
				"assigned_at": received,
				"first_responded_at": responded,
				"resolved_at": resolved,
				"closed_at": resolved,
				"next_check_at": None,
				"next_due": None,
				"registration_pending": 0,
				"sla_policy": policy,
				"support_calendar": calendar,
			}
			values.append("(" + ", ".join(["%s"] * (len(columns) + 1)) + ")")
			params.append(name)
			params.extend(own[c] if c in own else row[c] for c in columns)
			if rng.random() < 0.2:
				start = received + dt.timedelta(minutes=rng.randrange(0, 600))
				end = start + dt.timedelta(minutes=rng.randrange(30, 600))
				pause_values.append("(" + ", ".join(["%s"] * 15) + ")")
				pause_params.extend(
					[
						f"{name}-p1",
						start,
						start,
						"Administrator",
						"Administrator",
						0,
						1,
						name,
						"pauses",
						"Support Ticket",
						"Waiting for Customer",
						start,
						end,
						(end - start).total_seconds() / 60,
						"Response,Resolution",
					]
				)
				pauses += 1
		frappe.db.sql(sql + ", ".join(values), params)
		if pause_values:
			frappe.db.sql(pause_sql + ", ".join(pause_values), pause_params)
	frappe.db.commit()
	return pauses


def clean() -> None:
	frappe.db.sql("DELETE FROM `tabSupport Ticket Pause` WHERE `parent` LIKE %s", (PREFIX + "%",))
	frappe.db.sql("DELETE FROM `tabSupport Ticket` WHERE `name` LIKE %s", (PREFIX + "%",))
	frappe.db.sql("DELETE FROM `tabSLA Simulation` WHERE `from_date` = %s", (FROM,))
	frappe.db.commit()


def draft_policy() -> str:
	from ts_sla.setup.defaults import DEFAULT_POLICY

	doc = frappe.get_doc("SLA Policy", DEFAULT_POLICY).as_dict(convert_dates_to_str=True)
	for row in doc["priorities"]:
		if row["priority"] == "P2":
			row.update(resolution_time=8, resolution_unit="Hours")
		if row["priority"] == "P1":
			row.update(response_basis="Business Hours")
	return json.dumps(doc, default=str)


def naive_replay(names: list[str], draft) -> float:
	"""Seconds to replay ``names`` one document at a time: get_doc, the current clocks through
	``sla.clocks_of``, the draft's clocks through the engine with the draft's targets."""
	from ts_sla.services import sla, whatif
	from ts_sla.services.clocks import aware, get_calendar

	targets = whatif.targets_of(draft.policy)
	calendar = get_calendar(draft.policy.support_calendar)
	start = time.perf_counter()
	for name in names:
		doc = frappe.get_doc("Support Ticket", name)
		clocks, _calendar = sla.clocks_of(doc)
		by_key = {c.key: c for c in clocks}
		for key, clock, stop in (
			("response", "Response", doc.first_responded_at),
			("resolution", "Resolution", doc.resolved_at),
		):
			current = by_key[key]
			current_met = aware(stop) <= current.due
			pauses = [(aware(p.paused_from), aware(p.paused_to)) for p in doc.pauses if clock in p.clocks]
			whatif.outcome(
				calendar, targets[doc.priority][clock], aware(doc.received_at), aware(stop), pauses, None
			)
			assert current_met in (True, False)
	return time.perf_counter() - start


def main() -> None:
	site = sys.argv[1] if len(sys.argv) > 1 else "ts-sla-bench.localhost"
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from ts_sla.services import whatif
	from ts_sla.setup.defaults import create_defaults

	create_defaults()
	print(
		f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; site {site}; "
		f"MariaDB {frappe.db.sql('select version()')[0][0]}"
	)
	try:
		clean()
		t0 = time.perf_counter()
		pauses = bulk_insert(COUNT)
		print(
			f"{COUNT:,} closed tickets, {pauses:,} with a pause (bulk insert {time.perf_counter() - t0:.1f} s)"
		)
		draft = whatif.Draft(whatif.load_policy(draft_policy()), None, FROM, TO)

		t0 = time.perf_counter()
		rows = whatif._tickets(draft)
		found = whatif._pauses(draft)
		reads = time.perf_counter() - t0
		print(
			f"  reads alone (tickets + pauses, 2 queries): {reads:6.2f} s ({len(rows):,} rows, {len(found):,} paused)"
		)

		runs = []
		for _ in range(3):
			frappe.local.ts_sla_calendars = {}
			t0 = time.perf_counter()
			result = whatif.replay(draft)
			runs.append(time.perf_counter() - t0)
		best = min(runs)
		print(
			f"  what-if replay, {result['tickets']:,} tickets: {best:6.2f} s (best of 3: "
			f"{', '.join(f'{r:.2f}' for r in runs)}) — goal < 10 s"
		)
		print(
			f"    met % now {result['current_met_percent']} → draft {result['draft_met_percent']}; "
			f"{result['met_to_breached']:,} tickets met → breached, {result['breached_to_met']:,} breached → met"
		)

		names = [r[0] for r in rows[:: max(1, len(rows) // NAIVE_SAMPLE)]][:NAIVE_SAMPLE]
		naive = naive_replay(names, draft)
		scaled = naive * len(rows) / len(names)
		print(
			f"  naive replay (get_doc + clocks_of + draft clocks per ticket): {scaled:6.1f} s "
			f"(timed on {len(names):,} tickets: {naive:.2f} s, scaled to {len(rows):,})"
		)
		print(f"  what-if vs naive: {scaled / best:6.0f}x faster — goal >= 50x")
	finally:
		clean()
		frappe.destroy()


if __name__ == "__main__":
	main()
