"""Exporting lists to CSV and XLSX with the same rows the user sees on the page.

The adapters pass the list's queryset (already filtered and access-checked by the domain selectors);
this module checks the export right, picks the columns and writes the file. Counterparties, contacts and
deals get one more column per active custom field, written as document exports write their fields
(potok.documents.exporting): confidential ones only for a reader who may see them. Every cell is text, so
ИНН, КПП and phones keep their leading zeros in XLSX too. Cells that a spreadsheet would run as a formula
(starting with =, +, -, @, tab or carriage return) get a leading apostrophe. `export_response` turns the
file into the download both the web's and the API's list exports answer with.

Example:
    >>> name, content_type, chunks = export_rows(user, "counterparty", queryset, "csv")
    >>> response = export_response(user, "counterparty", queryset, "xlsx")
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from potok.access.models import Action
from potok.access.selectors import require, visible_records
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.documents.custom_fields import custom_field_definitions
from potok.documents.entities import CUSTOM_FIELD_ENTITIES
from potok.documents.exporting import export_cells, exported_definitions
from potok.documents.models import FieldDefinition

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header
BATCH = 500  # records whose custom fields' references are named with one query per target


@dataclass(frozen=True)
class ExportColumn:
    label: Any
    value: Callable[[Any], Any]


def neutralise(value: Any) -> str:
    """The cell as text that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(item) for item in value)
    elif hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.isoformat()
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _user(user: Any) -> str:
    return user.display_name if user is not None else ""


def _amount(deal: Any) -> str:
    return f"{deal.amount:.2f}"


COLUMNS: dict[str, list[ExportColumn]] = {
    "counterparty": [
        ExportColumn(gettext_lazy("ID"), lambda c: c.pk),
        ExportColumn(gettext_lazy("Name"), lambda c: c.name),
        ExportColumn(gettext_lazy("Full name"), lambda c: c.full_name),
        ExportColumn(gettext_lazy("Kind"), lambda c: c.get_kind_display()),
        ExportColumn(gettext_lazy("ИНН"), lambda c: c.inn),
        ExportColumn(gettext_lazy("КПП"), lambda c: c.kpp),
        ExportColumn(gettext_lazy("ОГРН"), lambda c: c.ogrn),
        ExportColumn(gettext_lazy("Phones"), lambda c: c.phones),
        ExportColumn(gettext_lazy("Emails"), lambda c: c.emails),
        ExportColumn(gettext_lazy("Legal address"), lambda c: c.legal_address),
        ExportColumn(gettext_lazy("Segment"), lambda c: c.segment),
        ExportColumn(gettext_lazy("Tags"), lambda c: c.tags),
        ExportColumn(gettext_lazy("Responsible manager"), lambda c: _user(c.responsible)),
        ExportColumn(gettext_lazy("Department"), lambda c: c.department.name if c.department_id else ""),
        ExportColumn(gettext_lazy("Comment"), lambda c: c.comment),
    ],
    "contact": [
        ExportColumn(gettext_lazy("ID"), lambda c: c.pk),
        ExportColumn(gettext_lazy("Counterparty"), lambda c: c.counterparty.name),
        ExportColumn(gettext_lazy("ИНН of the counterparty"), lambda c: c.counterparty.inn),
        ExportColumn(gettext_lazy("Last name"), lambda c: c.last_name),
        ExportColumn(gettext_lazy("First name"), lambda c: c.first_name),
        ExportColumn(gettext_lazy("Middle name"), lambda c: c.middle_name),
        ExportColumn(gettext_lazy("Position"), lambda c: c.position),
        ExportColumn(gettext_lazy("Phones"), lambda c: c.phones),
        ExportColumn(gettext_lazy("Emails"), lambda c: c.emails),
        ExportColumn(gettext_lazy("Consent given on"), lambda c: c.consent_given_on),
        ExportColumn(gettext_lazy("Purpose of processing"), lambda c: c.consent_purpose),
        ExportColumn(gettext_lazy("Consent withdrawn on"), lambda c: c.consent_withdrawn_on),
    ],
    "interaction": [
        ExportColumn(gettext_lazy("ID"), lambda i: i.pk),
        ExportColumn(gettext_lazy("When"), lambda i: i.occurred_at),
        ExportColumn(gettext_lazy("Kind"), lambda i: i.get_kind_display()),
        ExportColumn(gettext_lazy("Counterparty"), lambda i: i.counterparty.name),
        ExportColumn(gettext_lazy("Subject"), lambda i: i.subject),
        ExportColumn(gettext_lazy("Outcome"), lambda i: i.outcome),
        ExportColumn(gettext_lazy("Author"), lambda i: _user(i.author)),
    ],
    "deal": [
        ExportColumn(gettext_lazy("ID"), lambda d: d.pk),
        ExportColumn(gettext_lazy("Deal"), lambda d: d.title),
        ExportColumn(
            gettext_lazy("Counterparty"), lambda d: d.counterparty.name if d.counterparty_id else ""
        ),
        ExportColumn(gettext_lazy("Pipeline"), lambda d: d.pipeline.name),
        ExportColumn(gettext_lazy("Stage"), lambda d: d.stage.name),
        ExportColumn(gettext_lazy("Amount"), _amount),
        ExportColumn(gettext_lazy("Currency"), lambda d: d.currency),
        ExportColumn(gettext_lazy("Expected close date"), lambda d: d.expected_close_date),
        ExportColumn(gettext_lazy("Responsible manager"), lambda d: _user(d.responsible)),
        ExportColumn(pgettext_lazy("deal", "Created"), lambda d: d.created_at),
        ExportColumn(pgettext_lazy("deal", "Closed"), lambda d: d.closed_at),
        ExportColumn(gettext_lazy("Description"), lambda d: d.description),
    ],
}


