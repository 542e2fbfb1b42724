"""The shape of a document in domain events and process variables.

    {"id": 42, "document_type": "complaint", "number": "ПР-2026-00042", "status": "registered",
     "author": 7, "responsible": null, "department": 3, "created_at": "2026-03-02T09:15:00+00:00",
     "version": 1, "client": 118, "claimed_amount": "12500.00", "severity": "high", …}

Field values come as stored: text as text, numbers of money and decimal fields as strings ("12500.00"),
integers as numbers, dates as ISO strings, a choice as its value (a list for a multiple choice), a
reference as the id of the record, a file as {"id", "name", "size", "content_type"}.
"""

from __future__ import annotations

from typing import Any

from potok.documents.models import Document


def document_snapshot(document: Document) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "id": document.pk,
        "document_type": document.document_type.code,
        "number": document.number,
        "status": document.status,
        "author": document.author_id,
        "responsible": document.responsible_id,
        "department": document.department_id,
        "created_at": document.created_at,
        "version": document.version,
    }
    snapshot.update(document.data)
    return snapshot
