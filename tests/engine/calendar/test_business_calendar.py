"""Business-calendar arithmetic: working hours, breaks, holidays, short days, time zones."""

import time as clock
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from potok.engine.calendar import (
    BusinessCalendar,
    CalendarError,
    WorkingTime,
    five_day_week,
    parse_working_duration,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = five_day_week("09:00", "18:00", lunch=[("13:00", "14:00")])


def office(**kwargs) -> BusinessCalendar:
    return BusinessCalendar(time_zone="Europe/Moscow", week=OFFICE, **kwargs)


def msk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MOSCOW)


def test_four_working_hours_from_friday_afternoon_continue_on_monday_morning():
    # given: Friday 16:00, two hours left that day
    calendar = office()

    # when
    deadline = calendar.add_working_time(msk(2026, 3, 13, 16, 0), timedelta(hours=4))

    # then: 16-18 on Friday, 09-11 on Monday
    assert deadline == msk(2026, 3, 16, 11, 0)
    assert deadline.tzinfo is UTC


def test_working_hours_skip_the_lunch_break():
    # given
    calendar = office()

    # when
    deadline = calendar.add_working_time(msk(2026, 3, 16, 11, 0), timedelta(hours=3))

    # then: 11-13, then 14-15
    assert deadline == msk(2026, 3, 16, 15, 0)


def test_a_deadline_that_uses_up_the_day_ends_at_closing_time():
    # given
    calendar = office()

    # when
    deadline = calendar.add_working_time(msk(2026, 3, 16, 9, 0), timedelta(hours=8))

    # then
    assert deadline == msk(2026, 3, 16, 18, 0)


def test_working_time_starting_outside_hours_starts_at_the_next_opening():
    # given
    calendar = office()

    # when
    deadline = calendar.add_working_time(msk(2026, 3, 14, 12, 0), WorkingTime(time=timedelta(minutes=30)))

    # then: Saturday → Monday 09:30
    assert deadline == msk(2026, 3, 16, 9, 30)


def test_two_working_days_from_friday_before_a_monday_holiday_land_on_wednesday():
    # given
    calendar = office(holidays={date(2026, 2, 23)})

    # when
    deadline = calendar.add_working_days(msk(2026, 2, 20, 15, 0), 2)

    # then
    assert deadline == msk(2026, 2, 25, 15, 0)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (msk(2026, 3, 14, 10, 0), 1, msk(2026, 3, 16, 18, 0)),  # Saturday counts as Friday 18:00
        (msk(2026, 3, 13, 20, 0), 2, msk(2026, 3, 17, 18, 0)),  # after hours counts as 18:00
        (msk(2026, 3, 13, 7, 0), 1, msk(2026, 3, 13, 18, 0)),  # before opening counts as Thursday 18:00
        (msk(2026, 3, 13, 13, 30), 1, msk(2026, 3, 16, 13, 0)),  # lunch counts as 13:00
        (msk(2026, 3, 13, 15, 0), 0, msk(2026, 3, 13, 15, 0)),
    ],
)
def test_working_days_from_outside_working_hours(start, days, expected):
    # given
    calendar = office()

    # when
    deadline = calendar.add_working_days(start, days)

    # then
    assert deadline == expected


def test_working_days_landing_on_a_short_day_are_clamped_to_its_end():
    # given: Friday is one hour short
    calendar = office(short_days={date(2026, 3, 20): [("09:00", "13:00"), ("14:00", "17:00")]})

    # when
    deadline = calendar.add_working_days(msk(2026, 3, 19, 17, 30), 1)

    # then
    assert deadline == msk(2026, 3, 20, 17, 0)


