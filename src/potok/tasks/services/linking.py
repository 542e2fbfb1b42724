"""Linking the first tasks of a new instance to the instance's record, right after the start commits.

`link_pending_tasks(ids)` runs as the start's after-commit callback; `link_leftover_tasks()` is periodic
work that finishes what a crash between the commit and the callback left (the PendingLink rows are
written in the engine's transaction, so nothing is lost). Each task is linked in its own transaction,
under a row lock, exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from potok.core import clock
from potok.processes.models import Task
from potok.tasks import data as process_data
from potok.tasks.loading import spec_of, task_data
from potok.tasks.models import PendingLink
from potok.tasks.services.assigning import grant_to_performer

logger = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
# The after-commit callback normally links at once; periodic work waits this long before stepping in.
GRACE = timedelta(seconds=5)


def link_task(task_id: str) -> bool:
    """Link one pending task (in its own transaction); False when it was done already or is gone."""
    from potok.tasks.hooks import address_safely

    with transaction.atomic():
        rows = PendingLink.objects.filter(task_id=task_id)
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        pending = rows.first()
        if pending is None:
            return False
        task = (
            Task.objects.select_for_update()
            .select_related("instance", "instance__started_by", "assignee")
            .get(pk=task_id)
        )
        if task.state == "open":
            record = process_data.record_of_instance(task.instance)
            if record is not None and not task.entity_type:
                task.entity_type, task.record_id = record.entity_type, record.pk
                task.save(update_fields=["entity_type", "record_id"])
            if pending.address:
                loaded = task_data(task)
                address_safely(task, spec=spec_of(task), data=loaded.data, now=clock.now())
            else:
                grant_to_performer(task)
        pending.delete()
        return True


def link_pending_tasks(task_ids: Iterable[str]) -> int:
    linked = 0
    for task_id in task_ids:
        try:
            linked += link_task(task_id)
        except Exception:
            # Left for the periodic work; the lease keeps it from being retried in a tight loop.
            logger.exception("linking task %s failed", task_id)
            PendingLink.objects.filter(task_id=task_id).update(locked_until=clock.now() + LEASE)
    return linked


def link_leftover_tasks(*, limit: int = 100) -> int:
    """Periodic work: link the tasks whose after-commit callback never ran (a crash, a killed process)."""
    now = clock.now()
    ids = list(
        PendingLink.objects.filter(created_at__lte=now - GRACE)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("created_at")
        .values_list("task_id", flat=True)[:limit]
    )
    return link_pending_tasks(ids)
