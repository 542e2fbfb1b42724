"""What an evaluation may depend on besides its variables: the clock, the time zone, strictness."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


Resolver = Callable[[Any, str], Any]


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """Settings of one evaluation.

    ``clock`` returns an aware datetime and feeds ``now()`` and ``today()`` (``today()`` is the
    date in ``time_zone``). ``strict`` makes a missing variable or field an error instead of
    null. ``resolver(obj, name)`` is the only way a dotted path reads something that is not a
    Mapping; it raises ``LookupError`` when ``obj`` has no such field. ``extras`` is free for
    caller-registered functions that take the context.

    Example::

        >>> from datetime import datetime, UTC
        >>> fixed = EvaluationContext(clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        ...                           time_zone="Europe/Moscow")
        >>> fixed.today()
        datetime.date(2026, 3, 2)
    """

    clock: Callable[[], datetime] = utc_now
    time_zone: str | tzinfo = "UTC"
    strict: bool = False
    resolver: Resolver | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def zone(self) -> tzinfo:
        """The time zone as a tzinfo."""
        if isinstance(self.time_zone, str):
            return ZoneInfo(self.time_zone)
        return self.time_zone

    def now(self) -> datetime:
        """The clock's current moment in the context's time zone."""
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the evaluation clock must return timezone-aware datetimes")
        return moment.astimezone(self.zone)

    def today(self) -> date:
        """Today's date in the context's time zone."""
        return self.now().date()


DEFAULT_CONTEXT = EvaluationContext()
