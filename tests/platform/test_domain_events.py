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
