"""Writes for business calendars: the default calendar and its production-calendar days, the weekly
schedule, single days, and who works by which calendar.

Every change raises the calendar's `version`, so engine objects cached by `calendar_for` are rebuilt.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from potok.accounts.models import Department, User
from potok.audit.services import audit_record
from potok.calendars.building import (
    DEFAULT_WEEK,
    build_engine_calendar,
    normalised_hours,
    production_day_rows,
)
from potok.calendars.models import (
    Calendar,
    CalendarAssignment,
    CalendarDay,
    DayKind,
    DaySource,
    ProductionCalendar,
)
from potok.core import clock, context
from potok.core.errors import Conflict, ValidationFailed
from potok.core.events import emit_domain_event
from potok.core.models import EventKind
from potok.engine.calendar import CalendarError

ENTITY = "business_calendar"
DEFAULT_CODE = "default"


def _record(
    *, actor: Any, calendar: Calendar, action: str, changes: Mapping[str, tuple[Any, Any]], kind: str
) -> None:
    audit_record(
        actor=actor,
        entity_type=ENTITY,
        record_id=calendar.pk,
        action=action,
        changes=changes,
        origin=context.current().origin,
    )
    emit_domain_event(
        entity_type=ENTITY,
        record_id=calendar.pk,
        kind=kind,
        changes=changes,
        snapshot={"name": calendar.name, "code": calendar.code, "is_default": calendar.is_default},
        actor=actor,
    )


def _touch(calendar: Calendar) -> None:
    """Tell cached engine objects that the calendar changed."""
    Calendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1, updated_at=clock.now())
    calendar.refresh_from_db(fields=["version", "updated_at"])


def check_time_zone(time_zone: str) -> str | None:
    if not time_zone:
        return None
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _("Unknown time zone %(zone)s; use a name such as Europe/Moscow.") % {"zone": time_zone}
    return None


def check_week(week: Mapping[str, Any]) -> dict[str, list[list[str]]]:
    """The weekly schedule checked by the engine; ValidationFailed names the weekday at fault."""
    if not isinstance(week, Mapping):
        raise ValidationFailed({"week": _("The week must map weekdays 0–6 to lists of hours.")})
    result: dict[str, list[list[str]]] = {}
    for key, hours in week.items():
        if str(key) not in {str(weekday) for weekday in range(7)}:
            raise ValidationFailed(
                {"week": _("Unknown weekday %(day)s; use 0 (Monday) to 6 (Sunday).") % {"day": key}}
            )
        if not hours:
            continue
        try:
            result[str(key)] = normalised_hours(hours, f"weekday {key}")
        except (CalendarError, TypeError, ValueError) as error:
            raise ValidationFailed({f"week.{key}": str(error)}) from error
    if not result:
        raise ValidationFailed({"week": _("The week has no working hours at all.")})
    return result


def _current_years() -> list[int]:
    year = clock.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).year
    return [year, year + 1]


# -- the default calendar and the production calendar ---------------------------------------------


def calendar_default_ensure() -> Calendar:
    """The company's default calendar; made on first use from the Russian production calendar for the
    current and the next year."""
    calendar = Calendar.objects.filter(is_default=True).first()
    if calendar is not None:
        return calendar
    try:
        with transaction.atomic():
            calendar = Calendar.objects.create(
                name=_("Company calendar"),
                code=DEFAULT_CODE if not Calendar.objects.filter(code=DEFAULT_CODE).exists() else "company",
                is_default=True,
                production_calendar=ProductionCalendar.RUSSIA,
                week=DEFAULT_WEEK,
            )
            _record(
                actor=None,
                calendar=calendar,
                action="created",
                changes={"name": (None, calendar.name)},
                kind=EventKind.CREATED,
            )
            calendar_years_ensure(calendar=calendar, years=_current_years())
    except IntegrityError:
        # Another process made it meanwhile.
        return Calendar.objects.get(is_default=True)
    return calendar


@transaction.atomic
def calendar_years_ensure(*, calendar: Calendar, years: Iterable[int]) -> Calendar:
    """Write the production calendar's days for those of `years` not written yet (once per year: later
    edits by the administrator are never overwritten)."""
    if calendar.production_calendar == ProductionCalendar.NONE:
        return calendar
    wanted = set(years) - set(calendar.seeded_years)
    if not wanted:
        return calendar
    locked = Calendar.objects.select_for_update().get(pk=calendar.pk)
    missing = sorted(set(wanted) - set(locked.seeded_years))
    if missing:
        taken = set(
            CalendarDay.objects.filter(calendar=locked, day__year__in=missing).values_list("day", flat=True)
        )
        rows = [row for row in production_day_rows(locked, missing) if row.day not in taken]
        CalendarDay.objects.bulk_create(rows)
        locked.seeded_years = sorted({*locked.seeded_years, *missing})
        locked.save(update_fields=["seeded_years"])
        _touch(locked)
        audit_record(
            actor=None,
            entity_type=ENTITY,
            record_id=locked.pk,
            action="production_days_added",
            changes={"years": (None, missing)},
        )
    calendar.seeded_years = locked.seeded_years
    calendar.version = locked.version
    return calendar


def _reseed_production_days(calendar: Calendar) -> None:
    """After the week changed, the production days' hours (transferred and shortened days) follow it."""
    if calendar.production_calendar == ProductionCalendar.NONE or not calendar.seeded_years:
        CalendarDay.objects.filter(calendar=calendar, source=DaySource.PRODUCTION).delete()
        return
    CalendarDay.objects.filter(calendar=calendar, source=DaySource.PRODUCTION).delete()
    manual = set(
        CalendarDay.objects.filter(calendar=calendar, source=DaySource.MANUAL).values_list("day", flat=True)
    )
    CalendarDay.objects.bulk_create(
        [row for row in production_day_rows(calendar, calendar.seeded_years) if row.day not in manual]
    )


