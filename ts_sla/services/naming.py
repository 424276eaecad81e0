"""Ticket IDs: ``TS-YYYYMMDD-NNN`` from the received date, a per-day counter that is never reused."""

from __future__ import annotations

import frappe
from frappe.utils import get_datetime


def next_ticket_id(received_at) -> str:
	"""The next ID for the day of ``received_at`` (a system-zone datetime).

	The per-day counter lives in Frappe's ``tabSeries``. ``INSERT ... ON DUPLICATE KEY UPDATE`` creates or
	increments it in one statement that takes the row's exclusive lock, so concurrent inserts queue on that
	lock until the inserting transaction ends and never see the same number; there is no read-then-write
	race and no gap-lock deadlock on a day's first ticket. A rolled-back insert gives its number back, a
	deleted ticket does not: stored IDs are never reused.
	"""
	key = f"TS-{get_datetime(received_at):%Y%m%d}-"
	frappe.db.sql(
		"INSERT INTO `tabSeries` (`name`, `current`) VALUES (%s, 1) "
		"ON DUPLICATE KEY UPDATE `current` = `current` + 1",
		(key,),
	)
	current = frappe.db.sql("SELECT `current` FROM `tabSeries` WHERE `name` = %s", (key,))[0][0]
	return f"{key}{int(current):03d}"
