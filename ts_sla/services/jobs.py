"""Scheduled and after-commit work, one ticket at a time: each in its own transaction, so one ticket's
failure is logged and skipped and never undoes or stops the others. A leaf: imports no other service."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import frappe

T = TypeVar("T")


def isolated(work: Callable[[], T], commit: bool, error_title: str) -> T | None:
	"""Run ``work`` in a transaction of its own (``commit``) or, inside a caller's transaction, in a
	savepoint; on failure roll it back, log it under ``error_title`` and return None. A deadlock inside a
	caller's transaction ended that transaction: it is raised to the caller."""
	if commit:
		frappe.db.commit()  # nosemgrep: start fresh, so row locks taken by ``work`` read committed data
	else:
		frappe.db.savepoint("ts_sla_isolated")
	try:
		result = work()
		if commit:
			frappe.db.commit()  # nosemgrep: this ticket's work is kept whatever happens to the next one
		return result
	except Exception as error:
		if commit:
			frappe.db.rollback()
		elif isinstance(error, frappe.QueryDeadlockError):
			# the server rolled the whole transaction back, savepoint included: the caller's work is gone
			# too, and only the caller can start it again
			frappe.db.rollback()
			raise
		else:
			frappe.db.rollback(save_point="ts_sla_isolated")
		frappe.log_error(title=error_title)
		return None


def queue_has_worker(queue: str) -> bool:
	"""Does a live background worker (``bench worker``) listen on this bench's ``queue``? Read from RQ's
	registry of the queue's workers in Redis, where a worker that stopped drops out at once and one that died
	once its registration expires. False when the queue's Redis cannot be reached: then no worker can take a
	job either."""
	from frappe.utils.background_jobs import get_queue
	from redis.exceptions import RedisError
	from rq import Worker

	try:
		return bool(Worker.all(queue=get_queue(queue)))
	except RedisError:
		return False
