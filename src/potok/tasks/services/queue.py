"""Taking a task from a role's queue, and giving it back.

Claiming is one conditional UPDATE (… WHERE assignee IS NULL): of two people claiming the same task at
once, exactly one gets it; the other is told who was quicker.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.core import clock
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.processes.models import Task
from potok.tasks import events, people
from potok.tasks.lock_objects import task_for_update
from potok.tasks.services.assigning import grant_to_performer, resolve_problems, revoke_grants


@transaction.atomic
def task_claim(*, actor: Any, task: Task) -> Task:
    if task.state != "open":
        raise Conflict(_("The task is closed already."))
    if task.assignee_id == actor.pk:
        return task
    if task.assignee_id is not None:
        raise Conflict(_("%(person)s has taken this task already.") % {"person": task.assignee.display_name})  # type: ignore[union-attr]
    if not people.may_claim(actor, task):
        raise PermissionDenied(f"claim task {task.pk}")
    now = clock.now()
    taken = Task.objects.filter(pk=task.pk, state="open", assignee__isnull=True).update(
        assignee=actor, claimed_at=now
    )
    if not taken:
        current = Task.objects.select_related("assignee").get(pk=task.pk)
        if current.state != "open":
            raise Conflict(_("The task is closed already."))
        who = current.assignee.display_name if current.assignee else _("someone else")
        raise Conflict(_("%(person)s has taken this task already.") % {"person": who})
    task = task_for_update(task.pk)
    grant_to_performer(task)
    resolve_problems(task, actor=actor)
    events.task_claimed(task, actor=actor)
    return task


@transaction.atomic
def task_unclaim(*, actor: Any, task: Task) -> Task:
    """Put a task one took from a queue back into it."""
    task = task_for_update(task.pk)
    if task.state != "open":
        raise Conflict(_("The task is closed already."))
    if task.assignee_id != actor.pk:
        raise PermissionDenied(f"unclaim task {task.pk}")
    if task.role_id is None or task.claimed_at is None:
        raise ValidationFailed(
            {"task": _("This task was given to you, not taken from a queue; redirect it instead.")}
        )
    revoke_grants(task)
    task.assignee = None
    task.addressed_to = None
    task.claimed_at = None
    task.save(update_fields=["assignee", "addressed_to", "claimed_at"])
    events.task_unclaimed(task, actor=actor)
    return task
