"""Merging a duplicate counterparty into the one that stays (the survivor)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.clients.hooks import MERGE_HOOKS
from potok.clients.lock_objects import counterparties_for_update
from potok.clients.models import Contact, Counterparty, CounterpartyKey, Interaction
from potok.clients.services.common import (
    contact_snapshot,
    counterparty_snapshot,
    diff,
    interaction_snapshot,
    record_change,
)
from potok.clients.services.counterparties import derive_columns, keys_of
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.models import EventKind

# Survivor fields that take the merged record's value when the survivor's own is empty.
FILLED_FROM_MERGED = ("full_name", "kpp", "ogrn", "legal_address", "postal_address", "segment", "comment")


@transaction.atomic
def counterparty_merge(
    *,
    actor: Any,
    survivor: Counterparty,
    merged: Counterparty,
    survivor_version: int | None = None,
    merged_version: int | None = None,
) -> Counterparty:
    """Move everything of `merged` to `survivor` and delete `merged` softly with `merged_into` set.

    The survivor keeps its values, takes the merged record's where its own are empty and the union of
    phones, emails and tags. Both records get an audit row and a domain event (the survivor `updated`,
    the merged one `deleted` with the survivor as related record); every moved contact and interaction
    gets its own `updated` event. MERGE_HOOKS move what other apps keep."""
    if survivor.pk == merged.pk:
        raise ValidationFailed({"merged": _("A counterparty cannot be merged into itself.")})
    locked = {row.pk: row for row in counterparties_for_update(survivor.pk, merged.pk)}
    keeper, gone = locked.get(survivor.pk), locked.get(merged.pk)
    if keeper is None or gone is None or keeper.deleted_at or gone.deleted_at:
        raise NotFound(_("One of the counterparties no longer exists."))
    for record, expected in ((keeper, survivor_version), (gone, merged_version)):
        if expected is not None and record.version != expected:
            raise Conflict(_("%(name)s was changed meanwhile; reload and try again.") % {"name": record.name})
    if keeper.inn and gone.inn and keeper.inn != gone.inn:
        raise ValidationFailed({"merged": _("Counterparties with different ИНН cannot be merged.")})

    now = clock.now()
    for contact in Contact.objects.filter(counterparty=gone, deleted_at__isnull=True):
        before = contact_snapshot(contact)
        contact.counterparty = keeper
        contact.version += 1
        contact.updated_at = now
        contact.save(update_fields=["counterparty", "version", "updated_at"])
        after = contact_snapshot(contact)
        record_change(
            actor=actor,
            entity_type="contact",
            record_id=contact.pk,
            kind=EventKind.UPDATED,
            changes=diff(before, after),
            snapshot=after,
            message=_("moved by a merge of counterparties"),
        )
    moved_interactions = list(Interaction.objects.filter(counterparty=gone, deleted_at__isnull=True))
    Interaction.objects.filter(pk__in=[i.pk for i in moved_interactions]).update(
        counterparty=keeper, updated_at=now
    )
    for interaction in moved_interactions:
        snapshot = interaction_snapshot(interaction, users=[], contacts=[])
        snapshot["counterparty"] = keeper.pk
        record_change(
            actor=actor,
            entity_type="interaction",
            record_id=interaction.pk,
            kind=EventKind.UPDATED,
            changes={"counterparty": (gone.pk, keeper.pk)},
            snapshot=snapshot,
            message=_("moved by a merge of counterparties"),
        )
    for hook in list(MERGE_HOOKS):
        hook(actor=actor, survivor=keeper, merged=gone)

    gone_snapshot = counterparty_snapshot(gone)
    gone.deleted_at = now
    gone.merged_into = keeper
    gone.version += 1
    gone.save(update_fields=["deleted_at", "merged_into", "version"])
    CounterpartyKey.objects.filter(counterparty=gone).delete()
    record_change(
        actor=actor,
        entity_type="counterparty",
        record_id=gone.pk,
        kind=EventKind.DELETED,
        changes={"merged_into": (None, keeper)},
        snapshot=gone_snapshot,
        related_entity_type="counterparty",
        related_record_id=keeper.pk,
        message=_("merged into %(name)s (#%(id)d)") % {"name": keeper.name, "id": keeper.pk},
    )

    before = counterparty_snapshot(keeper)
    for field in FILLED_FROM_MERGED:
        if not getattr(keeper, field) and getattr(gone, field):
            setattr(keeper, field, getattr(gone, field))
    keeper.phones = list(dict.fromkeys([*keeper.phones, *gone.phones]))
    keeper.emails = list(dict.fromkeys([*keeper.emails, *gone.emails]))
    keeper.tags = list(dict.fromkeys([*keeper.tags, *gone.tags]))
    if keeper.responsible_id is None and gone.responsible_id is not None:
        keeper.responsible_id, keeper.department_id = gone.responsible_id, gone.department_id
    keeper.version += 1
    keeper.updated_at = now
    derive_columns(keeper)
    keeper.save()
    CounterpartyKey.objects.filter(counterparty=keeper).delete()
    CounterpartyKey.objects.bulk_create(keys_of(keeper))
    after = counterparty_snapshot(keeper)
    changes = diff(before, after)
    changes["merged_from"] = (None, gone)
    record_change(
        actor=actor,
        entity_type="counterparty",
        record_id=keeper.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
        related_entity_type="counterparty",
        related_record_id=gone.pk,
        message=_("%(name)s (#%(id)d) merged into this counterparty") % {"name": gone.name, "id": gone.pk},
    )
    return keeper
