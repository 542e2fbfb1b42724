"""Two workers claiming the same webhook delivery at the same moment on PostgreSQL: the one that waited for
the other's row lock sees the delivery taken and claims nothing (found by the scale-out harness, where
webhooks went out twice with no fault at all)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from potok.core import clock
from potok.notifications import kinds, lock_objects
from potok.notifications.models import Delivery, DeliveryAttempt
from potok.notifications.services import webhook_publish
from potok.notifications.services.administration import webhook_endpoint_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks need PostgreSQL"
    ),
]


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


def test_the_worker_that_waited_for_the_others_claim_does_not_claim_the_delivery_again() -> None:
    # given one webhook delivery due now
    endpoint = webhook_endpoint_create(actor=None, name="e", url="http://127.0.0.1:9/hook", event_types=["*"])
    webhook_publish(event_type=kinds.TEST_EVENT, data={"number": 1})
    now = clock.now()
    claims: dict[str, Any] = {}
    first_holds, release = threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                claims["first"] = lock_objects.claim_endpoint_head(endpoint.pk, now)
                first_holds.set()
                release.wait(timeout=120)
        finally:
            connection.close()

    def second() -> None:
        try:
            claims["second"] = lock_objects.claim_endpoint_head(endpoint.pk, now)
        finally:
            connection.close()

    # when one worker has claimed it (not yet committed) and another tries while it holds the row
    one = threading.Thread(target=first)
    one.start()
    assert first_holds.wait(timeout=120)
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + 120
    while not _someone_waits_for_a_lock() and two.is_alive():
        assert time.monotonic() < deadline, "the second claim never waited for the first"
        time.sleep(0.05)
    release.set()
    one.join(timeout=120)
    two.join(timeout=120)
    # then only the first has it: one attempt, made once
    assert claims["first"] is not None
    assert claims["second"] is None
    assert Delivery.objects.get().attempts == 1
    assert DeliveryAttempt.objects.count() == 1
