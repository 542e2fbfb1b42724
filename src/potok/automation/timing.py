"""When a time rule's moment comes for a record: its date (or its creation) plus or minus an amount.

Options of a time rule: `date_field` ("created" or a date / date-time field), `amount` (a whole number),
`unit` (minutes, hours, days, weeks or working_days on the company's business calendar) and `direction`
(after or before). A date without a time means midnight of that day in the company's time zone.

Example:
    >>> due_for({"date_field": "created", "amount": 10, "unit": "days"}, created_at)
    created_at + timedelta(days=10)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

UNITS = ("minutes", "hours", "days", "weeks", "working_days")


def company_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def as_moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=company_zone())
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=company_zone())
    if isinstance(value, str) and value:
        try:
            return as_moment(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def due_for(options: Mapping[str, Any], base: Any) -> datetime | None:
    """The moment a time rule fires for a record whose date is `base` (None: no date, no timer)."""
    moment = as_moment(base)
    if moment is None:
        return None
    amount = int(options.get("amount") or 0)
    unit = options.get("unit") or "days"
    sign = -1 if options.get("direction") == "before" else 1
    if unit == "working_days":
        from potok.calendars.selectors import calendar_for
        from potok.engine.calendar import WorkingTime

        if sign < 0:
            return moment - timedelta(days=amount)  # «before» a date counts calendar days
        result: datetime = calendar_for().add_working_time(moment, WorkingTime(days=amount))
        return result
    step = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "weeks": timedelta(weeks=1)}.get(
        unit, timedelta(days=1)
    )
    return moment + sign * amount * step