def test_extra_working_day_on_a_saturday_counts():
    # given
    calendar = office(extra_working_days={date(2026, 3, 14): [("10:00", "14:00")]})

    # when
    deadline = calendar.add_working_time(msk(2026, 3, 13, 17, 0), timedelta(hours=2))

    # then
    assert deadline == msk(2026, 3, 14, 11, 0)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (msk(2026, 3, 16, 9, 0), True),
        (msk(2026, 3, 16, 12, 59), True),
        (msk(2026, 3, 16, 13, 0), False),
        (msk(2026, 3, 16, 14, 0), True),
        (msk(2026, 3, 16, 18, 0), False),
        (msk(2026, 3, 14, 12, 0), False),
        (datetime(2026, 3, 16, 6, 30, tzinfo=UTC), True),  # 09:30 in Moscow
    ],
)
def test_is_working_time(moment, expected):
    # given
    calendar = office()

    # when
    result = calendar.is_working_time(moment)

    # then
    assert result is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (msk(2026, 3, 16, 10, 15), msk(2026, 3, 16, 10, 15)),
        (msk(2026, 3, 16, 13, 20), msk(2026, 3, 16, 14, 0)),
        (msk(2026, 3, 13, 18, 0), msk(2026, 3, 16, 9, 0)),
        (msk(2026, 3, 15, 23, 0), msk(2026, 3, 16, 9, 0)),
    ],
)
def test_next_working_moment(moment, expected):
    # given
    calendar = office()

    # when
    result = calendar.next_working_moment(moment)

    # then
    assert result == expected


def test_working_time_between_two_moments():
    # given
    calendar = office()

    # when
    forward = calendar.working_time_between(msk(2026, 3, 13, 16, 0), msk(2026, 3, 16, 11, 0))
    backward = calendar.working_time_between(msk(2026, 3, 16, 11, 0), msk(2026, 3, 13, 16, 0))

    # then
    assert forward == timedelta(hours=4)
    assert backward == -forward


def test_summer_time_changes_are_counted_in_real_hours():
    # given: round-the-clock work in Berlin, where 29 March 2026 has 23 hours and 25 October 25
    calendar = BusinessCalendar(
        time_zone="Europe/Berlin", week={day: [("00:00", "24:00")] for day in range(7)}
    )

    # when
    spring = calendar.working_time_between(
        datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN), datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)
    )
    autumn = calendar.working_time_between(
        datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN), datetime(2026, 10, 26, 0, 0, tzinfo=BERLIN)
    )

    # then
    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)


def test_office_hours_keep_their_wall_clock_across_summer_time():
    # given
    calendar = BusinessCalendar(time_zone="Europe/Berlin", week=OFFICE)

    # when: Friday 27 March 17:00 CET + 2 working hours → Monday 30 March 10:00 CEST
    deadline = calendar.add_working_time(datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN), timedelta(hours=2))
    days_later = calendar.add_working_days(datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN), 1)

    # then
    assert deadline == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert deadline.astimezone(BERLIN).hour == 10
    assert days_later.astimezone(BERLIN) == datetime(2026, 3, 30, 17, 0, tzinfo=BERLIN)


def test_moscow_has_no_summer_time():
    # given
    calendar = office()

    # when
    winter = calendar.intervals_on(date(2026, 1, 12))[0][0]
    summer = calendar.intervals_on(date(2026, 7, 13))[0][0]

    # then: 09:00 MSK is 06:00 UTC all year
    assert (winter.hour, summer.hour) == (6, 6)


def test_adding_many_working_days_walks_days_not_minutes():
    # given
    calendar = office(holidays={date(2026, 5, 1), date(2026, 5, 11)})
    start = msk(2026, 1, 12, 10, 0)

    # when
    started = clock.perf_counter()
    far = calendar.add_working_days(start, 500)
    hours = calendar.add_working_time(start, timedelta(hours=2000))
    elapsed = clock.perf_counter() - started

    # then
    assert calendar.working_time_between(start, hours) == timedelta(hours=2000)
    assert far > hours - timedelta(days=400)
    assert elapsed < 0.5


def test_calendar_time_and_working_time_through_one_entry_point():
    # given
    calendar = office()
    start = msk(2026, 3, 13, 16, 0)

    # when
    calendar_time = calendar.add(start, timedelta(hours=4))
    working_time = calendar.add(start, WorkingTime(days=1, time=timedelta(hours=3)))

    # then
    assert calendar_time == msk(2026, 3, 13, 20, 0)
    assert working_time == msk(2026, 3, 17, 10, 0)


