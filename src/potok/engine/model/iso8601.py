"""ISO 8601 dates, durations (`P1Y2M3DT4H5M6.5S`, `P2W`) and repeating intervals (`R3/PT10M`)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"(?P<sign>-)?P(?!\Z)(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?\Z"
)
_REPEAT = re.compile(r"R(?P<count>\d*)\Z")


class IsoError(ValueError):
    """The text is not a valid ISO 8601 date, duration or repeating interval."""


@dataclass(frozen=True, slots=True)
class IsoDuration:
    """A duration with calendar parts (years, months) kept apart from the exact part.

    Example::

        parse_duration("P1M").add_to(datetime(2024, 1, 31, tzinfo=UTC))  # 2024-02-29
    """

    years: int = 0
    months: int = 0
    exact: timedelta = timedelta()
    negative: bool = False

    def add_to(self, moment: datetime) -> datetime:
        sign = -1 if self.negative else 1
        total_months = moment.month - 1 + sign * (self.years * 12 + self.months)
        year = moment.year + total_months // 12
        month = total_months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day) + sign * self.exact


@dataclass(frozen=True, slots=True)
class IsoCycle:
    """`R[n]/[start/]duration[/end]`; `repetitions` None means repeat forever.

    Example::

        cycle = parse_cycle("R3/PT10M")
        cycle.repetitions == 3 and cycle.interval.exact == timedelta(minutes=10)
    """

    repetitions: int | None
    interval: IsoDuration
    start: datetime | None = None
    end: datetime | None = None


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def parse_duration(text: str) -> IsoDuration:
    """Parse `PnYnMnWnDTnHnMnS`; fractions are allowed on every part but years and months."""
    match = _DURATION.match(text.strip())
    if not match:
        raise IsoError(f"{text!r} is not an ISO 8601 duration (like PT10M or P2D)")
    parts = match.groupdict()
    years, months = _number(parts["years"]), _number(parts["months"])
    if years != int(years) or months != int(months):
        raise IsoError(f"{text!r}: years and months must be whole numbers")
    exact = timedelta(
        weeks=_number(parts["weeks"]),
        days=_number(parts["days"]),
        hours=_number(parts["hours"]),
        minutes=_number(parts["minutes"]),
        seconds=_number(parts["seconds"]),
    )
    return IsoDuration(int(years), int(months), exact, negative=parts["sign"] == "-")


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise IsoError(f"{text!r} is not an ISO 8601 date-time (like 2024-05-01T09:00:00Z)") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def parse_cycle(text: str) -> IsoCycle:
    """Parse `R3/PT10M`, `R/P1D`, `R2/2024-01-01T09:00:00Z/PT1H` or `R2/PT1H/2024-01-02T00:00:00Z`."""
    parts = text.strip().split("/")
    if len(parts) < 2 or len(parts) > 3:
        raise IsoError(f"{text!r} is not an ISO 8601 repeating interval (like R3/PT10M)")
    repeat = _REPEAT.match(parts[0])
    if not repeat:
        raise IsoError(f"{text!r}: a repeating interval starts with R or Rn (like R3/PT10M)")
    count = int(repeat.group("count")) if repeat.group("count") else None
    if len(parts) == 2:
        return IsoCycle(count, parse_duration(parts[1]))
    if parts[1].startswith(("P", "-P")):
        return IsoCycle(count, parse_duration(parts[1]), end=parse_datetime(parts[2]))
    return IsoCycle(count, parse_duration(parts[2]), start=parse_datetime(parts[1]))
