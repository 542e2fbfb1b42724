"""The bell, the list, read and unread, in the web interface and through the API; preferences honoured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from potok.notifications import kinds
from potok.notifications.models import Delivery, DeliveryStatus, EmailMode, Notification
from potok.notifications.services import notify
from potok.notifications.services.inbox import notification_preference_set
from tests.notifications.conftest import run_worker, work

pytestmark = pytest.mark.django_db(transaction=True)


def tell(person, username: str, *titles: str, kind: str = kinds.TASK_ASSIGNED) -> list[Notification]:  # type: ignore[no-untyped-def]
    made = []
    for title in titles:
        with transaction.atomic():
            made += notify(recipients=[person(username)], kind=kind, title=title, link="/tasks/7/")
    return made


def test_the_bell_counts_unread_and_the_list_marks_read(client_as, person) -> None:
    first, second, third = tell(person, "investigator1", "Задача 1", "Задача 2", "Задача 3")
    tell(person, "lawyer", "Чужая задача")
    client = client_as("investigator1")

    page = client.get("/").content.decode()
    assert 'hx-get="/notifications/bell/"' in page
    bell = client.get("/notifications/bell/").content.decode()
    assert 'data-testid="unread-count">3<' in bell
    assert "Задача 3" in bell and "Чужая задача" not in bell

    # one is read from the list (htmx)
    answer = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and answer["HX-Trigger"] == "notifications-changed"
    assert 'data-testid="unread-count">2<' in client.get("/notifications/bell/").content.decode()

    # opening one follows its link and marks it read
    opened = client.get(f"/notifications/{second.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/tasks/7/"

    unread_page = client.get("/notifications/", {"show": "unread"}).content.decode()
    assert "Задача 3" in unread_page and "Задача 1" not in unread_page

    client.post("/notifications/read-all/")
    assert "unread-count" not in client.get("/notifications/bell/").content.decode()
    assert Notification.objects.filter(recipient=person("investigator1"), read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=person("lawyer"), read_at__isnull=True).count() == 1
    # somebody else's notification does not exist for her
    other = Notification.objects.get(recipient=person("lawyer"))
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert third.pk


def test_an_open_link_never_leaves_the_site(client_as, person) -> None:
    with transaction.atomic():
        (evil,) = notify(
            recipients=[person("lawyer")], kind=kinds.MENTION, title="x", link="https://evil.example/"
        )
    assert client_as("lawyer").get(f"/notifications/{evil.pk}/open/")["Location"] == "/notifications/"


def test_the_api_lists_counts_and_marks_mine(api_as, person) -> None:
    first, second = tell(person, "investigator1", "Задача 1", "Задача 2")
    tell(person, "lawyer", "Чужая задача")
    api = api_as("investigator1")

    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    listed = api.get("/api/v1/notifications", {"limit": 1}).json()
    assert [item["title"] for item in listed["items"]] == ["Задача 2"] and listed["next_cursor"]

    marked = api.post(f"/api/v1/notifications/{first.pk}/read").json()
    assert marked["read"] is True
    assert api.get("/api/v1/notifications", {"unread": True}).json()["items"][0]["id"] == second.pk
    other = Notification.objects.get(recipient=person("lawyer"))
    assert api.post(f"/api/v1/notifications/{other.pk}/read").status_code == 404
    assert api.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_preferences_in_the_api_and_the_page(api_as, client_as, person) -> None:
    api = api_as("investigator1")
    listed = {p["kind"]: p for p in api.get("/api/v1/notification-preferences").json()}
    assert listed[kinds.TASK_ASSIGNED] | {"label": ""} == {
        "kind": "task.assigned",
        "label": "",
        "description": listed[kinds.TASK_ASSIGNED]["description"],
        "in_app": True,
        "email": True,
        "email_mode": "immediate",
        "chosen": False,
    }
    assert kinds.TEST_EVENT not in listed  # for webhooks only

    changed = api.put(
        f"/api/v1/notification-preferences/{kinds.TASK_OVERDUE}",
        {"in_app": True, "email": True, "email_mode": "daily"},
        content_type="application/json",
    )
    assert changed.json()["email_mode"] == "daily" and changed.json()["chosen"]
    wrong = api.put(
        "/api/v1/notification-preferences/task.overdue",
        {"email_mode": "weekly"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "email_mode" in wrong.json()["errors"]

    page = client_as("investigator1")
    page.post(
        "/notifications/preferences/",
        {f"{kinds.TASK_ASSIGNED}.in_app": "on", f"{kinds.TASK_ASSIGNED}.email_mode": "hourly"},
    )
    assigned = {p["kind"]: p for p in api.get("/api/v1/notification-preferences").json()}[kinds.TASK_ASSIGNED]
    assert (assigned["in_app"], assigned["email"]) == (True, False)


def test_email_off_means_no_email(person, frozen_clock) -> None:
    lawyer = person("lawyer")
    notification_preference_set(
        actor=lawyer,
        user=lawyer,
        kind=kinds.TASK_ASSIGNED,
        in_app=True,
        email=False,
        email_mode=EmailMode.IMMEDIATE,
    )
    tell(person, "lawyer", "Проверить договор")
    work()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=lawyer, in_app=True).count() == 1

    # in-app off, email on: an email, nothing under the bell
    notification_preference_set(
        actor=lawyer,
        user=lawyer,
        kind=kinds.TASK_ASSIGNED,
        in_app=False,
        email=True,
        email_mode=EmailMode.IMMEDIATE,
    )
    tell(person, "lawyer", "Ещё договор")
    work()
    assert [m.subject for m in mail.outbox] == ["Ещё договор"]
    assert Notification.objects.filter(recipient=lawyer, in_app=True).count() == 1

    # both off: nothing at all
    notification_preference_set(
        actor=lawyer,
        user=lawyer,
        kind=kinds.TASK_ASSIGNED,
        in_app=False,
        email=False,
        email_mode=EmailMode.IMMEDIATE,
    )
    assert tell(person, "lawyer", "Третий") == []


def test_an_hourly_digest_is_one_email_with_every_item(person, frozen_clock) -> None:
    head = person("service_head")
    notification_preference_set(
        actor=head, user=head, kind=kinds.TASK_ESCALATED, in_app=True, email=True, email_mode=EmailMode.HOURLY
    )
    # 10:00, 10:20, 10:40 Moscow: three escalations
    for number in range(3):
        tell(person, "service_head", f"Просрочена задача {number}", kind=kinds.TASK_ESCALATED)
        work()
        frozen_clock.advance(minutes=20)
    assert mail.outbox == []  # it is 11:00 sharp only now; the sweeper has not run since
    frozen_clock.advance(seconds=1)
    work()

    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["service_head@severny-veter.example"]
    assert all(f"Просрочена задача {n}" in digest.body for n in range(3))
    assert "3" in digest.subject
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # the next escalation waits for the next hour
    tell(person, "service_head", "Просрочена задача 4", kind=kinds.TASK_ESCALATED)
    work()
    assert len(mail.outbox) == 1
    frozen_clock.advance(hours=1)
    work()
    assert len(mail.outbox) == 2 and "задача 4" in mail.outbox[1].body
    assert run_worker() == 0 and timedelta(0) == timedelta(0)


def test_pages_for_administrators_only(client_as) -> None:
    for url in ("/settings/webhooks/", "/settings/webhooks/dead-letters/", "/settings/mail/"):
        assert client_as("admin").get(url).status_code == 200
        assert client_as("lawyer").get(url).status_code == 403
