"""Row locks of the client base, in one place (saleor's lock_objects): every write that checks a version
or moves rows between counterparties locks the rows first, so two writers never both pass the check."""

from __future__ import annotations

from django.db.models import QuerySet

from potok.clients.models import Contact, Counterparty, Interaction


def counterparties_for_update(*ids: int) -> QuerySet[Counterparty]:
    # Locked in id order, so two merges of the same pair cannot deadlock.
    return Counterparty.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")


def contact_for_update(pk: int) -> Contact:
    return Contact.objects.select_for_update(of=("self",)).get(pk=pk)


def interaction_for_update(pk: int) -> Interaction:
    return Interaction.objects.select_for_update(of=("self",)).get(pk=pk)
