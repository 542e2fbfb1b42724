"""Contacts of counterparties: people, their phones and emails, and their consent under 152-ФЗ."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.clients import normalize
from potok.clients.lock_objects import contact_for_update
from potok.clients.models import Contact, Counterparty
from potok.clients.services.common import (
    contact_snapshot,
    creation_changes,
    diff,
    record_change,
    record_creations,
    save_new_with_uploads,
)
from potok.clients.validation import check_contact
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.models import EventKind
from potok.documents.custom_fields import (
    apply_custom_values,
    check_custom_values,
    without_uploads,
)

ENTITY = "contact"


def _derive(contact: Contact) -> None:
    contact.search_text = normalize.search_text(
        contact.full_name, contact.position, contact.phones, contact.emails
    )[:1000]


def _check_counterparty(counterparty: Counterparty | None) -> Counterparty:
    if counterparty is None or counterparty.deleted_at is not None:
        raise ValidationFailed({"counterparty": _("Choose the counterparty.")})
    return counterparty


def build_contact(*, counterparty: Counterparty, cleaned: Mapping[str, Any]) -> Contact:
    now = clock.now()
    contact = Contact(counterparty=counterparty, **cleaned, created_at=now, updated_at=now)
    _derive(contact)
    return contact


@transaction.atomic
def contact_create(*, actor: Any, counterparty: Counterparty | None, fields: Mapping[str, Any]) -> Contact:
    cleaned = check_contact(fields)
    custom = check_custom_values(ENTITY, cleaned["custom_fields"], actor=actor)
    cleaned["custom_fields"], uploads = without_uploads(custom)
    contact = build_contact(counterparty=_check_counterparty(counterparty), cleaned=cleaned)
    save_new_with_uploads(contact, actor=actor, entity_type=ENTITY, uploads=uploads)
    snapshot = contact_snapshot(contact)
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=contact.pk,
        kind=EventKind.CREATED,
        changes=creation_changes(snapshot),
        snapshot=snapshot,
    )
    return contact


def contacts_create_many(
    *, actor: Any, rows: Sequence[tuple[Counterparty, Mapping[str, Any]]]
) -> list[Contact]:
    """Many contacts from checked values (the importer), in the caller's transaction."""
    records = [build_contact(counterparty=counterparty, cleaned=cleaned) for counterparty, cleaned in rows]
    Contact.objects.bulk_create(records, batch_size=500)
    record_creations(
        actor=actor,
        entity_type=ENTITY,
        records=[(contact.pk, contact_snapshot(contact)) for contact in records],
    )
    return records


def _locked(contact: Contact, expected_version: int | None) -> Contact:
    try:
        locked = contact_for_update(contact.pk)
    except Contact.DoesNotExist as error:
        raise NotFound(f"{ENTITY} {contact.pk}") from error
    if locked.deleted_at is not None:
        raise NotFound(f"{ENTITY} {contact.pk}")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("The contact was changed by someone else (version %(current)d, you edited %(yours)d).")
            % {"current": locked.version, "yours": expected_version}
        )
    return locked


@transaction.atomic
def contact_update(
    *, actor: Any, contact: Contact, expected_version: int | None, fields: Mapping[str, Any]
) -> Contact:
    """Change the given fields; "counterparty" moves the contact to another (checked) counterparty."""
    locked = _locked(contact, expected_version)
    current = contact_snapshot(locked)
    fields = dict(fields)
    new_counterparty = fields.pop("counterparty", None)
    cleaned = check_contact(fields, current=current)
    if new_counterparty is not None:
        cleaned["counterparty"] = _check_counterparty(new_counterparty)
    if "custom_fields" in cleaned:
        # A PATCH of custom fields: the codes given change, the others keep their stored values.
        custom = check_custom_values(
            ENTITY, cleaned["custom_fields"], actor=actor, record_pk=locked.pk, stored=locked.custom_fields
        )
        cleaned["custom_fields"] = apply_custom_values(
            actor=actor, entity_code=ENTITY, record_id=locked.pk, stored=locked.custom_fields, cleaned=custom
        )
    return apply_contact_changes(actor=actor, contact=locked, cleaned=cleaned)


def apply_contact_changes(*, actor: Any, contact: Contact, cleaned: Mapping[str, Any]) -> Contact:
    before = contact_snapshot(contact)
    for field, value in cleaned.items():
        setattr(contact, field, value)
    after = contact_snapshot(contact)
    changes = diff(before, after)
    if not changes:
        return contact
    contact.version += 1
    contact.updated_at = clock.now()
    _derive(contact)
    contact.save()
    after["version"] = contact.version
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=contact.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact, expected_version: int | None = None) -> None:
    locked = _locked(contact, expected_version)
    snapshot = contact_snapshot(locked)
    locked.deleted_at = clock.now()
    locked.version += 1
    locked.save(update_fields=["deleted_at", "version"])
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=locked.pk,
        kind=EventKind.DELETED,
        changes={"deleted_at": (None, locked.deleted_at)},
        snapshot=snapshot,
    )
    contact.deleted_at = locked.deleted_at
