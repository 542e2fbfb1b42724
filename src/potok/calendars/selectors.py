"""Reads for business calendars, and the two functions the rest of Potok uses for deadlines:

    >>> calendar_for(user=investigator)            # the engine's BusinessCalendar for him
    >>> deadline_in_working_time(start, "2 working days", user=investigator)

Which calendar: the person's own, else the nearest department up the tree that has one, else the
company's default. Engine objects are cached per process and per calendar, and rebuilt when the
calendar's `version` has moved (any change through the services), so several processes stay right.
"""

from __future__ import annotations

import calendar as month_calendar
import threading
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from potok.access.selectors import visible_records
from potok.accounts.models import Department, User
from potok.calendars.building import build_engine_calendar
from potok.calendars.models import Calendar, CalendarAssignment, CalendarDay, DayKind
from potok.core import clock, memo
from potok.core.errors import ValidationFailed
from potok.engine.calendar import BusinessCalendar, CalendarError, WorkingTime, parse_working_duration

_cache: dict[int, tuple[int, BusinessCalendar]] = {}
_cache_lock = threading.Lock()


def forget_cached_calendars() -> None:
    """Drop every cached engine object (tests; the version check makes it unnecessary otherwise)."""
    with _cache_lock:
        _cache.clear()


def engine_calendar(calendar: Calendar) -> BusinessCalendar:
    """The engine's object for `calendar`, built from its rows once per version."""
    from potok.calendars.services import calendar_years_ensure

    calendar = calendar_years_ensure(calendar=calendar, years=_years_in_use())
    with _cache_lock:
        cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == calendar.version:
        return cached[1]
    built = build_engine_calendar(calendar, CalendarDay.objects.filter(calendar=calendar))
    with _cache_lock:
        _cache[calendar.pk] = (calendar.version, built)
    return built


def _years_in_use() -> list[int]:
    year = clock.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).year
    return [year, year + 1]


def calendar_row_for(*, user: User | None = None, department: Department | None = None) -> Calendar:
    """The calendar row that applies: the user's own, the nearest department's, the company's."""
    from potok.calendars.services import calendar_default_ensure

    if department is None and user is not None:
        department = user.department
    chain: list[int] = []
    if department is not None:
        chain = [int(part) for part in department.path.strip("/").split("/") if part] or [department.pk]
    condition = Q(pk__in=[])
    if user is not None and user.pk:
        condition |= Q(user_id=user.pk)
    if chain:
        condition |= Q(department_id__in=chain)
    assignments = list(
        CalendarAssignment.objects.filter(condition)
        .select_related("calendar")
        .only("user_id", "department_id", "calendar")
    )
    for assignment in assignments:
        if assignment.user_id is not None:
            return assignment.calendar
    by_department = {a.department_id: a.calendar for a in assignments if a.department_id is not None}
    for department_id in reversed(chain):
        if department_id in by_department:
            return by_department[department_id]
    return calendar_default_ensure()


def calendar_for(*, user: User | None = None, department: Department | None = None) -> BusinessCalendar:
    """The engine's business calendar for a person (or a department); the company's without either.
    Inside a batch of work (`potok.core.memo.batch`) each person's or department's is looked up once."""
    key = f"calendars.for:{user.pk if user is not None else ''}:{department.pk if department is not None else ''}"
    return memo.once(key, lambda: engine_calendar(calendar_row_for(user=user, department=department)))


def parse_duration(duration: str | timedelta | WorkingTime) -> WorkingTime | timedelta:
    """A duration for a deadline: "2 working days", "4 working hours", "2 рабочих дня", ISO 8601 ("PT4H",
    working time) or a timedelta (working time: timedelta(hours=4) is 4 working hours). Text without the
    word "working" ("3 days") is calendar time."""
    if isinstance(duration, WorkingTime):
        return duration
    if isinstance(duration, timedelta):
        if duration < timedelta(0):
            raise ValidationFailed({"duration": _("A deadline cannot be in the past.")})
        return WorkingTime(time=duration)
    try:
        return parse_working_duration(str(duration))
    except CalendarError as error:
        raise ValidationFailed({"duration": str(error)}) from error


def deadline_on(
    calendar: BusinessCalendar, start: datetime, duration: str | timedelta | WorkingTime
) -> datetime:
    amount = parse_duration(duration)
    if start.tzinfo is None:
        raise ValidationFailed({"start": _("Give the start with its time zone.")})
    try:
        return calendar.add(start, amount)
    except CalendarError as error:
        raise ValidationFailed({"duration": str(error)}) from error


def deadline_in_working_time(
    start: datetime,
    duration: str | timedelta | WorkingTime,
    *,
    user: User | None = None,
    department: Department | None = None,
) -> datetime:
    """When `duration` of working time has passed since `start` on the calendar of `user` (or of
    `department`, or the company's). The result is an aware datetime in UTC."""
    return deadline_on(calendar_for(user=user, department=department), start, duration)


# -- reads for the pages and the API ------------------------------------------------------------


def calendars_visible(user: Any) -> QuerySet[Calendar]:
    return visible_records(user, "business_calendar").order_by("-is_default", "name")


def calendar_assignments(calendar: Calendar) -> QuerySet[CalendarAssignment]:
    return calendar.assignments.select_related("user", "department").order_by(
        "department__path", "user__username"
    )


@dataclass(frozen=True)
class DayView:
    day: date
    kind: str  # normal, weekend, holiday, working, short
    hours: list[list[str]]
    note: str
    source: str
    in_month: bool = True

    @property
    def is_working(self) -> bool:
        return self.kind in ("normal", DayKind.WORKING, DayKind.SHORT)


def calendar_days(calendar: Calendar, first: date, last: date) -> dict[date, DayView]:
    """Every date from `first` to `last` as the calendar has it (the week, or the day's own row)."""
    rows = {row.day: row for row in CalendarDay.objects.filter(calendar=calendar, day__range=(first, last))}
    result: dict[date, DayView] = {}
    day = first
    while day <= last:
        row = rows.get(day)
        week_hours = calendar.week.get(str(day.weekday())) or []
        if row is None or row.kind == DayKind.NORMAL:
            kind = "normal" if week_hours else "weekend"
            result[day] = DayView(day, kind, week_hours, row.note if row else "", row.source if row else "")
        else:
            result[day] = DayView(day, row.kind, row.hours, row.note, row.source)
        day += timedelta(days=1)
    return result


@dataclass(frozen=True)
class MonthView:
    year: int
    month: int
    weeks: list[list[DayView]]
    working_days: int


def calendar_year(calendar: Calendar, year: int) -> list[MonthView]:
    """Twelve months of weeks (Monday first) for the year view."""
    from potok.calendars.services import calendar_years_ensure

    calendar_years_ensure(calendar=calendar, years=[year])
    days = calendar_days(
        calendar, date(year, 1, 1) - timedelta(days=7), date(year, 12, 31) + timedelta(days=7)
    )
    months = []
    grid = month_calendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = [
            [DayView(**{**days[d].__dict__, "in_month": d.month == month}) for d in week]
            for week in grid.monthdatescalendar(year, month)
        ]
        working = sum(
            1 for d, view in days.items() if d.year == year and d.month == month and view.is_working
        )
        months.append(MonthView(year, month, weeks, working))
    return months