def _custom_columns(user: Any, entity_type: str) -> list[FieldDefinition]:
    """The active custom fields of the entity the reader may see, in their order (none for other lists)."""
    if entity_type not in CUSTOM_FIELD_ENTITIES:
        return []
    return exported_definitions(user, entity_type, custom_field_definitions(entity_type))


def _batches(records: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(records, BATCH)):
        yield batch


def _rows(user: Any, entity_type: str, queryset: QuerySet[Any]) -> Iterator[list[str]]:
    columns = COLUMNS[entity_type]
    custom = _custom_columns(user, entity_type)
    yield [neutralise(str(column.label)) for column in columns] + [neutralise(d.label) for d in custom]
    for batch in _batches(queryset.iterator(chunk_size=2000)):
        values = [(record.pk, getattr(record, "custom_fields", None) or {}) for record in batch]
        cells = export_cells(user, entity_type, custom, values, typed=False)
        for record, custom_cells in zip(batch, cells, strict=True):
            yield [neutralise(column.value(record)) for column in columns] + [
                neutralise(cell) for cell in custom_cells
            ]


def _csv_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    # Excel in a Russian locale opens ";"-separated UTF-8 with a BOM without asking anything.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode()
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for count, row in enumerate(rows):
        if count > XLSX_MAX_ROWS:
            raise ValidationFailed({"format": _("Too many rows for XLSX; export to CSV instead.")})
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    yield buffer.getvalue()


def export_rows(
    user: Any, entity_type: str, queryset: QuerySet[Any], file_format: str
) -> tuple[str, str, Iterator[bytes]]:
    """(file name, content type, chunks of the file) for the queryset's rows."""
    require(user, entity_type, Action.EXPORT)
    if entity_type not in COLUMNS:
        raise ValidationFailed({"entity_type": _("This list cannot be exported.")})
    # The page's queryset is the read scope; the file holds only what the export scope covers.
    queryset = queryset.filter(pk__in=visible_records(user, entity_type, Action.EXPORT).values("pk"))
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    rows = _rows(user, entity_type, queryset)
    if file_format == "csv":
        return f"{entity_type}-{stamp}.csv", "text/csv; charset=utf-8", _csv_chunks(rows)
    if file_format == "xlsx":
        return (
            f"{entity_type}-{stamp}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx_chunks(rows),
        )
    raise ValidationFailed({"format": _("Choose csv or xlsx.")})


def export_response(user: Any, entity_type: str, queryset: QuerySet[Any], file_format: str) -> HttpResponse:
    """The queryset's rows as an attachment: CSV streamed as it is written, XLSX whole (a workbook is only
    complete once saved). A refused export or an unknown format raises as `export_rows` does; each adapter
    answers that its own way."""
    name, content_type, chunks = export_rows(user, entity_type, queryset, file_format)
    response: HttpResponse
    if file_format == "csv":
        response = StreamingHttpResponse(chunks, content_type=content_type)  # type: ignore[assignment]
    else:
        response = HttpResponse(b"".join(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
