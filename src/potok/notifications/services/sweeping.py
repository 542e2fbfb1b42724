"""The sweeper: takes back deliveries whose worker died while sending (their lease ran out), and queues
the deliveries whose attempt is due. Safe to run in several workers at once: each scan locks its rows
with SKIP LOCKED on PostgreSQL (SQLite lets one writer in at a time), and a queued delivery is marked so
that the next sweep does not queue it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from potok.core import clock
from potok.notifications import lock_objects
from potok.notifications.models import Channel, Delivery, DeliveryAttempt, DeliveryStatus
from potok.notifications.retries import after_failure


@dataclass(frozen=True)
class SweepReport:
    recovered: int
    given_up: int
    queued: int


def sweep() -> SweepReport:
    from potok.notifications.services.sending import tell_administrators
    from potok.notifications.tasks import queue_sending

    now = clock.now()
    lost_error = _("the worker stopped during the attempt; its outcome is unknown")
    recovered = 0
    dead: list[Delivery] = []
    with transaction.atomic():
        for delivery in lock_objects.expired_leases(now):
            next_attempt_at = after_failure(
                attempts_in_round=delivery.attempts - delivery.attempts_before_round,
                queued_at=delivery.queued_at,
                now=now,
            )
            status = DeliveryStatus.FAILED if next_attempt_at else DeliveryStatus.DEAD
            DeliveryAttempt.objects.filter(
                delivery=delivery, number=delivery.attempts, finished=False
            ).update(finished=True, error=lost_error)
            changed = Delivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.SENDING, claim_token=delivery.claim_token
            ).update(
                status=status,
                claim_token="",
                lease_expires_at=None,
                next_attempt_at=next_attempt_at or delivery.next_attempt_at,
                last_error=lost_error,
            )
            recovered += changed
            if changed and status == DeliveryStatus.DEAD:
                delivery.status, delivery.last_error = status, lost_error
                dead.append(delivery)
        if dead:
            tell_administrators(dead)

    with transaction.atomic():
        due = lock_objects.due_for_enqueueing(now)
        lock_objects.mark_enqueued([d.pk for d in due], now)
        emails = [d.pk for d in due if d.channel == Channel.EMAIL and not d.batch_key]
        digests = sorted({(d.recipient_id, d.batch_key) for d in due if d.batch_key and d.recipient_id})
        endpoints = sorted({d.endpoint_id for d in due if d.endpoint_id is not None})
        transaction.on_commit(
            lambda: queue_sending(emails=emails, endpoints=endpoints, digests=digests), robust=True
        )
    return SweepReport(recovered=recovered, given_up=len(dead), queued=len(due))