def test_calendar_survives_a_round_trip_through_json_data():
    # given
    calendar = office(
        holidays={date(2026, 2, 23)},
        extra_working_days={date(2026, 3, 14): [("10:00", "14:00")]},
        short_days={date(2026, 3, 20): [("09:00", "13:00"), ("14:00", "17:00")]},
    )

    # when
    copy = BusinessCalendar.from_dict(calendar.to_dict())

    # then
    assert copy.to_dict() == calendar.to_dict()
    assert copy.hours_on(date(2026, 3, 20)) == calendar.hours_on(date(2026, 3, 20))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"time_zone": "Mars/Olympus", "week": OFFICE}, "unknown time zone"),
        ({"time_zone": "UTC", "week": {0: [("10:00", "09:00")]}}, "ends before it starts"),
        ({"time_zone": "UTC", "week": {0: [("09:00", "13:00"), ("12:00", "18:00")]}}, "overlap"),
        ({"time_zone": "UTC", "week": {0: [("9 am", "18:00")]}}, "is not a time"),
        ({"time_zone": "UTC", "week": {7: [("09:00", "18:00")]}}, "weekday must be"),
        (
            {
                "time_zone": "UTC",
                "week": OFFICE,
                "holidays": {date(2026, 3, 14)},
                "extra_working_days": {date(2026, 3, 14): [("09:00", "18:00")]},
            },
            "both a holiday and an extra working day",
        ),
        ({"time_zone": "UTC", "week": OFFICE, "holidays": [datetime(2026, 1, 1)]}, "is not a date"),
    ],
)
def test_invalid_calendars_are_refused_with_a_message(arguments, message):
    # given
    # when
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar(**arguments)

    # then
    assert message in str(caught.value)


def test_naive_datetimes_are_refused():
    # given
    calendar = office()

    # when
    with pytest.raises(CalendarError) as caught:
        calendar.add_working_time(datetime(2026, 3, 13, 16, 0), timedelta(hours=1))

    # then
    assert "has no time zone" in str(caught.value)


def test_a_calendar_without_working_time_fails_instead_of_looping():
    # given
    calendar = BusinessCalendar(time_zone="UTC", week={})

    # when
    with pytest.raises(CalendarError) as caught:
        calendar.add_working_time(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1))

    # then
    assert "not enough working time" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "working", "expected"),
    [
        ("2 working days", True, WorkingTime(days=2)),
        ("1 working day", True, WorkingTime(days=1)),
        ("4 working hours", True, WorkingTime(time=timedelta(hours=4))),
        ("1 business day, 4 working hours", True, WorkingTime(days=1, time=timedelta(hours=4))),
        ("2 рабочих дня", True, WorkingTime(days=2)),
        ("5 рабочих дней", True, WorkingTime(days=5)),
        ("4 рабочих часа", True, WorkingTime(time=timedelta(hours=4))),
        ("1 рабочий день и 30 рабочих минут", True, WorkingTime(days=1, time=timedelta(minutes=30))),
        ("3 days", True, timedelta(days=3)),
        ("10 hours", True, timedelta(hours=10)),
        ("P2D", True, WorkingTime(days=2)),
        ("PT4H", True, WorkingTime(time=timedelta(hours=4))),
        ("P1DT4H", True, WorkingTime(days=1, time=timedelta(hours=4))),
        ("P2D", False, timedelta(days=2)),
        ("PT4H", False, timedelta(hours=4)),
    ],
)
def test_parse_working_duration(text, working, expected):
    # given
    # when
    result = parse_working_duration(text, working=working)

    # then
    assert result == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "2 working fortnights", "P1M", "-P1D", "2 working days 3 hours", "PT", "x" * 200]
)
def test_parse_working_duration_rejects_what_it_cannot_read(text):
    # given
    # when
    with pytest.raises(CalendarError):
        parse_working_duration(text)
    # then: a CalendarError (a ValueError) with the text in it


def test_working_time_prints_readably():
    # given
    amount = WorkingTime(days=2, time=timedelta(hours=4, minutes=30))

    # when
    text = str(amount)

    # then
    assert text == "2 working days 4 working hours 30 working minutes"
    assert parse_working_duration(text) == amount
