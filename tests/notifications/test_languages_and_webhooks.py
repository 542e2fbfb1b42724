"""People read a notification in their own language; a webhook endpoint gets one message per event, not one
per language its recipients happen to speak."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext as _

from potok.accounts.models import User
from potok.notifications.models import Notification, WebhookEndpoint, WebhookMessage
from potok.notifications.services.notify import notify_in_their_languages

pytestmark = pytest.mark.django_db


def test_each_person_reads_his_language_and_the_endpoint_gets_one_message() -> None:
    ivan = User.objects.create(username="ivan", language="ru")
    john = User.objects.create(username="john", language="en")
    endpoint = WebhookEndpoint.objects.create(
        name="ERP", url="https://erp.example.ru/hook", secret="s" * 32, event_types=["process.incident"]
    )

    notify_in_their_languages(
        recipients=[ivan, john],
        kind="process.incident",
        title=lambda: _("Task «%(name)s» could not be addressed") % {"name": "X"},
        link="/processes/instances/1/",
        data={"instance_id": "1"},
    )

    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {"ivan": "Задачу «X» не удалось адресовать", "john": "Task «X» could not be addressed"}
    messages = WebhookMessage.objects.filter(deliveries__endpoint=endpoint)
    assert messages.count() == 1
    body = messages.get().body
    assert '"username":"ivan"' in body and '"username":"john"' in body


def test_nobody_to_tell_sends_nothing() -> None:
    WebhookEndpoint.objects.create(
        name="ERP", url="https://erp.example.ru/hook", secret="s" * 32, event_types=["*"]
    )
    assert notify_in_their_languages(recipients=[], kind="process.incident", title=lambda: "x") == []
    assert not WebhookMessage.objects.exists()
