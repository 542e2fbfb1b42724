"""The outbox: one domain event per change, written with the change, delivered only after commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from potok.core import context
from potok.core.events import emit_domain_event, register_consumer
from potok.core.models import DomainEvent, EventKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered():
    from potok.core import events

    seen: list[list[int]] = []

    def consumer(ids: list[int]) -> None:
        seen.append(ids)

    register_consumer(consumer)
    yield seen
    events._consumers.remove(consumer)


def test_events_of_one_transaction_are_delivered_once_after_commit(delivered) -> None:
    with transaction.atomic():
        first = emit_domain_event(entity_type="user", record_id=1, kind=EventKind.CREATED)
        second = emit_domain_event(
            entity_type="user", record_id=1, kind=EventKind.UPDATED, changes={"email": ("a@x", "b@x")}
        )
        assert delivered == []

    assert delivered == [[first.pk, second.pk]]
    assert DomainEvent.objects.get(pk=second.pk).changes == {"email": ["a@x", "b@x"]}


def test_a_rolled_back_transaction_leaves_no_event_and_no_delivery(delivered) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        emit_domain_event(entity_type="user", record_id=1, kind=EventKind.CREATED)
        raise RuntimeError("the save failed")

    assert DomainEvent.objects.count() == 0
    assert delivered == []

    with transaction.atomic():
        kept = emit_domain_event(entity_type="user", record_id=2, kind=EventKind.CREATED)
    assert delivered == [[kept.pk]]


def test_outside_a_transaction_each_event_is_delivered_at_once(delivered) -> None:
    event = emit_domain_event(entity_type="user", record_id=3, kind=EventKind.DELETED)
    assert delivered == [[event.pk]]


def test_origin_actor_and_depth_come_from_the_acting_context(delivered) -> None:
    with context.acting(origin="import", depth=2), transaction.atomic():
        event = emit_domain_event(entity_type="user", record_id=4, kind=EventKind.CREATED)
    event.refresh_from_db()
    assert (event.origin, event.depth) == ("import", 2)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        emit_domain_event(entity_type="user", record_id=5, kind="exploded")


def test_a_bulk_of_events_writes_the_same_rows_and_is_delivered_once_after_commit(delivered) -> None:
    from potok.core.events import NewEvent, emit_domain_events

    with context.acting(origin="import", depth=1), transaction.atomic():
        single = emit_domain_event(
            entity_type="user", record_id=1, kind=EventKind.CREATED, changes={"email": (None, "a@x")}
        )
        ids = emit_domain_events(
            NewEvent(
                entity_type="user",
                record_id=record_id,
                kind=EventKind.CREATED,
                changes={"email": (None, "a@x")},
                snapshot={"email": "a@x", "tags": ("x",)},
            )
            for record_id in range(2, 1202)
        )
        assert delivered == []

    assert len(ids) == 1200 and ids == sorted(ids)
    assert delivered == [[single.pk, *ids]]
    rows = DomainEvent.objects.filter(pk__in=ids).order_by("pk")
    assert [row.record_id for row in rows] == list(range(2, 1202))
    first = rows[0]
    assert (first.kind, first.origin, first.depth, first.dispatched_at) == ("created", "import", 1, None)
    assert first.changes == DomainEvent.objects.get(pk=single.pk).changes == {"email": [None, "a@x"]}
    assert first.snapshot == {"email": "a@x", "tags": ["x"]}


def test_a_rolled_back_bulk_leaves_no_event_and_no_delivery(delivered) -> None:
    from potok.core.events import NewEvent, emit_domain_events

    with pytest.raises(RuntimeError), transaction.atomic():
        emit_domain_events(
            NewEvent(entity_type="user", record_id=n, kind=EventKind.CREATED) for n in range(50)
        )
        raise RuntimeError("the import failed")

    assert DomainEvent.objects.count() == 0
    assert delivered == []


def test_a_bulk_with_an_unknown_kind_writes_nothing(delivered) -> None:
    from potok.core.events import NewEvent, emit_domain_events

    with pytest.raises(ValueError, match="unknown event kind"):
        emit_domain_events(
            [
                NewEvent(entity_type="user", record_id=1, kind=EventKind.CREATED),
                NewEvent(entity_type="user", record_id=2, kind="exploded"),
            ]
        )
    assert DomainEvent.objects.count() == 0 and delivered == []
