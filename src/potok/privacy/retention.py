"""How long logs and history are kept: the worker deletes older rows in batches (periodic work).

Each kind has its own setting in days (0 keeps it forever); see docs/personal-data.md.

| kind | setting | what goes |
|---|---|---|
| processed domain events | POTOK_EVENT_RETENTION_DAYS | dispatched events older than that, except one an open rule incident still needs |
| process history | POTOK_HISTORY_RETENTION_DAYS | node history and operation log of instances that ended before that |
| delivered notifications | POTOK_NOTIFICATION_RETENTION_DAYS | notifications read (or email-only) and with no delivery still open |
| sign-in audit | POTOK_SIGN_IN_AUDIT_RETENTION_DAYS | audit rows of sign-ins and failed sign-ins |

Rule evaluations have their own job (potok.automation.services.housekeeping, POTOK_EVALUATION_RETENTION_DAYS).

Example:
    >>> retention_purge()   # rows deleted in this run, at most BATCH per kind
    0
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from potok.core import clock

BATCH = 2000
SIGN_IN_ACTIONS = ("logged_in", "login_failed", "locked_out", "two_factor_failed")
FINISHED_STATES = ("completed", "terminated", "cancelled")


def cutoff(setting: str) -> datetime | None:
    """The moment before which rows go, or None when the setting keeps them forever."""
    days = int(getattr(settings, setting, 0) or 0)
    return clock.now() - timedelta(days=days) if days > 0 else None


def _delete_batch(queryset: QuerySet[Any], limit: int) -> int:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    queryset.model._default_manager.filter(pk__in=ids).delete()
    return len(ids)


def events_purge(*, limit: int = BATCH) -> int:
    from potok.automation.models import IncidentState, RuleIncident
    from potok.core.models import DomainEvent

    moment = cutoff("POTOK_EVENT_RETENTION_DAYS")
    if moment is None:
        return 0
    needed = RuleIncident.objects.filter(state=IncidentState.OPEN, event_id__isnull=False).values("event_id")
    old = DomainEvent.objects.filter(dispatched_at__isnull=False, occurred_at__lt=moment).exclude(
        pk__in=needed
    )
    return _delete_batch(old, limit)


def history_purge(*, limit: int = BATCH) -> int:
    from potok.processes.models import HistoryEntry, OperationLog

    moment = cutoff("POTOK_HISTORY_RETENTION_DAYS")
    if moment is None:
        return 0
    ended = {"instance__state__in": FINISHED_STATES, "instance__ended_at__lt": moment}
    done = _delete_batch(HistoryEntry.objects.filter(**ended), limit)
    return done + _delete_batch(OperationLog.objects.filter(**ended), limit - done) if done < limit else done


def notifications_purge(*, limit: int = BATCH) -> int:
    from django.db.models import Q

    from potok.notifications.models import OPEN_STATUSES, Delivery, Notification

    moment = cutoff("POTOK_NOTIFICATION_RETENTION_DAYS")
    if moment is None:
        return 0
    open_delivery = Delivery.objects.filter(notification=OuterRef("pk"), status__in=OPEN_STATUSES)
    old = Notification.objects.filter(
        Q(read_at__isnull=False) | Q(in_app=False), created_at__lt=moment
    ).exclude(Exists(open_delivery))
    return _delete_batch(old, limit)


def sign_in_audit_purge(*, limit: int = BATCH) -> int:
    from potok.audit.models import AuditEvent

    moment = cutoff("POTOK_SIGN_IN_AUDIT_RETENTION_DAYS")
    if moment is None:
        return 0
    return _delete_batch(
        AuditEvent.objects.filter(entity_type="user", action__in=SIGN_IN_ACTIONS, occurred_at__lt=moment),
        limit,
    )


PURGES: dict[str, Callable[..., int]] = {
    "domain_events": events_purge,
    "process_history": history_purge,
    "notifications": notifications_purge,
    "sign_in_audit": sign_in_audit_purge,
}


def retention_purge(*, limit: int = BATCH) -> int:
    """One batch of each kind; returns how many rows went (the worker calls again at once while it is
    not zero, so a backlog drains in batches without one long transaction)."""
    return sum(purge(limit=limit) for purge in PURGES.values())
