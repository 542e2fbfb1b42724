"""When a timer is due: ISO 8601 dates, durations and cycles, or working time on a business calendar.

The executor never sleeps: it stores a Job with `due_at` computed here from the injected clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from potok.engine.calendar import WorkingTime, parse_working_duration
from potok.engine.errors import EngineError
from potok.engine.model.iso8601 import IsoCycle, IsoError, parse_cycle, parse_datetime, parse_duration
from potok.engine.model.kinds import TimerKind
from potok.engine.model.specs import TimerSpec


class TimerError(EngineError):
    """A timer's value cannot be turned into a due time (becomes an incident)."""


class WorkingCalendar(Protocol):
    """What timers need of potok.engine.calendar.BusinessCalendar."""

    def add_working_time(self, start: datetime, amount: timedelta | WorkingTime) -> datetime: ...


def _resolve(spec: TimerSpec, variables: Mapping[str, Any]) -> Any:
    if spec.expression is None:
        return spec.text
    try:
        return spec.expression.evaluate(variables)
    except Exception as error:  # the expression language raises its own errors; all become incidents
        raise TimerError(f"the timer expression {spec.text!r} failed: {error}") from error


def first_due(
    spec: TimerSpec, variables: Mapping[str, Any], now: datetime, calendar: WorkingCalendar | None
) -> datetime:
    """The first due time of a timer started at `now`.

    Example::

        first_due(TimerSpec(TimerKind.DURATION, "PT10M"), {}, now, None) == now + timedelta(minutes=10)
    """
    value = _resolve(spec, variables)
    try:
        if spec.kind is TimerKind.DATE:
            return _as_datetime(value)
        if spec.kind is TimerKind.DURATION:
            return _after(value, now, calendar)
        cycle = _as_cycle(value)
    except IsoError as error:
        raise TimerError(str(error)) from error
    if cycle.start is not None:
        return cycle.start
    return cycle.interval.add_to(now)


def next_cycle_due(
    spec: TimerSpec, variables: Mapping[str, Any], previous_due: datetime, fired: int
) -> datetime | None:
    """After a cycle timer fired `fired` times, its next due time, or None when the cycle is over."""
    if spec.kind is not TimerKind.CYCLE:
        return None
    try:
        cycle = _as_cycle(_resolve(spec, variables))
    except IsoError as error:
        raise TimerError(str(error)) from error
    if cycle.repetitions is not None and fired >= cycle.repetitions:
        return None
    following = cycle.interval.add_to(previous_due)
    if cycle.end is not None and following > cycle.end:
        return None
    return following


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return parse_datetime(value)
    raise TimerError(f"a timeDate must be a date-time, got {type(value).__name__}")


def _after(value: Any, now: datetime, calendar: WorkingCalendar | None) -> datetime:
    if isinstance(value, timedelta):
        return now + value
    if not isinstance(value, str):
        raise TimerError(f"a timeDuration must be a duration, got {type(value).__name__}")
    text = value.strip()
    if text.startswith(("P", "-P")):
        return parse_duration(text).add_to(now)
    try:
        duration = parse_working_duration(text)
    except ValueError as error:
        raise TimerError(f"{text!r} is neither an ISO 8601 duration nor working time: {error}") from error
    if isinstance(duration, timedelta):
        return now + duration
    if calendar is None:
        raise TimerError(f"the duration {text!r} is working time: the engine needs a business calendar")
    try:
        return calendar.add_working_time(now, duration)
    except ValueError as error:
        raise TimerError(f"the business calendar cannot add {text!r}: {error}") from error


def _as_cycle(value: Any) -> IsoCycle:
    if not isinstance(value, str):
        raise TimerError(f"a timeCycle must be text like R3/PT10M, got {type(value).__name__}")
    return parse_cycle(value)
