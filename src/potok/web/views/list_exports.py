"""The CSV and XLSX buttons of a built-in list (counterparties, contacts, interactions, deals) and the file
they download: the list's own filters and sort go along in the link, potok.imports.exports writes the file."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from potok.access.models import Action
from potok.access.selectors import can
from potok.imports import exports


def export_urls(request: HttpRequest, url_name: str, entity_type: str) -> list[tuple[str, str]]:
    """(label, link) per file format, carrying the page's query; none for a user without the export right."""
    if not can(request.user, entity_type, Action.EXPORT):
        return []
    query = request.GET.copy()
    query.pop("after", None)
    urls = []
    for file_format in ("csv", "xlsx"):
        query["format"] = file_format
        urls.append((file_format.upper(), f"{reverse(url_name)}?{query.urlencode()}"))
    return urls


def export_response(request: HttpRequest, entity_type: str, queryset: Any) -> HttpResponse:
    """The file of the queryset's rows in the format asked for (?format=csv|xlsx, CSV by default)."""
    file_format = request.GET.get("format", "csv")
    return exports.export_response(request.user, entity_type, queryset, file_format)
