"""Notifications are written with the caller's change and sent only after it commits, by the worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from potok.notifications import kinds
from potok.notifications.models import Delivery, DeliveryStatus, Notification, WebhookMessage
from potok.notifications.services import notify
from potok.notifications.services.administration import webhook_endpoint_create
from tests.notifications.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(demo_company, receiver):  # type: ignore[no-untyped-def]
    return webhook_endpoint_create(
        actor=None, name="1C", url=receiver.url, event_types=[kinds.TASK_ASSIGNED, kinds.TASK_ESCALATED]
    )


def test_a_rolled_back_transaction_sends_nothing_and_leaves_no_rows(person, endpoint, receiver) -> None:
    # Given a change that notifies somebody and then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[person("investigator1")], kind=kinds.TASK_ASSIGNED, title="Провести расследование")
        raise RuntimeError("the task could not be saved")

    # When the worker runs
    run_worker()

    # Then nothing was written, queued or sent
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert WebhookMessage.objects.count() == 0
    assert (
        not DBTaskResult.objects.filter(task_path__startswith="potok.notifications")
        .exclude(task_path__endswith="sweep_deliveries")
        .exists()
    )
    assert mail.outbox == [] and receiver.received == []


def test_rows_are_written_in_the_transaction_and_sent_by_the_worker_after_commit(
    person, endpoint, receiver
) -> None:
    investigator = person("investigator1")
    with transaction.atomic():
        made = notify(
            recipients=[investigator, investigator, person("lawyer")],
            kind=kinds.TASK_ASSIGNED,
            title="Провести расследование",
            body="Претензия №12",
            link="/tasks/12/",
            data={"task": 12},
        )
        # inside the transaction: rows, no sending task yet (other apps' tasks from the demo may exist)
        assert len(made) == 2
        assert Delivery.objects.filter(channel="email").count() == 2
        assert Delivery.objects.filter(channel="webhook").count() == 1
        assert not DBTaskResult.objects.filter(
            task_path__startswith="potok.notifications.tasks.send"
        ).exists()

    # after commit: queued, still nothing sent
    queued = DBTaskResult.objects.filter(task_path="potok.notifications.tasks.send_emails")
    assert sorted(id_ for task in queued for id_ in task.args_kwargs["args"][0]) == sorted(
        Delivery.objects.filter(channel="email").values_list("pk", flat=True)
    )
    assert mail.outbox == [] and receiver.received == []

    run_worker()

    assert sorted(message.to[0] for message in mail.outbox) == [
        "investigator1@severny-veter.example",
        "lawyer@severny-veter.example",
    ]
    assert "Претензия №12" in mail.outbox[0].body
    assert len(receiver.received) == 1
    body = receiver.received[0].json
    assert body["type"] == "task.assigned"
    assert body["data"]["data"] == {"task": 12}
    assert {r["username"] for r in body["data"]["recipients"]} == {"investigator1", "lawyer"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(d.attempt_log.count() == 1 for d in Delivery.objects.all())


def test_an_unknown_kind_is_a_programming_error(person) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(recipients=[person("lawyer")], kind="task.exploded", title="?")


def test_a_request_that_notifies_returns_before_anything_is_sent(client_as, endpoint, receiver) -> None:
    # The administrator sends a test event from the endpoint's page
    response = client_as("admin").post(f"/settings/webhooks/{endpoint.pk}/test/")

    assert response.status_code == 302
    assert receiver.received == []
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    run_worker()

    assert receiver.received[0].json["type"] == "webhook.test"
