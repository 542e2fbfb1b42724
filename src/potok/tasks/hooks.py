"""The engine's apply hook: runs inside the engine's transaction after its rows are written.

New user and manual tasks are linked to the record the process works on (a new instance carries it from
its first row) and addressed (performer, deadline, timers, read grant, history, notices); closed ones lose
their grants and unfired timers and get their history row and domain event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.access.models import RecordGrant
from potok.accounts.models import User
from potok.core import clock
from potok.engine.model.process import ProcessDefinition
from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import Execution as ExecutionRow
from potok.engine.runtime.rows import Instance as InstanceRow
from potok.engine.runtime.serialization import decode_value
from potok.engine.runtime.states import TaskKind, TaskState
from potok.processes.definitions import DatabaseDefinitions
from potok.processes.models import Execution, Task
from potok.processes.sql import Sql
from potok.tasks import data as process_data
from potok.tasks import events
from potok.tasks.loading import process_facts
from potok.tasks.models import AddressingProblem, EscalationTimer
from potok.tasks.services.assigning import GRANT_SOURCE, address_task, report_problem
from potok.tasks.spec import EMPTY_SPEC, task_spec

logger = logging.getLogger(__name__)
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
        tasks_closed(list(Task.objects.filter(pk__in=closed).select_related("assignee")))
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
    ids = [task.pk for task in tasks]
    sql = Sql.current()
    # Fixed statements over the models' table names; every value goes as a parameter.
    marks = sql.in_list(len(ids))
    grants, timers, problems = (
        RecordGrant._meta.db_table,
        EscalationTimer._meta.db_table,
        AddressingProblem._meta.db_table,
    )
    sql.execute(
        f"DELETE FROM {grants} WHERE source = ? AND source_id IN ({marks})",  # noqa: S608
        [GRANT_SOURCE, *ids],
    )
    sql.execute(f"DELETE FROM {timers} WHERE fired_at IS NULL AND task_id IN ({marks})", ids)  # noqa: S608
    sql.execute(
        f"UPDATE {problems} SET resolved_at = ?, resolved_by_id = NULL "  # noqa: S608
        f"WHERE resolved_at IS NULL AND task_id IN ({marks})",
        [sql.time(clock.now()), *ids],
    )
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
    pending = events.pending()
    mark = len(pending) if pending is not None else 0
    try:
        with transaction.atomic():
            address_task(
                task,
                spec=spec,
                data=data,
                context=process_data.evaluation_context(),
                now=now,
                fresh=True,
                also_save=("entity_type", "record_id") if record is not None else (),
            )
    except Exception as error:
        logger.exception("addressing task %s failed", task.pk)
        if pending is not None:
            del pending[mark:]  # rolled back with the savepoint
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
    tasks = (
        Task.objects.filter(pk__in=task_ids)
        .select_related("instance", "instance__started_by")
        .order_by("created_at", "pk")
    )
    with events.written_together():
        for task in tasks:
            _address_one(changes, task, definitions, processes, now)


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
