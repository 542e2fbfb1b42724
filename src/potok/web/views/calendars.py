"""Business calendar pages under /settings/calendars/: the list, a year view where a click changes a day,
the weekly schedule with breaks, who works by the calendar, and a deadline calculator."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, get_record, visible_records
from potok.accounts.models import Department, User
from potok.audit.selectors import audit_events_for_record
from potok.calendars import selectors as calendar_selectors
from potok.calendars import services as calendar_services
from potok.calendars.building import PRODUCTION_CALENDAR_SOURCE
from potok.calendars.models import Calendar, DayKind, ProductionCalendar
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.web.views.errors import domain_errors
from potok.web.views.notifications import styled

ENTITY = "business_calendar"
WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]
WEEKDAYS_SHORT = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]
INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")


def parse_hours_text(text: str, field: str) -> list[list[str]]:
    """ "09:00-13:00, 14:00-18:00" → [["09:00", "13:00"], ["14:00", "18:00"]]; the engine checks the rest."""
    hours = []
    for part in [p for p in re.split(r"[,;]", text) if p.strip()]:
        match = INTERVAL.match(part)
        if not match:
            raise ValidationFailed({field: _("Write hours as 09:00-13:00, 14:00-18:00.")})
        start, end = match.groups()
        hours.append([start.zfill(5), end.zfill(5)])
    return hours


def hours_text(hours: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in hours)


class CalendarForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=200)
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=64)
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Empty: the company's time zone."),
    )
    production_calendar = forms.ChoiceField(
        label=gettext_lazy("Public holidays from"), choices=ProductionCalendar.choices, required=False
    )


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    calendar_services.calendar_default_ensure()
    may_create = can(request.user, ENTITY, Action.CREATE)
    form = styled(
        CalendarForm(request.POST or None, initial={"production_calendar": ProductionCalendar.RUSSIA})
    )
    if request.method == "POST":
        if not may_create:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                calendar = calendar_services.calendar_create(actor=request.user, **form.cleaned_data)
            except ValidationFailed as error:
                for field, field_messages in error.errors.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("The calendar is made."))
                return redirect("web:calendar_detail", pk=calendar.pk)
    calendars = calendar_selectors.calendars_visible(request.user).prefetch_related("assignments")
    return render(
        request,
        "web/calendars/list.html",
        {
            "calendars": calendars,
            "form": form,
            "may_create": may_create,
            "company_zone": timezone.get_default_timezone_name(),
        },
    )


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    today = clock.now().astimezone(timezone.get_default_timezone()).date()
    return year if 2000 <= year <= 2100 else today.year


@login_required
@domain_errors
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    calendar: Calendar = get_record(request.user, ENTITY, pk)
    year = _year(request)
    may_edit = can(request.user, ENTITY, Action.UPDATE)
    context: dict[str, Any] = {
        "calendar": calendar,
        "year": year,
        "months": calendar_selectors.calendar_year(calendar, year),
        "may_edit": may_edit,
        "weekdays": WEEKDAYS,
        "weekdays_short": WEEKDAYS_SHORT,
        "week_rows": [
            (str(index), label, hours_text(calendar.week.get(str(index)) or []))
            for index, label in enumerate(WEEKDAYS)
        ],
        "assignments": calendar_selectors.calendar_assignments(calendar),
        "source": PRODUCTION_CALENDAR_SOURCE if calendar.production_calendar else "",
        "audit_events": audit_events_for_record(entity_type=ENTITY, record_id=calendar.pk)[:30],
        "today": clock.now(),
    }
    if may_edit:
        context["users"] = User.objects.filter(is_active=True).order_by("last_name", "first_name")
        context["departments"] = Department.objects.order_by("path")
    return render(request, "web/calendars/detail.html", context)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise NotFound(value) from error


@login_required
@domain_errors
def calendar_day(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    """GET: the form for one day (htmx, shown beside the year); POST: change it, answer with the year."""
    calendar: Calendar = get_record(request.user, ENTITY, pk)
    moment = _day(day)
    view = calendar_selectors.calendar_days(calendar, moment, moment)[moment]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        calendar = get_record(request.user, ENTITY, pk, Action.UPDATE)
        try:
            if request.POST.get("reset"):
                calendar_services.calendar_day_reset(actor=request.user, calendar=calendar, day=moment)
            else:
                kind = request.POST.get("kind", "")
                calendar_services.calendar_day_set(
                    actor=request.user,
                    calendar=calendar,
                    day=moment,
                    kind=kind,
                    hours=parse_hours_text(request.POST.get("hours", ""), "hours"),
                    note=request.POST.get("note", ""),
                )
        except ValidationFailed as error:
            errors = error.errors
        else:
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
                return response
            messages.success(request, _("The day is saved."))
            return redirect(f"{request.path.rsplit('/days/', 1)[0]}/?year={moment.year}")
    week_hours = calendar.week.get(str(moment.weekday())) or calendar.week.get("0") or []
    return render(
        request,
        "web/calendars/_day_form.html",
        {
            "calendar": calendar,
            "view": view,
            "kinds": DayKind.choices,
            "hours": hours_text(view.hours or week_hours),
            "errors": errors,
            "may_edit": can(request.user, ENTITY, Action.UPDATE),
            "full_page": not request.headers.get("HX-Request"),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
@domain_errors
def calendar_week(request: HttpRequest, pk: int) -> HttpResponse:
    calendar: Calendar = get_record(request.user, ENTITY, pk, Action.UPDATE)
    try:
        week = {
            str(index): parse_hours_text(request.POST.get(f"week.{index}", ""), f"week.{index}")
            for index in range(7)
        }
        calendar_services.calendar_update(
            actor=request.user,
            calendar=calendar,
            week=week,
            name=request.POST.get("name") or None,
            time_zone=request.POST.get("time_zone") if "time_zone" in request.POST else None,
        )
    except ValidationFailed as error:
        for field, field_messages in error.errors.items():
            messages.error(request, f"{field}: {' '.join(field_messages)}")
    else:
        messages.success(request, _("The weekly schedule is saved."))
    return redirect(f"/settings/calendars/{calendar.pk}/?year={_year(request)}")


@login_required
@require_POST
@domain_errors
def calendar_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    calendar: Calendar = get_record(request.user, ENTITY, pk, Action.UPDATE)
    target = request.POST.get("target", "")
    kind, _sep, target_id = target.partition(":")
    user = (
        visible_records(request.user, "user").filter(pk=target_id).first()
        if kind == "user" and target_id.isdigit()
        else None
    )
    department = (
        Department.objects.filter(pk=target_id).first()
        if kind == "department" and target_id.isdigit()
        else None
    )
    if user is None and department is None:
        messages.error(request, _("Choose a person or a department."))
    elif request.POST.get("remove"):
        calendar_services.calendar_unassign(actor=request.user, user=user, department=department)
        messages.success(request, _("The assignment is removed."))
    else:
        calendar_services.calendar_assign(
            actor=request.user, calendar=calendar, user=user, department=department
        )
        messages.success(request, _("%(who)s now works by this calendar.") % {"who": user or department})
    return redirect("web:calendar_detail", pk=calendar.pk)


@login_required
@require_POST
@domain_errors
def calendar_make_default(request: HttpRequest, pk: int) -> HttpResponse:
    calendar: Calendar = get_record(request.user, ENTITY, pk, Action.UPDATE)
    calendar_services.calendar_set_default(actor=request.user, calendar=calendar)
    messages.success(request, _("This is now the company's calendar."))
    return redirect("web:calendar_detail", pk=calendar.pk)


@login_required
@require_POST
@domain_errors
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    calendar: Calendar = get_record(request.user, ENTITY, pk, Action.DELETE)
    try:
        calendar_services.calendar_delete(actor=request.user, calendar=calendar)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:calendar_detail", pk=calendar.pk)
    messages.success(request, _("The calendar is deleted."))
    return redirect("web:calendar_list")


@login_required
@domain_errors
def calendar_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    """The deadline calculator (htmx): a start and a duration → the deadline on this calendar."""
    calendar: Calendar = get_record(request.user, ENTITY, pk)
    result: datetime | None = None
    error = ""
    start_text = request.GET.get("start", "")
    duration = request.GET.get("duration", "")
    if start_text and duration:
        try:
            start = datetime.fromisoformat(start_text)
            if timezone.is_naive(start):
                start = timezone.make_aware(start, zoneinfo.ZoneInfo(calendar.effective_time_zone))
            result = calendar_selectors.deadline_on(
                calendar_selectors.engine_calendar(calendar), start, duration
            )
        except ValueError:
            error = _("Enter the start as a date and time.")
        except ValidationFailed as failure:
            error = " ".join(message for messages_ in failure.errors.values() for message in messages_)
    return render(
        request,
        "web/calendars/_deadline.html",
        {"calendar": calendar, "result": result, "error": error, "zone": calendar.effective_time_zone},
    )
