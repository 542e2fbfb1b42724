"""Interactions: calls, meetings, emails and notes on a counterparty's timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from potok.clients.lock_objects import interaction_for_update
from potok.clients.models import Contact, Counterparty, Interaction, InteractionKind
from potok.clients.services.common import creation_changes, diff, interaction_snapshot, record_change
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.models import EventKind

ENTITY = "interaction"
FIELDS = ("kind", "occurred_at", "subject", "description", "outcome", "users", "contacts")


def check_interaction(
    fields: Mapping[str, Any], *, counterparty: Counterparty, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationFailed({name: _("Unknown field.") for name in unknown})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "kind" in fields or current is None:
        kind = str(fields.get("kind") or "").strip()
        if kind not in InteractionKind.values:
            errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(InteractionKind.values)}
        cleaned["kind"] = kind
    if "occurred_at" in fields or current is None:
        occurred_at = fields.get("occurred_at") or (clock.now() if current is None else None)
        if isinstance(occurred_at, str):
            occurred_at = parse_datetime(occurred_at)
        if not isinstance(occurred_at, dt.datetime):
            errors["occurred_at"] = _("Enter the date and time.")
        elif occurred_at.tzinfo is None:
            errors["occurred_at"] = _("Give the time zone of the date and time.")
        cleaned["occurred_at"] = occurred_at
    if "subject" in fields or current is None:
        subject = str(fields.get("subject") or "").strip()
        if not subject:
            errors["subject"] = _("Enter the subject.")
        elif len(subject) > 300:
            errors["subject"] = _("At most %(limit)d characters.") % {"limit": 300}
        cleaned["subject"] = subject
    for field in ("description", "outcome"):
        if field in fields or current is None:
            cleaned[field] = str(fields.get(field) or "").strip()
    if len(cleaned.get("outcome", "")) > 500:
        errors["outcome"] = _("At most %(limit)d characters.") % {"limit": 500}
    if "users" in fields or current is None:
        users = list(fields.get("users") or [])
        if any(not getattr(user, "is_active", False) for user in users):
            errors["users"] = _("Only active staff can take part.")
        cleaned["users"] = users
    if "contacts" in fields or current is None:
        contacts = list(fields.get("contacts") or [])
        if any(
            not isinstance(contact, Contact)
            or contact.counterparty_id != counterparty.pk
            or contact.deleted_at
            for contact in contacts
        ):
            errors["contacts"] = _("Participants must be contacts of this counterparty.")
        cleaned["contacts"] = contacts
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@transaction.atomic
def interaction_create(
    *, actor: Any, counterparty: Counterparty | None, fields: Mapping[str, Any]
) -> Interaction:
    """A new interaction; besides its own `created` event the counterparty gets a `linked` event, so a
    start rule on the counterparty ("a VIP client was called") can react."""
    if counterparty is None or counterparty.deleted_at is not None:
        raise ValidationFailed({"counterparty": _("Choose the counterparty.")})
    cleaned = check_interaction(fields, counterparty=counterparty)
    users, contacts = cleaned.pop("users"), cleaned.pop("contacts")
    now = clock.now()
    interaction = Interaction.objects.create(
        counterparty=counterparty,
        author=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    interaction.users.set(users)
    interaction.contacts.set(contacts)
    snapshot = interaction_snapshot(interaction, users=users, contacts=contacts)
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=interaction.pk,
        kind=EventKind.CREATED,
        changes=creation_changes(snapshot),
        snapshot=snapshot,
    )
    _record_link(actor=actor, interaction=interaction, kind=EventKind.LINKED)
    return interaction


def _record_link(*, actor: Any, interaction: Interaction, kind: str) -> None:
    from potok.clients.services.common import counterparty_snapshot

    record_change(
        actor=actor,
        entity_type="counterparty",
        record_id=interaction.counterparty_id,
        kind=kind,
        changes={
            "interaction": (None, str(interaction)) if kind == EventKind.LINKED else (str(interaction), None)
        },
        snapshot=counterparty_snapshot(interaction.counterparty),
        related_entity_type=ENTITY,
        related_record_id=interaction.pk,
    )


def interactions_create_many(
    *, actor: Any, counterparty: Counterparty, rows: Sequence[Mapping[str, Any]]
) -> list[Interaction]:
    """Many interactions without participants (the demo seed and benchmarks), with their events."""
    now = clock.now()
    records = [
        Interaction(counterparty=counterparty, author=actor, created_at=now, updated_at=now, **row)
        for row in rows
    ]
    Interaction.objects.bulk_create(records, batch_size=500)
    for interaction in records:
        snapshot = interaction_snapshot(interaction, users=[], contacts=[])
        record_change(
            actor=actor,
            entity_type=ENTITY,
            record_id=interaction.pk,
            kind=EventKind.CREATED,
            changes=creation_changes(snapshot),
            snapshot=snapshot,
        )
    return records


def _locked(interaction: Interaction, expected_version: int | None) -> Interaction:
    try:
        locked = interaction_for_update(interaction.pk)
    except Interaction.DoesNotExist as error:
        raise NotFound(f"{ENTITY} {interaction.pk}") from error
    if locked.deleted_at is not None:
        raise NotFound(f"{ENTITY} {interaction.pk}")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("The interaction was changed by someone else (version %(current)d, you edited %(yours)d).")
            % {"current": locked.version, "yours": expected_version}
        )
    return locked


@transaction.atomic
def interaction_update(
    *, actor: Any, interaction: Interaction, expected_version: int | None, fields: Mapping[str, Any]
) -> Interaction:
    locked = _locked(interaction, expected_version)
    cleaned = check_interaction(fields, counterparty=locked.counterparty, current={"id": locked.pk})
    old_users, old_contacts = list(locked.users.all()), list(locked.contacts.all())
    before = interaction_snapshot(locked, users=old_users, contacts=old_contacts)
    users = cleaned.pop("users", old_users)
    contacts = cleaned.pop("contacts", old_contacts)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    after = interaction_snapshot(locked, users=users, contacts=contacts)
    changes = diff(before, after)
    if not changes:
        return locked
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save()
    locked.users.set(users)
    locked.contacts.set(contacts)
    after["version"] = locked.version
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=locked.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
    )
    return locked


@transaction.atomic
def interaction_delete(*, actor: Any, interaction: Interaction, expected_version: int | None = None) -> None:
    locked = _locked(interaction, expected_version)
    snapshot = interaction_snapshot(
        locked, users=list(locked.users.all()), contacts=list(locked.contacts.all())
    )
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
    _record_link(actor=actor, interaction=locked, kind=EventKind.UNLINKED)
    interaction.deleted_at = locked.deleted_at
