"""The background side of an import: analysing the rows for the preview, then applying them.

Policy (nothing partial on cancel or failure): the apply runs in ONE database transaction — it re-reads
the file, re-checks every row against the database as it is now, writes records with bulk inserts (each
with its audit row and domain event) and the per-row report. A cancel request, a rejected file or any
error rolls all of it back; the job row then says why. On PostgreSQL the progress bar and cancel
requests go through a second connection, so they are seen while the transaction is open; on SQLite (one
writer at a time) the progress is published when the transaction ends and a cancel request made during
the apply is seen before it starts and after it ends only, which for SQLite-sized imports is seconds.

The preview writes only ImportRow rows, in committed batches, so its progress is live on both databases.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext as _

from potok.audit.services import audit_record
from potok.core import clock
from potok.core.context import acting
from potok.core.errors import DomainError
from potok.imports import registry
from potok.imports.models import ImportJob, ImportLedger, ImportRow, JobStatus, RowStatus
from potok.imports.reading import FileRejected, read_table
from potok.imports.registry import RowResult, SourceRow

logger = logging.getLogger(__name__)

BATCH = 500
T = TypeVar("T")


class ImportCancelled(Exception):
    pass


def chunks(items: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def source_rows(job: ImportJob, rows: Iterable[tuple[int, list[str]]]) -> list[SourceRow]:
    columns = {int(index): name for index, name in job.mapping.items()}
    width = len(job.headers)
    result = []
    for number, cells in rows:
        values = {name: cells[index] if index < len(cells) else "" for index, name in columns.items()}
        row_hash = hashlib.sha256(
            json.dumps([cell.strip() for cell in cells], ensure_ascii=False).encode()
        ).hexdigest()
        problems = []
        if any(cell.strip() for cell in cells[width:]):
            problems.append(
                _(
                    "the row has %(cells)d cells where the header has %(width)d: check the delimiter and quotes"
                )
                % {"cells": len(cells), "width": width}
            )
        result.append(SourceRow(row_number=number, values=values, row_hash=row_hash, problems=problems))
    return result


def _columns(job: ImportJob) -> dict[str, str]:
    return {name: job.headers[int(index)] for index, name in job.mapping.items()}


def _report_rows(job_id: int, results: list[RowResult]) -> list[ImportRow]:
    return [
        ImportRow(
            job_id=job_id,
            row_number=result.row_number,
            status=result.status,
            messages=result.messages,
            record_id=result.record_id,
            values=result.values,
            row_hash=result.row_hash,
        )
        for result in results
    ]


# A preview status and the status its row has once applied as planned.
APPLIED: dict[str, str] = {RowStatus.CREATE: RowStatus.CREATED, RowStatus.UPDATE: RowStatus.UPDATED}


def _write_report(job_id: int, results: list[RowResult]) -> None:
    """Turn the preview into the report. Rows that went as the preview said are updated with one
    statement per status; only rows whose outcome differs (the database changed since the preview, an
    update that changed nothing) are written again."""
    preview = {
        number: (status, messages)
        for number, status, messages in ImportRow.objects.filter(job_id=job_id).values_list(
            "row_number", "status", "messages"
        )
    }
    as_planned: dict[str, list[int]] = {}
    rewritten: list[RowResult] = []
    for result in results:
        status, messages = preview.get(result.row_number, ("", []))
        if APPLIED.get(status) == result.status:
            as_planned.setdefault(status, []).append(result.row_number)
        elif status != result.status or messages != result.messages:
            rewritten.append(result)
    if len(preview) != len(results):
        ImportRow.objects.filter(job_id=job_id).delete()
        ImportRow.objects.bulk_create(_report_rows(job_id, results), batch_size=BATCH)
        return
    for status, numbers in as_planned.items():
        if len(numbers) == sum(1 for planned, _m in preview.values() if planned == status):
            ImportRow.objects.filter(job_id=job_id, status=status).update(status=APPLIED[status])
        else:
            for number_chunk in chunks(numbers, 900):
                ImportRow.objects.filter(job_id=job_id, row_number__in=number_chunk).update(
                    status=APPLIED[status]
                )
    for result_chunk in chunks(rewritten, 900):
        numbers_to_rewrite = [result.row_number for result in result_chunk]
        ImportRow.objects.filter(job_id=job_id, row_number__in=numbers_to_rewrite).delete()
        ImportRow.objects.bulk_create(_report_rows(job_id, result_chunk), batch_size=BATCH)


def _finish(job_id: int, status: str, *, message: str = "", counts: dict[str, int] | None = None) -> None:
    values: dict[str, Any] = {"status": status, "message": message[:2000], "finished_at": clock.now()}
    if counts is not None:
        values["counts"] = counts
    if status in (JobStatus.DONE, JobStatus.PREVIEWED):
        values["processed_rows"] = ImportJob.objects.values_list("total_rows", flat=True).get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(**values)


def analyse_job(job_id: int) -> None:
    """Prepare the preview: every row's status and reasons, in committed batches."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != JobStatus.ANALYSING:
        return
    importable = registry.get(job.entity_type)
    try:
        table = read_table(job.file_name, bytes(job.content), encoding=job.encoding, delimiter=job.delimiter)
        rows = source_rows(job, table.rows)
        state = importable.new_state(actor=job.created_by, file_sha256=job.file_sha256, columns=_columns(job))
        ImportRow.objects.filter(job_id=job_id).delete()
        counts: Counter[str] = Counter()
        processed = 0
        for batch in chunks(rows):
            if ImportJob.objects.filter(pk=job_id, cancel_requested=True).exists():
                ImportRow.objects.filter(job_id=job_id).delete()
                _finish(job_id, JobStatus.CANCELLED, message=_("Cancelled during the preview."))
                return
            results = importable.analyse(batch, state)
            counts.update(result.status for result in results)
            ImportRow.objects.bulk_create(_report_rows(job_id, results), batch_size=BATCH)
            processed += len(batch)
            ImportJob.objects.filter(pk=job_id).update(processed_rows=processed)
    except (FileRejected, DomainError) as error:
        _finish(job_id, JobStatus.FAILED, message=str(error))
        return
    except Exception:
        logger.exception("import %s: the preview failed", job_id)
        _finish(
            job_id, JobStatus.FAILED, message=_("The preview failed unexpectedly; the error is in the log.")
        )
        return
    _finish(job_id, JobStatus.PREVIEWED, counts=dict(counts))


