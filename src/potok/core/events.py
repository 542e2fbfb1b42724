"""Writing domain events (the outbox) and telling who listens, inside the transaction or after its commit.

Every service that creates, changes or deletes an entity calls `emit_domain_event` inside its
transaction; a bulk writer (the importer) calls `emit_domain_events` once for many records, which writes
the same rows with multi-row INSERTs. Two kinds of listeners:
- writers (`register_writer`, automation's dispatch queue) are called with the new ids and each event's
  (entity type, kind) right after the rows are written, inside the writing transaction, so what they
  write commits or rolls back with the events; a writer must not fail the save for its own sake (only a
  broken transaction propagates);
- consumers (`register_consumer`) are called once after the commit with every id of the transaction; if
  the transaction rolls back, the rows and the callback are gone together.

Example:
    >>> emit_domain_event(entity_type="counterparty", record_id=c.pk, kind=EventKind.UPDATED,
    ...                   changes={"segment": ("regular", "VIP")}, snapshot=snapshot_of(c))
    >>> emit_domain_events([NewEvent(entity_type="counterparty", record_id=c.pk, kind=EventKind.CREATED,
    ...                              snapshot=snapshot_of(c)) for c in imported])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from potok.audit.services import audit_value
from potok.core import clock, context
from potok.core.bulk import insert_rows
from potok.core.models import DomainEvent, EventKind

Consumer = Callable[[list[int]], None]
# A writer hears the new ids and, in the same order, each event's (entity type, kind).
Writer = Callable[[list[int], list[tuple[str, str]]], None]
_consumers: list[Consumer] = []
_writers: list[Writer] = []


def register_writer(writer: Writer) -> None:
    """Call `writer(event_ids, kinds)` inside the transaction that wrote those events, right after each
    write (outside a transaction, after each autocommitted write); `kinds` holds each event's
    (entity type, kind)."""
    if writer not in _writers:
        _writers.append(writer)


def register_consumer(consumer: Consumer) -> None:
    """Call `consumer(event_ids)` after each commit that wrote domain events."""
    if consumer not in _consumers:
        _consumers.append(consumer)


@dataclass(frozen=True)
class NewEvent:
    """One event for `emit_domain_events`: the arguments `emit_domain_event` takes."""

    entity_type: str
    record_id: int
    kind: str
    changes: Mapping[str, tuple[Any, Any]] | None = None
    snapshot: Mapping[str, Any] | None = None
    related_entity_type: str = ""
    related_record_id: int | None = None
    actor: Any = None


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
    values = _values(
        NewEvent(
            entity_type=entity_type,
            record_id=record_id,
            kind=kind,
            changes=changes,
            snapshot=snapshot,
            related_entity_type=related_entity_type,
            related_record_id=related_record_id,
            actor=actor,
        ),
        acting=context.current(),
        occurred_at=clock.now(),
    )
    event = DomainEvent.objects.create(**values)
    _tell_writers([event.pk], [(event.entity_type, event.kind)])
    _notify_after_commit([event.pk])
    return event


def emit_domain_events(events: Iterable[NewEvent]) -> list[int]:
    """`emit_domain_event` for many events at once: the same rows, in order, written with multi-row
    INSERTs, and the same delivery — to the writers with these ids, inside the transaction, and to the
    consumers once, after the commit, with every id (none if it rolls back).
    One time for all of them: they belong to one transaction. Returns the new events' ids in order."""
    acting = context.current()
    now = clock.now()
    events = list(events)
    ids = insert_rows(
        DomainEvent, [_values(event, acting=acting, occurred_at=now) for event in events], returning_ids=True
    )
    if ids:
        _tell_writers(ids, [(event.entity_type, event.kind) for event in events])
        _notify_after_commit(ids)
    return ids


def _values(event: NewEvent, *, acting: context.Acting, occurred_at: Any) -> dict[str, Any]:
    """Every column of the event's outbox row (the bulk writer names them all)."""
    if event.kind not in EventKind.values:
        raise ValueError(f"unknown event kind {event.kind!r}")
    actor = event.actor if event.actor is not None else acting.actor
    return {
        "occurred_at": occurred_at,
        "entity_type": event.entity_type,
        "record_id": event.record_id,
        "kind": event.kind,
        "changes": {
            field: [audit_value(old), audit_value(new)] for field, (old, new) in (event.changes or {}).items()
        },
        "snapshot": {key: audit_value(value) for key, value in (event.snapshot or {}).items()},
        "related_entity_type": event.related_entity_type,
        "related_record_id": event.related_record_id,
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "origin": acting.origin,
        "depth": acting.depth,
        "dispatched_at": None,
    }


class _Batch:
    """The event ids of one transaction, delivered to the consumers by one on-commit callback."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def deliver(self) -> None:
        for consumer in list(_consumers):
            consumer(list(self.ids))


def _tell_writers(event_ids: list[int], kinds: list[tuple[str, str]]) -> None:
    for writer in list(_writers):
        writer(list(event_ids), list(kinds))


def _notify_after_commit(event_ids: list[int]) -> None:
    if not _consumers:
        return
    connection = transaction.get_connection()
    batch: _Batch | None = getattr(connection, "_potok_event_batch", None)
    # A batch whose callback was discarded (its transaction or savepoint rolled back) or already ran
    # cannot take more ids: start a new one.
    alive = batch is not None and any(entry[1] == batch.deliver for entry in connection.run_on_commit)
    if batch is None or not alive:
        batch = _Batch()
        batch.ids.extend(event_ids)
        connection._potok_event_batch = batch
        transaction.on_commit(batch.deliver)
    else:
        batch.ids.extend(event_ids)
