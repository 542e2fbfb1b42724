"""The writers of the documents app: one module per use case, re-exported here.

Example:
    >>> complaint = document_create(actor=reception, document_type=complaints,
    ...                             values={"client": 118, "subject": "Разбита витрина", "severity": "high"})
    >>> document_set_status(actor=service_head, document=complaint, status="in_work")
"""

from potok.documents.services.documents import (
    document_create,
    document_delete,
    document_set_status,
    document_update,
    number_take,
)
from potok.documents.services.fields import (
    field_create,
    field_move,
    field_set_archived,
    field_update,
    fields_reorder,
)
from potok.documents.services.types import (
    document_status_create,
    document_status_delete,
    document_status_update,
    document_statuses_reorder,
    document_type_create,
    document_type_set_archived,
    document_type_update,
)

__all__ = [
    "document_create",
    "document_delete",
    "document_set_status",
    "document_status_create",
    "document_status_delete",
    "document_status_update",
    "document_statuses_reorder",
    "document_type_create",
    "document_type_set_archived",
    "document_type_update",
    "document_update",
    "field_create",
    "field_move",
    "field_set_archived",
    "field_update",
    "fields_reorder",
    "number_take",
]
