"""The Russian production calendar: holidays, moved days off, worked Saturdays, short days."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from potok.engine.calendar import russian_production_calendar
from potok.engine.calendar.russia import SHORTENED_DAYS, derive_shortened_days

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def calendar():
    return russian_production_calendar([2025, 2026, 2027])


def msk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MOSCOW)


def test_new_year_holidays_2026_are_non_working(calendar):
    # given
    new_year = [date(2026, 1, day) for day in range(1, 12)]

    # when
    working = [day for day in new_year if calendar.is_working_day(day)]

    # then: 1–8 January are holidays, 9 January is moved from 3 January, 10–11 a weekend
    assert working == []
    assert calendar.is_working_day(date(2026, 1, 12))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 9), False),  # day off moved from Saturday 3 January
        (date(2026, 12, 31), False),  # day off moved from Sunday 4 January
        (date(2026, 2, 23), False),
        (date(2026, 3, 9), False),  # 8 March is a Sunday
        (date(2026, 5, 11), False),  # 9 May is a Saturday
        (date(2026, 12, 30), True),
        (date(2027, 2, 20), True),  # Saturday worked for Monday 22 February
        (date(2027, 2, 22), False),
        (date(2027, 11, 5), False),  # moved from Saturday 2 January
        (date(2027, 12, 31), False),  # moved from Sunday 3 January
        (date(2025, 11, 1), True),  # Saturday worked for Monday 3 November
    ],
)
def test_transferred_days(calendar, day, working):
    # given
    # when
    result = calendar.is_working_day(day)

    # then
    assert result is working


@pytest.mark.parametrize("day", [date(2026, 4, 30), date(2026, 5, 8), date(2026, 6, 11), date(2026, 11, 3)])
def test_pre_holiday_days_2026_end_an_hour_early(calendar, day):
    # given
    # when
    intervals = calendar.hours_on(day)

    # then
    assert intervals[-1][1] == timedelta(hours=17)
    assert calendar.hours_on(day - timedelta(days=14))[-1][1] == timedelta(hours=18)


def test_worked_saturday_before_a_holiday_is_short(calendar):
    # given
    # when
    intervals = calendar.hours_on(date(2027, 2, 20))

    # then
    assert intervals == (
        (timedelta(hours=9), timedelta(hours=13)),
        (timedelta(hours=14), timedelta(hours=17)),
    )


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_year_totals_match_the_official_norm(calendar, year):
    # given: a 40-hour week — 247 working days and 1972 hours in each of these years
    start, end = msk(year, 1, 1), msk(year + 1, 1, 1)

    # when
    days = sum(calendar.is_working_day(date(year, 1, 1) + timedelta(days=i)) for i in range(365))
    hours = calendar.working_time_between(start, end)

    # then
    assert days == 247
    assert hours == timedelta(hours=1972)


@pytest.mark.parametrize("year", sorted(SHORTENED_DAYS))
def test_the_derivation_rule_reproduces_the_shipped_short_days(year):
    # given
    public = holidays.country_holidays("RU", years=year)

    # when
    derived = derive_shortened_days(year, set(public), set(public.weekend_workdays))

    # then
    assert derived == set(SHORTENED_DAYS[year])


def test_four_working_hours_from_a_short_friday_land_at_noon_after_the_holidays(calendar):
    # given: Friday 8 May 2026 ends at 17:00; 9–11 May are days off
    start = msk(2026, 5, 8, 16, 0)

    # when
    deadline = calendar.add_working_time(start, timedelta(hours=4))

    # then: one hour on Friday, three on Tuesday from 09:00
    assert deadline == msk(2026, 5, 12, 12, 0)


def test_four_working_hours_from_an_ordinary_friday(calendar):
    # given
    start = msk(2026, 3, 13, 16, 0)

    # when
    deadline = calendar.add_working_time(start, timedelta(hours=4))

    # then: two hours on Friday, two on Monday
    assert deadline == msk(2026, 3, 16, 11, 0)


def test_two_working_days_from_friday_before_a_monday_holiday(calendar):
    # given: Friday 20 February 2026, 15:00; Monday 23 February is a holiday
    start = msk(2026, 2, 20, 15, 0)

    # when
    deadline = calendar.add_working_days(start, 2)

    # then
    assert deadline == msk(2026, 2, 25, 15, 0)


def test_deadline_across_the_new_year_break(calendar):
    # given: Wednesday 30 December 2026, 17:00
    start = msk(2026, 12, 30, 17, 0)

    # when
    deadline = calendar.add_working_time(start, timedelta(hours=2))

    # then: one hour on 30 December, one on Monday 11 January 2027
    assert deadline == msk(2027, 1, 11, 10, 0)


def test_a_year_without_shipped_data_derives_short_days():
    # given
    calendar = russian_production_calendar([2024])

    # when
    ends = {
        day: calendar.hours_on(day)[-1][1] for day in (date(2024, 3, 7), date(2024, 5, 8), date(2024, 11, 2))
    }

    # then: eves of 8 March and 9 May, and Saturday 2 November worked for the eve of 4 November
    assert set(ends.values()) == {timedelta(hours=17)}
