"""Dates, datetimes and ISO 8601 durations as the language reads them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from potok.engine.expressions.values import CalendarPeriod, ValueProblem, add_months

DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)


def parse_duration(text: str) -> timedelta | CalendarPeriod:
    """Read an ISO 8601 duration: ``P2D``, ``PT4H``, ``P1Y2M``, ``-P1W``.

    Days, weeks and clock parts give a ``timedelta``; years and months give a
    :class:`CalendarPeriod`, because a month has no fixed length.
    """
    cleaned = text.strip().upper()
    match = DURATION.fullmatch(cleaned) if len(cleaned) <= 64 else None
    parts = {} if match is None else match.groupdict()
    has_time = any(parts.get(key) for key in ("hours", "minutes", "seconds"))
    parts = {key: value for key, value in parts.items() if value is not None and key != "sign"}
    if match is None or not parts or ("T" in cleaned and not has_time):
        raise ValueProblem(f"{text!r} is not an ISO 8601 duration such as 'P2D' or 'PT4H'")
    seconds = Decimal(parts.get("seconds", "0").replace(",", "."))
    exact = timedelta(
        weeks=int(parts.get("weeks", 0)),
        days=int(parts.get("days", 0)),
        hours=int(parts.get("hours", 0)),
        minutes=int(parts.get("minutes", 0)),
        seconds=float(seconds),
    )
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    result: timedelta | CalendarPeriod = CalendarPeriod(months, exact) if months else exact
    return -result if match.group("sign") else result


def parse_date(value: Any) -> date:
    """A date from ``'2026-01-31'``, a date, or a datetime (its date part)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueProblem(f"{value!r} is not a date such as '2026-01-31'") from None
    raise ValueProblem(f"cannot make a date of {type(value).__name__}")


def parse_datetime(value: Any, zone: tzinfo) -> datetime:
    """An aware datetime from ISO text or a date; without an offset it is read in ``zone``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueProblem(f"{value!r} is not a datetime such as '2026-01-31T10:00:00+03:00'") from None
    else:
        raise ValueProblem(f"cannot make a datetime of {type(value).__name__}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _as_dates(start: Any, end: Any) -> tuple[date, date]:
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValueProblem("expects two dates")
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise ValueProblem("cannot mix a date and a datetime")
    return start, end


def days_between(start: Any, end: Any) -> int | None:
    """Whole days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    if start is None or end is None:
        return None
    first, second = _as_dates(start, end)
    delta = second - first
    return delta.days if delta >= timedelta(0) else -((-delta).days)


def months_between(start: Any, end: Any) -> int | None:
    """Whole calendar months from ``start`` to ``end``, consistent with ``date + P1M``.

    31 Jan → 27 Feb is 0 months; 31 Jan → 28 Feb is 1, because 31 Jan + 1 month is 28 Feb.
    """
    if start is None or end is None:
        return None
    first, second = _as_dates(start, end)
    if second < first:
        result = months_between(second, first)
        return -result if result is not None else None
    months = (second.year - first.year) * 12 + second.month - first.month
    if add_months(first, months) > second:
        months -= 1
    return months


def years_between(start: Any, end: Any) -> int | None:
    """Whole years from ``start`` to ``end`` (an age)."""
    months = months_between(start, end)
    return None if months is None else int(months / 12)
