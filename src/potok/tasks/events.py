"""One function per kind of task event (the history of a task), and the domain events automation reads.

Domain events name a task as entity_type "task" with record_id = the task's number (the id of its
"created" event; processes.Task's own key is a string). Their shape:

    kind "updated", changes {"state": ["open", "completed"]}   (or "cancelled")
    kind "updated", changes {"overdue": [false, true]}
    snapshot {"process", "node", "name", "assignee", "entity_type", "record_id", "outcome", "task_id"}
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from potok.core import clock
from potok.core.bulk import insert_objects
from potok.core.events import NewEvent, emit_domain_events
from potok.core.models import EventKind
from potok.processes.models import Task
from potok.processes.sql import Sql
from potok.tasks.models import TaskEvent, TaskEventKind

ENTITY_TYPE = "task"
# Events made inside `written_together()`, not yet written.
_pending: ContextVar[list[TaskEvent] | None] = ContextVar("potok_pending_task_events", default=None)


@contextmanager
def written_together() -> Iterator[list[TaskEvent]]:
    """Write the task events made inside with one multi-row INSERT when the block ends, in the order they
    were made (so ids keep that order). The engine's hook makes three for a new task: created, assigned,
    and an addressing problem. Inside the block an event has no id yet; code there must not read events
    back. Nothing is written when the block raises (its transaction is rolled back anyway)."""
    if _pending.get() is not None:
        yield _pending.get()  # type: ignore[misc]
        return
    pending: list[TaskEvent] = []
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    if pending:
        _insert(pending)


def _insert(pending: list[TaskEvent]) -> None:
    """The events' rows with multi-row INSERTs (no ORM compilation per object, which cost more than the
    statement inside every process step); their ids are set on them as `bulk_create` would."""
    insert_objects(pending)


def pending() -> list[TaskEvent] | None:
    """The events of the enclosing `written_together()` block not written yet (None outside one)."""
    return _pending.get()


_PEOPLE = ("assignee", "addressed_to", "previous_assignee")


def _event(task: Task, kind: str, *, actor: Any = None, **fields: Any) -> TaskEvent:
    # Built from ids (assigning model instances through the relation descriptors checks each one, which
    # cost more than the row's INSERT inside every step); the people and the task stay cached on it.
    people = {name: fields.pop(name) for name in _PEOPLE if name in fields}
    people["actor"] = actor if getattr(actor, "pk", None) else None
    event = TaskEvent(
        task_id=task.pk,
        kind=kind,
        occurred_at=clock.now(),
        **{f"{name}_id": person.pk if person is not None else None for name, person in people.items()},
        **fields,
    )
    cache = event._state.fields_cache
    cache["task"] = task
    for name, person in people.items():
        cache[name] = person
    pending = _pending.get()
    if pending is None:
        event.save(force_insert=True)
    else:
        pending.append(event)
    return event


def task_created(task: Task) -> TaskEvent:
    return _event(task, TaskEventKind.CREATED)


def task_assigned(
    task: Task,
    *,
    assignee: Any,
    addressed_to: Any = None,
    actor: Any = None,
    details: dict[str, Any] | None = None,
) -> TaskEvent:
    """The task went to `assignee` (for `addressed_to`, when he is the absent person's deputy), or to a
    role's queue when `assignee` is None (the queue is in `details`)."""
    return _event(
        task,
        TaskEventKind.ASSIGNED,
        actor=actor,
        assignee=assignee,
        addressed_to=addressed_to,
        details=details or {},
    )


def task_claimed(task: Task, *, actor: Any) -> TaskEvent:
    return _event(task, TaskEventKind.CLAIMED, actor=actor, assignee=actor)


def task_unclaimed(task: Task, *, actor: Any) -> TaskEvent:
    return _event(task, TaskEventKind.UNCLAIMED, actor=actor, previous_assignee=actor)


def task_redirected(
    task: Task,
    *,
    actor: Any,
    previous: Any,
    assignee: Any,
    addressed_to: Any = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> TaskEvent:
    return _event(
        task,
        TaskEventKind.REDIRECTED,
        actor=actor,
        previous_assignee=previous,
        assignee=assignee,
        addressed_to=addressed_to,
        reason=reason[:1000],
        details=details or {},
    )


def task_reminded(task: Task, *, details: dict[str, Any] | None = None) -> TaskEvent:
    return _event(task, TaskEventKind.REMINDED, assignee=task.assignee, details=details or {})


def task_overdue(task: Task) -> TaskEvent:
    event = _event(task, TaskEventKind.OVERDUE, assignee=task.assignee)
    emit(task, {"overdue": (False, True)})
    return event


def task_escalated(
    task: Task,
    *,
    tier: int,
    action: str,
    previous: Any = None,
    assignee: Any = None,
    details: dict[str, Any] | None = None,
) -> TaskEvent:
    return _event(
        task,
        TaskEventKind.ESCALATED,
        tier=tier,
        previous_assignee=previous,
        assignee=assignee,
        details={"action": action, **(details or {})},
    )


def task_closed(task: Task, *, actor: Any = None) -> TaskEvent:
    """Completed (with its outcome) or cancelled; also emits the domain event automation rules read."""
    return tasks_closed([(task, actor)])[0]


def tasks_closed(closed: list[tuple[Task, Any]]) -> list[TaskEvent]:
    """`task_closed` for several (task, actor) pairs of one step: the same rows, the history rows written
    with one INSERT and the tasks' numbers read with one query."""
    now = clock.now()
    made = [
        TaskEvent(
            task=task,
            kind=TaskEventKind.COMPLETED if task.state == "completed" else TaskEventKind.CANCELLED,
            occurred_at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            assignee=task.assignee,
            outcome=task.outcome if task.state == "completed" else "",
        )
        for task, actor in closed
    ]
    _insert(made)
    tasks = [task for task, _actor in closed]
    numbers = task_numbers(tasks)
    emit_domain_events(
        [_domain_event(task, {"state": ("open", task.state)}, numbers[task.pk]) for task in tasks]
    )
    return made


def task_commented(task: Task, *, actor: Any, comment_id: int) -> TaskEvent:
    return _event(task, TaskEventKind.COMMENTED, actor=actor, details={"comment": comment_id})


def task_attached(task: Task, *, actor: Any, name: str, attachment_id: int) -> TaskEvent:
    return _event(
        task, TaskEventKind.ATTACHED, actor=actor, details={"file": name, "attachment": attachment_id}
    )


def task_addressing_problem(task: Task, *, message: str) -> TaskEvent:
    return _event(task, TaskEventKind.ADDRESSING_PROBLEM, reason=message[:1000])


# -- numbers and domain events ---------------------------------------------------------------------


def task_number(task: Task) -> int:
    """The task's stable integer number: the id of its "created" event (made now for an older task)."""
    found = (
        TaskEvent.objects.filter(task=task, kind=TaskEventKind.CREATED)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    return int(found) if found is not None else task_created(task).pk


def task_numbers(tasks: list[Task]) -> dict[str, int]:
    """`task_number` of each task, with one query."""
    sql = Sql.current()
    found = dict(
        sql.rows(
            f"SELECT task_id, MIN(id) FROM {TaskEvent._meta.db_table} "  # noqa: S608
            f"WHERE kind = ? AND task_id IN ({sql.in_list(len(tasks))}) GROUP BY task_id",
            [TaskEventKind.CREATED.value, *(task.pk for task in tasks)],
        )
    )
    return {task.pk: int(found[task.pk]) if task.pk in found else task_created(task).pk for task in tasks}


def snapshot_of(task: Task) -> dict[str, Any]:
    assignee = task.assignee.username if task.assignee_id and task.assignee else None
    return {
        "task_id": task.pk,
        "process": task.process_id,
        "node": task.node_id,
        "name": task.name,
        "assignee": assignee,
        "entity_type": task.entity_type,
        "record_id": task.record_id,
        "outcome": task.outcome,
    }


def emit(task: Task, changes: dict[str, tuple[Any, Any]], *, number: int | None = None) -> None:
    emit_domain_events([_domain_event(task, changes, task_number(task) if number is None else number)])


def _domain_event(task: Task, changes: dict[str, tuple[Any, Any]], number: int) -> NewEvent:
    return NewEvent(
        entity_type=ENTITY_TYPE,
        record_id=number,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=snapshot_of(task),
        related_entity_type=task.entity_type,
        related_record_id=task.record_id,
    )