class Channel(Protocol):
    def report(self, processed: int) -> None: ...
    def cancel_requested(self) -> bool: ...
    def close(self) -> None: ...


class ProgressChannel:
    """Progress and cancel requests outside the apply's transaction (a second connection on PostgreSQL)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.side: Any = None
        if connection.vendor == "postgresql":
            wrapper = connections[DEFAULT_DB_ALIAS]
            self.side = type(wrapper)(dict(wrapper.settings_dict), alias="potok_import_progress")
        self.table = connection.ops.quote_name(ImportJob._meta.db_table)

    def report(self, processed: int) -> None:
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {self.table} SET processed_rows = %s WHERE id = %s",  # noqa: S608 - our table name
                    [processed, self.job_id],
                )

    def cancel_requested(self) -> bool:
        if self.side is None:
            return False
        with self.side.cursor() as cursor:
            cursor.execute(f"SELECT cancel_requested FROM {self.table} WHERE id = %s", [self.job_id])  # noqa: S608
            row = cursor.fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def apply_job(job_id: int, *, channel: Channel | None = None) -> None:
    """Import a previewed file in one transaction; see the module's docstring for the policy."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=job_id)
        if job.status != JobStatus.QUEUED:
            return
        if job.cancel_requested:
            job.status, job.finished_at = JobStatus.CANCELLED, clock.now()
            job.save(update_fields=["status", "finished_at"])
            return
        job.status, job.started_at, job.processed_rows = JobStatus.RUNNING, clock.now(), 0
        job.save(update_fields=["status", "started_at", "processed_rows"])
    channel = channel or ProgressChannel(job_id)
    actor = job.created_by
    importable = registry.get(job.entity_type)
    try:
        with acting(origin="import", actor=actor), transaction.atomic():
            table = read_table(
                job.file_name, bytes(job.content), encoding=job.encoding, delimiter=job.delimiter
            )
            rows = source_rows(job, table.rows)
            state = importable.new_state(actor=actor, file_sha256=job.file_sha256, columns=_columns(job))
            results: list[RowResult] = []
            for source_batch in chunks(rows):
                results.extend(importable.analyse(source_batch, state))
            writable = [result for result in results if result.status in (RowStatus.CREATE, RowStatus.UPDATE)]
            processed = len(results) - len(writable)
            for result_batch in chunks(writable):
                if channel.cancel_requested():
                    raise ImportCancelled
                importable.apply(result_batch, actor=actor)
                processed += len(result_batch)
                channel.report(processed)
            if channel.cancel_requested():
                raise ImportCancelled
            ImportLedger.objects.bulk_create(
                [
                    ImportLedger(
                        entity_type=job.entity_type,
                        file_sha256=job.file_sha256,
                        row_hash=result.row_hash,
                        record_id=result.record_id,
                        job_id=job_id,
                    )
                    for result in results
                    if result.status in (RowStatus.CREATED, RowStatus.UPDATED, RowStatus.UNCHANGED)
                    and result.record_id is not None
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
            _write_report(job_id, results)
            counts = dict(Counter(result.status for result in results))
            audit_record(
                actor=actor,
                entity_type="import",
                record_id=job_id,
                action="imported",
                origin="import",
                changes={status: (None, count) for status, count in counts.items()},
            )
    except ImportCancelled:
        _finish(job_id, JobStatus.CANCELLED, message=_("Cancelled: nothing was imported."))
    except (FileRejected, DomainError) as error:
        _finish(job_id, JobStatus.FAILED, message=_("Nothing was imported: %(error)s") % {"error": error})
    except Exception:
        logger.exception("import %s failed", job_id)
        _finish(
            job_id, JobStatus.FAILED, message=_("The import failed unexpectedly and nothing was imported.")
        )
    else:
        _finish(job_id, JobStatus.DONE, counts=counts)
    finally:
        channel.close()


def run(job_id: int, mode: str) -> None:
    if mode == "preview":
        analyse_job(job_id)
    elif mode == "apply":
        apply_job(job_id)
    else:
        raise ValueError(f"unknown import mode {mode!r}")
