"""Starting instances and moving them on: every call is one transaction, retried on a concurrent change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import transaction

from potok.audit.models import AuditEvent
from potok.audit.services import audit_record, audit_row
from potok.core import clock
from potok.core.bulk import insert_rows
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.savepoints import SavepointsNeeded, savepoints_skipped
from potok.engine.errors import ConcurrentModification, EngineError, InvalidTransition
from potok.engine.errors import NotFound as EngineNotFound
from potok.engine.runtime.serialization import encode_value
from potok.processes.models import OperationLog, ProcessInstance
from potok.processes.runtime import engine
from potok.processes.store import discard_waiting, wait_with_start, waiting_mark

T = TypeVar("T")
RETRIES = 5
# The record of the instance being started: its row is written only when the first steps are done, and a
# first step that is a service task (set the document's status) must already know its record.
STARTING_RECORD: ContextVar[tuple[str, int | None] | None] = ContextVar("potok_starting_record", default=None)


def in_transaction_with_retry(operation: Callable[[], T]) -> T:
    """Run an engine operation in its own transaction; retry when another one changed the instance."""
    if savepoints_skipped():
        try:
            with transaction.atomic(savepoint=False):
                return operation()
        except Exception as error:
            raise SavepointsNeeded(f"{type(error).__name__}: {error}") from error
    for attempt in range(RETRIES):
        # Starts made inside `starts_together()` wait to be written; those of a failed attempt are forgotten
        # with its savepoint.
        mark = waiting_mark()
        try:
            with transaction.atomic():
                return operation()
        except ConcurrentModification:
            discard_waiting(mark)
            if attempt == RETRIES - 1:
                raise Conflict("The process changed meanwhile; try again.") from None
        except BaseException:
            discard_waiting(mark)
            raise
    raise AssertionError("unreachable")


def process_start(
    *,
    actor: Any,
    process_key: str,
    variables: Mapping[str, Any] | None = None,
    business_key: str | None = None,
    entity_type: str = "",
    record_id: int | None = None,
    version_key: str | None = None,
    reason: str = "",
) -> ProcessInstance:
    """Start the latest published (or the pinned) version of a process for a record."""

    started_by = actor if getattr(actor, "pk", None) else None
    instance_values = {
        "entity_type": entity_type,
        "record_id": record_id,
        "started_by_id": started_by.pk if started_by is not None else None,
        "start_reason": reason[:200],
    }

    def start() -> ProcessInstance:
        current = engine(instance_values=instance_values)
        starting = STARTING_RECORD.set((entity_type, record_id))
        process = current.definitions.get(process_key, version_key) if current.definitions else None
        if process is None:
            raise ValidationFailed({"process": f"The process {process_key!r} has no published version."})
        try:
            instance = current.start(process, dict(variables or {}), business_key=business_key)
        except EngineError as error:
            if isinstance(error, ConcurrentModification):
                raise
            raise ValidationFailed({"process": str(error)}) from error
        finally:
            STARTING_RECORD.reset(starting)
        if entity_type and record_id is not None:
            row = audit_row(
                actor=actor,
                entity_type=entity_type,
                record_id=record_id,
                action="process_started",
                changes={"process": (None, f"{process.name or process_key} ({instance.id[:8]})")},
                message=reason,
            )
            # A start waiting in a batch (`starts_together`) is written with its audit row.
            if not wait_with_start(instance.id, AuditEvent, row):
                insert_rows(AuditEvent, [row])
        # Built from what the engine returned: no second query on the hot path.
        result = ProcessInstance(
            id=instance.id,
            process_id=instance.process_id,
            version_id=current.definitions.version_id(  # type: ignore[union-attr]
                instance.version_key
            ),
            state=instance.state.value,
            business_key=instance.business_key,
            variables=encode_value(instance.variables),
            started_at=instance.started_at,
            ended_at=instance.ended_at,
            lock_version=instance.version,
            entity_type=entity_type,
            record_id=record_id,
            started_by=started_by,
            start_reason=reason[:200],
        )
        result._state.adding = False
        return result

    return in_transaction_with_retry(start)


def task_complete_in_engine(*, actor: Any, task_id: str, data: Mapping[str, Any] | None = None) -> None:
    """The engine's part of completing a task; the tasks layer checks rights and required objects first."""
    username = getattr(actor, "username", None)

    def complete() -> None:
        try:
            engine().complete_task(task_id, dict(data or {}), actor=username)
        except EngineNotFound as error:
            raise NotFound(str(error)) from error
        except InvalidTransition as error:
            raise Conflict(f"The task is no longer open: {error}") from error

    in_transaction_with_retry(complete)


def _operation(
    actor: Any, instance_id: str, name: str, details: Mapping[str, Any], run: Callable[[], Any]
) -> ProcessInstance:
    def apply() -> ProcessInstance:
        if not ProcessInstance.objects.filter(pk=instance_id).exists():
            raise NotFound(f"process instance {instance_id}")
        try:
            run()
        except EngineNotFound as error:
            raise NotFound(str(error)) from error
        except (InvalidTransition, EngineError) as error:
            if isinstance(error, ConcurrentModification):
                raise
            raise ValidationFailed({"operation": str(error)}) from error
        instance = ProcessInstance.objects.get(pk=instance_id)
        OperationLog.objects.create(
            instance=instance,
            operation=name,
            occurred_at=clock.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            details=dict(details),
        )
        audit_record(
            actor=actor,
            entity_type="process_instance",
            record_id=0,
            action=name,
            message=f"{instance.process_id} {instance_id}",
            changes={k: (None, v) for k, v in details.items()},
        )
        return instance

    return in_transaction_with_retry(apply)


