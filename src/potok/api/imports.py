"""API of imports: upload a file, set the column mapping, preview, apply, follow the progress, cancel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from potok.api.pagination import PageOut, page_of
from potok.core.errors import ValidationFailed
from potok.imports import registry, selectors, services
from potok.imports.reading import MAX_FILE_BYTES

router = Router(tags=["imports"])


class FieldOut(Schema):
    name: str
    label: str
    required: bool


class ImportOut(Schema):
    id: int
    entity_type: str
    file_name: str
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    fields: list[FieldOut]
    status: str
    total_rows: int
    processed_rows: int
    percent: int
    counts: dict[str, int]
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_fields(job: Any) -> list[dict[str, Any]]:
        return [
            {"name": item.name, "label": str(item.label), "required": item.required}
            for item in registry.get(job.entity_type).fields
        ]


class RowOut(Schema):
    id: int
    row_number: int
    status: str
    messages: list[str]
    record_id: int | None
    values: dict[str, Any]

    @staticmethod
    def resolve_record_id(row: Any) -> int | None:
        record_id: int | None = getattr(row, "imported_record_id", None) or row.record_id
        return record_id


class MappingIn(Schema):
    mapping: dict[str, str]


@router.post("imports", response={201: ImportOut}, summary="Upload a CSV or XLSX file to import")
def import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    entity_type: Form[str] = "counterparty",
    encoding: Form[str] = "",
    delimiter: Form[str] = "",
) -> Any:
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise ValidationFailed(
            {
                "file": f"The file is {file.size / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB."
            }
        )
    job = services.import_upload(
        actor=request.user,
        entity_type=entity_type,
        file_name=file.name or "upload",
        content=file.read(),
        encoding=encoding,
        delimiter=delimiter,
    )
    return Status(201, job)


@router.get("imports", response=PageOut[ImportOut], summary="The caller's imports, newest first")
def import_list(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> Any:
    return page_of(selectors.jobs_visible(request.user), order=("-id",), cursor=cursor, limit=limit)


@router.get("imports/{job_id}", response=ImportOut, summary="An import's status and progress")
def import_detail(request: HttpRequest, job_id: int) -> Any:
    return selectors.job_get(request.user, job_id)


@router.put("imports/{job_id}/mapping", response=ImportOut, summary="Set the column mapping")
def import_mapping(request: HttpRequest, job_id: int, payload: MappingIn) -> Any:
    job = selectors.job_get(request.user, job_id)
    return services.import_set_mapping(actor=request.user, job=job, mapping=payload.mapping)


@router.post(
    "imports/{job_id}/preview", response=ImportOut, summary="Prepare the preview (in the background)"
)
def import_preview(request: HttpRequest, job_id: int) -> Any:
    """Uses the mapping set with PUT imports/{id}/mapping (or the one suggested at upload)."""
    job = selectors.job_get(request.user, job_id)
    return services.import_preview(actor=request.user, job=job)


@router.get(
    "imports/{job_id}/rows", response=PageOut[RowOut], summary="The preview or the report, row by row"
)
def import_rows(
    request: HttpRequest, job_id: int, status: str = "", cursor: str | None = None, limit: int = 100
) -> Any:
    job = selectors.job_get(request.user, job_id)
    return page_of(
        selectors.job_rows(job, status=status), order=("row_number", "id"), cursor=cursor, limit=limit
    )


@router.post(
    "imports/{job_id}/apply", response=ImportOut, summary="Import the previewed file (in the background)"
)
def import_apply(request: HttpRequest, job_id: int) -> Any:
    job = selectors.job_get(request.user, job_id)
    return services.import_start(actor=request.user, job=job)


@router.post("imports/{job_id}/cancel", response=ImportOut, summary="Cancel; nothing partial is kept")
def import_cancel(request: HttpRequest, job_id: int) -> Any:
    job = selectors.job_get(request.user, job_id)
    return services.import_cancel(actor=request.user, job=job)
