"""Completing a task: the checks first (the outcome, the form, a comment where the outcome asks for one,
the required objects), then the engine moves on in the same transaction.

The form's values become process variables of their codes; the outcome becomes `outcome` and
`<node id>_outcome`, a comment `<node id>_comment` — gateways branch on them.

    >>> check_completion(actor=vera, task=task, outcome="done", values={"findings": "…"})  # or ValidationFailed
    >>> task_complete(actor=vera, task=task, outcome="done", values={"findings": "…"})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.core import clock
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.processes.models import Task
from potok.processes.services.instances import task_complete_in_engine
from potok.tasks import events
from potok.tasks.forms import clean_form
from potok.tasks.loading import spec_of, task_data
from potok.tasks.lock_objects import task_for_update
from potok.tasks.models import TaskComment
from potok.tasks.requirements import requirement_states, unmet_messages
from potok.tasks.spec import TaskSpec

DEFAULT_OUTCOME = "done"


@dataclass
class Completion:
    """What completing will write: the outcome, the stored form values and the process variables."""

    outcome: str
    values: dict[str, Any]
    variables: dict[str, Any]
    comment: str


def outcome_variables(task: Task, outcome: str, comment: str) -> dict[str, Any]:
    found: dict[str, Any] = {"outcome": outcome, f"{task.node_id}_outcome": outcome}
    if comment:
        found[f"{task.node_id}_comment"] = comment
    return found


def check_completion(
    *,
    actor: Any,
    task: Task,
    outcome: str = "",
    values: Mapping[str, Any] | None = None,
    comment: str = "",
    spec: TaskSpec | None = None,
) -> Completion:
    """Everything that must hold before the task may be completed; ValidationFailed says what is missing
    (keys: "outcome", "comment", "requirements" and each form field's code)."""
    if task.state != "open":
        raise Conflict(_("The task is closed already."))
    if task.assignee_id != getattr(actor, "pk", None):
        if task.assignee_id is None:
            raise ValidationFailed({"task": _("Take the task from the queue first.")})
        raise PermissionDenied(f"complete task {task.pk}")
    spec = spec or spec_of(task)
    comment = (comment or "").strip()
    errors: dict[str, list[str]] = {}
    chosen = spec.outcome(outcome) if outcome else None
    if spec.outcomes:
        if chosen is None:
            choices = ", ".join(o.code for o in spec.outcomes)
            errors["outcome"] = [_("Choose the outcome: %(choices)s.") % {"choices": choices}]
    else:
        outcome = outcome or DEFAULT_OUTCOME
    checks = chosen.checks if chosen is not None else True
    if chosen is not None and chosen.comment == "required" and not comment:
        errors["comment"] = [
            _("Write why (a comment is required for «%(label)s»).") % {"label": _label(chosen)}
        ]
    stored: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    try:
        stored, variables = clean_form(spec, values or {}, actor=actor, require=checks)
    except ValidationFailed as error:
        errors.update(error.errors)
    if checks and spec.requirements:
        missing = unmet_messages(requirement_states(task, spec, task_data(task)))
        if missing:
            errors["requirements"] = missing
    if errors:
        raise ValidationFailed(errors)
    variables.update(outcome_variables(task, outcome, comment))
    return Completion(outcome=outcome, values=stored, variables=variables, comment=comment)


def _label(outcome: Any) -> str:
    from django.utils.translation import get_language

    return str(outcome.label_ru if (get_language() or "ru").startswith("ru") else outcome.label_en)


@transaction.atomic
def task_complete(
    *, actor: Any, task: Task, outcome: str = "", values: Mapping[str, Any] | None = None, comment: str = ""
) -> Task:
    """Complete the task as its performer; the process goes on in the same transaction."""
    task = task_for_update(task.pk)
    completion = check_completion(actor=actor, task=task, outcome=outcome, values=values, comment=comment)
    task.outcome = completion.outcome
    task.save(update_fields=["outcome"])
    if completion.comment:
        note = TaskComment.objects.create(
            task=task, author=actor, text=completion.comment, created_at=clock.now()
        )
        events.task_commented(task, actor=actor, comment_id=note.pk)
    # The engine closes the task and runs on; the apply hook writes the "completed" event, revokes the
    # read grant, drops the timers and addresses the tasks that follow.
    task_complete_in_engine(actor=actor, task_id=task.pk, data=completion.variables)
    return Task.objects.select_related("instance", "assignee").get(pk=task.pk)


def task_force_complete(*, task: Task, outcome: str, reason: str = "") -> None:
    """Complete a task without its performer (an escalation tier): no checks, the set outcome."""
    task.outcome = outcome
    task.save(update_fields=["outcome"])
    task_complete_in_engine(actor=None, task_id=task.pk, data=outcome_variables(task, outcome, reason))
