"""Deadlines on business calendars, and the durable timers that remind, mark overdue and escalate.

>>> due = task_deadline(spec.deadline, start=task.created_at, performer=user, data=data, context=context)
>>> schedule_timers(task, spec)   # reminders before the deadline, the deadline, the tiers after it
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from potok.accounts.models import Department, User
from potok.calendars.selectors import calendar_for, deadline_in_working_time, deadline_on
from potok.core.bulk import insert_objects, insert_objects_later
from potok.core.errors import ValidationFailed
from potok.engine.calendar import parse_working_duration
from potok.engine.expressions import EvaluationContext, ExpressionError
from potok.processes.models import Task
from potok.tasks.models import EscalationTimer, TimerKind
from potok.tasks.spec import DeadlineRule, TaskSpec


class DeadlineError(Exception):
    """The deadline cannot be computed (a bad date in the process data); the task gets none."""


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _calendar_department(task: Task) -> Department | None:
    if task.role_object_type == "department" and task.role_object_id.isdigit():
        return Department.objects.filter(pk=int(task.role_object_id)).first()
    return None


def end_of_working_day(
    day: date, *, performer: User | None, department: Department | None = None
) -> datetime:
    """A date as a deadline: the end of that day's working hours (midnight on a day off)."""
    calendar = calendar_for(user=performer, department=department)
    intervals = calendar.intervals_on(day)
    if intervals:
        return intervals[-1][1]
    return datetime.combine(day, time(23, 59), tzinfo=_zone())


def _as_moment(value: Any, *, performer: User | None, department: Department | None) -> datetime:
    if isinstance(value, str):
        parsed: datetime | date | None = parse_datetime(value.strip()) or parse_date(value.strip())
        if parsed is None:
            raise DeadlineError(_("%(value)s is not a date or a date and time.") % {"value": value})
        value = parsed
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=_zone())
    if isinstance(value, date):
        return end_of_working_day(value, performer=performer, department=department)
    raise DeadlineError(_("The deadline expression gave %(value)r, not a date.") % {"value": value})


def task_deadline(
    rule: DeadlineRule | None,
    *,
    start: datetime,
    performer: User | None,
    department: Department | None = None,
    data: Mapping[str, Any],
    context: EvaluationContext,
) -> datetime | None:
    """The deadline: working time on the performer's calendar (or the queue's department's, or the
    company's), or a moment taken from the process data."""
    if rule is None:
        return None
    if rule.calendar == "company":
        performer, department = None, None
    if rule.at is not None:
        try:
            value = rule.at.evaluate(data, context=context)
        except (ExpressionError, LookupError, TypeError, ValueError) as error:
            raise DeadlineError(str(error)) from error
        if value is None:
            return None
        return _as_moment(value, performer=performer, department=department)
    try:
        return deadline_in_working_time(start, rule.duration, user=performer, department=department)
    except ValidationFailed as error:
        raise DeadlineError("; ".join(m for messages in error.errors.values() for m in messages)) from error


def after_deadline(
    due_at: datetime, after: str, *, performer: User | None, department: Department | None
) -> datetime:
    """The moment `after` past the deadline ("1 working day" on the performer's calendar; "PT0S": the
    deadline itself; "3 days": calendar time)."""
    if after.strip() in ("", "0"):
        return due_at
    amount = parse_working_duration(after)
    if isinstance(amount, timedelta):
        return due_at + amount
    return deadline_on(calendar_for(user=performer, department=department), due_at, amount)


def schedule_timers(
    task: Task, spec: TaskSpec, *, now: datetime, fresh: bool = False
) -> list[EscalationTimer]:
    """(Re)create the task's unfired timers for its deadline: reminders before it (those already past are
    skipped), the deadline, and each escalation tier after it, numbered in the order they fire. A `fresh`
    task (created in this transaction) has no timers yet: nothing to delete or to skip."""
    if not fresh:
        EscalationTimer.objects.filter(task=task, fired_at__isnull=True).delete()
    if task.due_at is None:
        return []
    performer = task.assignee
    department = _calendar_department(task)
    timers: list[EscalationTimer] = []
    position = 0
    for index, reminder in enumerate(spec.reminders):
        before = parse_working_duration(reminder.before, working=False)
        assert isinstance(before, timedelta)
        moment = task.due_at - before
        if moment > now:
            timers.append(
                EscalationTimer(
                    task=task, kind=TimerKind.REMINDER, tier=index, position=position, due_at=moment
                )
            )
        position += 1
    timers.append(
        EscalationTimer(task=task, kind=TimerKind.OVERDUE, tier=0, position=position, due_at=task.due_at)
    )
    position += 1
    for index, tier in enumerate(spec.escalations):
        moment = after_deadline(task.due_at, tier.after, performer=performer, department=department)
        timers.append(
            EscalationTimer(
                task=task, kind=TimerKind.ESCALATION, tier=index, position=position, due_at=moment
            )
        )
        position += 1
    if not fresh:
        fired = set(
            EscalationTimer.objects.filter(task=task, fired_at__isnull=False).values_list("kind", "tier")
        )
        timers = [timer for timer in timers if (timer.kind, timer.tier) not in fired]
        insert_objects(timers)
    else:
        # A new task's timers: in a batch of starts, written with the batch (nobody reads them before).
        insert_objects_later(timers)
    return timers
