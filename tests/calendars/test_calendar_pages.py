"""The calendar pages under /settings/calendars/: the year view, a click on a day, the week, assignments."""

from __future__ import annotations

from datetime import date

import pytest

from potok.calendars.models import Calendar, CalendarAssignment, CalendarDay, DayKind
from potok.calendars.selectors import deadline_in_working_time
from tests.calendars.conftest import MOSCOW
from tests.calendars.test_deadlines import moscow

pytestmark = pytest.mark.django_db


def default_calendar() -> Calendar:
    return Calendar.objects.get(is_default=True)


def test_the_year_view_marks_holidays_short_and_transferred_days_and_names_the_source(client_as) -> None:
    page = client_as("admin").get("/settings/calendars/")
    assert page.status_code == 200
    calendar = default_calendar()

    year = client_as("admin").get(f"/settings/calendars/{calendar.pk}/", {"year": 2027}).content.decode()

    assert 'data-day="2027-01-04" data-kind="holiday"' in year
    assert 'data-day="2027-02-20" data-kind="working"' in year  # a Saturday worked
    assert 'data-day="2027-04-30" data-kind="short"' in year
    assert 'data-day="2027-03-13" data-kind="weekend"' in year
    assert 'data-day="2027-03-15" data-kind="normal"' in year
    assert "holidays (python package, country RU" in year


def test_an_administrator_clicks_a_monday_and_makes_it_a_holiday(client_as) -> None:
    calendar = default_calendar()
    admin = client_as("admin")
    url = f"/settings/calendars/{calendar.pk}/days/2026-06-08/"

    form = admin.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="kind"' in form.content.decode()

    saved = admin.post(url, {"kind": DayKind.HOLIDAY, "note": "Субботник"}, HTTP_HX_REQUEST="true")

    assert saved.status_code == 204 and saved["HX-Refresh"] == "true"
    day = CalendarDay.objects.get(calendar=calendar, day=date(2026, 6, 8))
    assert (day.kind, day.note, day.source) == (DayKind.HOLIDAY, "Субботник", "manual")
    assert deadline_in_working_time(moscow(2026, 6, 5, 15, 0), "2 working days") == moscow(2026, 6, 10, 15, 0)

    shortened = admin.post(
        url, {"kind": DayKind.SHORT, "hours": "09:00-13:00, 14:00-16:00"}, HTTP_HX_REQUEST="true"
    )
    assert shortened.status_code == 204
    assert CalendarDay.objects.get(calendar=calendar, day=date(2026, 6, 8)).hours == [
        ["09:00", "13:00"],
        ["14:00", "16:00"],
    ]
    wrong = admin.post(url, {"kind": DayKind.SHORT, "hours": "16:00-09:00"}, HTTP_HX_REQUEST="true")
    assert wrong.status_code == 400 and "is-invalid" in wrong.content.decode()

    admin.post(url, {"reset": "1"}, HTTP_HX_REQUEST="true")
    assert not CalendarDay.objects.filter(calendar=calendar, day=date(2026, 6, 8)).exists()


def test_people_may_look_but_only_administrators_change(client_as) -> None:
    calendar = default_calendar() if Calendar.objects.exists() else None
    client_as("admin").get("/settings/calendars/")
    calendar = default_calendar()
    lawyer = client_as("lawyer")

    page = lawyer.get(f"/settings/calendars/{calendar.pk}/")
    assert page.status_code == 200 and "Save the schedule" not in page.content.decode("utf-8")
    assert (
        lawyer.post(f"/settings/calendars/{calendar.pk}/days/2026-06-08/", {"kind": "holiday"}).status_code
        == 403
    )
    assert (
        lawyer.post(f"/settings/calendars/{calendar.pk}/week/", {"week.0": "09:00-18:00"}).status_code == 403
    )
    assert client_as("reception").get(f"/settings/calendars/{calendar.pk}/").status_code == 404


def test_the_weekly_schedule_with_a_break_and_assignments(client_as, person) -> None:
    admin = client_as("admin")
    created = admin.post(
        "/settings/calendars/",
        {"name": "Сервис", "code": "service", "time_zone": "", "production_calendar": "ru"},
    )
    calendar = Calendar.objects.get(code="service")
    assert created.status_code == 302

    week = {f"week.{d}": "08:00-12:00, 12:30-17:00" for d in range(5)} | {"week.5": "", "week.6": ""}
    admin.post(f"/settings/calendars/{calendar.pk}/week/", week)
    calendar.refresh_from_db()
    assert calendar.week["0"] == [["08:00", "12:00"], ["12:30", "17:00"]]

    service = person("investigator1").department
    admin.post(f"/settings/calendars/{calendar.pk}/assignments/", {"target": f"department:{service.pk}"})
    assert CalendarAssignment.objects.get(department=service).calendar == calendar
    investigator = person("investigator1")
    # 11:30 + 1 working hour skips the 12:00–12:30 break
    assert deadline_in_working_time(
        moscow(2026, 5, 13, 11, 30), "1 working hour", user=investigator
    ) == moscow(2026, 5, 13, 13, 0)

    bad = admin.post(f"/settings/calendars/{calendar.pk}/week/", {"week.0": "nine to five"}, follow=True)
    assert "09:00-13:00" in bad.content.decode()  # the message shows the expected form


def test_the_deadline_calculator(client_as) -> None:
    client_as("admin").get("/settings/calendars/")
    calendar = default_calendar()
    answer = client_as("lawyer").get(
        f"/settings/calendars/{calendar.pk}/deadline/",
        {"start": "2026-05-08T15:00", "duration": "2 working days"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "13 May 2026, 15:00" in answer.content.decode() or "13 мая 2026, 15:00" in answer.content.decode()
    wrong = client_as("lawyer").get(
        f"/settings/calendars/{calendar.pk}/deadline/", {"start": "2026-05-08T15:00", "duration": "soon"}
    )
    assert "alert-danger" in wrong.content.decode()
    assert MOSCOW
