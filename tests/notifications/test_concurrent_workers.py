"""Two workers, each sweeping and sending at the same time, on PostgreSQL: every attempt happens exactly
once, and each endpoint still gets its messages in order."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction

from potok.notifications import kinds
from potok.notifications.models import Delivery, DeliveryAttempt, DeliveryStatus
from potok.notifications.services import notify, webhook_publish
from potok.notifications.services.administration import webhook_endpoint_create
from tests.notifications.conftest import work

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks need PostgreSQL"
    ),
]


def in_two_workers(rounds: int) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            work(sweeps=rounds)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_two_sweepers_attempt_each_delivery_once_per_attempt(
    demo_company, person, receiver, frozen_clock
) -> None:
    endpoints = [
        webhook_endpoint_create(
            actor=None, name=f"e{n}", url=f"{receiver.url}?endpoint={n}", event_types=["*"]
        )
        for n in range(3)
    ]
    people = [person(name) for name in ("investigator1", "investigator2", "lawyer", "director", "sales1")]
    with transaction.atomic():
        for number in range(10):
            webhook_publish(event_type=kinds.TEST_EVENT, data={"number": number})
        notify(recipients=people, kind=kinds.TASK_ASSIGNED, title="Задача")
    Delivery.objects.update(
        enqueued_at=None
    )  # as if the worker had lost the queued tasks: sweepers find them

    # Phase 1: the endpoints fail; only the head of each endpoint's line is tried, once
    receiver.status = 503
    in_two_workers(rounds=3)
    assert Counter(item.path for item in receiver.refused) == Counter(
        f"/hooks/potok?endpoint={n}" for n in range(3)
    )
    assert len(mail.outbox) == len(people)

    # Phase 2: they come back; everything arrives once, in order per endpoint
    frozen_clock.advance(seconds=10)
    receiver.status = 200
    in_two_workers(rounds=6)

    for n, _endpoint in enumerate(endpoints):
        got = [item.json for item in receiver.received if item.path.endswith(f"={n}")]
        # ten test events in order, then the task notification made after them
        assert [body["data"].get("number") for body in got] == [*range(10), None]
        assert got[-1]["type"] == "task.assigned"
    webhook_deliveries = Delivery.objects.filter(channel="webhook")
    assert set(webhook_deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert (
        len(receiver.received) + len(receiver.refused)
        == DeliveryAttempt.objects.filter(delivery__channel="webhook").count()
    )
    assert len(mail.outbox) == len(people)
    assert DeliveryAttempt.objects.filter(delivery__channel="email").count() == len(people)
