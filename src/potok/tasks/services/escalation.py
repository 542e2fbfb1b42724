"""Firing task timers: reminders, the deadline (the task becomes overdue) and escalation tiers.

Periodic work claims due timers with a lease (SKIP LOCKED on PostgreSQL), then fires each in its own
transaction under the task's row lock, setting `fired_at` in the same transaction as the effect. So each
timer fires exactly once; a worker killed mid-way leaves only a lease that expires; and a timer never
fires before the earlier ones of its task — after downtime, tiers catch up in order, once each.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min, Q
from django.utils.translation import gettext as _

from potok.accounts.models import Role, User
from potok.accounts.selectors import role_holders
from potok.core import clock
from potok.processes.models import Task
from potok.tasks import events, notices, people
from potok.tasks.loading import spec_of
from potok.tasks.lock_objects import task_for_update
from potok.tasks.models import EscalationTimer, TimerKind
from potok.tasks.services.assigning import announce, hand_over
from potok.tasks.services.completion import task_force_complete
from potok.tasks.spec import EscalationTier

logger = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
WORKER_ID = f"{socket.gethostname()}-{os.getpid()}"[:64]


def claim_due_timers(*, limit: int = 50) -> list[int]:
    now = clock.now()
    with transaction.atomic():
        due = (
            EscalationTimer.objects.filter(fired_at__isnull=True, due_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("due_at", "task_id", "position")
        )
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            EscalationTimer.objects.filter(pk__in=ids).update(locked_by=WORKER_ID, locked_until=now + LEASE)
    return ids


def fire_timer(timer_id: int) -> bool:
    """Fire one claimed timer (its own transaction); False when it was fired already or must wait."""
    with transaction.atomic():
        timer = EscalationTimer.objects.filter(pk=timer_id, fired_at__isnull=True).first()
        if timer is None:
            return False
        task = task_for_update(timer.task_id)
        timer = EscalationTimer.objects.select_for_update().filter(pk=timer_id, fired_at__isnull=True).first()
        if timer is None:
            return False
        now = clock.now()
        if task.state != "open":
            EscalationTimer.objects.filter(task=task, fired_at__isnull=True).delete()
            return False
        earlier = EscalationTimer.objects.filter(
            task=task, fired_at__isnull=True, position__lt=timer.position
        ).aggregate(due=Min("due_at"))["due"]
        if earlier is not None:
            # An earlier timer of this task has not fired yet: it goes first.
            EscalationTimer.objects.filter(pk=timer.pk).update(
                locked_until=max(earlier, now + timedelta(seconds=1))
            )
            return False
        # Marked first: closing the task (a "complete" tier) drops only the unfired timers.
        EscalationTimer.objects.filter(pk=timer.pk).update(fired_at=now, locked_until=None)
        if timer.kind == TimerKind.REMINDER:
            _remind(task, timer, now)
        elif timer.kind == TimerKind.OVERDUE:
            _overdue(task)
        else:
            tiers = spec_of(task).escalations
            if timer.tier < len(tiers):
                _escalate(task, timer.tier, tiers[timer.tier])
        return True


def fire_due_timers() -> int:
    """Periodic work: fire what is due now. Returns how many timers fired."""
    fired = 0
    for timer_id in claim_due_timers():
        try:
            fired += fire_timer(timer_id)
        except Exception as error:
            logger.exception("task timer %s failed", timer_id)
            _record_failure(timer_id, error)
    return fired


def _record_failure(timer_id: int, error: BaseException) -> None:
    now = clock.now()
    with transaction.atomic():
        timer = EscalationTimer.objects.select_for_update().filter(pk=timer_id).first()
        if timer is None:
            return
        timer.attempts += 1
        timer.last_error = f"{type(error).__name__}: {error}"[:2000]
        timer.locked_until = now + (
            timedelta(days=36500)
            if timer.attempts >= MAX_ATTEMPTS
            else timedelta(seconds=5 * 2**timer.attempts)
        )
        timer.save(update_fields=["attempts", "last_error", "locked_until"])


# -- effects ---------------------------------------------------------------------------------------


def _remind(task: Task, timer: EscalationTimer, now: Any) -> None:
    if task.due_at is not None and task.due_at <= now:
        return  # the worker was down past the deadline: the overdue notice says more
    events.task_reminded(task, details={"reminder": timer.tier})
    if task.assignee_id:
        due = task.due_at
        notices.tell(
            [task.assignee],
            kind=notices.TASK_REMINDER,
            task=task,
            title=lambda: _("The deadline of «%(name)s» is near") % {"name": task.name},
            body=lambda: _("Due %(when)s.") % {"when": due.isoformat() if due else ""},
        )


def _overdue(task: Task) -> None:
    events.task_overdue(task)
    recipients = (
        [task.assignee]
        if task.assignee_id
        else [task.role.owner]
        if task.role_id and task.role and task.role.owner_id
        else []
    )
    notices.tell(
        recipients,
        kind=notices.TASK_OVERDUE,
        task=task,
        title=lambda: _("Task «%(name)s» is overdue") % {"name": task.name},
    )


def _head(task: Task) -> User | None:
    """Whom "head" means for a task: the performer's manager; for a queue, its department's head or the
    role's owner."""
    if task.assignee_id:
        return people.manager_of(task.assignee)
    if task.role_object_type == "department" and task.role_object_id.isdigit():
        from potok.accounts.models import Department
        from potok.accounts.selectors import department_head

        return department_head(Department.objects.filter(pk=int(task.role_object_id)).first())
    return task.role.owner if task.role_id and task.role else None


