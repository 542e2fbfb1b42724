"""Reads of imports: a user sees his own jobs; administrators see all."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from potok.access.selectors import is_administrator
from potok.core.errors import NotFound
from potok.imports.models import ImportJob, ImportLedger, ImportRow


def jobs_visible(user: Any) -> QuerySet[ImportJob]:
    queryset = ImportJob.objects.select_related("created_by").defer("content")
    if is_administrator(user):
        return queryset
    return queryset.filter(created_by_id=getattr(user, "pk", None))


def job_get(user: Any, pk: Any) -> ImportJob:
    """One job without its file (the progress bar polls this every second)."""
    try:
        return jobs_visible(user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(f"import {pk}") from error


def job_rows(job: ImportJob, *, status: str = "") -> QuerySet[ImportRow]:
    """The preview or report rows; `imported_record_id` is the record the row became (from the ledger)."""
    imported = ImportLedger.objects.filter(
        entity_type=job.entity_type, file_sha256=job.file_sha256, row_hash=OuterRef("row_hash")
    ).values("record_id")[:1]
    rows = ImportRow.objects.filter(job=job).annotate(
        imported_record_id=Coalesce("record_id", Subquery(imported))
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("row_number", "id")
