"""Creating, changing and deleting counterparties, one at a time (forms, API) or many (the importer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.clients import normalize
from potok.clients.lock_objects import counterparties_for_update
from potok.clients.models import Counterparty, CounterpartyKey, KeyKind
from potok.clients.services.common import (
    counterparty_snapshot,
    creation_changes,
    diff,
    record_change,
    record_creations,
    save_new_with_uploads,
)
from potok.clients.validation import check_counterparty
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.models import EventKind
from potok.documents.custom_fields import (
    apply_custom_values,
    check_custom_values,
    without_uploads,
)

ENTITY = "counterparty"


def derive_columns(counterparty: Counterparty) -> None:
    """Fill the columns kept for searching and duplicates from the record's own values."""
    counterparty.name_normalized = normalize.normalize_name(counterparty.name)[:300]
    counterparty.search_text = normalize.search_text(
        counterparty.name_normalized,
        counterparty.name,
        counterparty.full_name,
        counterparty.inn,
        counterparty.ogrn,
        counterparty.phones,
        counterparty.emails,
    )[:2000]
    counterparty.tag_keys = normalize.tag_keys(counterparty.tags)[:1000]


def keys_of(counterparty: Counterparty) -> list[CounterpartyKey]:
    return [
        CounterpartyKey(counterparty=counterparty, kind=KeyKind.PHONE, value=p) for p in counterparty.phones
    ] + [CounterpartyKey(counterparty=counterparty, kind=KeyKind.EMAIL, value=e) for e in counterparty.emails]


def _sync_keys(counterparty: Counterparty) -> None:
    CounterpartyKey.objects.filter(counterparty=counterparty).delete()
    if counterparty.deleted_at is None:
        CounterpartyKey.objects.bulk_create(keys_of(counterparty))


def _check_people(cleaned: Mapping[str, Any]) -> None:
    responsible = cleaned.get("responsible")
    if responsible is not None and not responsible.is_active:
        raise ValidationFailed({"responsible": _("%(person)s is not active.") % {"person": responsible}})


def build_counterparty(*, actor: Any, cleaned: Mapping[str, Any]) -> Counterparty:
    """An unsaved counterparty from checked values (shared with the importer's bulk path)."""
    now = clock.now()
    counterparty = Counterparty(**cleaned, created_at=now, updated_at=now)
    if counterparty.department_id is None and counterparty.responsible is not None:
        # The object, not its id: the snapshot reads it, and the importer's users come with departments.
        counterparty.department = counterparty.responsible.department
    counterparty.created_by = actor if getattr(actor, "pk", None) else None
    derive_columns(counterparty)
    return counterparty


@transaction.atomic
def counterparty_create(*, actor: Any, fields: Mapping[str, Any]) -> Counterparty:
    """A new counterparty. Possible duplicates are not refused here: the adapters show them first
    (potok.clients.duplicates) and let the user decide."""
    cleaned = check_counterparty(fields)
    custom = check_custom_values(ENTITY, cleaned["custom_fields"], actor=actor)
    _check_people(cleaned)
    cleaned["custom_fields"], uploads = without_uploads(custom)
    counterparty = build_counterparty(actor=actor, cleaned=cleaned)
    save_new_with_uploads(counterparty, actor=actor, entity_type=ENTITY, uploads=uploads)
    CounterpartyKey.objects.bulk_create(keys_of(counterparty))
    snapshot = counterparty_snapshot(counterparty)
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=counterparty.pk,
        kind=EventKind.CREATED,
        changes=creation_changes(snapshot),
        snapshot=snapshot,
    )
    return counterparty


def counterparties_create_many(*, actor: Any, rows: Sequence[Mapping[str, Any]]) -> list[Counterparty]:
    """Many counterparties from values already checked by `check_counterparty` — the importer's path.

    Rows and keys go in with bulk inserts; each record still gets its audit row and its domain event, so
    start rules see an import exactly as they see a manual save. Runs in the caller's transaction."""
    records = [build_counterparty(actor=actor, cleaned=cleaned) for cleaned in rows]
    Counterparty.objects.bulk_create(records, batch_size=500)
    CounterpartyKey.objects.bulk_create(
        [key for record in records for key in keys_of(record)], batch_size=1000
    )
    record_creations(
        actor=actor,
        entity_type=ENTITY,
        records=[(counterparty.pk, counterparty_snapshot(counterparty)) for counterparty in records],
    )
    return records


def _locked(counterparty: Counterparty, expected_version: int | None) -> Counterparty:
    locked = counterparties_for_update(counterparty.pk).select_related("responsible", "department").first()
    if locked is None or locked.deleted_at is not None:
        raise NotFound(f"{ENTITY} {counterparty.pk}")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("The counterparty was changed by someone else (version %(current)d, you edited %(yours)d).")
            % {"current": locked.version, "yours": expected_version}
        )
    return locked


def _current_values(counterparty: Counterparty) -> dict[str, Any]:
    return {
        "kind": counterparty.kind,
        "inn": counterparty.inn,
        "kpp": counterparty.kpp,
        "ogrn": counterparty.ogrn,
    }


@transaction.atomic
def counterparty_update(
    *, actor: Any, counterparty: Counterparty, expected_version: int | None, fields: Mapping[str, Any]
) -> Counterparty:
    """Change the given fields. `expected_version` is the version the user read (None only for the
    importer, which holds its own lock); a different current version is a Conflict."""
    locked = _locked(counterparty, expected_version)
    cleaned = check_counterparty(fields, current=_current_values(locked))
    _check_people(cleaned)
    if "custom_fields" in cleaned:
        # A PATCH of custom fields: the codes given change, the others keep their stored values.
        custom = check_custom_values(
            ENTITY, cleaned["custom_fields"], actor=actor, record_pk=locked.pk, stored=locked.custom_fields
        )
        cleaned["custom_fields"] = apply_custom_values(
            actor=actor, entity_code=ENTITY, record_id=locked.pk, stored=locked.custom_fields, cleaned=custom
        )
    return apply_counterparty_changes(actor=actor, counterparty=locked, cleaned=cleaned)


def apply_counterparty_changes(
    *, actor: Any, counterparty: Counterparty, cleaned: Mapping[str, Any]
) -> Counterparty:
    """Write checked values to a locked counterparty; nothing (no version, no event) when nothing changed."""
    before = counterparty_snapshot(counterparty)
    for field, value in cleaned.items():
        setattr(counterparty, field, value)
    after = counterparty_snapshot(counterparty)
    changes = diff(before, after)
    if not changes:
        return counterparty
    counterparty.version += 1
    counterparty.updated_at = clock.now()
    derive_columns(counterparty)
    counterparty.save()
    if "phones" in changes or "emails" in changes:
        _sync_keys(counterparty)
    after["version"] = counterparty.version
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=counterparty.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
    )
    return counterparty


@transaction.atomic
def counterparty_delete(
    *, actor: Any, counterparty: Counterparty, expected_version: int | None = None
) -> None:
    """Delete softly: the row stays for the history and for documents that name it."""
    locked = _locked(counterparty, expected_version)
    snapshot = counterparty_snapshot(locked)
    locked.deleted_at = clock.now()
    locked.version += 1
    locked.save(update_fields=["deleted_at", "version"])
    CounterpartyKey.objects.filter(counterparty=locked).delete()
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=locked.pk,
        kind=EventKind.DELETED,
        changes={"deleted_at": (None, locked.deleted_at)},
        snapshot=snapshot,
    )
    counterparty.deleted_at = locked.deleted_at
    counterparty.version = locked.version
