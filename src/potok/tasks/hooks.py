"""The engine's apply hook: runs inside the engine's transaction after its rows are written.

New user and manual tasks are linked to the record the process works on (a new instance carries it from
its first row) and addressed (performer, deadline, timers, read grant, history, notices); closed ones lose
their grants and unfired timers and get their history row and domain event.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import DateTimeField, JSONField, Model
from django.utils.translation import gettext as _

from potok.access.models import RecordGrant
from potok.accounts.models import User
from potok.core import clock, memo
from potok.core.bulk import rows_mark, rows_rewind
from potok.core.savepoints import SavepointsNeeded, savepoints_skipped
from potok.engine.model.process import ProcessDefinition
from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import Execution as ExecutionRow
from potok.engine.runtime.rows import Instance as InstanceRow
from potok.engine.runtime.rows import Task as TaskRow
from potok.engine.runtime.serialization import decode_value, encode_value
from potok.engine.runtime.states import TaskKind, TaskState
from potok.processes.definitions import DatabaseDefinitions
from potok.processes.models import Execution, ProcessInstance, Task
from potok.processes.sql import Sql
from potok.tasks import data as process_data
from potok.tasks import events
from potok.tasks.loading import process_facts
from potok.tasks.models import AddressingProblem, EscalationTimer
from potok.tasks.services.assigning import GRANT_SOURCE, address_task, report_problem
from potok.tasks.spec import EMPTY_SPEC, task_spec

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)
PEOPLE_TASKS = (TaskKind.USER, TaskKind.MANUAL)


def on_engine_changes(changes: ChangeSet) -> None:
    closed = [
        row.id
        for row in changes.tasks.updated.values()
        if row.kind in PEOPLE_TASKS and row.state in (TaskState.COMPLETED, TaskState.CANCELLED)
    ]
    new = [
        row.id
        for row in changes.tasks.inserted.values()
        if row.kind in PEOPLE_TASKS and row.state is TaskState.OPEN
    ]
    if closed:
        # Their grants, timers and problems go, and the tasks are read, in one round trip on PostgreSQL.
        _record_closed(_closed_tasks(closed, before=_released(Sql.current(), closed)))
    if new:
        _address_new(changes, new)


def task_closed(task: Task) -> None:
    """A task completed or cancelled (by a person, by an escalation, or by the process itself)."""
    tasks_closed([task])


def tasks_closed(tasks: list[Task]) -> None:
    """Tasks completed or cancelled: their read grants and unfired timers go, their open addressing
    problems count as resolved, each gets its history row and its domain event. One statement per kind of
    row for all of them: this runs inside every step of every process."""
    if not tasks:
        return
    sql = Sql.current()
    sql.execute_together(_released(sql, [task.pk for task in tasks]))
    _record_closed(tasks)


def _released(sql: Sql, ids: list[str]) -> list[tuple[str, list[Any]]]:
    """The statements by which the closed tasks' read grants and unfired timers go and their open problems
    count as resolved; independent of each other, so they travel together."""
    # Fixed statements over the models' table names; every value goes as a parameter.
    marks = sql.in_list(len(ids))
    grants, timers, problems = (
        RecordGrant._meta.db_table,
        EscalationTimer._meta.db_table,
        AddressingProblem._meta.db_table,
    )
    return [
        (f"DELETE FROM {grants} WHERE source = ? AND source_id IN ({marks})", [GRANT_SOURCE, *ids]),  # noqa: S608
        (f"DELETE FROM {timers} WHERE fired_at IS NULL AND task_id IN ({marks})", list(ids)),  # noqa: S608
        (
            f"UPDATE {problems} SET resolved_at = ?, resolved_by_id = NULL "  # noqa: S608
            f"WHERE resolved_at IS NULL AND task_id IN ({marks})",
            [sql.time(clock.now()), *ids],
        ),
    ]


def _record_closed(tasks: list[Task]) -> None:
    """Each closed task's history row and domain event, with its performer."""
    logins = {task.completed_by for task in tasks if task.completed_by}
    actors = {user.username: user for user in User.objects.filter(username__in=logins)} if logins else {}
    events.tasks_closed([(task, actors.get(task.completed_by or "")) for task in tasks])