# -- calendars -------------------------------------------------------------------------------------


@transaction.atomic
def calendar_create(
    *,
    actor: Any,
    name: str,
    code: str,
    time_zone: str = "",
    production_calendar: str = ProductionCalendar.RUSSIA,
    week: Mapping[str, Any] | None = None,
) -> Calendar:
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Enter the calendar's name.")
    if not code or Calendar.objects.filter(code=code).exists():
        errors["code"] = (
            _("A calendar with the code %(code)s exists already.") % {"code": code}
            if code
            else _("Enter a code.")
        )
    zone_error = check_time_zone(time_zone)
    if zone_error:
        errors["time_zone"] = zone_error
    if production_calendar not in ProductionCalendar.values:
        errors["production_calendar"] = _("Unknown production calendar.")
    if errors:
        raise ValidationFailed(errors)
    checked_week = check_week(week if week is not None else DEFAULT_WEEK)
    calendar = Calendar.objects.create(
        name=name,
        code=code,
        time_zone=time_zone,
        production_calendar=production_calendar,
        week=checked_week,
    )
    _record(
        actor=actor,
        calendar=calendar,
        action="created",
        changes={"name": (None, name)},
        kind=EventKind.CREATED,
    )
    calendar_years_ensure(calendar=calendar, years=_current_years())
    return calendar


@transaction.atomic
def calendar_update(
    *,
    actor: Any,
    calendar: Calendar,
    name: str | None = None,
    time_zone: str | None = None,
    week: Mapping[str, Any] | None = None,
) -> Calendar:
    errors: dict[str, str] = {}
    if name is not None and not name.strip():
        errors["name"] = _("Enter the calendar's name.")
    if time_zone is not None:
        zone_error = check_time_zone(time_zone)
        if zone_error:
            errors["time_zone"] = zone_error
    if errors:
        raise ValidationFailed(errors)
    checked_week = check_week(week) if week is not None else None
    changes: dict[str, tuple[Any, Any]] = {}
    if name is not None and name.strip() != calendar.name:
        changes["name"] = (calendar.name, name.strip())
        calendar.name = name.strip()
    if time_zone is not None and time_zone != calendar.time_zone:
        changes["time_zone"] = (calendar.time_zone, time_zone)
        calendar.time_zone = time_zone
    if checked_week is not None and checked_week != calendar.week:
        changes["week"] = (calendar.week, checked_week)
        calendar.week = checked_week
    if not changes:
        return calendar
    calendar.save()
    if "week" in changes:
        _reseed_production_days(calendar)
    _touch(calendar)
    _record(actor=actor, calendar=calendar, action="updated", changes=changes, kind=EventKind.UPDATED)
    return calendar


@transaction.atomic
def calendar_set_default(*, actor: Any, calendar: Calendar) -> Calendar:
    previous = Calendar.objects.filter(is_default=True).exclude(pk=calendar.pk).first()
    if previous is None and calendar.is_default:
        return calendar
    if previous is not None:
        Calendar.objects.filter(pk=previous.pk).update(is_default=False)
        _touch(previous)
    calendar.is_default = True
    calendar.save(update_fields=["is_default"])
    _touch(calendar)
    _record(
        actor=actor,
        calendar=calendar,
        action="made_default",
        changes={"default": (previous.name if previous else None, calendar.name)},
        kind=EventKind.UPDATED,
    )
    return calendar


