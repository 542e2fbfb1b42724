"""The import wizard's writes: upload, mapping, preview, start, cancel. The heavy work runs in the
background (potok.imports.tasks → potok.imports.runner)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.access.models import Action
from potok.access.selectors import require
from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import Conflict, ValidationFailed
from potok.imports import registry
from potok.imports.models import TRANSITIONS, ImportJob, JobStatus, SavedMapping
from potok.imports.reading import FileRejected, read_table

# A running import older than this has lost its worker (a 100,000-row import takes minutes).
STALE_AFTER = dt.timedelta(minutes=30)


def header_signature(entity_type: str, headers: list[str]) -> str:
    normalized = "\x1f".join(registry.header_key(header) for header in headers)
    return hashlib.sha256(f"{entity_type}\x1e{normalized}".encode()).hexdigest()


def move(job: ImportJob, status: str) -> None:
    if status not in TRANSITIONS[job.status]:
        raise Conflict(
            _("The import is %(current)s and cannot become %(new)s.")
            % {"current": job.get_status_display(), "new": JobStatus(status).label}
        )
    job.status = status


def _importable(entity_type: str) -> registry.Importable:
    try:
        return registry.get(entity_type)
    except KeyError as error:
        raise ValidationFailed(
            {"entity_type": _("Nothing called %(name)r can be imported.") % {"name": entity_type}}
        ) from error


@transaction.atomic
def import_upload(
    *, actor: Any, entity_type: str, file_name: str, content: bytes, encoding: str = "", delimiter: str = ""
) -> ImportJob:
    """Read the file (refusing a bad one with a message, writing nothing) and keep it with a suggested
    column mapping: the one confirmed before for this header, or one guessed from the column titles."""
    importable = _importable(entity_type)
    require(actor, entity_type, Action.CREATE)
    try:
        table = read_table(file_name, content, encoding=encoding, delimiter=delimiter)
    except FileRejected as error:
        raise ValidationFailed({"file": str(error)}) from error
    saved = SavedMapping.objects.filter(
        entity_type=entity_type, signature=header_signature(entity_type, table.headers)
    ).first()
    mapping = saved.mapping if saved else registry.suggest_mapping(importable, table.headers)
    job = ImportJob.objects.create(
        entity_type=entity_type,
        created_by=actor,
        created_at=clock.now(),
        file_name=file_name[:255],
        file_format=table.file_format,
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        mapping=mapping,
        total_rows=len(table.rows),
    )
    audit_record(
        actor=actor,
        entity_type="import",
        record_id=job.pk,
        action="uploaded",
        origin=context.current().origin,
        changes={"file": (None, job.file_name), "rows": (None, job.total_rows)},
    )
    return job


def check_mapping(
    importable: registry.Importable, headers: list[str], mapping: Mapping[str, str]
) -> dict[str, str]:
    names = {item.name for item in importable.fields}
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    used: dict[str, str] = {}
    for column, name in mapping.items():
        if not name:
            continue
        if not str(column).isdigit() or int(column) >= len(headers):
            errors[f"column_{column}"] = _("There is no column %(column)s.") % {"column": column}
            continue
        header = headers[int(column)]
        if name not in names:
            errors[f"column_{column}"] = _("Unknown field %(name)r.") % {"name": name}
        elif name in used:
            errors[f"column_{column}"] = _("«%(column)s» and «%(other)s» both fill the same field.") % {
                "column": header,
                "other": used[name],
            }
        else:
            used[name] = header
            cleaned[str(column)] = name
    for item in importable.fields:
        if item.required and item.name not in used:
            errors["mapping"] = _("Choose the column for «%(field)s».") % {"field": item.label}
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@transaction.atomic
def import_set_mapping(*, actor: Any, job: ImportJob, mapping: Mapping[str, str]) -> ImportJob:
    """Confirm the column mapping; it is remembered for the next file with the same header."""
    job = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
    if job.status not in (JobStatus.UPLOADED, JobStatus.PREVIEWED, JobStatus.FAILED):
        raise Conflict(_("The mapping cannot change once the import has started."))
    job.mapping = check_mapping(registry.get(job.entity_type), job.headers, mapping)
    job.save(update_fields=["mapping"])
    SavedMapping.objects.update_or_create(
        entity_type=job.entity_type,
        signature=header_signature(job.entity_type, job.headers),
        defaults={"mapping": job.mapping, "updated_at": clock.now(), "updated_by": actor},
    )
    return job


def _enqueue(job: ImportJob, mode: str) -> None:
    from potok.imports.tasks import run_import_job

    job_id = job.pk
    transaction.on_commit(lambda: run_import_job.enqueue(job_id, mode))


@transaction.atomic
def import_preview(*, actor: Any, job: ImportJob, mapping: Mapping[str, str] | None = None) -> ImportJob:
    """Analyse every row in the background: what would be created, updated, skipped as duplicate or
    rejected, and why. Writes only the preview rows, never a counterparty."""
    if mapping is not None:
        job = import_set_mapping(actor=actor, job=job, mapping=mapping)
    job = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
    check_mapping(registry.get(job.entity_type), job.headers, job.mapping)
    move(job, JobStatus.ANALYSING)
    job.processed_rows, job.counts, job.message, job.cancel_requested = 0, {}, "", False
    job.save(update_fields=["status", "processed_rows", "counts", "message", "cancel_requested"])
    _enqueue(job, "preview")
    return job


@transaction.atomic
def import_start(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue the import of a previewed file. The worker writes everything in one transaction."""
    job = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
    require(actor, job.entity_type, Action.CREATE)
    move(job, JobStatus.QUEUED)
    job.processed_rows, job.message = 0, ""
    job.save(update_fields=["status", "processed_rows", "message"])
    audit_record(
        actor=actor, entity_type="import", record_id=job.pk, action="started", origin=context.current().origin
    )
    _enqueue(job, "apply")
    return job


@transaction.atomic
def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    """Cancel: a job not yet running stops at once; a running one stops at its next batch and rolls back
    everything it wrote."""
    job = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
    if job.status == JobStatus.RUNNING and job.started_at and clock.now() - job.started_at > STALE_AFTER:
        # The apply is one transaction: a worker that died took its writes with it. Say so and free the job.
        job.status, job.cancel_requested, job.finished_at = JobStatus.CANCELLED, True, clock.now()
        job.message = _("The worker stopped during the import; nothing was imported.")
        job.save(update_fields=["status", "cancel_requested", "finished_at", "message"])
        return job
    if job.status in (JobStatus.ANALYSING, JobStatus.RUNNING):
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
        return job
    move(job, JobStatus.CANCELLED)
    job.cancel_requested = True
    job.finished_at = clock.now()
    job.save(update_fields=["status", "cancel_requested", "finished_at"])
    audit_record(
        actor=actor,
        entity_type="import",
        record_id=job.pk,
        action="cancelled",
        origin=context.current().origin,
    )
    return job
