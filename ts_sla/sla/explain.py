"""Explanations of computed deadlines, in words a supervisor understands.

An explanation is a tree of :class:`Message` objects: an English template with ``{named}`` placeholders and
its parameters. ``render()`` turns it into text, translating every template with the function it is given
(the Frappe side passes ``frappe._``), so the engine stays free of any framework. Templates are marked with
the local no-op ``_()`` so Frappe's translation extraction finds them.

Example: ``P3 resolution: 3 working days on calendar 'Head Office' (Asia/Shanghai) from Fri 27 Oct 16:00 →
Wed 1 Nov 16:00; skipped Sat–Sun``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .calendar import SupportCalendar
from .clock import MINUTE_US, Basis, Pause, Target, Zone, due_us, pauses_to_us


def _(message: str) -> str:
	"""Marks a template for translation extraction; translation happens in :meth:`Message.render`."""
	return message


WEEKDAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
MONTHS = (
	_("Jan"), _("Feb"), _("Mar"), _("Apr"), _("May"), _("Jun"),
	_("Jul"), _("Aug"), _("Sep"), _("Oct"), _("Nov"), _("Dec"),
)  # fmt: skip

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Message:
	"""A translatable template and its parameters (which may themselves be messages or lists of them)."""

	template: str
	params: dict = field(default_factory=dict)

	def render(self, translate: Translate = str) -> str:
		def value(item: object) -> str:
			if isinstance(item, Message):
				return item.render(translate)
			if isinstance(item, Term):
				return translate(str(item))
			if isinstance(item, list | tuple):
				return ", ".join(value(i) for i in item)
			return str(item)

		return translate(self.template).format(**{k: value(v) for k, v in self.params.items()})

	def __str__(self) -> str:
		return self.render()


class Term(str):
	"""A name the reader's language may translate (a calendar's, say): translated, never formatted."""


def join(parts: Sequence[Message], separator: str) -> Message:
	"""One message made of several, joined by a separator."""
	return Message(
		separator.join(f"{{p{i}}}" for i in range(len(parts))), {f"p{i}": p for i, p in enumerate(parts)}
	)


def format_instant(calendar: SupportCalendar, instant: dt.datetime) -> Message:
	"""``Fri 27 Oct 16:00`` (wall-clock time in the calendar's zone)."""
	local = instant.astimezone(calendar.tz)
	return Message(
		_("{weekday} {day} {month} {time}"),
		{
			"weekday": Message(WEEKDAYS[local.weekday()]),
			"day": local.day,
			"month": Message(MONTHS[local.month - 1]),
			"time": local.strftime("%H:%M"),
		},
	)


def format_duration(minutes: float) -> Message:
	"""``15 min``, ``4 h``, ``1 h 30 min``, ``2 d 3 h``."""
	total = round(minutes)
	days, rest = divmod(total, 1440)
	hours, mins = divmod(rest, 60)
	parts = []
	if days:
		parts.append(Message(_("{n} d"), {"n": days}))
	if hours:
		parts.append(Message(_("{n} h"), {"n": hours}))
	if mins or not parts:
		parts.append(Message(_("{n} min"), {"n": mins}))
	return join(parts, " ")


def format_target(target: Target) -> Message:
	if target.basis is Basis.WORKING_DAYS:
		days = int(target.amount)
		return Message(_("{n} working day") if days == 1 else _("{n} working days"), {"n": days})
	if target.basis is Basis.BUSINESS:
		return Message(_("{duration} of business hours"), {"duration": format_duration(target.amount)})
	return Message(_("{duration} (calendar time)"), {"duration": format_duration(target.amount)})


def skipped_days(calendar: SupportCalendar, start: dt.datetime, end: dt.datetime) -> list[Message]:
	"""The non-working dates strictly between the local dates of two instants, grouped into runs."""
	first = start.astimezone(calendar.tz).toordinal() + 1
	last = end.astimezone(calendar.tz).toordinal() - 1
	runs: list[list[int]] = []
	for ordinal in range(first, last + 1):
		if calendar.is_working_day(ordinal):
			continue
		if runs and runs[-1][-1] == ordinal - 1 and not calendar.holiday_on(ordinal):
			runs[-1].append(ordinal)
		else:
			runs.append([ordinal])
	messages = []
	for run in runs:
		holiday = calendar.holiday_on(run[0])
		label = _label_day(run[0], last - first > 6)
		if len(run) > 1:
			label = Message(
				_("{first}–{last}"), {"first": label, "last": _label_day(run[-1], last - first > 6)}
			)
		if holiday and holiday.description:
			label = Message(_("{day} ({holiday})"), {"day": label, "holiday": holiday.description})
		messages.append(label)
	return messages


def _label_day(ordinal: int, with_date: bool) -> Message:
	date = dt.date.fromordinal(ordinal)
	if not with_date:
		return Message(WEEKDAYS[date.weekday()])
	return Message(
		_("{weekday} {day} {month}"),
		{
			"weekday": Message(WEEKDAYS[date.weekday()]),
			"day": date.day,
			"month": Message(MONTHS[date.month - 1]),
		},
	)


def explain(
	calendar: SupportCalendar,
	label: str,
	start: dt.datetime,
	target: Target,
	pauses: Sequence[Pause] = (),
	due_at: dt.datetime | None = None,
	*,
	tz: Zone = None,
) -> Message:
	"""Explain how the due instant of a clock was computed.

	:param label: what the clock is, already translated (``"P3 resolution"``).
	:param due_at: the due instant if already known (else computed).
	:param tz: the zone of naive datetimes (a name or a tzinfo; default: the calendar's).
	"""
	start_us = calendar.to_us(start, tz)
	intervals = pauses_to_us(calendar, pauses, tz=tz)
	due_instant = calendar.from_us(
		due_us(calendar, start_us, target, intervals) if due_at is None else calendar.to_us(due_at, tz)
	)
	start_local = calendar.from_us(start_us)
	if target.basis is Basis.CALENDAR:
		head = Message(
			_("{label}: {target} from {start} → {due} ({timezone})"),
			{"label": label, "target": format_target(target), "timezone": calendar.timezone},
		)
	else:
		head = Message(
			_("{label}: {target} on calendar '{calendar}' ({timezone}) from {start} → {due}"),
			{
				"label": label,
				"target": format_target(target),
				"calendar": Term(calendar.name),
				"timezone": calendar.timezone,
			},
		)
	head.params["start"] = format_instant(calendar, start_local)
	head.params["due"] = format_instant(calendar, due_instant)
	parts = [head]
	if target.basis is not Basis.CALENDAR and not calendar.is_24x7:
		if target.amount and calendar.next_working(start_us) != start_us:
			parts.append(
				Message(
					_("counted from the next working moment, {moment}"),
					{"moment": format_instant(calendar, calendar.from_us(calendar.next_working(start_us)))},
				)
			)
		skipped = skipped_days(calendar, start_local, due_instant)
		if skipped:
			parts.append(Message(_("skipped {days}"), {"days": skipped}))
	if intervals:
		if target.basis is Basis.CALENDAR or calendar.is_24x7:
			paused = sum(e - s for s, e in intervals if s < calendar.to_us(due_instant))
		else:
			paused = sum(calendar.between(s, min(e, calendar.to_us(due_instant))) for s, e in intervals)
		parts.append(
			Message(
				_("paused {duration} on the clock's basis, so the due time moved by that much"),
				{"duration": format_duration(paused / MINUTE_US)},
			)
		)
	return join(parts, "; ")
