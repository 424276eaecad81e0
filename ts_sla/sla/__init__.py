"""ts_sla.sla — the SLA clock engine: exact business-time arithmetic, pure Python, no Frappe import.

Public API (everything else is internal):

- :class:`SupportCalendar` (and :class:`Holiday`): time zone, weekly ranges, holidays, extra working days.
- :class:`Target` and :class:`Basis`: an amount on the Calendar, Business Hours or Working Days basis.
- :func:`due`, :func:`elapsed`, :func:`threshold`, :func:`next_working_moment`: clock arithmetic, honouring
  pauses on the clock's own basis.
- :func:`evaluate` -> :class:`ClockReading` (:class:`ClockState`, percentage, next state change).
- :func:`explain` -> :class:`Message`: how a deadline was computed, rendered with a translate function.
- Errors: :class:`SLAError` and its subclasses :class:`InvalidCalendar`, :class:`InvalidInput`,
  :class:`HorizonExceeded`.

Naive datetimes are wall-clock times in the calendar's zone, or in the zone given as ``tz=`` (Frappe stores
naive datetimes in the system zone: pass ``tz=<system zone>``, or make the datetimes aware first). A wall time
that a DST change skips is the instant the clocks jump. Results are aware datetimes in the calendar's zone.
Every due time is the earliest instant at which the target has elapsed.
"""

from .calendar import HORIZON_DAYS, Holiday, SupportCalendar, parse_time_of_day
from .clock import Basis, Target, due, elapsed, next_working_moment, threshold
from .errors import HorizonExceeded, InvalidCalendar, InvalidInput, SLAError
from .explain import Message, explain, format_duration
from .state import ClockReading, ClockState, evaluate

__all__ = [
	"HORIZON_DAYS",
	"Basis",
	"ClockReading",
	"ClockState",
	"Holiday",
	"HorizonExceeded",
	"InvalidCalendar",
	"InvalidInput",
	"Message",
	"SLAError",
	"SupportCalendar",
	"Target",
	"due",
	"elapsed",
	"evaluate",
	"explain",
	"format_duration",
	"next_working_moment",
	"parse_time_of_day",
	"threshold",
]
