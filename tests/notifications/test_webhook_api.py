"""The webhook API for administrators: endpoints, deliveries with attempts, re-sending dead letters."""

from __future__ import annotations

import pytest
from django.db import transaction

from potok.notifications import kinds
from potok.notifications.services import webhook_publish
from tests.notifications.conftest import run_worker, verify_with_reference_library, work

pytestmark = pytest.mark.django_db(transaction=True)


def test_endpoints_deliveries_and_dead_letters_through_the_api(
    api_as, receiver, frozen_clock, settings
) -> None:
    settings.POTOK_DELIVERY_RETRY_DELAYS = [5]
    admin = api_as("admin")
    created = admin.post(
        "/api/v1/webhook-endpoints",
        {"name": "1C", "url": receiver.url, "event_types": [kinds.TASK_OVERDUE]},
        content_type="application/json",
    )
    assert created.status_code == 201
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert "secret" not in admin.get("/api/v1/webhook-endpoints").json()[0]

    receiver.status = 500
    with transaction.atomic():
        webhook_publish(event_type=kinds.TASK_OVERDUE, data={"task": 1})
    for _ in range(3):
        work()
        frozen_clock.advance(seconds=10)

    dead = admin.get("/api/v1/deliveries", {"status": "dead"}).json()["items"]
    assert len(dead) == 1 and dead[0]["event_type"] == kinds.TASK_OVERDUE
    detail = admin.get(f"/api/v1/deliveries/{dead[0]['id']}").json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 500]
    assert (
        detail["attempt_log"][0]["duration_ms"] >= 0
        and "Service Unavailable" in detail["attempt_log"][0]["response_excerpt"]
    )

    receiver.status = 200
    resent = admin.post(f"/api/v1/deliveries/{dead[0]['id']}/resend")
    assert resent.json()["status"] == "pending"
    run_worker()
    assert verify_with_reference_library(endpoint["secret"], receiver.received[0])["data"] == {"task": 1}
    assert admin.post(f"/api/v1/deliveries/{dead[0]['id']}/resend").status_code == 409

    patched = admin.patch(
        f"/api/v1/webhook-endpoints/{endpoint['id']}", {"enabled": False}, content_type="application/json"
    )
    assert patched.json()["enabled"] is False
    bad = admin.post(
        "/api/v1/webhook-endpoints",
        {"name": "x", "url": "file:///etc/passwd", "event_types": ["nope"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"url", "event_types"} <= set(bad.json()["errors"])
    assert admin.delete(f"/api/v1/webhook-endpoints/{endpoint['id']}").status_code == 204


def test_webhooks_are_for_administrators(api_as) -> None:
    lawyer = api_as("lawyer")
    assert lawyer.get("/api/v1/webhook-endpoints").status_code == 403
    assert lawyer.get("/api/v1/deliveries").status_code == 403
    assert lawyer.post("/api/v1/deliveries/1/resend").status_code == 403
    kinds_listed = {k["code"] for k in lawyer.get("/api/v1/notification-kinds").json()}
    assert {kinds.TASK_ASSIGNED, kinds.PROCESS_INCIDENT} <= kinds_listed
