"""Giving a task to someone: the first addressing when the engine creates it, and every later change of
performer (claim, redirect, escalation). The performer's read grant on the record follows the task."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from potok.access.models import RecordGrant
from potok.access.services import record_grant_give, record_grant_revoke
from potok.accounts.models import User
from potok.accounts.selectors import role_holders
from potok.core import clock, memo
from potok.core.bulk import insert_objects_later, insert_row, update_row
from potok.engine.expressions import EvaluationContext
from potok.notifications.selectors import administrator_list
from potok.processes.models import Task
from potok.tasks import events, notices, people
from potok.tasks.addressing import AddressingInput, Decision, decide
from potok.tasks.deadlines import DeadlineError, _calendar_department, schedule_timers, task_deadline
from potok.tasks.models import AddressingProblem
from potok.tasks.spec import TaskSpec

GRANT_SOURCE = "task"
# A queue task is announced to its holders only when they are few (a big queue is looked at, not pushed).
QUEUE_NOTICE_LIMIT = 20


def grant_to_performer(task: Task, *, fresh: bool = False) -> None:
    """The performer may read the record behind his task while it is his. A task just created has no grant
    yet (grants name their task), so `fresh` writes it without looking first."""
    if not (task.assignee_id and task.entity_type and task.record_id is not None):
        return
    if fresh:
        # A new task's grant: in a batch of starts, written with the batch.
        insert_objects_later(
            [
                RecordGrant(
                    user_id=task.assignee_id,
                    entity_type=task.entity_type,
                    record_id=int(task.record_id),
                    source=GRANT_SOURCE,
                    source_id=str(task.pk),
                )
            ]
        )
    else:
        record_grant_give(
            user=task.assignee,
            entity_type=task.entity_type,
            record_id=task.record_id,
            source=GRANT_SOURCE,
            source_id=task.pk,
        )


def revoke_grants(task: Task) -> None:
    record_grant_revoke(source=GRANT_SOURCE, source_id=task.pk)


def address_task(
    task: Task,
    *,
    spec: TaskSpec,
    data: Mapping[str, Any],
    context: EvaluationContext,
    now: datetime,
    fresh: bool = False,
    also_save: tuple[str, ...] = (),
) -> Decision:
    """Address a task the engine has just created: decide the performer, set the deadline and timers, give
    the read grant, write the history and tell the performer (or the queue, or the administrators).

    `fresh`: the task was created in this transaction, so it has no timers or grants to replace yet.
    `also_save`: other fields the caller set on the task, saved with the same UPDATE."""
    instance = task.instance
    decision = decide(
        spec,
        AddressingInput(
            process_id=task.process_id,
            node_id=task.node_id,
            instance_id=task.instance_id,
            data=data,
            context=context,
            initiator_id=instance.started_by_id,
        ),
    )
    task.assignee = decision.assignee
    task.addressed_to = decision.addressed_to
    task.role = decision.role
    task.role_object_type = decision.object_type
    task.role_object_id = decision.object_id
    task.priority = spec.priority
    problem = decision.problem
    try:
        task.due_at = task_deadline(
            spec.deadline,
            start=task.created_at,
            performer=task.assignee,
            department=_calendar_department(task),
            data=data,
            context=context,
        )
    except DeadlineError as error:
        task.due_at = None
        problem = " ".join(
            part
            for part in (problem, _("The deadline could not be computed: %(error)s") % {"error": error})
            if part
        )
    _save_addressing(task, also_save, fresh=fresh)
    schedule_timers(task, spec, now=now, fresh=fresh)
    grant_to_performer(task, fresh=fresh)
    events.task_assigned(
        task, assignee=task.assignee, addressed_to=task.addressed_to, details=decision.describe()
    )
    if problem:
        report_problem(task, problem)
    announce(task)
    return decision


_ADDRESSING_ATTRIBUTES = (
    "assignee_id",
    "addressed_to_id",
    "role_id",
    "role_object_type",
    "role_object_id",
    "priority",
    "due_at",
)


# What a task the engine has just written holds in the addressing columns (their defaults).
_UNADDRESSED = {
    "assignee_id": None,
    "addressed_to_id": None,
    "role_id": None,
    "role_object_type": "",
    "role_object_id": "",
    "priority": 0,
    "due_at": None,
}


def _save_addressing(task: Task, also_save: tuple[str, ...], *, fresh: bool) -> None:
    """`task.save(update_fields=…)` for the addressing columns as one plain UPDATE: this runs for every new
    task inside every process step, where compiling the ORM's UPDATE cost more than running it. In a batch
    of starts (`rows_together`) the UPDATEs of all its tasks are sent together when the batch is written.
    A fresh task that stays as the engine wrote it (no performer, queue, priority or deadline) needs none."""
    values = {name: getattr(task, name) for name in (*_ADDRESSING_ATTRIBUTES, *also_save)}
    if fresh and not also_save and values == _UNADDRESSED:
        return
    update_row(Task, task.pk, values)


def _problem_recipients() -> list[User]:
    """The administrators told about an addressing problem (read once per batch of starts)."""
    return memo.once("tasks.administrators", administrator_list)


def report_problem(task: Task, message: str) -> AddressingProblem:
    # A plain INSERT: a task nobody can take is common while a process is being set up, and this runs
    # inside the step that created it.
    values = {"task_id": task.pk, "message": message, "created_at": clock.now()}
    # Written now, or with the other rows of a batch of starts (`rows_together`; then it has no key yet).
    pk = insert_row(AddressingProblem, values)
    problem = AddressingProblem(pk=pk, **values)
    problem._state.adding = pk is None
    events.task_addressing_problem(task, message=message)
    notices.tell(
        _problem_recipients(),
        kind=notices.ADDRESSING_PROBLEM,
        task=task,
        title=lambda: _("Task «%(name)s» could not be addressed") % {"name": task.name},
        body=lambda: message,
    )
    return problem


def resolve_problems(task: Task, *, actor: Any) -> None:
    AddressingProblem.objects.filter(task=task, resolved_at__isnull=True).update(
        resolved_at=clock.now(), resolved_by=actor if getattr(actor, "pk", None) else None
    )


def announce(task: Task, *, kind: str = notices.TASK_ASSIGNED) -> None:
    """Tell the performer of a new task; for a queue, its holders (when they are few)."""
    if task.assignee_id:
        recipients: list[User] = [task.assignee]  # type: ignore[list-item]
    elif task.role_id:
        holders = list(
            role_holders(task.role, object_type=task.role_object_type, object_id=task.role_object_id)[  # type: ignore[arg-type]
                : QUEUE_NOTICE_LIMIT + 1
            ]
        )
        recipients = holders if len(holders) <= QUEUE_NOTICE_LIMIT else []
    else:
        recipients = []
    if not recipients:
        return
    for_whom = task.addressed_to
    notices.tell(
        recipients,
        kind=kind,
        task=task,
        title=lambda: _("New task: %(name)s") % {"name": task.name},
        body=lambda: (
            _("You stand in for %(person)s.") % {"person": for_whom.display_name}
            if for_whom is not None
            else ""
        ),
    )


def hand_over(
    task: Task,
    *,
    to: User | None,
    actor: Any = None,
    keep_queue: bool = False,
) -> tuple[User | None, User | None]:
    """Move the task to `to` (his deputy when he is away today) or, with None, back to its role's queue.

    Returns (new performer, for whom). The previous performer loses the read grant, the new one gets it;
    open addressing problems count as resolved. The caller writes the history event."""
    assignee: User | None = to
    addressed_to: User | None = None
    if to is not None:
        on = people.today()
        if to.pk in people.absent_ids([to.pk], on):
            stand_in = people.deputy(to, on, process_id=task.process_id)
            if stand_in is not None:
                assignee, addressed_to = stand_in, to
    revoke_grants(task)
    task.assignee = assignee
    task.addressed_to = addressed_to
    task.claimed_at = None
    if not keep_queue and assignee is not None:
        # The task now belongs to a person; unclaiming it must not put it back into a queue.
        task.role = None
        task.role_object_type = ""
        task.role_object_id = ""
    task.save(
        update_fields=["assignee", "addressed_to", "claimed_at", "role", "role_object_type", "role_object_id"]
    )
    grant_to_performer(task)
    resolve_problems(task, actor=actor)
    return assignee, addressed_to
