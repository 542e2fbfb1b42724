"""Firing due timers and async continuations: claim with a lease, fire each in its own transaction.

Exactly once: the engine deletes the job row in the same transaction as the job's effect, and the
store refuses a unit of work whose job is already gone. A worker killed mid-job leaves only a lease,
which expires; another worker then fires the job.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from potok.core import clock
from potok.engine.errors import NotFound as EngineNotFound
from potok.processes.alerts import tell_about_incidents
from potok.processes.models import Incident, Job
from potok.processes.runtime import engine
from potok.processes.services.instances import in_transaction_with_retry

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
WORKER_ID = f"{socket.gethostname()}-{os.getpid()}"[:64]


def claim_due_jobs(*, limit: int = 50) -> list[str]:
    now = clock.now()
    with transaction.atomic():
        due = (
            Job.objects.filter(due_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("due_at", "id")
        )
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            Job.objects.filter(pk__in=ids).update(locked_by=WORKER_ID, locked_until=now + LEASE)
    return ids


def fire_job_once(job_id: str) -> bool:
    """Fire one claimed job; on an unexpected error, record it and back off (an incident after 5 tries)."""
    try:
        in_transaction_with_retry(lambda: engine().fire_job(job_id))
        return True
    except EngineNotFound:
        return False  # fired by someone else meanwhile, or its instance ended
    except Exception as error:
        logger.exception("job %s failed", job_id)
        _record_failure(job_id, error)
        return False


def _record_failure(job_id: str, error: BaseException) -> None:
    now = clock.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return
        job.attempts += 1
        job.last_error = f"{type(error).__name__}: {error}"[:2000]
        if job.attempts >= MAX_ATTEMPTS and job.instance_id:
            # Parked until an administrator retries the incident.
            job.locked_until = now + timedelta(days=36500)
            incident = Incident.objects.create(
                id=engine().new_id(),
                instance_id=job.instance_id,
                execution_id=job.execution_id,
                node_id=job.node_id,
                message=f"timer or async step failed {job.attempts} times: {job.last_error}",
                created_at=now,
                state="open",
                job_id=job.id,
                code="job.failed",
                params={"node_id": job.node_id, "attempts": str(job.attempts), "error": job.last_error},
            )
            tell_about_incidents([incident])
        else:
            job.locked_until = now + timedelta(seconds=5 * 2**job.attempts)
        job.save(update_fields=["attempts", "last_error", "locked_until"])


def fire_due_jobs() -> int:
    """Periodic work: fire what is due now. Returns how many jobs were fired."""
    fired = 0
    for job_id in claim_due_jobs():
        fired += fire_job_once(job_id)
    return fired
