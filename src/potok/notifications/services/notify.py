"""Telling people and systems: `notify` and `webhook_publish`.

Both write rows in the caller's transaction — the notifications, one delivery per email and per
subscribed webhook endpoint — and queue the sending when that transaction commits. Nothing is sent
inside the caller's request: the worker sends. A transaction that rolls back leaves nothing behind.

Example:
    >>> notify(recipients=[head], kind="task.escalated", title="«Провести расследование» просрочена",
    ...        body="…", link=f"/tasks/{task.pk}/", data={"task": task.pk})
"""

from __future__ import annotations

import json
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation

from potok.core import clock, memo
from potok.core.bulk import insert_objects_keyed_later
from potok.notifications import kinds
from potok.notifications.mail import absolute_link
from potok.notifications.models import (
    Channel,
    Delivery,
    EmailMode,
    Notification,
    WebhookEndpoint,
    WebhookMessage,
)
from potok.notifications.selectors import preferences_for_people

# Daily digests leave at this hour of the company's time zone.
DAILY_DIGEST_HOUR = 8


def digest_moment(mode: str, now: datetime) -> datetime:
    """When the digest that collects a notification made `now` leaves: the next full hour, or the next
    08:00 in the company's time zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    if mode == EmailMode.HOURLY:
        moment = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    else:
        moment = local.replace(hour=DAILY_DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if moment <= local:
            moment = (local + timedelta(days=1)).replace(
                hour=DAILY_DIGEST_HOUR, minute=0, second=0, microsecond=0
            )
    return moment


def _people(recipients: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person is None or not getattr(person, "is_active", False) or person.pk in seen:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


def _new_delivery(now: datetime, **fields: Any) -> Delivery:
    return Delivery(created_at=now, queued_at=fields.pop("queued_at", now), next_attempt_at=now, **fields)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    data: Mapping[str, Any] | None = None,
    webhooks: bool = True,
) -> list[Notification]:
    """Notify `recipients` (users; inactive ones and repeats are skipped) as each of them prefers for
    `kind`: under the bell, by email at once or in a digest. Webhook endpoints subscribed to `kind` get
    one message. Returns the notifications made.

    Its rows are written in the caller's transaction without a savepoint of their own (two round trips
    for every task a process step hands out on PostgreSQL): a failure here fails the caller's unit of
    work, or its own savepoint if it has one. Alone, it runs in a transaction of its own."""
    if not kinds.is_known(kind):
        raise ValueError(f"unknown notification kind {kind!r}; register it in potok.notifications.kinds")
    with transaction.atomic(savepoint=False):
        return _notify(
            recipients=recipients, kind=kind, title=title, body=body, link=link, data=data, webhooks=webhooks
        )


def _notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str,
    link: str,
    data: Mapping[str, Any] | None,
    webhooks: bool,
) -> list[Notification]:
    spec = kinds.get(kind)
    now = clock.now()
    payload = dict(data or {})
    people = _people(recipients) if spec.for_people else []
    preferences = preferences_for_people(people, spec)
    made: list[Notification] = []
    emails: list[Delivery] = []
    wanted = []
    for person in people:
        preference = preferences[person.pk]
        wants_email = preference.email and bool(person.email)
        if not preference.in_app and not wants_email:
            continue
        wanted.append((person, preference, wants_email))
        made.append(
            Notification(
                recipient=person,
                kind=kind,
                title=title[:300],
                body=body,
                link=link[:500],
                data=payload,
                created_at=now,
                in_app=preference.in_app,
            )
        )
    # One multi-row INSERT for all of them (a process step tells its performers inside its transaction);
    # in a batch of starts (`rows_together`) one for the whole batch, their deliveries after them.
    insert_objects_keyed_later(made)
    for notification, (person, preference, wants_email) in zip(made, wanted, strict=True):
        if not wants_email:
            continue
        if preference.email_mode == EmailMode.IMMEDIATE:
            emails.append(
                _new_delivery(now, channel=Channel.EMAIL, notification=notification, recipient=person)
            )
        else:
            leaves = digest_moment(preference.email_mode, now)
            delivery = _new_delivery(
                now,
                channel=Channel.EMAIL,
                notification=notification,
                recipient=person,
                batch_key=f"{preference.email_mode}:{leaves:%Y%m%dT%H%M%z}",
            )
            delivery.next_attempt_at = leaves
            # Its retries count from when the digest leaves, not from the first notification in it.
            delivery.queued_at = leaves
            emails.append(delivery)
    insert_objects_keyed_later(emails)
    sent: list[Delivery] = []
    if spec.for_webhooks and webhooks:
        sent = _kind_webhooks(kind, now, title=title, body=body, link=link, made=made, payload=payload)
    _send_after_commit(emails + sent)
    return made


def _kind_webhooks(
    kind: str, now: datetime, *, title: str, body: str, link: str, made: list[Notification], payload: Any
) -> list[Delivery]:
    return _webhook_deliveries(
        event_type=kind,
        now=now,
        data={
            "title": title,
            "body": body,
            "link": absolute_link(link),
            "recipients": [{"id": n.recipient_id, "username": n.recipient.username} for n in made],
            "data": payload,
        },
    )


@transaction.atomic(savepoint=False)
def notify_in_their_languages(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: Callable[[], Any],
    body: Callable[[], Any] = lambda: "",
    link: str = "",
    data: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """`notify` with the title and body written in each recipient's own language (`title()` and `body()`
    are called once per language). Webhook endpoints subscribed to `kind` get one message for all of them,
    written in the installation's language — not one per language group."""
    by_language: dict[str, list[Any]] = {}
    for person in _people(recipients):
        by_language.setdefault(person.language or settings.LANGUAGE_CODE, []).append(person)
    if not by_language:
        return []
    made: list[Notification] = []
    for language, people in by_language.items():
        with translation.override(language):
            made += notify(
                recipients=people,
                kind=kind,
                title=str(title()),
                body=str(body()),
                link=link,
                data=data,
                webhooks=False,
            )
    if kinds.get(kind).for_webhooks:
        with translation.override(settings.LANGUAGE_CODE):
            sent = _kind_webhooks(
                kind,
                clock.now(),
                title=str(title()),
                body=str(body()),
                link=link,
                made=made,
                payload=dict(data or {}),
            )
        _send_after_commit(sent)
    return made


