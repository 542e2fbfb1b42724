"""The Russian production calendar (производственный календарь) as a BusinessCalendar.

Holidays, days off moved by government decree and weekend days made working days come from
the ``holidays`` package (``holidays.country_holidays("RU")``, whose transfer tables cite the
decrees on consultant.ru). The package does not know shortened pre-holiday days (Labour Code
art. 95: the working day right before a non-working public holiday is one hour shorter), so
they are shipped here as data, checked against the official production calendar; for years
not listed they are derived by the same rule (see :func:`derive_shortened_days`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import holidays as holidays_package

from potok.engine.calendar.business_calendar import BusinessCalendar, Hours, five_day_week, parse_hours
from potok.engine.calendar.errors import CalendarError

# Non-working public holidays, Labour Code of the Russian Federation art. 112 (since 2013).
STATUTORY_HOLIDAYS = (
    *((1, day) for day in range(1, 9)),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)

# Shortened pre-holiday working days (one hour shorter), by year.
SHORTENED_DAYS: Mapping[int, tuple[date, ...]] = {
    # Production calendar 2025 (Ministry of Labour; consultant.ru "Производственный календарь
    # на 2025 год"; Government decree of 04.10.2024 No. 1335): 247 working days, 1972 hours.
    2025: (date(2025, 3, 7), date(2025, 4, 30), date(2025, 6, 11), date(2025, 11, 1)),
    # Production calendar 2026 (Government decree of 24.09.2025 No. 1466; consultant.ru
    # cons_doc_LAW_515170 and the Ministry of Labour's calendar): 247 working days, 1972 hours.
    2026: (date(2026, 4, 30), date(2026, 5, 8), date(2026, 6, 11), date(2026, 11, 3)),
    # 2027: transfers per the decree cited by the holidays package (consultant.ru
    # cons_doc_LAW_544706): 20 Feb (Sat) worked for 22 Feb, 2 Jan → 5 Nov, 3 Jan → 31 Dec.
    # Shortened days by art. 95, with 20 Feb taking the place of 22 Feb (the eve of 23 Feb);
    # the layout is that of 2021, whose official calendar shortened the same four dates.
    # Re-check against the Ministry of Labour's calendar for 2027 when it is published.
    2027: (date(2027, 2, 20), date(2027, 4, 30), date(2027, 6, 11), date(2027, 11, 3)),
}

DEFAULT_HOURS: Hours = (("09:00", "13:00"), ("14:00", "18:00"))
SHORTENED_BY = timedelta(hours=1)


def russian_production_calendar(
    years: Iterable[int],
    *,
    time_zone: str = "Europe/Moscow",
    week: Mapping[int, Hours] | None = None,
    working_day_hours: Hours | None = None,
    name: str = "Производственный календарь РФ",
) -> BusinessCalendar:
    """The Russian five-day-week production calendar for ``years``.

    ``week`` defaults to Monday–Friday 09:00–18:00 with a 13:00–14:00 break;
    ``working_day_hours`` are the hours of a weekend day made a working day (default: the
    Monday hours). Shortened days lose one hour at the end of the day.

    Example::

        >>> calendar = russian_production_calendar([2026])
        >>> calendar.is_working_day(date(2026, 1, 9)), calendar.hours_on(date(2026, 4, 30))[-1]
        (False, (datetime.timedelta(seconds=50400), datetime.timedelta(seconds=61200)))
    """
    chosen_week: Mapping[int, Hours] = (
        week if week is not None else five_day_week("09:00", "18:00", lunch=[("13:00", "14:00")])
    )
    if not chosen_week:
        raise CalendarError("the week has no working days")
    transferred_hours = working_day_hours or chosen_week.get(0) or next(iter(chosen_week.values()))
    days_off: set[date] = set()
    extra: dict[date, Hours] = {}
    short: dict[date, Hours] = {}
    for year in sorted(set(years)):
        public = holidays_package.country_holidays("RU", years=year)
        year_days_off = {day for day in public if day.year == year}
        workdays = {day for day in getattr(public, "weekend_workdays", set()) if day.year == year}
        days_off |= year_days_off - workdays
        for day in workdays:
            extra[day] = transferred_hours
        shortened = SHORTENED_DAYS.get(year)
        if shortened is None:
            shortened = tuple(sorted(derive_shortened_days(year, year_days_off, workdays)))
        for day in shortened:
            base = extra.get(day) or (None if day in year_days_off else chosen_week.get(day.weekday()))
            if not base:
                raise CalendarError(f"shortened day {day} is not a working day in the calendar")
            hours = _shorten(base, f"shortened day {day}")
            if day in extra:
                extra[day] = hours
            else:
                short[day] = hours
    return BusinessCalendar(
        time_zone=time_zone,
        week=chosen_week,
        holidays=days_off,
        extra_working_days=extra,
        short_days=short,
        name=name,
    )


def derive_shortened_days(year: int, days_off: set[date], workdays: set[date]) -> set[date]:
    """Art. 95 as the Ministry of Labour applies it.

    The working day right before a non-working public holiday is shortened; a weekend day
    that is worked instead of such an eve (the eve having been made a day off) is shortened
    in its place. An eve that is a weekend or a moved day off shortens nothing.
    """
    statutory = {date(year, month, day) for month, day in STATUTORY_HOLIDAYS} | {date(year + 1, 1, 1)}
    partners = _transfer_partners(year)
    result: set[date] = set()
    for holiday in statutory:
        eve = holiday - timedelta(days=1)
        if eve.year != year or eve in statutory:
            continue
        working = eve in workdays or (eve.weekday() < 5 and eve not in days_off)
        if working:
            result.add(eve)
        elif eve.weekday() < 5 and partners.get(eve) in workdays:
            result.add(partners[eve])
    return result


def _transfer_partners(year: int) -> dict[date, date]:
    """Day off → the weekend day worked for it, from the holidays package's decree table."""
    table: Any = getattr(
        getattr(holidays_package.countries.russia, "RussiaStaticHolidays", None),
        "special_public_holidays",
        {},
    )
    entries: Any = table.get(year, ()) if isinstance(table, dict) else ()
    if entries and not isinstance(entries[0], tuple):
        entries = (entries,)
    partners: dict[date, date] = {}
    for entry in entries:
        if len(entry) in (4, 5) and all(isinstance(part, int) for part in entry):
            worked_year = entry[4] if len(entry) == 5 else year
            try:
                partners[date(year, entry[0], entry[1])] = date(worked_year, entry[2], entry[3])
            except ValueError:
                continue
    return partners


def _shorten(hours: Hours, where: str) -> Hours:
    intervals = list(parse_hours(hours, where))
    cut = SHORTENED_BY
    while cut and intervals:
        start, end = intervals[-1]
        if end - start > cut:
            intervals[-1] = (start, end - cut)
            cut = timedelta(0)
        else:
            cut -= end - start
            intervals.pop()
    if not intervals:
        raise CalendarError(f"{where}: too short to be shortened by an hour")
    return [(_clock(start), _clock(end)) for start, end in intervals]


def _clock(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
