"""Cron schedules («0 9 * * 1-5» — at 9:00 on working weekdays) in a time zone.

Five fields: minute, hour, day of month, month, day of week (0 or 7 is Sunday; names jan…dec and
sun…sat are understood); `*`, lists `1,15`, ranges `1-5`, steps `*/10` and `1-30/2`. When both the day
of month and the day of week are restricted, either may match (as in Vixie cron). Times that do not
exist in the zone (the hour skipped when clocks go forward) are skipped; a repeated hour fires once.

Written here rather than taken from `croniter`: what rules need is this small, and croniter's future
was uncertain when this was written (its maintainer announced the end of the project in 2024).

Example:
    >>> schedule = parse_cron("0 9 * * 1-5")
    >>> schedule.next_after(datetime(2026, 3, 6, 10, 0, tzinfo=UTC), "Europe/Moscow")
    datetime.datetime(2026, 3, 9, 6, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
DAYS = {name: number for number, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
# Nothing fires if no minute in this many years matches (e.g. «0 0 31 2 *»).
HORIZON_YEARS = 5


class CronError(ValueError):
    """A schedule that does not parse; the message names the field."""


@dataclass(frozen=True)
class CronSchedule:
    source: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_restricted: bool
    weekdays_restricted: bool

    def _day_matches(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7  # Monday 0 in Python → 1 in cron
        in_days = moment.day in self.days
        in_weekdays = weekday in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays

    def next_after(self, moment: datetime, time_zone: str) -> datetime | None:
        """The first moment strictly after `moment` (aware) when the schedule fires, in UTC."""
        zone = zone_of(time_zone)
        local = moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=1)
        limit = local + timedelta(days=366 * HORIZON_YEARS)
        while local < limit:
            if local.month not in self.months:
                local = (local.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if not self._day_matches(local):
                local = local.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if local.hour not in self.hours:
                local = local.replace(minute=0) + timedelta(hours=1)
                continue
            if local.minute not in self.minutes:
                local += timedelta(minutes=1)
                continue
            aware = local.replace(tzinfo=zone)
            back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
            if back != local:  # a time the clocks skipped
                local += timedelta(minutes=1)
                continue
            result = aware.astimezone(UTC)
            if result > moment:
                return result
            local += timedelta(minutes=1)
        return None


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name!r}") from None


def _value(text: str, names: dict[str, int], low: int, high: int, what: str) -> int:
    lowered = text.lower()
    if lowered in names:
        return names[lowered]
    if not text.isdigit():
        raise CronError(f"{what}: {text!r} is not a number")
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"{what}: {number} is outside {low}–{high}")
    return number


def _field(text: str, low: int, high: int, what: str, names: dict[str, int] | None = None) -> frozenset[int]:
    names = names or {}
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{what}: empty item in {text!r}")
        range_text, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{what}: bad step {step_text!r}")
            step = int(step_text)
        if range_text == "*":
            start, end = low, high
        elif "-" in range_text:
            first, _, last = range_text.partition("-")
            start, end = _value(first, names, low, high, what), _value(last, names, low, high, what)
            if start > end:
                raise CronError(f"{what}: the range {range_text!r} runs backwards")
        else:
            start = _value(range_text, names, low, high, what)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse_cron(text: str) -> CronSchedule:
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            f"a schedule has five fields (minute hour day month weekday), {text!r} has {len(parts)}"
        )
    minute, hour, day, month, weekday = parts
    weekdays = _field(weekday, 0, 7, "day of week", DAYS)
    if 7 in weekdays:
        weekdays = (weekdays - {7}) | {0}
    return CronSchedule(
        source=text,
        minutes=_field(minute, 0, 59, "minute"),
        hours=_field(hour, 0, 23, "hour"),
        days=_field(day, 1, 31, "day of month"),
        months=_field(month, 1, 12, "month", MONTHS),
        weekdays=weekdays,
        days_restricted=day != "*",
        weekdays_restricted=weekday != "*",
    )
