"""What every write of the client base does after changing a row: one audit row and one domain event,
in the caller's transaction, with the origin (web, API, import…) taken from the acting context; and how a
new counterparty or contact is saved with the files of its custom fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from potok.audit.models import AuditEvent, Origin
from potok.audit.services import audit_value
from potok.clients.models import Contact, Counterparty, Interaction
from potok.core import clock, context
from potok.core.bulk import insert_rows
from potok.core.events import NewEvent, emit_domain_events
from potok.core.recording import creation_changes, diff, record_change
from potok.documents.custom_fields import apply_custom_values


def record_creations(*, actor: Any, entity_type: str, records: list[tuple[int, Mapping[str, Any]]]) -> None:
    """`record_change` for many new records at once (the importer's bulk path): the same audit rows as
    `audit_record` writes and the same domain event per record as `emit_domain_event` writes, each kind
    inserted with multi-row INSERTs (`insert_rows`, `emit_domain_events`) — the outbox contract stays exactly that of a single save:
    one event per record, delivered once after the commit, none if the transaction rolls back."""
    acting = context.current()
    actor = actor if actor is not None else acting.actor
    origin = acting.origin if acting.origin in Origin.values else Origin.SYSTEM
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    now = clock.now()
    rows = []
    events = []
    for record_id, snapshot in records:
        changes = creation_changes(snapshot)
        rows.append(
            {
                "occurred_at": now,
                "actor_id": actor_id,
                "origin": origin,
                "entity_type": entity_type,
                "record_id": str(record_id),
                "action": "created",
                "changes": {
                    field: [audit_value(old), audit_value(new)] for field, (old, new) in changes.items()
                },
                "message": "",
            }
        )
        events.append(
            NewEvent(
                entity_type=entity_type,
                record_id=record_id,
                kind="created",
                changes=changes,
                snapshot=snapshot,
                actor=actor,
            )
        )
    insert_rows(AuditEvent, rows)
    emit_domain_events(events)


def save_new_with_uploads(
    record: Counterparty | Contact, *, actor: Any, entity_type: str, uploads: Mapping[str, Any]
) -> None:
    """Save a new record, then store the files of its custom fields (`uploads`, the PendingUploads that
    `without_uploads` set aside: they are stored under the record's id, so only once it has one) and save
    the custom values again with them."""
    record.save()
    if uploads:
        record.custom_fields = apply_custom_values(
            actor=actor,
            entity_code=entity_type,
            record_id=record.pk,
            stored=record.custom_fields,
            cleaned=uploads,
        )
        record.save(update_fields=["custom_fields"])


def counterparty_snapshot(counterparty: Counterparty) -> dict[str, Any]:
    """The values start rules and the audit see; `is_vip` saves every rule from spelling out the test."""
    return {
        "id": counterparty.pk,
        "kind": counterparty.kind,
        "name": counterparty.name,
        "full_name": counterparty.full_name,
        "inn": counterparty.inn,
        "kpp": counterparty.kpp,
        "ogrn": counterparty.ogrn,
        "phones": list(counterparty.phones),
        "emails": list(counterparty.emails),
        "legal_address": counterparty.legal_address,
        "postal_address": counterparty.postal_address,
        "segment": counterparty.segment,
        "tags": list(counterparty.tags),
        "is_vip": is_vip(counterparty),
        "responsible": counterparty.responsible,
        "department": counterparty.department,
        "comment": counterparty.comment,
        "custom_fields": dict(counterparty.custom_fields),
        "version": counterparty.version,
    }


def is_vip(counterparty: Counterparty) -> bool:
    return counterparty.segment.upper() == "VIP" or any(tag.upper() == "VIP" for tag in counterparty.tags)


def contact_snapshot(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "counterparty": contact.counterparty_id,
        "last_name": contact.last_name,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "position": contact.position,
        "phones": list(contact.phones),
        "emails": list(contact.emails),
        "consent_given_on": contact.consent_given_on,
        "consent_purpose": contact.consent_purpose,
        "consent_source": contact.consent_source,
        "consent_withdrawn_on": contact.consent_withdrawn_on,
        "custom_fields": dict(contact.custom_fields),
        "version": contact.version,
    }


def interaction_snapshot(
    interaction: Interaction, *, users: list[Any], contacts: list[Any]
) -> dict[str, Any]:
    return {
        "id": interaction.pk,
        "counterparty": interaction.counterparty_id,
        "kind": interaction.kind,
        "occurred_at": interaction.occurred_at,
        "subject": interaction.subject,
        "description": interaction.description,
        "outcome": interaction.outcome,
        "author": interaction.author_id,
        "users": sorted(user.pk for user in users),
        "contacts": sorted(contact.pk for contact in contacts),
        "version": interaction.version,
    }


# The recording helpers live in potok.core.recording; they are re-exported for this app's services.
__all__ = [
    "contact_snapshot",
    "counterparty_snapshot",
    "creation_changes",
    "diff",
    "interaction_snapshot",
    "is_vip",
    "record_change",
    "record_creations",
    "save_new_with_uploads",
]
