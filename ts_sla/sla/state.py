"""The state of a clock at an instant, and the next instant at which that state will change.

A clock runs from ``start`` towards a :class:`~ts_sla.sla.clock.Target`; it can be paused (open pause: end
``None``) and stopped (``stopped_at``: the response was given, the ticket resolved). :func:`evaluate` gives
its :class:`ClockReading`: state, due instant, percentage elapsed and ``next_change`` — the earliest future
instant at which a threshold (the warning percentage, each escalation percentage, the due instant) is
crossed, so a scheduler can index tickets by the moment they next need a look.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from .calendar import SupportCalendar
from .clock import Basis, Pause, Target, Zone, check_percent, due_us, measure_us, pauses_to_us, threshold_us
from .errors import InvalidInput


class ClockState(str, Enum):
	ON_TRACK = "On Track"
	AT_RISK = "At Risk"
	BREACHED = "Breached"
	PAUSED = "Paused"
	MET = "Met"


@dataclass(frozen=True)
class ClockReading:
	"""What a clock looks like at ``at``."""

	state: ClockState
	due: dt.datetime
	percent: float
	warning_at: dt.datetime
	next_change: dt.datetime | None
	#: Percentages already crossed (warning, 100, escalation thresholds), in ascending order.
	crossed: tuple[float, ...]
	paused: bool
	#: The instant each percentage (warning, 100, escalation thresholds) is or was crossed: what a scheduler
	#: records as warnings, breaches and escalations, past and future.
	instants: Mapping[float, dt.datetime] = field(default_factory=dict)


def evaluate(
	calendar: SupportCalendar,
	start: dt.datetime,
	target: Target,
	now: dt.datetime,
	*,
	pauses: Sequence[Pause] = (),
	stopped_at: dt.datetime | None = None,
	warning_percent: float = 75,
	thresholds: Iterable[float] = (),
	tz: Zone = None,
) -> ClockReading:
	"""Evaluate a clock at ``now``.

	:param pauses: ``(start, end)`` pairs; ``end=None`` is a pause still running (it is counted up to now).
	:param stopped_at: when the clock stopped (it is then Met if on time, else Breached, for good).
	:param warning_percent: the percentage at which the clock becomes At Risk.
	:param thresholds: further percentages (escalation matrix rows; may exceed 100) whose crossing is a
	    state change the scheduler must see (negative ones are ignored).
	:param tz: the zone of naive datetimes (a name or a tzinfo; default: the calendar's).
	"""
	if (
		isinstance(warning_percent, bool)
		or not isinstance(warning_percent, int | float)
		or not 0 < warning_percent <= 100
	):
		raise InvalidInput(
			"The warning percentage must be above 0 and at most 100, not {value}", value=warning_percent
		)
	extra_levels = [check_percent(t) for t in thresholds if not (isinstance(t, int | float) and t < 0)]
	now_us = calendar.to_us(now, tz)
	start_us = calendar.to_us(start, tz)
	stop_us = None if stopped_at is None else calendar.to_us(stopped_at, tz)
	if stop_us is not None and stop_us < start_us:
		raise InvalidInput(
			"A clock cannot stop ({stop}) before it starts ({start})", stop=stopped_at, start=start
		)
	at = now_us if stop_us is None else min(now_us, stop_us)
	intervals = pauses_to_us(calendar, pauses, until=at, tz=tz)
	paused = stop_us is None and any(
		calendar.to_us(ps, tz) <= at and (pe is None or at < calendar.to_us(pe, tz)) for ps, pe in pauses
	)
	due_at = due_us(calendar, start_us, target, intervals)

	levels = sorted({float(warning_percent), 100.0, *(float(t) for t in extra_levels)})
	instants = {level: threshold_us(calendar, start_us, target, level, intervals, due_at) for level in levels}
	crossed = tuple(level for level in levels if instants[level] <= at)

	basis = Basis.BUSINESS if target.basis is Basis.WORKING_DAYS else target.basis
	total = measure_us(calendar, basis, start_us, due_at, intervals)
	done = measure_us(calendar, basis, start_us, at, intervals)
	percent = 100.0 * done / total if total else (100.0 if at >= due_at else 0.0)

	if stop_us is not None and stop_us <= now_us:
		state = ClockState.MET if stop_us <= due_at else ClockState.BREACHED
		next_change = None
	else:
		if at >= due_at:
			state = ClockState.BREACHED
		elif paused:
			state = ClockState.PAUSED
		elif at >= instants[float(warning_percent)]:
			state = ClockState.AT_RISK
		else:
			state = ClockState.ON_TRACK
		future = [instants[level] for level in levels if instants[level] > at]
		next_change = None if paused or not future else calendar.from_us(min(future))
	return ClockReading(
		state=state,
		due=calendar.from_us(due_at),
		percent=round(percent, 2),
		warning_at=calendar.from_us(instants[float(warning_percent)]),
		next_change=next_change,
		crossed=crossed,
		paused=paused,
		instants={level: calendar.from_us(instant) for level, instant in instants.items()},
	)
