"""Row locks of the sales app, in one place: every write that checks a version locks the row first, so
two writers never both pass the check."""

from __future__ import annotations

from django.db.models import QuerySet

from potok.sales.models import Deal, DocumentCounter, Lead


def deal_for_update(pk: int) -> Deal | None:
    return (
        # Only the deal's own row is locked ("of self"): PostgreSQL refuses FOR UPDATE on the nullable side
        # of the outer joins that bring its stage, counterparty and people along.
        Deal.objects.select_for_update(of=("self",))
        .filter(pk=pk, deleted_at__isnull=True)
        .select_related("pipeline", "stage", "responsible", "department", "counterparty", "loss_reason")
        .first()
    )


def lead_for_update(pk: int) -> Lead | None:
    return Lead.objects.select_for_update().filter(pk=pk, deleted_at__isnull=True).first()


def counter_for_update(kind: str, year: int) -> QuerySet[DocumentCounter]:
    return DocumentCounter.objects.select_for_update().filter(kind=kind, year=year)