@transaction.atomic
def calendar_delete(*, actor: Any, calendar: Calendar) -> None:
    if calendar.is_default:
        raise Conflict(
            _("The company's default calendar cannot be deleted; make another one the default first.")
        )
    _record(
        actor=actor,
        calendar=calendar,
        action="deleted",
        changes={"name": (calendar.name, None)},
        kind=EventKind.DELETED,
    )
    calendar.delete()


# -- single days -------------------------------------------------------------------------------------


@transaction.atomic
def calendar_day_set(
    *,
    actor: Any,
    calendar: Calendar,
    day: date,
    kind: str,
    hours: list[Any] | None = None,
    note: str = "",
) -> CalendarDay:
    """Make `day` a day off, a (transferred) working day or a shortened day with the given hours, or
    "normal" — worked as the week says even where the production calendar had a day off."""
    if kind not in DayKind.values:
        raise ValidationFailed({"kind": _("Unknown kind of day %(kind)s.") % {"kind": kind}})
    checked_hours: list[list[str]] = []
    if kind in (DayKind.WORKING, DayKind.SHORT):
        if not hours:
            raise ValidationFailed(
                {"hours": _("Give the working hours of this day, e.g. 09:00–13:00, 14:00–17:00.")}
            )
        try:
            checked_hours = normalised_hours(hours, str(day))
        except (CalendarError, TypeError, ValueError) as error:
            raise ValidationFailed({"hours": str(error)}) from error
    existing = CalendarDay.objects.filter(calendar=calendar, day=day).first()
    old = (existing.kind, existing.hours) if existing else (None, None)
    row, _created = CalendarDay.objects.update_or_create(
        calendar=calendar,
        day=day,
        defaults={
            "kind": kind,
            "hours": checked_hours,
            "note": note.strip()[:200],
            "source": DaySource.MANUAL,
        },
    )
    # The engine refuses impossible calendars (e.g. a date both a holiday and a working day); check now.
    try:
        build_engine_calendar(calendar, CalendarDay.objects.filter(calendar=calendar))
    except CalendarError as error:
        raise ValidationFailed({"kind": str(error)}) from error
    _touch(calendar)
    _record(
        actor=actor,
        calendar=calendar,
        action="day_changed",
        changes={
            day.isoformat(): (old[0], kind if not checked_hours else f"{kind} {_hours_text(checked_hours)}")
        },
        kind=EventKind.UPDATED,
    )
    return row


@transaction.atomic
def calendar_day_reset(*, actor: Any, calendar: Calendar, day: date) -> CalendarDay | None:
    """Undo the administrator's change of `day`: back to the production calendar, or to the week."""
    existing = CalendarDay.objects.filter(calendar=calendar, day=day).first()
    if existing is None or existing.source == DaySource.PRODUCTION:
        return existing
    existing.delete()
    restored = None
    if day.year in calendar.seeded_years:
        for row in production_day_rows(calendar, [day.year]):
            if row.day == day:
                row.save()
                restored = row
    _touch(calendar)
    _record(
        actor=actor,
        calendar=calendar,
        action="day_reset",
        changes={day.isoformat(): (existing.kind, restored.kind if restored else None)},
        kind=EventKind.UPDATED,
    )
    return restored


def _hours_text(hours: list[list[str]]) -> str:
    return ", ".join(f"{start}–{end}" for start, end in hours)


# -- who works by which calendar -------------------------------------------------------------------


@transaction.atomic
def calendar_assign(
    *, actor: Any, calendar: Calendar, user: User | None = None, department: Department | None = None
) -> CalendarAssignment:
    if (user is None) == (department is None):
        raise ValidationFailed({"__all__": _("Choose either a person or a department.")})
    target = {"user": user} if user is not None else {"department": department}
    existing = CalendarAssignment.objects.filter(**target).select_related("calendar").first()
    assignment, _created = CalendarAssignment.objects.update_or_create(
        **target, defaults={"calendar": calendar}
    )
    _record(
        actor=actor,
        calendar=calendar,
        action="assigned",
        changes={str(user or department): (existing.calendar.name if existing else None, calendar.name)},
        kind=EventKind.UPDATED,
    )
    return assignment


@transaction.atomic
def calendar_unassign(*, actor: Any, user: User | None = None, department: Department | None = None) -> None:
    if (user is None) == (department is None):
        raise ValidationFailed({"__all__": _("Choose either a person or a department.")})
    target = {"user": user} if user is not None else {"department": department}
    existing = CalendarAssignment.objects.filter(**target).select_related("calendar").first()
    if existing is None:
        return
    existing.delete()
    _record(
        actor=actor,
        calendar=existing.calendar,
        action="unassigned",
        changes={str(user or department): (existing.calendar.name, None)},
        kind=EventKind.UPDATED,
    )
