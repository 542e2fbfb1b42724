"""Outgoing webhooks: Standard Webhooks signatures, retries with backoff, order per endpoint, dead letters,
a worker that dies half way."""

from __future__ import annotations

import pytest
from django.db import transaction

from potok.notifications import kinds, lock_objects
from potok.notifications.models import Delivery, DeliveryStatus, Notification
from potok.notifications.services import notify, webhook_publish
from potok.notifications.services.administration import (
    delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from potok.notifications.services.sweeping import sweep
from potok.notifications.signing import signature
from tests.notifications.conftest import run_worker, verify_with_reference_library, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(demo_company, receiver, frozen_clock):  # type: ignore[no-untyped-def]
    return webhook_endpoint_create(actor=None, name="1C", url=receiver.url, event_types=["*"])


def escalate(person, number: int) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        notify(
            recipients=[person("service_head")],
            kind=kinds.TASK_ESCALATED,
            title=f"Просрочена задача {number}",
            data={"number": number},
        )


def test_signatures_verify_with_the_reference_library(endpoint, receiver, person) -> None:
    escalate(person, 1)
    run_worker()

    item = receiver.received[0]
    assert endpoint.secret.startswith("whsec_")
    assert verify_with_reference_library(endpoint.secret, item)["data"]["data"] == {"number": 1}
    assert item.headers["webhook-signature"] == signature(
        secret=endpoint.secret,
        message_id=item.headers["webhook-id"],
        timestamp=int(item.headers["webhook-timestamp"]),
        body=item.body,
    )
    assert item.headers["content-type"] == "application/json"


def test_an_endpoint_down_for_an_hour_gets_every_event_afterwards_in_order(
    endpoint, receiver, person, frozen_clock
) -> None:
    # Given the endpoint answers 503 for an hour
    receiver.status = 503
    made_at = []
    for minute in range(0, 61):
        if minute % 10 == 0:
            escalate(person, minute)
            made_at.append(minute)
        work()
        frozen_clock.advance(minutes=1)

    assert receiver.received == []
    head = Delivery.objects.filter(channel="webhook").order_by("id").first()
    assert head.status == DeliveryStatus.FAILED
    # attempts at 0 s, 5 s, 35 s, 2 min 35 s, 12 min 35 s, 42 min 35 s (the sweeper runs each minute)
    assert head.attempt_log.count() == 6
    assert head.attempt_log.filter(succeeded=False, status_code=503).count() == 6
    assert "maintenance" in head.attempt_log.last().response_excerpt
    # later events wait in line without being tried
    assert all(d.attempts == 0 for d in Delivery.objects.filter(channel="webhook").order_by("id")[1:])

    # When it comes back
    receiver.status = 200
    for _ in range(60):
        work()
        frozen_clock.advance(minutes=1)

    # Then it has every event once, in the order they were made
    assert [item.json["data"]["data"]["number"] for item in receiver.received] == made_at
    assert len(set(receiver.message_ids)) == len(made_at)
    assert set(Delivery.objects.filter(channel="webhook").values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
    for item in receiver.received:
        verify_with_reference_library(endpoint.secret, item)
    # the first one went on the attempt after the 1 h delay: 1 h 42 min 35 s after it was made
    assert receiver.received[0].at - head.created_at <= frozen_clock.now - head.created_at


def test_retries_run_out_into_the_dead_letter_list_and_can_be_resent(
    endpoint, receiver, person, frozen_clock, settings
) -> None:
    settings.POTOK_DELIVERY_RETRY_DELAYS = [5, 30, 120]
    receiver.status = 503
    escalate(person, 1)
    escalate(person, 2)
    for _ in range(12):
        work()
        frozen_clock.advance(seconds=30)

    first, second = Delivery.objects.filter(channel="webhook").order_by("id")
    assert first.status == DeliveryStatus.DEAD and first.attempts == 4
    # the second waited its turn; once the first was given up it got its own schedule
    assert second.status in (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
    for _ in range(12):
        work()
        frozen_clock.advance(seconds=30)
    second.refresh_from_db()
    assert second.status == DeliveryStatus.DEAD
    # administrators learn it under the bell
    assert Notification.objects.filter(kind=kinds.DELIVERY_FAILED, recipient__username="admin").exists()

    # When the endpoint is fixed and an administrator re-sends the dead letters
    receiver.status = 200
    with transaction.atomic():
        delivery_resend(actor=person("admin"), delivery=second)
        delivery_resend(actor=person("admin"), delivery=first)
    run_worker()

    # Then both arrive, oldest first, with their original webhook-id
    assert receiver.message_ids == [first.message.message_id, second.message.message_id]
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SENT and first.attempt_log.count() == 5


def test_a_worker_that_dies_while_sending_is_replaced_after_its_lease(
    endpoint, receiver, person, frozen_clock
) -> None:
    escalate(person, 1)
    # a worker claims the delivery and dies before recording anything
    claimed = lock_objects.claim_endpoint_head(endpoint.pk, frozen_clock.now)
    assert claimed is not None and claimed.status == DeliveryStatus.SENDING
    # nobody else may take it while the lease runs
    run_worker()
    assert receiver.received == []
    assert sweep().recovered == 0

    frozen_clock.advance(minutes=3)
    assert sweep().recovered == 1
    frozen_clock.advance(seconds=10)
    work()

    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.SENT
    log = list(claimed.attempt_log.order_by("number"))
    assert [(a.number, a.succeeded) for a in log] == [(1, False), (2, True)]
    assert "worker stopped" in log[0].error or "обработчик остановился" in log[0].error
    assert len(receiver.received) == 1


def test_a_disabled_endpoint_keeps_its_messages_until_enabled(
    endpoint, receiver, person, frozen_clock
) -> None:
    webhook_endpoint_update(actor=None, endpoint=endpoint, enabled=False)
    with transaction.atomic():
        assert webhook_publish(event_type=kinds.TASK_OVERDUE, data={"task": 1}) is None
    assert not Delivery.objects.exists()

    webhook_endpoint_update(actor=None, endpoint=endpoint, enabled=True, event_types=[kinds.TASK_OVERDUE])
    with transaction.atomic():
        message = webhook_publish(event_type=kinds.TASK_OVERDUE, data={"task": 2})
        assert webhook_publish(event_type=kinds.TASK_ASSIGNED, data={"task": 3}) is None
    run_worker()
    assert receiver.message_ids == [message.message_id]


def test_redirects_to_another_host_are_not_followed(endpoint, receiver, person, frozen_clock) -> None:
    receiver.redirect_to = "http://example.org/steal"
    escalate(person, 1)
    run_worker()

    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == DeliveryStatus.FAILED
    assert "not followed" in delivery.attempt_log.get().error


def test_only_http_and_https_endpoints(demo_company) -> None:
    from potok.core.errors import ValidationFailed

    for url in ("file:///etc/passwd", "ftp://example.org/", "gopher://x", "http://user:pw@example.org/"):
        with pytest.raises(ValidationFailed) as error:
            webhook_endpoint_create(actor=None, name="x", url=url, event_types=["*"])
        assert "url" in error.value.errors
