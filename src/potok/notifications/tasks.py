"""Background tasks of notifications, run by `potok worker` (django-tasks with the database backend).

`queue_sending` is called after commit by `notify` and by the sweeper; the sweeper keeps itself going as
a chain of delayed tasks while any delivery is open, and `ensure_sweeper` (called whenever something
needs sending) starts a new chain when none is alive.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django_tasks import task

from potok.core import clock
from potok.notifications.models import OPEN_STATUSES, Delivery, SweeperState

logger = logging.getLogger(__name__)
SWEEP_SOON = timedelta(seconds=5)
# Immediate emails sent by one queued task (queueing a task cost more than the rows of a delivery).
EMAILS_PER_TASK = 50
SWEEP_AT_LEAST_EVERY = timedelta(seconds=60)
# A chain whose next run is this late is taken for dead (its worker stopped) and replaced.
CHAIN_GRACE = timedelta(seconds=90)


@task()
def send_email(delivery_id: int) -> bool:
    from potok.notifications.services.sending import send_email_delivery

    return send_email_delivery(delivery_id)


@task()
def send_emails(delivery_ids: list[int]) -> int:
    """Several immediate emails: one queued task for a batch of them (a batch of process starts tells
    hundreds of people at once). Each is claimed, sent and concluded on its own, as by `send_email`; one
    that fails is retried by the sweeper and costs the others nothing."""
    from potok.notifications.services.sending import send_email_delivery

    sent = 0
    for delivery_id in delivery_ids:
        try:
            sent += send_email_delivery(delivery_id)
        except Exception:
            logger.exception("sending email delivery %s failed; the sweeper will retry it", delivery_id)
    return sent


@task()
def send_digest(recipient_id: int, batch_key: str) -> int:
    from potok.notifications.services.sending import send_email_digest

    return send_email_digest(recipient_id, batch_key)


@task()
def send_webhooks(endpoint_id: int) -> int:
    from potok.notifications.services.sending import send_webhook_queue

    return send_webhook_queue(endpoint_id)


@task()
def sweep_deliveries(chain: str = "") -> dict[str, Any]:
    from potok.notifications.services.sweeping import sweep

    report = sweep()
    if chain:
        _continue_chain(chain)
    return {"recovered": report.recovered, "given_up": report.given_up, "queued": report.queued}


def queue_sending(
    *,
    emails: Iterable[int] = (),
    endpoints: Iterable[int] = (),
    digests: Iterable[tuple[int, str]] = (),
) -> None:
    """Queue the tasks that send; called after the commit that made (or marked) the deliveries."""
    now = clock.now()
    emails, endpoints = list(emails), list(endpoints)
    # One transaction for the marks and every queued task: a batch of starts queues hundreds of emails, and
    # a commit each (autocommit) cost more than the rows.
    with transaction.atomic():
        Delivery.objects.filter(pk__in=emails, enqueued_at__isnull=True).update(enqueued_at=now)
        for start in range(0, len(emails), EMAILS_PER_TASK):
            send_emails.enqueue(emails[start : start + EMAILS_PER_TASK])
        for endpoint_id in endpoints:
            send_webhooks.enqueue(endpoint_id)
        for recipient_id, batch_key in digests:
            send_digest.enqueue(recipient_id, batch_key)
    ensure_sweeper()


# The sweeper chain runs on the worker's wall clock: django-tasks compares `run_after` with the real time,
# whereas the deliveries' due times follow potok.core.clock (which tests move).


def ensure_sweeper() -> None:
    """Start a sweeper chain unless one is alive."""
    real_now = timezone.now()
    token = uuid.uuid4().hex
    run_after = real_now + SWEEP_SOON
    try:
        with transaction.atomic():
            state = SweeperState.objects.select_for_update().filter(pk=1).first()
            if state is None:
                SweeperState.objects.create(pk=1, token=token, next_run_at=run_after)
            elif state.next_run_at is not None and state.next_run_at > real_now - CHAIN_GRACE:
                return
            else:
                SweeperState.objects.filter(pk=1).update(token=token, next_run_at=run_after)
    except IntegrityError:
        return  # another process created the row, and its chain, at the same moment
    sweep_deliveries.using(run_after=run_after).enqueue(token)


def _continue_chain(chain: str) -> None:
    real_now = timezone.now()
    soonest = Delivery.objects.filter(status__in=OPEN_STATUSES).aggregate(
        due=Min("next_attempt_at"), lease=Min("lease_expires_at")
    )
    moments = [moment for moment in soonest.values() if moment is not None]
    if not moments:
        SweeperState.objects.filter(pk=1, token=chain).update(next_run_at=None)
        return
    wait = min(max(min(moments) - clock.now(), SWEEP_SOON), SWEEP_AT_LEAST_EVERY)
    run_after = real_now + wait
    if SweeperState.objects.filter(pk=1, token=chain).update(next_run_at=run_after):
        sweep_deliveries.using(run_after=run_after).enqueue(chain)
