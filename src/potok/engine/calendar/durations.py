"""Working durations: "2 working days", "4 working hours", ISO 8601 with a working flag."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from potok.engine.calendar.errors import CalendarError
from potok.engine.expressions.temporal import parse_duration
from potok.engine.expressions.values import CalendarPeriod, ValueProblem


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """An amount of working time: whole working days, then working hours and minutes.

    Days are counted on the calendar (same clock time N working days later, see
    :meth:`BusinessCalendar.add_working_days`); ``time`` is counted inside working hours.

    Example::

        WorkingTime(days=2)                       # "2 working days"
        WorkingTime(time=timedelta(hours=4))      # "4 working hours"
    """

    days: int = 0
    time: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.days < 0 or self.time < timedelta(0):
            raise CalendarError("working time cannot be negative")

    def __str__(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days} working day{'s' if self.days != 1 else ''}")
        hours, seconds = divmod(int(self.time.total_seconds()), 3600)
        minutes = seconds // 60
        if hours:
            parts.append(f"{hours} working hour{'s' if hours != 1 else ''}")
        if minutes:
            parts.append(f"{minutes} working minute{'s' if minutes != 1 else ''}")
        return " ".join(parts) or "0 working hours"


UNITS = {
    "day": "days",
    "days": "days",
    "дн": "days",
    "день": "days",
    "дня": "days",
    "дней": "days",
    "hour": "hours",
    "hours": "hours",
    "час": "hours",
    "часа": "hours",
    "часов": "hours",
    "minute": "minutes",
    "minutes": "minutes",
    "минута": "minutes",
    "минуты": "minutes",
    "минут": "minutes",
}
PART = re.compile(
    r"(?P<count>\d{1,6})\s*(?P<working>working|business|рабочих|рабочий|рабочего|рабочая|рабочие)?\s*"
    r"(?P<unit>[a-zа-я]+)",
)


def parse_working_duration(text: str, *, working: bool = True) -> WorkingTime | timedelta:
    """Read a duration for a deadline.

    ``"2 working days"``, ``"4 working hours"``, ``"1 working day 4 working hours"`` and the
    Russian ``"2 рабочих дня"``, ``"4 рабочих часа"`` are working time. ``"3 days"`` or
    ``"4 hours"`` without the word are calendar time (a ``timedelta``). An ISO 8601 duration
    (``"P2D"``, ``"PT4H"``, ``"P1DT4H"``) is working time when ``working`` is true (days are
    working days, the clock part working hours) and calendar time otherwise.
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned or len(cleaned) > 100:
        raise CalendarError(f"{text!r} is not a duration such as '2 working days' or 'PT4H'")
    if cleaned.startswith(("p", "-p")):
        return _parse_iso(text, working)
    position = 0
    days = 0
    clock = timedelta(0)
    any_working: set[bool] = set()
    while position < len(cleaned):
        match = PART.match(cleaned, position)
        unit = UNITS.get(match.group("unit")) if match else None
        if match is None or unit is None:
            raise CalendarError(f"{text!r} is not a duration such as '2 working days' or 'PT4H'")
        count = int(match.group("count"))
        any_working.add(match.group("working") is not None)
        if unit == "days":
            days += count
        else:
            clock += timedelta(**{unit: count})
        position = match.end()
        while position < len(cleaned) and cleaned[position] in " ,":
            position += 1
        if cleaned.startswith("and ", position) or cleaned.startswith("и ", position):
            position = cleaned.index(" ", position) + 1
    if len(any_working) > 1:
        raise CalendarError(f"{text!r} mixes working and calendar time")
    if any_working == {True}:
        return WorkingTime(days=days, time=clock)
    return timedelta(days=days) + clock


def _parse_iso(text: str, working: bool) -> WorkingTime | timedelta:
    try:
        value = parse_duration(text)
    except ValueProblem as problem:
        raise CalendarError(str(problem)) from None
    if isinstance(value, CalendarPeriod):
        raise CalendarError(f"{text!r}: months and years cannot be used for deadlines; use days")
    if value < timedelta(0):
        raise CalendarError(f"{text!r}: a deadline duration cannot be negative")
    if not working:
        return value
    return WorkingTime(days=value.days, time=value - timedelta(days=value.days))
