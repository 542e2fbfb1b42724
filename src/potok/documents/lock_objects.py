"""The row locks of the documents app, in one place (as saleor's lock_objects.py)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from potok.documents.models import Document, DocumentType, NumberCounter


def counter_for_update(document_type: DocumentType, year: int) -> NumberCounter:
    """The number counter of the type and year, locked until the transaction ends; made when missing.

    Two first documents of a year may race to make the counter: the loser's insert fails on the unique
    constraint once the winner commits, and it then locks the winner's row.
    """
    for _attempt in range(3):
        counter = (
            NumberCounter.objects.select_for_update().filter(document_type=document_type, year=year).first()
        )
        if counter is not None:
            return counter
        try:
            with transaction.atomic():
                return NumberCounter.objects.create(document_type=document_type, year=year, last_value=0)
        except IntegrityError:
            continue
    raise RuntimeError(f"could not lock the number counter of {document_type.code} {year}")


def document_for_update(document: Document) -> Document:
    """The document read again under a row lock, so a concurrent save waits and then sees our version."""
    return Document.objects.select_for_update().select_related("document_type").get(pk=document.pk)
