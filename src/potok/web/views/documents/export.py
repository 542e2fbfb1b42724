"""CSV and XLSX export of a document list, with the page's filters and the user's export rights.

A cell that a spreadsheet would take for a formula (it starts with =, +, -, @, a tab or a carriage return)
gets a leading apostrophe, so an exported value can never run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from potok.documents import confidential, selectors
from potok.documents.fieldtypes import kind_of
from potok.documents.models import Document, DocumentType, FieldDefinition, FieldType

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
    labels = selectors.reference_labels_for(definitions, [document.data for document in batch])
    secret = confidential.confidential_codes(definitions)
    seen = (
        confidential.revealed(user, batch[0].document_type.entity_type, [d.pk for d in batch])
        if secret
        else set()
    )
    for document in batch:
        created = timezone.localtime(document.created_at).replace(tzinfo=None)
        row: list[Any] = [
            document.number,
            statuses.get(document.status, document.status),
            created if typed else created.strftime("%Y-%m-%d %H:%M"),
            str(document.author or ""),
        ]
        for definition in definitions:
            stored = document.data.get(definition.code)
            if definition.code in secret and document.pk not in seen:
                stored = None
            if (
                typed
                and stored is not None
                and definition.field_type
                in (
                    FieldType.INTEGER,
                    FieldType.DECIMAL,
                    FieldType.MONEY,
                )
            ):
                row.append(Decimal(str(stored)))
            elif typed and stored is not None and definition.field_type == FieldType.DATE:
                row.append(kind_of(definition).typed(definition, stored))
            elif definition.field_type in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY):
                row.append("" if stored is None else str(stored))
            else:
                row.append(kind_of(definition).display(definition, stored, labels.get(definition.code)))
        yield [neutralise(value) for value in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _columns(document_type: DocumentType, user: Any) -> list[FieldDefinition]:
    """The fields exported: confidential ones only for a user who sees them on some records."""
    definitions = selectors.field_definitions(document_type)
    if confidential.sees_any(user, document_type.entity_type):
        return definitions
    return [d for d in definitions if not d.confidential]


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
