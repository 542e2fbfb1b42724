"""Writing domain events (the outbox) and telling consumers after commit.

Every service that creates, changes or deletes an entity calls `emit_domain_event` inside its
transaction. Consumers (automation) register a callback that runs after the commit with the event ids;
if the transaction rolls back, the rows and the callback are gone together.

Example:
    >>> emit_domain_event(entity_type="counterparty", record_id=c.pk, kind=EventKind.UPDATED,
    ...                   changes={"segment": ("regular", "VIP")}, snapshot=snapshot_of(c))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from potok.audit.services import audit_value
from potok.core import clock, context
from potok.core.models import DomainEvent, EventKind

Consumer = Callable[[list[int]], None]
_consumers: list[Consumer] = []


def register_consumer(consumer: Consumer) -> None:
    """Call `consumer(event_ids)` after each commit that wrote domain events."""
    if consumer not in _consumers:
        _consumers.append(consumer)


def emit_domain_event(
    *,
    entity_type: str,
    record_id: int,
    kind: str,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    snapshot: Mapping[str, Any] | None = None,
    related_entity_type: str = "",
    related_record_id: int | None = None,
    actor: Any = None,
) -> DomainEvent:
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    acting = context.current()
    actor = actor if actor is not None else acting.actor
    event = DomainEvent.objects.create(
        occurred_at=clock.now(),
        entity_type=entity_type,
        record_id=record_id,
        kind=kind,
        changes={
            field: [audit_value(old), audit_value(new)] for field, (old, new) in (changes or {}).items()
        },
        snapshot={key: audit_value(value) for key, value in (snapshot or {}).items()},
        related_entity_type=related_entity_type,
        related_record_id=related_record_id,
        actor=actor if getattr(actor, "pk", None) else None,
        origin=acting.origin,
        depth=acting.depth,
    )
    _notify_after_commit(event.pk)
    return event


class _Batch:
    """The event ids of one transaction, delivered to the consumers by one on-commit callback."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def deliver(self) -> None:
        for consumer in list(_consumers):
            consumer(list(self.ids))


def _notify_after_commit(event_id: int) -> None:
    if not _consumers:
        return
    connection = transaction.get_connection()
    batch: _Batch | None = getattr(connection, "_potok_event_batch", None)
    # A batch whose callback was discarded (its transaction or savepoint rolled back) or already ran
    # cannot take more ids: start a new one.
    alive = batch is not None and any(entry[1] == batch.deliver for entry in connection.run_on_commit)
    if batch is None or not alive:
        batch = _Batch()
        batch.ids.append(event_id)
        connection._potok_event_batch = batch
        transaction.on_commit(batch.deliver)
    else:
        batch.ids.append(event_id)