def address_safely(
    task: Task,
    *,
    spec: Any,
    data: Mapping[str, Any],
    now: Any,
    record: process_data.RecordRef | None = None,
) -> None:
    """Address the task (linking it to `record` first); a failure of the rules (a bug, bad data) must not
    stop the process: the task then waits unassigned, linked, with an addressing problem the administrators
    see."""
    if record is not None:
        task.entity_type, task.record_id = record.entity_type, record.pk
    also_save = ("entity_type", "record_id") if record is not None else ()
    if not spec.performers and spec.deadline is None:
        # A task without Potok's declarations: no rule or expression runs, nothing can fail but the
        # database itself, which fails the step anyway, so no savepoint is needed.
        address_task(
            task,
            spec=spec,
            data=data,
            context=process_data.evaluation_context(),
            now=now,
            fresh=True,
            also_save=also_save,
        )
        return
    if savepoints_skipped():
        # In a batch of starts that is done again with savepoints should anything fail.
        try:
            address_task(
                task,
                spec=spec,
                data=data,
                context=process_data.evaluation_context(),
                now=now,
                fresh=True,
                also_save=also_save,
            )
        except Exception as error:
            raise SavepointsNeeded(f"addressing task {task.pk}: {error}") from error
        return
    pending = events.pending()
    mark = len(pending) if pending is not None else 0
    rows = rows_mark()
    kept = memo.mark()
    try:
        with transaction.atomic():
            address_task(
                task,
                spec=spec,
                data=data,
                context=process_data.evaluation_context(),
                now=now,
                fresh=True,
                also_save=also_save,
            )
    except Exception as error:
        logger.exception("addressing task %s failed", task.pk)
        if pending is not None:
            del pending[mark:]  # rolled back with the savepoint
        rows_rewind(rows)
        memo.rewind(kept)  # a round-robin cursor read or moved inside went with the savepoint
        task.refresh_from_db()
        if record is not None:
            task.entity_type, task.record_id = record.entity_type, record.pk
            task.save(update_fields=["entity_type", "record_id"])
        report_problem(task, _("Addressing failed: %(error)s") % {"error": error})


def _instance_row(changes: ChangeSet, instance_id: str) -> InstanceRow | None:
    return changes.instances.inserted.get(instance_id) or changes.instances.updated.get(instance_id)


def _execution_layers(changes: ChangeSet, execution_id: str) -> list[Mapping[str, Any]]:
    """Local variables of the execution and its scopes, from this unit of work's rows or the table."""
    layers: list[Mapping[str, Any]] = []
    current: ExecutionRow | Execution | None = None
    next_id: str | None = execution_id
    seen: set[str] = set()
    while next_id and next_id not in seen:
        seen.add(next_id)
        current = changes.executions.inserted.get(next_id) or changes.executions.updated.get(next_id)
        if current is not None:
            if current.variables:
                layers.append(current.variables)
            next_id = current.parent_id
            continue
        stored = Execution.objects.filter(pk=next_id).only("parent_id", "variables").first()
        if stored is None:
            break
        if stored.variables:
            layers.append(decode_value(stored.variables))
        next_id = stored.parent_id
    return layers


def _address_new(changes: ChangeSet, task_ids: list[str]) -> None:
    now = clock.now()
    definitions = DatabaseDefinitions()
    processes: dict[str, ProcessDefinition | None] = {}
    rows = sorted(
        (changes.tasks.inserted[task_id] for task_id in task_ids), key=lambda row: (row.created_at, row.id)
    )
    instances = _instances({row.instance_id for row in rows})
    tasks = [_new_task(row, instances[row.instance_id]) for row in rows]
    # One step is one transaction: what several new tasks read alike (the administrators told of an
    # addressing problem) is read once for all of them.
    with events.written_together(), memo.batch():
        for task in tasks:
            _address_one(changes, task, definitions, processes, now)


