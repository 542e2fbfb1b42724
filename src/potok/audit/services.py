"""Writing audit events: one function, called by every service that changes state."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models

from potok.audit.models import AuditEvent, Origin
from potok.core import clock
from potok.core.bulk import insert_rows


def audit_value(value: Any) -> Any:
    """A JSON-safe form of a field value for the `changes` column."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "text": str(value)}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [audit_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): audit_value(item) for key, item in value.items()}
    return value


def audit_record(
    *,
    actor: Any,
    entity_type: str,
    record_id: Any,
    action: str,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    origin: str = Origin.SYSTEM,
    message: str = "",
) -> AuditEvent:
    """Write one audit row; `changes` maps a field to (old, new)."""
    values = audit_row(
        actor=actor,
        entity_type=entity_type,
        record_id=record_id,
        action=action,
        changes=changes,
        origin=origin,
        message=message,
    )
    # A plain INSERT (`insert_rows` converts the values as the ORM would): every process start, task and
    # record change writes one, and the ORM's per-call compilation cost more than the statement.
    (pk,) = insert_rows(AuditEvent, [values], returning_ids=True)
    event = AuditEvent(pk=pk, **values)
    event._state.adding = False
    event._state.db = DEFAULT_DB_ALIAS
    return event


def audit_row(
    *,
    actor: Any,
    entity_type: str,
    record_id: Any,
    action: str,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    origin: str = Origin.SYSTEM,
    message: str = "",
) -> dict[str, Any]:
    """The column values of the audit row `audit_record` writes, for a caller that writes it with others."""
    return {
        "occurred_at": clock.now(),
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "origin": origin,
        "entity_type": entity_type,
        "record_id": str(record_id),
        "action": action,
        "changes": {
            field: [audit_value(old), audit_value(new)] for field, (old, new) in (changes or {}).items()
        },
        "message": message[:500],
    }


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {key: (before.get(key), after.get(key)) for key in after if before.get(key) != after.get(key)}
