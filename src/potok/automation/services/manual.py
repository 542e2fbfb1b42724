"""Starting a process by hand from a record, optionally in the background (1C's «стартовать в фоновом
режиме»): the person asks, a `ManualStart` row and its task are written in one transaction, the worker
starts the process, and the record page shows "started" with a link.

Who may: anyone who may change the record (reading it is not enough: a receptionist who registers a
complaint does not decide which processes run for it), for the processes whose definition lists the record's type in
`manual_start_entity_types` ("document.*" stands for every document type, "*" for every type).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction

from potok.access.models import Action
from potok.access.selectors import get_record
from potok.audit.services import audit_record
from potok.automation.models import ManualStart, ManualStartState
from potok.automation.records import RecordViews
from potok.core import clock
from potok.core.context import acting, current
from potok.core.errors import PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)

SWEEP_AGE = timedelta(seconds=5)


def may_start_by_hand(user: Any, entity_type: str, record_id: int) -> bool:
    """May this person start processes by hand from this record (he may change it)?"""
    from potok.access.selectors import visible_records

    try:
        return visible_records(user, entity_type, Action.UPDATE).filter(pk=record_id).exists()
    except KeyError:
        return False


def startable_processes(entity_type: str) -> list[Any]:
    """Definitions with a published version that may be started by hand from records of this type."""
    from potok.processes.models import ProcessDefinition, VersionStatus

    definitions = (
        ProcessDefinition.objects.filter(versions__status=VersionStatus.PUBLISHED).distinct().order_by("name")
    )
    allowed = []
    for definition in definitions:
        types = definition.manual_start_entity_types or []
        if (
            entity_type in types
            or "*" in types
            or (entity_type.startswith("document.") and "document.*" in types)
        ):
            allowed.append(definition)
    return allowed


def _record_variables(entity_type: str, record_id: int) -> dict[str, Any]:
    view = RecordViews().load(entity_type, [record_id]).get(record_id, {})
    flat = {key: value for key, value in view.items() if not isinstance(value, dict)}
    return {"entity_type": entity_type, "record_id": record_id, "record": flat}


@transaction.atomic
def manual_start_request(
    *, actor: Any, entity_type: str, record_id: int, process_key: str, background: bool = True
) -> ManualStart:
    """Ask for a process to start for a record; in the background unless `background` is false."""
    from potok.automation import tasks

    get_record(actor, entity_type, record_id, Action.UPDATE)
    if not any(definition.key == process_key for definition in startable_processes(entity_type)):
        raise PermissionDenied(f"start {process_key} from {entity_type}")
    request = ManualStart.objects.create(
        entity_type=entity_type,
        record_id=int(record_id),
        process_key=process_key,
        requested_by=actor if getattr(actor, "pk", None) else None,
        requested_at=clock.now(),
    )
    audit_record(
        actor=actor,
        entity_type=entity_type,
        record_id=record_id,
        action="process_start_requested",
        changes={"process": (None, process_key)},
        origin=current().origin,
    )
    if background:
        tasks.run_manual_start.enqueue(request.pk)
        return request
    manual_start_run(request.pk)
    request.refresh_from_db()
    if request.state == ManualStartState.FAILED:
        raise ValidationFailed({"process": request.error})
    return request


def manual_start_run(manual_start_id: int) -> str:
    """Start the requested process (once: the request row is locked and marked in the same transaction)."""
    from potok.processes.services.instances import process_start

    with transaction.atomic():
        request = (
            ManualStart.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .filter(pk=manual_start_id)
            .first()
        )
        if request is None or request.state != ManualStartState.QUEUED:
            return request.process_instance_id if request else ""
        try:
            with transaction.atomic(), acting(origin="process", actor=request.requested_by):
                instance = process_start(
                    actor=request.requested_by,
                    process_key=request.process_key,
                    variables=_record_variables(request.entity_type, request.record_id),
                    entity_type=request.entity_type,
                    record_id=request.record_id,
                    reason="started by hand",
                )
        except DatabaseError:
            raise
        except Exception as error:  # a bad process is the request's failure, shown to the person
            logger.info("manual start %s failed: %s", request.pk, error)
            request.state = ManualStartState.FAILED
            request.error = str(error)[:2000]
            request.finished_at = clock.now()
            request.save(update_fields=["state", "error", "finished_at"])
            return ""
        request.state = ManualStartState.STARTED
        request.process_instance_id = instance.id
        request.finished_at = clock.now()
        request.save(update_fields=["state", "process_instance_id", "finished_at"])
        return instance.id


def manual_starts_sweep() -> int:
    """Periodic work: requests whose task was lost."""
    cutoff = clock.now() - SWEEP_AGE
    ids = list(
        ManualStart.objects.filter(state=ManualStartState.QUEUED, requested_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:50]
    )
    return sum(1 for pk in ids if manual_start_run(pk))
