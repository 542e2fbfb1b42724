"""CSV and XLSX export of a document list, with the page's filters and the user's export rights.

A cell that a spreadsheet would take for a formula (it starts with =, +, -, @, a tab or a carriage return)
gets a leading apostrophe, so an exported value can never run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from potok.documents import selectors
from potok.documents.exporting import export_cells, exported_definitions
from potok.documents.models import Document, DocumentType, FieldDefinition

EXPORT_LIMIT = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


def neutralise(value: Any) -> Any:
    """The value with a leading apostrophe when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header(definitions: list[FieldDefinition]) -> list[str]:
    return [_("Number"), _("Status"), _("Created"), _("Author"), *[d.label for d in definitions]]


def rows(
    queryset: Iterable[Document],
    definitions: list[FieldDefinition],
    statuses: dict[str, str],
    *,
    typed: bool,
    user: Any = None,
) -> Iterator[list[Any]]:
    """One list per document; `typed` keeps numbers and dates as such (for XLSX), else everything is text.
    Confidential values are empty in the rows whose confidential fields `user` does not see."""
    batch: list[Document] = []
    for document in queryset:
        batch.append(document)
        if len(batch) >= CHUNK:
            yield from _batch_rows(batch, definitions, statuses, typed=typed, user=user)
            batch = []
    if batch:
        yield from _batch_rows(batch, definitions, statuses, typed=typed, user=user)


def _batch_rows(
    batch: list[Document],
    definitions: list[FieldDefinition],
    statuses: dict[str, str],
    *,
    typed: bool,
    user: Any,
) -> Iterator[list[Any]]:
    entity_type = batch[0].document_type.entity_type
    cells = export_cells(user, entity_type, definitions, [(d.pk, d.data) for d in batch], typed=typed)
    for document, values in zip(batch, cells, strict=True):
        created = timezone.localtime(document.created_at).replace(tzinfo=None)
        row: list[Any] = [
            document.number,
            statuses.get(document.status, document.status),
            created if typed else created.strftime("%Y-%m-%d %H:%M"),
            str(document.author or ""),
            *values,
        ]
        yield [neutralise(value) for value in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _columns(document_type: DocumentType, user: Any) -> list[FieldDefinition]:
    """The fields exported: confidential ones only for a user who sees them on some records."""
    return exported_definitions(user, document_type.entity_type, selectors.field_definitions(document_type))


def csv_response(
    document_type: DocumentType, queryset: Any, filename: str, *, user: Any
) -> StreamingHttpResponse:
    definitions = _columns(document_type, user)
    statuses = {status.code: status.label for status in selectors.statuses_of(document_type)}
    # Semicolons and a BOM: what Excel in a Russian locale opens correctly by a double click.
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([neutralise(value) for value in header(definitions)])
        for row in rows(queryset.iterator(chunk_size=CHUNK), definitions, statuses, typed=False, user=user):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(document_type: DocumentType, queryset: Any, filename: str, *, user: Any) -> HttpResponse:
    from openpyxl import Workbook

    definitions = _columns(document_type, user)
    statuses = {status.code: status.label for status in selectors.statuses_of(document_type)}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=document_type.code[:31])
    sheet.append([neutralise(value) for value in header(definitions)])
    for row in rows(queryset.iterator(chunk_size=CHUNK), definitions, statuses, typed=True, user=user):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
