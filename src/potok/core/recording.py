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


def creation_changes(values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A new record's non-empty values as (None, value) pairs."""
    return {
        field: (None, value)
        for field, value in values.items()
        if value not in (None, "", [], {}) and field not in ("id", "version")
    }


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value changed, as (old, new); related records compare by id."""
    return {
        field: (before.get(field), value)
        for field, value in after.items()
        if _comparable(before.get(field)) != _comparable(value) and field != "version"
    }


def _comparable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value
