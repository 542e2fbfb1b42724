"""Claiming deliveries: the one place that moves a delivery between states under concurrency.

A claim is a conditional UPDATE (status still claimable, attempt due): of two workers racing for the same
delivery exactly one changes the row, on PostgreSQL (the row lock re-checks the condition) and on SQLite
(writers take turns). The claim writes the attempt's log row in the same transaction; a unique
(delivery, number) makes a second attempt N impossible. The sweeper's scans use
``select_for_update(skip_locked=True)`` so several sweepers share the work instead of repeating it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from potok.notifications.models import (
    CLAIMABLE_STATUSES,
    DELIVERY_TRANSITIONS,
    OPEN_STATUSES,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    WebhookEndpoint,
)
from potok.notifications.retries import ENQUEUE_STALE_AFTER, LEASE


def can_move(old: str, new: str) -> bool:
    return new in DELIVERY_TRANSITIONS.get(old, frozenset())


def _earlier_open_of_same_endpoint() -> Exists:
    return Exists(
        Delivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"), id__lt=OuterRef("id"), status__in=OPEN_STATUSES
        )
    )


@transaction.atomic
def _claim(queryset: QuerySet[Delivery], now: datetime) -> list[Delivery]:
    token = uuid.uuid4().hex
    candidates = list(
        queryset.filter(status__in=CLAIMABLE_STATUSES, next_attempt_at__lte=now).values_list("pk", flat=True)
    )
    if not candidates:
        return []
    # The conditional UPDATE names its rows by id only, so that PostgreSQL re-checks the status on the row
    # it waited for. A queryset with a join or a subquery (the endpoint's, the earlier deliveries') becomes
    # `UPDATE … WHERE id IN (SELECT …)`, whose condition is not re-checked after the wait: a worker that
    # waited for another's claim claimed the same delivery again and the webhook went out twice.
    claimed = Delivery.objects.filter(
        pk__in=candidates, status__in=CLAIMABLE_STATUSES, next_attempt_at__lte=now
    ).update(
        status=DeliveryStatus.SENDING,
        claim_token=token,
        lease_expires_at=now + LEASE,
        attempts=F("attempts") + 1,
        enqueued_at=None,
    )
    if not claimed:
        return []
    deliveries = list(
        Delivery.objects.filter(claim_token=token, status=DeliveryStatus.SENDING).order_by("id")
    )
    DeliveryAttempt.objects.bulk_create(
        [DeliveryAttempt(delivery=d, number=d.attempts, started_at=now) for d in deliveries]
    )
    return deliveries


def claim_delivery(delivery_id: int, now: datetime) -> Delivery | None:
    """A single email (not a digest) whose attempt is due."""
    claimed = _claim(Delivery.objects.filter(pk=delivery_id, channel=Channel.EMAIL, batch_key=""), now)
    return claimed[0] if claimed else None


def endpoint_head(endpoint_id: int) -> Delivery | None:
    """The oldest delivery of the endpoint not sent or given up: the only one that may be sent now."""
    return (
        Delivery.objects.filter(endpoint_id=endpoint_id, status__in=OPEN_STATUSES)
        .select_related("message", "endpoint")
        .order_by("id")
        .first()
    )


def claim_endpoint_head(endpoint_id: int, now: datetime) -> Delivery | None:
    head = endpoint_head(endpoint_id)
    if head is None or head.status == DeliveryStatus.SENDING or head.next_attempt_at > now:
        return None
    claimed = _claim(
        Delivery.objects.filter(pk=head.pk, endpoint__enabled=True).exclude(_earlier_open_of_same_endpoint()),
        now,
    )
    if not claimed:
        return None
    head.refresh_from_db()
    return head


def claim_digest(recipient_id: int, batch_key: str, now: datetime) -> list[Delivery]:
    return _claim(
        Delivery.objects.filter(recipient_id=recipient_id, batch_key=batch_key, channel=Channel.EMAIL), now
    )


@transaction.atomic
def finish(
    delivery: Delivery,
    *,
    status: str,
    now: datetime,
    next_attempt_at: datetime | None = None,
    error: str = "",
    duration_ms: int = 0,
    status_code: int | None = None,
    response_excerpt: str = "",
) -> bool:
    """Record the outcome of the claimed attempt; False when the claim was lost meanwhile (the lease ran
    out and the sweeper took the delivery back) — the attempt is logged, the state left to the new owner."""
    assert can_move(DeliveryStatus.SENDING, status), status
    DeliveryAttempt.objects.filter(delivery=delivery, number=delivery.attempts).update(
        finished=True,
        succeeded=status == DeliveryStatus.SENT,
        duration_ms=duration_ms,
        status_code=status_code,
        error=error[:2000],
        response_excerpt=response_excerpt,
    )
    changes: dict[str, object] = {
        "status": status,
        "claim_token": "",
        "lease_expires_at": None,
        "last_error": error[:2000],
    }
    if status == DeliveryStatus.SENT:
        changes["sent_at"] = now
    if next_attempt_at is not None:
        changes["next_attempt_at"] = next_attempt_at
    updated = Delivery.objects.filter(
        pk=delivery.pk, claim_token=delivery.claim_token, status=DeliveryStatus.SENDING
    ).update(**changes)
    if updated:
        for field, value in changes.items():
            setattr(delivery, field, value)
    return bool(updated)


def expired_leases(now: datetime) -> list[Delivery]:
    """Deliveries whose worker stopped while sending; call inside a transaction, which holds their locks."""
    return list(
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(status=DeliveryStatus.SENDING, lease_expires_at__lt=now)
        .order_by("id")[:500]
    )


def due_for_enqueueing(now: datetime, limit: int = 500) -> list[Delivery]:
    """Deliveries whose attempt is due and that no queued task is about to take; to be called inside
    the caller's transaction, which holds the row locks until it marks them queued."""
    disabled = WebhookEndpoint.objects.filter(enabled=False).values("id")
    return list(
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(status__in=CLAIMABLE_STATUSES, next_attempt_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_STALE_AFTER))
        .exclude(endpoint_id__in=disabled)
        .exclude(Q(channel=Channel.WEBHOOK) & _earlier_open_of_same_endpoint())
        .order_by("id")[:limit]
    )


def mark_enqueued(ids: Iterable[int], now: datetime) -> None:
    Delivery.objects.filter(pk__in=list(ids)).update(enqueued_at=now)
