"""Sending, in the worker: one email, one digest, or an endpoint's webhooks in order.

Each attempt is claimed first (potok.notifications.lock_objects), made outside any transaction (an HTTP
call or an SMTP session must not hold locks), and its outcome recorded against the claim.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from potok.core import clock
from potok.notifications import kinds, lock_objects, outgoing
from potok.notifications.mail import absolute_link, mail_connection, mail_settings, sender_address
from potok.notifications.models import Delivery, DeliveryStatus
from potok.notifications.retries import WEBHOOK_TIMEOUT_SECONDS, after_failure
from potok.notifications.signing import signed_headers

MAX_WEBHOOKS_PER_RUN = 200


@dataclass(frozen=True)
class Result:
    succeeded: bool
    error: str = ""
    duration_ms: int = 0
    status_code: int | None = None
    response_excerpt: str = ""


def conclude(deliveries: list[Delivery], result: Result) -> list[Delivery]:
    """Record the outcome of the claimed attempt of each delivery; returns those given up (dead)."""
    now = clock.now()
    dead: list[Delivery] = []
    with transaction.atomic():
        for delivery in deliveries:
            if result.succeeded:
                status, next_attempt_at = DeliveryStatus.SENT, None
            else:
                next_attempt_at = after_failure(
                    attempts_in_round=delivery.attempts - delivery.attempts_before_round,
                    queued_at=delivery.queued_at,
                    now=now,
                )
                status = DeliveryStatus.FAILED if next_attempt_at else DeliveryStatus.DEAD
            kept = lock_objects.finish(
                delivery,
                status=status,
                now=now,
                next_attempt_at=next_attempt_at,
                error=result.error,
                duration_ms=result.duration_ms,
                status_code=result.status_code,
                response_excerpt=result.response_excerpt,
            )
            if kept and status == DeliveryStatus.DEAD:
                dead.append(delivery)
        if dead:
            tell_administrators(dead)
    if not result.succeeded:
        from potok.notifications.tasks import ensure_sweeper

        transaction.on_commit(ensure_sweeper, robust=True)
    return dead


def tell_administrators(dead: list[Delivery]) -> None:
    """Administrators learn, under the bell, that something went to the dead-letter list."""
    from potok.notifications.selectors import administrators
    from potok.notifications.services.notify import notify

    relevant = [
        d for d in dead if not (d.notification is not None and d.notification.kind == kinds.DELIVERY_FAILED)
    ]
    if not relevant:
        return
    notify(
        recipients=administrators(),
        kind=kinds.DELIVERY_FAILED,
        title=ngettext(
            "%(count)d delivery failed after every retry",
            "%(count)d deliveries failed after every retry",
            len(relevant),
        )
        % {"count": len(relevant)},
        body="; ".join(f"{d.get_channel_display()} #{d.pk}: {d.last_error}"[:300] for d in relevant[:5]),
        link="/settings/webhooks/dead-letters/",
        data={"deliveries": [d.pk for d in relevant]},
    )


# -- webhooks -----------------------------------------------------------------------------------------


def post_webhook(delivery: Delivery) -> Result:
    assert delivery.endpoint is not None and delivery.message is not None
    message, endpoint = delivery.message, delivery.endpoint
    headers = signed_headers(
        secret=endpoint.secret,
        message_id=message.message_id,
        timestamp=int(clock.now().timestamp()),
        body=message.body,
    )
    outcome = outgoing.post(
        endpoint.url, body=message.body.encode(), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
    )
    return Result(
        outcome.succeeded, outcome.error, outcome.duration_ms, outcome.status_code, outcome.response_excerpt
    )


def send_webhook_queue(endpoint_id: int) -> int:
    """Send the endpoint's due webhooks oldest first, stopping at the first that fails (later ones wait, so
    the endpoint receives events in the order they were made). Returns how many attempts were made."""
    attempts = 0
    while attempts < MAX_WEBHOOKS_PER_RUN:
        delivery = lock_objects.claim_endpoint_head(endpoint_id, clock.now())
        if delivery is None:
            break
        attempts += 1
        result = post_webhook(delivery)
        dead = conclude([delivery], result)
        if not result.succeeded and not dead:
            break
    else:
        from potok.notifications.tasks import queue_sending

        queue_sending(emails=[], endpoints=[endpoint_id])
    return attempts


# -- email -------------------------------------------------------------------------------------------


def _language(delivery: Delivery) -> str:
    from django.conf import settings

    recipient = delivery.recipient
    return (
        (getattr(recipient, "language", "") or settings.LANGUAGE_CODE)
        if recipient
        else settings.LANGUAGE_CODE
    )


def _send_email(delivery: Delivery, subject: str, text: str) -> Result:
    recipient = delivery.recipient
    if recipient is None or not recipient.is_active or not recipient.email:
        return Result(False, _("the person has no email address or is no longer active"))
    config = mail_settings()
    started = time.monotonic()
    try:
        EmailMessage(
            subject=subject,
            body=text,
            from_email=sender_address(config),
            to=[recipient.email],
            connection=mail_connection(config),
        ).send()
    except Exception as error:  # any failure of the mail server or the network is a failed attempt
        return Result(False, f"{type(error).__name__}: {error}", int((time.monotonic() - started) * 1000))
    return Result(True, duration_ms=int((time.monotonic() - started) * 1000))


def _footer() -> str:
    link = absolute_link("/notifications/preferences/")
    return "\n\n-- \n" + _("Potok. Choose which notifications you get by email: %(link)s") % {"link": link}


def send_email_delivery(delivery_id: int) -> bool:
    delivery = lock_objects.claim_delivery(delivery_id, clock.now())
    if delivery is None:
        return False
    notification = delivery.notification
    with translation.override(_language(delivery)):
        if notification is None:
            result = Result(False, _("the notification was deleted"))
        else:
            parts = [notification.body, absolute_link(notification.link)]
            text = "\n\n".join(part for part in parts if part) + _footer()
            result = _send_email(delivery, notification.title, text)
    conclude([delivery], result)
    return result.succeeded


def send_email_digest(recipient_id: int, batch_key: str) -> int:
    claimed = lock_objects.claim_digest(recipient_id, batch_key, clock.now())
    if not claimed:
        return 0
    items = [d for d in claimed if d.notification is not None]
    with translation.override(_language(claimed[0])):
        subject = ngettext("Potok: %(count)d notification", "Potok: %(count)d notifications", len(items)) % {
            "count": len(items)
        }
        blocks = []
        for d in sorted(items, key=lambda d: d.notification.created_at):  # type: ignore[union-attr]
            n = d.notification
            assert n is not None
            lines = [f"• {n.title}"]
            if n.body:
                lines.append(f"  {n.body}")
            if n.link:
                lines.append(f"  {absolute_link(n.link)}")
            blocks.append("\n".join(lines))
        result = _send_email(claimed[0], subject, "\n\n".join(blocks) + _footer())
    conclude(claimed, result)
    return len(claimed)
