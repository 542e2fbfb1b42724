"""Business calendars as data: the weekly schedule, the days that differ from it, and who uses which.

The arithmetic lives in the engine (`potok.engine.calendar.BusinessCalendar`); these rows are what an
administrator edits and what `potok.calendars.selectors.calendar_for` turns into the engine's object.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProductionCalendar(models.TextChoices):
    """Where the days of a calendar come from before the administrator changes any of them."""

    NONE = "", _("none (days are set by hand)")
    RUSSIA = "ru", _("Russian production calendar")


class Calendar(models.Model):
    """A business calendar. Exactly one is the company's default; others are assigned to departments or
    people. `version` grows with every change so that cached engine objects can tell they are stale."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    is_default = models.BooleanField(_("company default"), default=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Empty: the company's time zone."),
    )
    production_calendar = models.CharField(
        _("production calendar"),
        max_length=8,
        choices=ProductionCalendar.choices,
        default=ProductionCalendar.RUSSIA,
        blank=True,
    )
    # Weekday ("0" = Monday … "6" = Sunday) → [["09:00", "13:00"], ["14:00", "18:00"]]; absent = day off.
    week = models.JSONField(_("weekly schedule"), default=dict)
    # Years whose production-calendar days have been written as CalendarDay rows.
    seeded_years = models.JSONField(default=list, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or settings.TIME_ZONE


class DayKind(models.TextChoices):
    """How a date differs from the weekly schedule."""

    NORMAL = "normal", _("as the week says")
    HOLIDAY = "holiday", _("day off")
    WORKING = "working", _("transferred working day")
    SHORT = "short", _("shortened day")


class DaySource(models.TextChoices):
    PRODUCTION = "production", _("production calendar")
    MANUAL = "manual", _("set by an administrator")


class CalendarDay(models.Model):
    """One date that differs from the calendar's week: a day off, a weekend made a working day (with its
    hours), or a shortened day (with its hours). Dates without a row follow the week; a "normal" row
    is an administrator's word that the production calendar's day off is worked after all."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    # [["09:00", "13:00"], ["14:00", "17:00"]] for working and short days; empty for a day off.
    hours = models.JSONField(_("hours"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=DaySource.choices, default=DaySource.MANUAL)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "day"]
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="one_row_per_calendar_day")]

    def __str__(self) -> str:
        return f"{self.calendar}: {self.day} {self.kind}"


class CalendarAssignment(models.Model):
    """A department (with its subdepartments, unless they have their own) or a person works by `calendar`.
    Precedence: the person's own, then the nearest department up the tree, then the company default."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_assignment",
    )
    department = models.OneToOneField(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_assignment",
    )

    class Meta:
        verbose_name = _("calendar assignment")
        verbose_name_plural = _("calendar assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(department__isnull=True))
                | (Q(user__isnull=True) & Q(department__isnull=False)),
                name="calendar_assignment_for_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.department} → {self.calendar}"
