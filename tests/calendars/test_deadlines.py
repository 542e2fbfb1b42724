"""Deadlines in working time on the company's calendar, and whose calendar applies."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from potok.calendars.models import Calendar, CalendarDay, DayKind
from potok.calendars.selectors import calendar_for, deadline_in_working_time
from potok.calendars.services import (
    calendar_assign,
    calendar_create,
    calendar_day_reset,
    calendar_day_set,
    calendar_default_ensure,
    calendar_update,
)
from potok.core.errors import ValidationFailed
from tests.calendars.conftest import MOSCOW

pytestmark = pytest.mark.django_db


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


def test_the_default_calendar_is_the_russian_production_calendar_for_this_and_next_year() -> None:
    calendar = calendar_default_ensure()

    assert calendar.is_default and calendar.seeded_years == [2026, 2027]
    days = {row.day: row for row in CalendarDay.objects.filter(calendar=calendar)}
    assert days[date(2026, 5, 11)].kind == DayKind.HOLIDAY  # День Победы, moved from Saturday
    assert days[date(2026, 5, 8)].kind == DayKind.SHORT
    assert days[date(2026, 5, 8)].hours == [["09:00", "13:00"], ["14:00", "17:00"]]
    assert days[date(2027, 2, 20)].kind == DayKind.WORKING  # a Saturday worked for Monday 22 Feb
    assert "День Победы" in days[date(2026, 5, 9)].note


def test_two_working_days_from_a_friday_afternoon_before_a_holiday() -> None:
    # Given Friday 8 May 2026, 15:00 in Moscow: a shortened day before Victory Day (Sat 9) whose day off
    # moved to Monday 11 May.
    friday = moscow(2026, 5, 8, 15, 0)

    # When the deadline is two working days
    deadline = deadline_in_working_time(friday, "2 working days")

    # Then it is Wednesday 13 May, 15:00 Moscow time (12:00 UTC)
    assert deadline == moscow(2026, 5, 13, 15, 0)
    assert deadline.utcoffset() == timedelta(0)


def test_working_hours_skip_the_break_the_short_day_and_the_holidays() -> None:
    friday = moscow(2026, 5, 8, 15, 0)
    # 15:00–17:00 on the short Friday, then Tuesday 09:00–11:00
    assert deadline_in_working_time(friday, "4 working hours") == moscow(2026, 5, 12, 11, 0)
    assert deadline_in_working_time(friday, timedelta(hours=4)) == moscow(2026, 5, 12, 11, 0)
    assert deadline_in_working_time(moscow(2026, 5, 12, 12, 0), "2 рабочих часа") == moscow(
        2026, 5, 12, 15, 0
    )


def test_an_administrator_making_a_monday_a_holiday_moves_later_deadlines(person) -> None:
    friday = moscow(2026, 6, 5, 15, 0)
    assert deadline_in_working_time(friday, "2 working days") == moscow(2026, 6, 9, 15, 0)

    calendar_day_set(
        actor=person("admin"), calendar=calendar_default_ensure(), day=date(2026, 6, 8), kind=DayKind.HOLIDAY
    )

    assert deadline_in_working_time(friday, "2 working days") == moscow(2026, 6, 10, 15, 0)

    calendar_day_reset(actor=person("admin"), calendar=calendar_default_ensure(), day=date(2026, 6, 8))
    assert deadline_in_working_time(friday, "2 working days") == moscow(2026, 6, 9, 15, 0)


def test_a_person_calendar_beats_the_department_which_beats_the_parent_and_the_company(person) -> None:
    admin = person("admin")
    investigator, lawyer, sales = person("investigator1"), person("lawyer"), person("sales1")
    saturdays = calendar_create(
        actor=admin,
        name="Сервис: шестидневка",
        code="service-six",
        week={str(d): [["09:00", "17:00"]] for d in range(6)},
    )
    whole_company = calendar_create(actor=admin, name="Вся компания", code="company-wide")
    night = calendar_create(
        actor=admin,
        name="Ночная смена",
        code="night",
        time_zone="Asia/Novosibirsk",
        production_calendar="",
        week={str(d): [["20:00", "24:00"]] for d in range(7)},
    )
    calendar_assign(actor=admin, calendar=whole_company, department=investigator.department.parent)
    calendar_assign(actor=admin, calendar=saturdays, department=investigator.department)
    calendar_assign(actor=admin, calendar=night, user=person("investigator2"))

    assert calendar_for(user=investigator).name == "Сервис: шестидневка"
    assert calendar_for(user=lawyer).name == "Вся компания"  # the nearest ancestor
    assert calendar_for(user=person("investigator2")).name == "Ночная смена"
    assert calendar_for().name == Calendar.objects.get(is_default=True).name
    assert calendar_for(department=lawyer.department).name == "Вся компания"
    assert (
        calendar_for(department=sales.department).name == "Отдел продаж: суббота до обеда"
    )  # the demo's own

    # A Saturday is a working day for the service department only
    saturday = moscow(2026, 5, 16, 10, 0)
    assert deadline_in_working_time(saturday, "1 working hour", user=investigator) == moscow(
        2026, 5, 16, 11, 0
    )
    assert deadline_in_working_time(saturday, "1 working hour", user=lawyer) == moscow(2026, 5, 18, 10, 0)


def test_cached_calendars_are_rebuilt_after_a_change(person) -> None:
    first = calendar_for()
    assert calendar_for() is first

    calendar_update(
        actor=person("admin"),
        calendar=calendar_default_ensure(),
        week={str(d): [["08:00", "17:00"]] for d in range(5)},
    )

    second = calendar_for()
    assert second is not first
    assert second.hours_on(date(2026, 5, 13))[0][0] == timedelta(hours=8)
    # the production calendar's shortened day follows the new week
    assert CalendarDay.objects.get(calendar__is_default=True, day=date(2026, 6, 11)).hours == [
        ["08:00", "16:00"]
    ]


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        deadline_in_working_time(moscow(2026, 5, 8, 15, 0), "two days")
    assert "duration" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        calendar_create(actor=None, name="X", code="x", week={"0": [["18:00", "09:00"]]})
    assert "week.0" in error.value.errors