def instance_suspend(*, actor: Any, instance_id: str) -> ProcessInstance:
    return _operation(actor, instance_id, "suspend", {}, lambda: engine().suspend(instance_id))


def instance_resume(*, actor: Any, instance_id: str) -> ProcessInstance:
    return _operation(actor, instance_id, "resume", {}, lambda: engine().resume(instance_id))


def instance_cancel(*, actor: Any, instance_id: str, reason: str = "") -> ProcessInstance:
    return _operation(actor, instance_id, "cancel", {"reason": reason}, lambda: engine().cancel(instance_id))


def instance_set_variables(*, actor: Any, instance_id: str, variables: Mapping[str, Any]) -> ProcessInstance:
    return _operation(
        actor,
        instance_id,
        "set_variables",
        {"variables": sorted(variables)},
        lambda: engine().set_variables(instance_id, variables),
    )


def instance_skip_node(*, actor: Any, instance_id: str, node_id: str) -> ProcessInstance:
    username = getattr(actor, "username", None)
    return _operation(
        actor,
        instance_id,
        "skip_node",
        {"node": node_id},
        lambda: engine().skip_node(instance_id, node_id, actor=username),
    )


def instance_move_token(
    *, actor: Any, instance_id: str, from_node_id: str, to_node_id: str
) -> ProcessInstance:
    return _operation(
        actor,
        instance_id,
        "move_token",
        {"from": from_node_id, "to": to_node_id},
        lambda: engine().move_token(instance_id, from_node_id, to_node_id),
    )


def incident_retry(*, actor: Any, incident_id: str) -> ProcessInstance:
    from potok.processes.models import Incident

    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"incident {incident_id}")
    return _operation(
        actor,
        incident.instance_id,
        "retry_incident",
        {"incident": incident_id},
        lambda: engine().retry_incident(incident_id),
    )


def message_correlate(
    *, actor: Any, name: str, correlation_key: str | None, payload: Mapping[str, Any]
) -> str:
    """Deliver a message; returns the id of the instance that received (or was started by) it."""
    from potok.engine.errors import MessageNotCorrelated

    def run() -> str:
        try:
            return engine().correlate_message(name, correlation_key, dict(payload)).id
        except MessageNotCorrelated as error:
            raise NotFound(str(error)) from error

    return in_transaction_with_retry(run)


def signal_broadcast(*, actor: Any, name: str, payload: Mapping[str, Any]) -> list[str]:
    return in_transaction_with_retry(lambda: engine().broadcast_signal(name, dict(payload)))


def instance_migrate(
    *,
    actor: Any,
    instance_id: str,
    version_number: int,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> Any:
    """Move a running instance to another published version of its process (or only plan it)."""
    from potok.engine.runtime.migration import migrate_instance

    instance = ProcessInstance.objects.select_related("version__definition").filter(pk=instance_id).first()
    if instance is None:
        raise NotFound(f"process instance {instance_id}")
    key = instance.version.definition.key

    def run() -> Any:
        current = engine()
        target = current.definitions.get(key, f"{key}:{version_number}") if current.definitions else None
        if target is None:
            raise ValidationFailed({"version": f"{key} has no published version {version_number}."})
        try:
            plan = migrate_instance(current, instance_id, target, mapping, dry_run=dry_run)
        except (InvalidTransition, EngineError) as error:
            if isinstance(error, ConcurrentModification):
                raise
            raise ValidationFailed({"instance": str(error)}) from error
        if plan.applied:
            OperationLog.objects.create(
                instance_id=instance_id,
                operation="migrate",
                occurred_at=clock.now(),
                actor=actor if getattr(actor, "pk", None) else None,
                details={
                    "from": plan.from_version,
                    "to": plan.to_version,
                    "mapping": dict(mapping or {}),
                    "moves": len(plan.moves),
                    "dropped": len(plan.dropped),
                },
            )
            audit_record(
                actor=actor,
                entity_type="process_instance",
                record_id=0,
                action="migrate",
                message=f"{instance_id}: {plan.from_version} → {plan.to_version}",
            )
        return plan

    return in_transaction_with_retry(run)


def instances_migrate_version(
    *,
    actor: Any,
    process_key: str,
    from_number: int,
    to_number: int,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = True,
) -> list[Any]:
    """Plan (or apply) the migration of every live instance of one version; one transaction each."""
    ids = list(
        ProcessInstance.objects.filter(
            version__definition__key=process_key,
            version__number=from_number,
            state__in=("running", "suspended"),
        ).values_list("id", flat=True)
    )
    return [
        instance_migrate(
            actor=actor, instance_id=instance_id, version_number=to_number, mapping=mapping, dry_run=dry_run
        )
        for instance_id in ids
    ]