def _read(
    model: type[M],
    ids: Collection[str],
    *,
    extra: str = "",
    join: str = "",
    before: Sequence[tuple[str, Sequence[Any]]] = (),
) -> list[tuple[M, tuple[Any, ...]]]:
    """Rows of `model` by id as model objects, with one plain query: the ORM builds a query anew each time,
    which costs more than running it, and this runs inside every step. `extra` columns (of the table `t`
    and what `join` adds) come back beside each object; the statements `before` run first, in the same
    round trip."""
    sql = Sql.current()
    fields = model._meta.concrete_fields
    columns = ", ".join(f"t.{field.column}" for field in fields)
    if extra:
        columns += f", {extra}"
    query = (
        f"SELECT {columns} FROM {model._meta.db_table} t {join} "  # noqa: S608
        f"WHERE t.id IN ({sql.in_list(len(ids))})"
    )
    found = sql.rows_together([*before, (query, list(ids))])[-1]
    names = [field.attname for field in fields]
    readers = [
        sql.read_time
        if isinstance(field, DateTimeField)
        else sql.read_json
        if isinstance(field, JSONField)
        else None
        for field in fields
    ]
    result = []
    for row in found:
        values = [value if read is None else read(value) for read, value in zip(readers, row, strict=False)]
        result.append((model.from_db(DEFAULT_DB_ALIAS, names, values), row[len(fields) :]))
    return result


def _instances(ids: set[str]) -> dict[str, ProcessInstance]:
    return {instance.pk: instance for instance, _extra in _read(ProcessInstance, ids)}


def _closed_tasks(ids: list[str], *, before: Sequence[tuple[str, Sequence[Any]]] = ()) -> list[Task]:
    """The closed tasks with their performer's login (for the history row and the domain event)."""
    tasks = []
    users = f"LEFT JOIN {User._meta.db_table} u ON u.id = t.assignee_id"
    for task, (username,) in _read(Task, ids, extra="u.username", join=users, before=before):
        if task.assignee_id is not None:
            task.assignee = User.from_db(DEFAULT_DB_ALIAS, ["id", "username"], [task.assignee_id, username])
        tasks.append(task)
    order = {task_id: index for index, task_id in enumerate(ids)}
    return sorted(tasks, key=lambda task: order[task.pk])


def _new_task(row: TaskRow, instance: ProcessInstance) -> Task:
    """The task row the store has just inserted, as a model: the engine's columns from the engine's row,
    the tasks layer's ones still at their defaults (the store writes them so)."""
    task = Task(
        id=row.id,
        instance=instance,
        process_id=row.process_id,
        node_id=row.node_id,
        execution_id=row.execution_id,
        kind=row.kind.value,
        state=row.state.value,
        name=row.name,
        created_at=row.created_at,
        business_key=row.business_key,
        completed_at=row.completed_at,
        completed_by=row.completed_by,
        data=None if row.data is None else encode_value(row.data),
    )
    task._state.adding = False
    task._state.db = DEFAULT_DB_ALIAS
    return task


def _address_one(
    changes: ChangeSet,
    task: Task,
    definitions: DatabaseDefinitions,
    processes: dict[str, ProcessDefinition | None],
    now: Any,
) -> None:
    """Link one new task to its record and address it by its node's declarations."""
    instance = task.instance
    row = _instance_row(changes, instance.pk)
    version_key = row.version_key if row is not None else None
    key = f"{instance.process_id}@{version_key}"
    if key not in processes:
        processes[key] = definitions.get(instance.process_id, version_key)
    process = processes[key]
    node = process.nodes.get(task.node_id) if process is not None else None
    spec = task_spec(node) if node is not None else EMPTY_SPEC
    events.task_created(task)
    record = process_data.record_of_instance(instance)
    variables = row.variables if row is not None else process_data.instance_variables(instance)
    layers = _execution_layers(changes, task.execution_id)
    data = process_data.process_data(
        process_data.layered(layers, variables),
        record=record,
        process=process_facts(instance),
    )
    address_safely(task, spec=spec, data=data, now=now, record=record)
