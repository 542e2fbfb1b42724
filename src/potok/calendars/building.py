"""Between the rows and the engine: the engine's `BusinessCalendar` from a calendar's rows, and the days of
the production calendar (from the engine's `russian_production_calendar`) as rows to write.

No arithmetic here: hours are checked and counted by the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import holidays as holidays_package

from potok.calendars.models import Calendar, CalendarDay, DayKind, DaySource, ProductionCalendar
from potok.engine.calendar import BusinessCalendar, CalendarError, russian_production_calendar
from potok.engine.calendar.business_calendar import WallInterval, format_clock, parse_hours

# Named in the interface and the documentation wherever the default calendar's days are shown.
PRODUCTION_CALENDAR_SOURCE = (
    "holidays (python package, country RU: public holidays and days moved by Government decrees); "
    "shortened pre-holiday days per Labour Code art. 95 as published in the Ministry of Labour's "
    "production calendar"
)

DEFAULT_WEEK: dict[str, list[list[str]]] = {
    str(weekday): [["09:00", "13:00"], ["14:00", "18:00"]] for weekday in range(5)
}


def week_for_engine(week: Mapping[str, Any]) -> dict[int, list[tuple[str, str]]]:
    return {int(weekday): [(start, end) for start, end in hours] for weekday, hours in week.items() if hours}


def hours_as_text(intervals: Iterable[WallInterval]) -> list[list[str]]:
    return [[format_clock(start), format_clock(end)] for start, end in intervals]


def normalised_hours(hours: Any, where: str) -> list[list[str]]:
    """Hours checked by the engine (start before end, no overlaps), as [["09:00", "13:00"], …]."""
    return hours_as_text(parse_hours([tuple(pair) for pair in hours], where))


def build_engine_calendar(calendar: Calendar, days: Iterable[CalendarDay]) -> BusinessCalendar:
    holidays: set[date] = set()
    extra: dict[date, list[tuple[str, str]]] = {}
    short: dict[date, list[tuple[str, str]]] = {}
    for row in days:
        if row.kind == DayKind.HOLIDAY:
            holidays.add(row.day)
        elif row.kind == DayKind.WORKING:
            extra[row.day] = [(start, end) for start, end in row.hours]
        elif row.kind == DayKind.SHORT:
            short[row.day] = [(start, end) for start, end in row.hours]
    return BusinessCalendar(
        time_zone=calendar.effective_time_zone,
        week=week_for_engine(calendar.week),
        holidays=holidays,
        extra_working_days=extra,
        short_days=short,
        name=calendar.name,
    )


@dataclass(frozen=True)
class ProductionDay:
    day: date
    kind: str
    hours: list[list[str]]
    note: str


def production_days(calendar: Calendar, years: Iterable[int]) -> list[ProductionDay]:
    """The days of `years` that the production calendar sets apart from the calendar's week."""
    wanted = sorted(set(years))
    if calendar.production_calendar != ProductionCalendar.RUSSIA or not wanted:
        return []
    week = week_for_engine(calendar.week)
    if not week:
        raise CalendarError("the week has no working days")
    engine = russian_production_calendar(wanted, time_zone=calendar.effective_time_zone, week=week)
    names: dict[date, str] = {}
    for year in wanted:
        names.update(holidays_package.country_holidays("RU", years=year, language="ru").items())
    result = [
        ProductionDay(day, DayKind.HOLIDAY, [], names.get(day, "")[:200])
        for day in engine.holidays
        if day.year in wanted
    ]
    result += [
        ProductionDay(day, DayKind.WORKING, hours_as_text(intervals), "")
        for day, intervals in engine.extra_working_days.items()
        if day.year in wanted
    ]
    result += [
        ProductionDay(day, DayKind.SHORT, hours_as_text(intervals), "")
        for day, intervals in engine.short_days.items()
        if day.year in wanted
    ]
    return sorted(result, key=lambda item: item.day)


def production_day_rows(calendar: Calendar, years: Iterable[int]) -> list[CalendarDay]:
    return [
        CalendarDay(
            calendar=calendar,
            day=item.day,
            kind=item.kind,
            hours=item.hours,
            note=item.note,
            source=DaySource.PRODUCTION,
        )
        for item in production_days(calendar, years)
    ]
