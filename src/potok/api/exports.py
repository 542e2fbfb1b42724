"""The file answer of the API's list exports (counterparties, contacts, interactions, deals).

The endpoint passes its list's queryset, filtered and ordered as the list is; potok.imports.exports checks
the export right, keeps the rows the export scope covers, leaves out the confidential custom fields the
caller may not see and writes the file. A format other than csv or xlsx is a 400 naming `format`.

Example:
    >>> export_response(request.user, "deal", queryset.order_by("-id"), "xlsx")
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse

from potok.imports.exports import export_rows


def export_response(user: Any, entity_type: str, queryset: QuerySet[Any], file_format: str) -> HttpResponse:
    """The queryset's rows as an attachment: CSV streamed as it is written, XLSX whole (a workbook is only
    complete once saved)."""
    name, content_type, chunks = export_rows(user, entity_type, queryset, file_format)
    response: HttpResponse
    if file_format == "csv":
        response = StreamingHttpResponse(chunks, content_type=content_type)  # type: ignore[assignment]
    else:
        response = HttpResponse(b"".join(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
