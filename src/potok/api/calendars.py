"""API of business calendars: list, one calendar with its days for a year, changing days (those with the
right to change calendars), and computing a deadline on a calendar."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from potok.access.models import Action
from potok.access.selectors import get_record
from potok.calendars import selectors, services
from potok.calendars.building import PRODUCTION_CALENDAR_SOURCE
from potok.calendars.models import Calendar
from potok.core import clock
from potok.core.errors import ValidationFailed

router = Router(tags=["calendars"])
ENTITY = "business_calendar"


class CalendarOut(Schema):
    id: int
    name: str
    code: str
    is_default: bool
    time_zone: str
    production_calendar: str
    week: dict[str, list[list[str]]]
    version: int

    @staticmethod
    def resolve_time_zone(calendar: Calendar) -> str:
        return calendar.effective_time_zone


class DayOut(Schema):
    day: date
    kind: str
    working: bool
    hours: list[list[str]]
    note: str
    source: str


class CalendarYearOut(CalendarOut):
    year: int
    source: str
    days: list[DayOut]


class DayIn(Schema):
    kind: str
    hours: list[list[str]] = []
    note: str = ""


class DeadlineIn(Schema):
    start: datetime
    duration: str


class DeadlineOut(Schema):
    calendar_id: int
    start: datetime
    duration: str
    deadline: datetime


@router.get("calendars", response=list[CalendarOut], summary="Business calendars")
def calendars(request: HttpRequest) -> Any:
    services.calendar_default_ensure()
    return selectors.calendars_visible(request.user)


@router.get(
    "calendars/{calendar_id}", response=CalendarYearOut, summary="A calendar with every day of a year"
)
def calendar(request: HttpRequest, calendar_id: int, year: int | None = None) -> Any:
    row: Calendar = get_record(request.user, ENTITY, calendar_id)
    year = year or clock.now().year
    if not 2000 <= year <= 2100:
        raise ValidationFailed({"year": "Use a year from 2000 to 2100."})
    services.calendar_years_ensure(calendar=row, years=[year])
    return SimpleNamespace(
        **{
            field: getattr(row, field)
            for field in ("id", "name", "code", "is_default", "production_calendar")
        },
        week=row.week,
        version=row.version,
        effective_time_zone=row.effective_time_zone,
        year=year,
        source=PRODUCTION_CALENDAR_SOURCE if row.production_calendar else "",
        days=_days(row, year),
    )


def _days(row: Calendar, year: int) -> list[dict[str, Any]]:
    days = selectors.calendar_days(row, date(year, 1, 1), date(year, 12, 31))
    return [
        {
            "day": view.day,
            "kind": view.kind,
            "working": view.is_working,
            "hours": view.hours if view.is_working else [],
            "note": view.note,
            "source": view.source,
        }
        for view in days.values()
    ]


@router.put("calendars/{calendar_id}/days/{day}", response=DayOut, summary="Change one day (administrators)")
def set_day(request: HttpRequest, calendar_id: int, day: date, payload: DayIn) -> Any:
    row: Calendar = get_record(request.user, ENTITY, calendar_id, Action.UPDATE)
    services.calendar_day_set(
        actor=request.user, calendar=row, day=day, kind=payload.kind, hours=payload.hours, note=payload.note
    )
    view = selectors.calendar_days(row, day, day)[day]
    return {**view.__dict__, "working": view.is_working}


@router.delete("calendars/{calendar_id}/days/{day}", response=DayOut, summary="Undo the change of a day")
def reset_day(request: HttpRequest, calendar_id: int, day: date) -> Any:
    row: Calendar = get_record(request.user, ENTITY, calendar_id, Action.UPDATE)
    services.calendar_day_reset(actor=request.user, calendar=row, day=day)
    view = selectors.calendar_days(row, day, day)[day]
    return {**view.__dict__, "working": view.is_working}


@router.post("calendars/{calendar_id}/deadline", response=DeadlineOut, summary="Compute a deadline")
def deadline(request: HttpRequest, calendar_id: int, payload: DeadlineIn) -> Any:
    """`duration`: "2 working days", "4 working hours", "2 рабочих дня", ISO 8601 "PT4H" (working time),
    or "3 days" (calendar time). `start` must carry its offset."""
    row: Calendar = get_record(request.user, ENTITY, calendar_id)
    result = selectors.deadline_on(selectors.engine_calendar(row), payload.start, payload.duration)
    return {"calendar_id": row.pk, "start": payload.start, "duration": payload.duration, "deadline": result}
