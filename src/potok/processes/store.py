"""DjangoStore: the engine's Store port over the processes tables.

`apply` runs inside the caller's transaction (every engine operation is wrapped in one by
potok.processes.services), checks the instance versions with a conditional UPDATE, and writes only the
rows the unit of work changed. Hooks let the tasks layer address new tasks in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from potok.engine.errors import ConcurrentModification, NotFound
from potok.engine.runtime.changes import ChangeSet, RowChanges
from potok.engine.runtime.rows import Execution, Incident, Instance, InstanceState, Job, Subscription, Task
from potok.engine.runtime.serialization import decode_value, encode_value
from potok.engine.runtime.states import (
    ExecutionState,
    IncidentState,
    InstanceStatus,
    JobKind,
    SubscriptionKind,
    TaskKind,
    TaskState,
)
from potok.processes import models as m

# Called inside the transaction after the rows are written: hook(changes).
ApplyHook = Callable[[ChangeSet], None]
_apply_hooks: list[ApplyHook] = []


def register_apply_hook(hook: ApplyHook) -> None:
    if hook not in _apply_hooks:
        _apply_hooks.append(hook)


INSTANCE_FIELDS = [
    "process_id",
    "state",
    "business_key",
    "variables",
    "ended_at",
    "lock_version",
    "parent_instance_id",
    "parent_execution_id",
]
EXECUTION_FIELDS = [
    "node_id",
    "parent_id",
    "state",
    "flow_id",
    "loop_counter",
    "mi_role",
    "mi_total",
    "mi_completed",
    "variables",
    "called_instance_id",
]
TASK_FIELDS = ["state", "name", "completed_at", "completed_by", "data", "business_key"]
JOB_FIELDS = ["due_at", "attempts", "repeat_count", "node_id", "kind"]
SUBSCRIPTION_FIELDS = ["execution_id", "node_id", "name", "correlation_key", "last_result"]
INCIDENT_FIELDS = ["state", "message", "resolved_at", "job_id"]


# -- rows ↔ models ---------------------------------------------------------------------------------


def instance_row(model: m.ProcessInstance, version_key: str) -> Instance:
    return Instance(
        model.id,
        model.process_id,
        version_key,
        InstanceStatus(model.state),
        model.business_key,
        decode_value(model.variables or {}),
        model.started_at,
        model.ended_at,
        model.lock_version,
        model.parent_instance_id,
        model.parent_execution_id,
    )


def execution_row(model: m.Execution) -> Execution:
    return Execution(
        model.id,
        model.instance_id,
        model.node_id,
        model.parent_id,
        ExecutionState(model.state),
        model.started_at,
        model.flow_id,
        model.loop_counter,
        model.mi_role,
        model.mi_total,
        model.mi_completed,
        decode_value(model.variables) if model.variables is not None else None,
        model.called_instance_id,
    )


def task_row(model: m.Task) -> Task:
    return Task(
        model.id,
        model.instance_id,
        model.process_id,
        model.node_id,
        model.execution_id,
        TaskKind(model.kind),
        TaskState(model.state),
        model.name,
        model.created_at,
        model.business_key,
        model.completed_at,
        model.completed_by,
        decode_value(model.data) if model.data is not None else None,
    )


def job_row(model: m.Job) -> Job:
    return Job(
        model.id,
        model.instance_id,
        model.execution_id,
        JobKind(model.kind),
        model.node_id,
        model.due_at,
        model.attempts,
        model.repeat_count,
        model.process_id,
        model.version_key,
    )


def subscription_row(model: m.Subscription) -> Subscription:
    return Subscription(
        model.id,
        model.instance_id,
        model.execution_id,
        SubscriptionKind(model.kind),
        model.node_id,
        model.name,
        model.correlation_key,
        model.created_at,
        model.last_result,
    )


def incident_row(model: m.Incident) -> Incident:
    return Incident(
        model.id,
        model.instance_id,
        model.execution_id,
        model.node_id,
        model.message,
        model.created_at,
        IncidentState(model.state),
        model.job_id,
        model.resolved_at,
    )


def _execution_model(row: Execution) -> m.Execution:
    return m.Execution(
        id=row.id,
        instance_id=row.instance_id,
        node_id=row.node_id,
        parent_id=row.parent_id,
        state=row.state.value,
        started_at=row.started_at,
        flow_id=row.flow_id,
        loop_counter=row.loop_counter,
        mi_role=row.mi_role,
        mi_total=row.mi_total,
        mi_completed=row.mi_completed,
        variables=None if row.variables is None else encode_value(row.variables),
        called_instance_id=row.called_instance_id,
    )


def _task_model(row: Task) -> m.Task:
    return m.Task(
        id=row.id,
        instance_id=row.instance_id,
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


def _job_model(row: Job) -> m.Job:
    return m.Job(
        id=row.id,
        instance_id=row.instance_id,
        execution_id=row.execution_id,
        kind=row.kind.value,
        node_id=row.node_id,
        due_at=row.due_at,
        attempts=row.attempts,
        repeat_count=row.repeat_count,
        process_id=row.process_id,
        version_key=row.version_key,
    )


def _subscription_model(row: Subscription) -> m.Subscription:
    return m.Subscription(
        id=row.id,
        instance_id=row.instance_id,
        execution_id=row.execution_id,
        kind=row.kind.value,
        node_id=row.node_id,
        name=row.name,
        correlation_key=row.correlation_key,
        created_at=row.created_at,
        last_result=row.last_result,
    )


def _incident_model(row: Incident) -> m.Incident:
    return m.Incident(
        id=row.id,
        instance_id=row.instance_id,
        execution_id=row.execution_id,
        node_id=row.node_id,
        message=row.message,
        created_at=row.created_at,
        state=row.state.value,
        job_id=row.job_id,
        resolved_at=row.resolved_at,
    )


def _values(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    values = {}
    for name in fields:
        value = getattr(row, name)
        if name in ("variables", "data"):
            value = None if value is None else encode_value(value)
        elif isinstance(value, Enum):
            value = value.value
        values[name] = value
    return values


class DjangoStore:
    """The Store port on the database. Also remembers version keys so instance rows stay small."""

    def __init__(self, *, version_ids: Callable[[str], int] | None = None) -> None:
        # version_key ("complaint:3") → ProcessVersion id, given by the definitions provider.
        self._version_ids = version_ids
        self._version_keys: dict[int, str] = {}

    # -- reads ------------------------------------------------------------------------------

    def _version_key(self, version_id: int) -> str:
        key = self._version_keys.get(version_id)
        if key is None:
            version = m.ProcessVersion.objects.select_related("definition").get(pk=version_id)
            key = self._version_keys[version_id] = version.version_key
        return key

    def load_instance_state(self, instance_id: str) -> InstanceState:
        rows = m.ProcessInstance.objects.filter(pk=instance_id)
        connection = transaction.get_connection()
        if connection.in_atomic_block and connection.features.has_select_for_update:
            # Operations on one instance queue here instead of failing the version check and retrying:
            # 50 branches completed at once join exactly once, without 49 retries each.
            rows = rows.select_for_update()
        model = rows.first()
        if model is None:
            raise NotFound(f"process instance {instance_id!r} does not exist")
        state = InstanceState(instance_row(model, self._version_key(model.version_id)))
        state.executions = {
            row.id: execution_row(row) for row in m.Execution.objects.filter(instance_id=instance_id)
        }
        state.tasks = {
            row.id: task_row(row)
            for row in m.Task.objects.filter(instance_id=instance_id, state=TaskState.OPEN.value)
        }
        state.jobs = {row.id: job_row(row) for row in m.Job.objects.filter(instance_id=instance_id)}
        state.subscriptions = {
            row.id: subscription_row(row) for row in m.Subscription.objects.filter(instance_id=instance_id)
        }
        state.incidents = {
            row.id: incident_row(row)
            for row in m.Incident.objects.filter(instance_id=instance_id, state=IncidentState.OPEN.value)
        }
        return state

    def load_task(self, task_id: str) -> Task:
        model = m.Task.objects.filter(pk=task_id).first()
        if model is None:
            raise NotFound(f"task {task_id!r} does not exist")
        return task_row(model)

    def load_job(self, job_id: str) -> Job:
        model = m.Job.objects.filter(pk=job_id).first()
        if model is None:
            raise NotFound(f"job {job_id!r} does not exist")
        return job_row(model)

    def load_incident(self, incident_id: str) -> Incident:
        model = m.Incident.objects.filter(pk=incident_id).first()
        if model is None:
            raise NotFound(f"incident {incident_id!r} does not exist")
        return incident_row(model)

    def find_message_subscriptions(self, name: str, correlation_key: str | None) -> list[Subscription]:
        rows = m.Subscription.objects.filter(kind=SubscriptionKind.MESSAGE.value, name=name)
        if correlation_key is not None:
            rows = rows.filter(correlation_key=correlation_key)
        return [subscription_row(row) for row in rows.order_by("created_at", "id")]

    def find_signal_subscriptions(self, name: str) -> list[Subscription]:
        rows = m.Subscription.objects.filter(kind=SubscriptionKind.SIGNAL.value, name=name).order_by(
            "created_at"
        )
        return [subscription_row(row) for row in rows]

    def due_jobs(self, now: datetime, limit: int) -> list[Job]:
        return [
            job_row(row) for row in m.Job.objects.filter(due_at__lte=now).order_by("due_at", "id")[:limit]
        ]

    # -- writes -----------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> None:
        with transaction.atomic():
            self._check_and_write_instances(changes)
            for job_id in changes.expected_jobs:
                # Start-timer jobs have no instance; deleting the fired job is the lock.
                if job_id in changes.jobs.deleted:
                    continue
                if not m.Job.objects.filter(pk=job_id).exists():
                    raise ConcurrentModification(f"job {job_id!r} was already fired")
            self._write(m.Execution, changes.executions, _execution_model, EXECUTION_FIELDS)
            self._write(m.Task, changes.tasks, _task_model, TASK_FIELDS)
            self._write_jobs(changes)
            self._write(m.Subscription, changes.subscriptions, _subscription_model, SUBSCRIPTION_FIELDS)
            self._write(m.Incident, changes.incidents, _incident_model, INCIDENT_FIELDS)
            if changes.history:
                m.HistoryEntry.objects.bulk_create(
                    [
                        m.HistoryEntry(
                            instance_id=row.instance_id,
                            node_id=row.node_id,
                            node_kind=row.node_kind,
                            execution_id=row.execution_id,
                            started_at=row.started_at,
                            ended_at=row.ended_at,
                            outcome=row.outcome.value,
                            actor=row.actor,
                        )
                        for row in changes.history
                    ]
                )
            for hook in _apply_hooks:
                hook(changes)

    def _check_and_write_instances(self, changes: ChangeSet) -> None:
        instances = changes.instances
        new_models = []
        for row in instances.inserted.values():
            expected = changes.expected_versions.get(row.id, 0)
            if expected != 0:
                raise ConcurrentModification(f"process instance {row.id!r} should exist already")
            new_models.append(
                m.ProcessInstance(
                    id=row.id,
                    process_id=row.process_id,
                    version_id=self._version_id(row.version_key),
                    state=row.state.value,
                    business_key=row.business_key,
                    variables=encode_value(row.variables),
                    started_at=row.started_at,
                    ended_at=row.ended_at,
                    lock_version=row.version,
                    parent_instance_id=row.parent_instance_id,
                    parent_execution_id=row.parent_execution_id,
                )
            )
        if new_models:
            try:
                with transaction.atomic():
                    m.ProcessInstance.objects.bulk_create(new_models)
            except IntegrityError as error:
                raise ConcurrentModification("a process instance with this id exists already") from error
        for row in instances.updated.values():
            expected = changes.expected_versions[row.id]
            values = {
                "state": row.state.value,
                "business_key": row.business_key,
                "variables": encode_value(row.variables),
                "ended_at": row.ended_at,
                "lock_version": row.version,
            }
            if not m.ProcessInstance.objects.filter(pk=row.id, lock_version=expected).update(**values):
                raise ConcurrentModification(
                    f"process instance {row.id!r} changed meanwhile (expected {expected})"
                )
        touched = set(instances.inserted) | set(instances.updated)
        for instance_id, expected in changes.expected_versions.items():
            if instance_id in touched:
                continue
            found = (
                m.ProcessInstance.objects.filter(pk=instance_id)
                .values_list("lock_version", flat=True)
                .first()
            )
            if (found or 0) != expected:
                raise ConcurrentModification(f"process instance {instance_id!r} changed meanwhile")

    def _version_id(self, version_key: str) -> int:
        if self._version_ids is not None:
            return self._version_ids(version_key)
        key, _, number = version_key.rpartition(":")
        return int(
            m.ProcessVersion.objects.filter(definition__key=key, number=int(number))
            .values_list("pk", flat=True)
            .get()
        )

    @staticmethod
    def _write(
        model: type[Model], rows: RowChanges[Any], to_model: Callable[[Any], Model], fields: list[str]
    ) -> None:
        if rows.inserted:
            model._default_manager.bulk_create([to_model(row) for row in rows.inserted.values()])
        for row in rows.updated.values():
            model._default_manager.filter(pk=row.id).update(**_values(row, fields))
        if rows.deleted:
            model._default_manager.filter(pk__in=list(rows.deleted))._raw_delete(model._default_manager.db)

    def _write_jobs(self, changes: ChangeSet) -> None:
        jobs = changes.jobs
        if jobs.deleted:
            # A job fired by someone else is gone already: that is a concurrent modification.
            deleted = m.Job.objects.filter(pk__in=list(jobs.deleted))._raw_delete(m.Job.objects.db)
            if deleted != len(jobs.deleted):
                raise ConcurrentModification("a job was fired meanwhile")
        if jobs.inserted:
            m.Job.objects.bulk_create([_job_model(row) for row in jobs.inserted.values()])
        for row in jobs.updated.values():
            m.Job.objects.filter(pk=row.id).update(
                **_values(row, JOB_FIELDS), locked_by="", locked_until=None
            )
