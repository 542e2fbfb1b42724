"""Telling people about their tasks through potok.notifications, each in his own language.

Kinds (registered from the app's ready()): task.assigned, task.reminder, task.overdue, task.escalated,
task.redirected and task.addressing_problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from potok.notifications import kinds
from potok.notifications.services.notify import notify_in_their_languages

TASK_ASSIGNED = kinds.TASK_ASSIGNED
TASK_OVERDUE = kinds.TASK_OVERDUE
TASK_ESCALATED = kinds.TASK_ESCALATED
TASK_REMINDER = "task.reminder"
TASK_REDIRECTED = "task.redirected"
ADDRESSING_PROBLEM = "task.addressing_problem"

# The web page of a task; domain code cannot reverse the adapter's URLs, so the path is kept here.
TASK_LINK = "/tasks/{id}/"


def register_kinds() -> None:
    """Add the tasks layer's kinds (the notifications app registers assigned, overdue and escalated)."""
    for code, label, description in (
        (TASK_REMINDER, _("Task deadline is near"), _("A reminder before the deadline of my task.")),
        (TASK_REDIRECTED, _("Task redirected"), _("A task of mine was redirected to someone else.")),
        (
            ADDRESSING_PROBLEM,
            _("Task addressing problem"),
            _("A task could not be given to the performer the process names (administrators)."),
        ),
    ):
        if not kinds.is_known(code):
            kinds.register(kinds.NotificationKind(code, label, description))
    for code, label, description in (
        (TASK_ASSIGNED, _("A task is assigned to me"), _("A new task in my inbox, or one redirected to me.")),
        (TASK_OVERDUE, _("My task is overdue"), _("The deadline of my task has passed.")),
        (
            TASK_ESCALATED,
            _("Escalation"),
            _("A task of someone I am responsible for is overdue and was escalated to me."),
        ),
    ):
        if not kinds.is_known(code):
            kinds.register(kinds.NotificationKind(code, label, description))


def tell(
    recipients: Iterable[Any],
    *,
    kind: str,
    task: Any,
    title: Callable[[], str],
    body: Callable[[], str] = lambda: "",
    data: dict[str, Any] | None = None,
) -> None:
    """Notify `recipients` about `task`, the title and body written in each one's language."""
    payload = {"task": task.pk, "process": task.process_id, "node": task.node_id, **(data or {})}
    notify_in_their_languages(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        link=TASK_LINK.format(id=task.pk),
        data=payload,
    )
