"""What every write does after changing a row: one audit row and one domain event, in the caller's
transaction, with the origin (web, API, import…) taken from the acting context; and the small helpers that
turn a record's values into the changes they record.

Example:
    >>> record_change(actor=user, entity_type="deal", record_id=deal.pk, kind="updated",
    ...               changes=diff(before, after), snapshot=deal_snapshot(deal))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from potok.audit.models import Origin
from potok.audit.services import audit_record
from potok.core import context
from potok.core.events import emit_domain_event


def record_change(
    *,
    actor: Any,
    entity_type: str,
    record_id: int,
    kind: str,
    changes: Mapping[str, tuple[Any, Any]],
    snapshot: Mapping[str, Any],
    related_entity_type: str = "",
    related_record_id: int | None = None,
    message: str = "",
) -> None:
    acting = context.current()
    actor = actor if actor is not None else acting.actor
    origin = acting.origin if acting.origin in Origin.values else Origin.SYSTEM
    audit_record(
        actor=actor,
        entity_type=entity_type,
        record_id=record_id,
        action=kind,
        changes=changes,
        origin=origin,
        message=message,
    )
    emit_domain_event(
        entity_type=entity_type,
        record_id=record_id,
        kind=kind,
        changes=changes,
        snapshot=snapshot,
        related_entity_type=related_entity_type,
        related_record_id=related_record_id,
        actor=actor,
    )


# A record's custom values (field code → value): a change names each field as "custom_fields.<code>", so
# the history, start rules and confidentiality see which custom field changed, not the whole object.
CUSTOM_FIELDS = "custom_fields"


def creation_changes(values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A new record's non-empty values as (None, value) pairs."""
    changes = {
        field: (None, value)
        for field, value in values.items()
        if value not in (None, "", [], {}) and field not in ("id", "version", CUSTOM_FIELDS)
    }
    changes.update(_custom_changes({}, values.get(CUSTOM_FIELDS)))
    return changes


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value changed, as (old, new); related records compare by id; custom values by
    field ("custom_fields.<code>")."""
    changes = {
        field: (before.get(field), value)
        for field, value in after.items()
        if _comparable(before.get(field)) != _comparable(value) and field not in ("version", CUSTOM_FIELDS)
    }
    if CUSTOM_FIELDS in after:
        changes.update(_custom_changes(before.get(CUSTOM_FIELDS), after[CUSTOM_FIELDS]))
    return changes


def _custom_changes(before: Any, after: Any) -> dict[str, tuple[Any, Any]]:
    before, after = before or {}, after or {}
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return {CUSTOM_FIELDS: (before, after)} if before != after else {}
    return {
        f"{CUSTOM_FIELDS}.{code}": (before.get(code), after.get(code))
        for code in sorted(set(before) | set(after))
        if _empty(before.get(code)) != _empty(after.get(code))
    }


def _empty(value: Any) -> Any:
    return None if value in ("", []) else value


def _comparable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value