def _people_for(task: Task, target: str) -> list[User]:
    kind, _sep, value = target.partition(":")
    if kind == "role" and value:
        role = Role.objects.filter(code=value).first()
        return list(role_holders(role)) if role is not None else []
    if kind == "user" and value:
        return list(User.objects.filter(username=value, is_active=True))
    found: User | None = None
    if target == "performer":
        found = task.assignee
    elif target == "head":
        found = _head(task)
    elif target == "owner":
        found = task.role.owner if task.role_id and task.role else None
    elif target == "initiator":
        found = task.instance.started_by if task.instance.started_by_id else None
    return [found] if found is not None and found.is_active else []


def _message(tier: EscalationTier) -> str:
    from django.utils.translation import get_language

    return (tier.message_ru if (get_language() or "ru").startswith("ru") else tier.message_en) or ""


def _escalate(task: Task, index: int, tier: EscalationTier) -> None:
    if tier.action == "notify":
        recipients: list[User] = []
        for target in tier.targets:
            recipients += _people_for(task, target)
        events.task_escalated(
            task,
            tier=index,
            action=tier.action,
            assignee=task.assignee,
            details={"to": list(tier.targets), "notified": [u.username for u in recipients]},
        )
        notices.tell(
            recipients,
            kind=notices.TASK_ESCALATED,
            task=task,
            title=lambda: (
                _("Overdue: «%(name)s» (%(person)s)")
                % {
                    "name": task.name,
                    "person": task.assignee.display_name if task.assignee else _("unassigned"),
                }
            ),
            body=lambda: _message(tier),
        )
        return
    if tier.action == "reassign":
        previous = task.assignee
        target = tier.targets[0]
        kind, _sep, value = target.partition(":")
        if kind == "role" and value:
            role = Role.objects.filter(code=value).first()
            if role is None:
                events.task_escalated(
                    task, tier=index, action=tier.action, details={"to": target, "skipped": "no such role"}
                )
                return
            task.role, task.role_object_type, task.role_object_id = role, "", ""
            task.save(update_fields=["role", "role_object_type", "role_object_id"])
            assignee, _for_whom = hand_over(task, to=None, keep_queue=True)
        else:
            chosen = _people_for(task, target)
            if not chosen or (previous is not None and chosen[0].pk == previous.pk):
                events.task_escalated(
                    task,
                    tier=index,
                    action=tier.action,
                    assignee=previous,
                    details={"to": target, "skipped": "nobody else"},
                )
                return
            assignee, _for_whom = hand_over(task, to=chosen[0])
        events.task_escalated(
            task, tier=index, action=tier.action, previous=previous, assignee=assignee, details={"to": target}
        )
        announce(task, kind=notices.TASK_ESCALATED)
        return
    # complete
    events.task_escalated(
        task, tier=index, action=tier.action, assignee=task.assignee, details={"outcome": tier.outcome}
    )
    task_force_complete(task=task, outcome=tier.outcome, reason=_message(tier))