@transaction.atomic
def webhook_publish(*, event_type: str, data: Mapping[str, Any]) -> WebhookMessage | None:
    """Send an event to the webhook endpoints subscribed to it (no people involved); None when no
    endpoint wants it. `event_type` must be a registered kind."""
    if not kinds.is_known(event_type):
        raise ValueError(f"unknown event type {event_type!r}; register it in potok.notifications.kinds")
    deliveries = _webhook_deliveries(event_type=event_type, now=clock.now(), data=dict(data))
    _send_after_commit(deliveries)
    return deliveries[0].message if deliveries else None


def webhook_deliveries_for(
    *, event_type: str, endpoints: list[WebhookEndpoint], data: Mapping[str, Any]
) -> list[Delivery]:
    """One message to exactly these endpoints (a test event), sent after commit."""
    deliveries = _webhook_deliveries(
        event_type=event_type, now=clock.now(), data=dict(data), endpoints=endpoints
    )
    _send_after_commit(deliveries)
    return deliveries


def _webhook_deliveries(
    *, event_type: str, now: datetime, data: dict[str, Any], endpoints: list[WebhookEndpoint] | None = None
) -> list[Delivery]:
    if endpoints is None:
        enabled = memo.once(
            "notifications.webhook_endpoints",
            lambda: list(WebhookEndpoint.objects.filter(enabled=True).order_by("id")),
        )
        endpoints = [e for e in enabled if e.subscribes_to(event_type)]
    if not endpoints:
        return []
    message_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    message = WebhookMessage.objects.create(
        message_id=message_id, event_type=event_type, body=body, created_at=now
    )
    deliveries = [
        _new_delivery(now, channel=Channel.WEBHOOK, message=message, endpoint=endpoint)
        for endpoint in endpoints
    ]
    # One by one, so that ids (the order each endpoint receives its messages in) follow creation.
    for delivery in deliveries:
        delivery.save()
    return deliveries


class _Sending:
    """The deliveries of one transaction, queued for sending by one on-commit callback (a batch of process
    starts notifies hundreds of people in one transaction)."""

    def __init__(self) -> None:
        # The email deliveries themselves: in a batch of starts they get their keys when the batch's rows
        # are written, before the commit (one given in a savepoint rolled back before that has none).
        self.emails: list[Delivery] = []
        self.endpoints: set[int] = set()

    def __call__(self) -> None:
        from potok.notifications.tasks import queue_sending

        emails = [delivery.pk for delivery in self.emails if delivery.pk is not None]
        queue_sending(emails=emails, endpoints=sorted(self.endpoints))


def _send_after_commit(deliveries: list[Delivery]) -> None:
    if not deliveries:
        return
    emails = [d for d in deliveries if d.channel == Channel.EMAIL and not d.batch_key]
    endpoints = {d.endpoint_id for d in deliveries if d.endpoint_id is not None}
    connection = transaction.get_connection()
    sending: _Sending | None = getattr(connection, "_potok_sending", None)
    # A callback discarded with a rolled-back savepoint, or already run, cannot take more: start another.
    if sending is None or not any(entry[1] is sending for entry in connection.run_on_commit):
        sending = _Sending()
        connection._potok_sending = sending
        transaction.on_commit(sending, robust=True)
    sending.emails.extend(emails)
    sending.endpoints.update(endpoints)
