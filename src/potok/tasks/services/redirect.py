"""Redirecting tasks to another performer — one, or many at once after a preview.

The performer himself, the head of his department (or of one above it) and administrators redirect; the
reason is kept, and the history names both the previous and the new performer. A task redirected to
someone who is away goes to his deputy ("for whom" is kept).

    >>> preview = tasks_redirect_preview(actor=head, from_user=gleb, to_user=vera)
    >>> preview.summary
    '12 tasks of Глеб Специалист → Вера Специалист'
    >>> tasks_redirect(actor=head, from_user=gleb, to_user=vera, task_ids=preview.task_ids, reason="…")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from potok.access.selectors import is_administrator
from potok.accounts.models import User
from potok.audit.services import audit_record
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.processes.models import Task
from potok.tasks import events, notices, people, selectors
from potok.tasks.lock_objects import task_for_update
from potok.tasks.services.assigning import hand_over

MAX_BULK = 1000


def check_redirect(*, actor: Any, task: Task, to_user: User | None, reason: str) -> None:
    errors: dict[str, str] = {}
    if to_user is None:
        errors["to"] = _("Choose whom to redirect the task to.")
    elif not to_user.is_active:
        errors["to"] = _("%(person)s cannot receive tasks: the account is switched off.") % {
            "person": to_user.display_name
        }
    elif to_user.pk == task.assignee_id:
        errors["to"] = _("The task is with %(person)s already.") % {"person": to_user.display_name}
    if len(reason) > 1000:
        errors["reason"] = _("Keep the reason under 1000 characters.")
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def task_redirect(*, actor: Any, task: Task, to_user: User | None, reason: str = "") -> Task:
    task = task_for_update(task.pk)
    if task.state != "open":
        raise Conflict(_("The task is closed already."))
    if not selectors.may_redirect(actor, task):
        raise PermissionDenied(f"redirect task {task.pk}")
    reason = (reason or "").strip()
    check_redirect(actor=actor, task=task, to_user=to_user, reason=reason)
    assert to_user is not None
    previous = task.assignee
    assignee, for_whom = hand_over(task, to=to_user, actor=actor)
    events.task_redirected(
        task, actor=actor, previous=previous, assignee=assignee, addressed_to=for_whom, reason=reason
    )
    if task.entity_type and task.record_id is not None:
        audit_record(
            actor=actor,
            entity_type=task.entity_type,
            record_id=task.record_id,
            action="task_redirected",
            changes={"performer": (previous, assignee)},
            message=f"{task.name}: {reason}"[:500],
        )
    notices.tell(
        [assignee],
        kind=notices.TASK_ASSIGNED,
        task=task,
        title=lambda: _("Task redirected to you: %(name)s") % {"name": task.name},
        body=lambda: reason,
    )
    if previous is not None and previous.pk != actor.pk:
        notices.tell(
            [previous],
            kind=notices.TASK_REDIRECTED,
            task=task,
            title=lambda: (
                _("Your task «%(name)s» was redirected to %(person)s")
                % {"name": task.name, "person": assignee.display_name if assignee else ""}
            ),
            body=lambda: reason,
        )
    return task


@dataclass
class RedirectPreview:
    from_user: User
    to_user: User
    tasks: list[Task]

    @property
    def task_ids(self) -> list[str]:
        return [task.pk for task in self.tasks]

    @property
    def summary(self) -> str:
        count = len(self.tasks)
        return ngettext(
            "%(count)s task of %(from)s → %(to)s",
            "%(count)s tasks of %(from)s → %(to)s",
            count,
        ) % {"count": count, "from": self.from_user.display_name, "to": self.to_user.display_name}


def _check_bulk(actor: Any, from_user: User | None, to_user: User | None) -> tuple[User, User]:
    errors: dict[str, str] = {}
    if from_user is None:
        errors["from"] = _("Choose whose tasks to redirect.")
    if to_user is None:
        errors["to"] = _("Choose whom to redirect the tasks to.")
    elif not to_user.is_active:
        errors["to"] = _("%(person)s cannot receive tasks: the account is switched off.") % {
            "person": to_user.display_name
        }
    if from_user is not None and to_user is not None and from_user.pk == to_user.pk:
        errors["to"] = _("Choose someone else.")
    if errors:
        raise ValidationFailed(errors)
    assert from_user is not None and to_user is not None
    allowed = (
        actor.pk == from_user.pk or is_administrator(actor) or people.heads_department_of(actor, from_user)
    )
    if not allowed:
        raise PermissionDenied(f"redirect the tasks of {from_user.pk}")
    return from_user, to_user


def tasks_redirect_preview(
    *, actor: Any, from_user: User | None, to_user: User | None, task_ids: Iterable[str] | None = None
) -> RedirectPreview:
    """What a bulk redirect would move: the open tasks of `from_user` (all, or those listed)."""
    source, target = _check_bulk(actor, from_user, to_user)
    found = list(selectors.open_tasks_of(source, task_ids)[: MAX_BULK + 1])
    if len(found) > MAX_BULK:
        raise ValidationFailed(
            {"tasks": _("Redirect at most %(limit)s tasks at once.") % {"limit": MAX_BULK}}
        )
    return RedirectPreview(from_user=source, to_user=target, tasks=found)


@transaction.atomic
def tasks_redirect(
    *,
    actor: Any,
    from_user: User | None,
    to_user: User | None,
    task_ids: Iterable[str] | None = None,
    reason: str = "",
) -> list[Task]:
    """Redirect the previewed tasks; each keeps its own history row. A task that left `from_user`
    meanwhile is skipped, not taken from whoever has it now."""
    preview = tasks_redirect_preview(actor=actor, from_user=from_user, to_user=to_user, task_ids=task_ids)
    moved = []
    for task in preview.tasks:
        locked = task_for_update(task.pk)
        if locked.state != "open" or locked.assignee_id != preview.from_user.pk:
            continue
        moved.append(task_redirect(actor=actor, task=locked, to_user=preview.to_user, reason=reason))
    return moved
