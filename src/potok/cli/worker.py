"""The background worker: Django tasks from the database queue, then Potok's periodic work.

Nothing a worker does depends on the worker surviving: tasks that it had claimed when it was killed
are found again by the periodic sweepers (timers by their lease, events by their outbox row,
deliveries by their lease), so a SIGKILL only delays work, it never loses it.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import time
from types import FrameType

from django.db import Error as DatabaseError
from django.db import close_old_connections, connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from potok.core import periodic

logger = logging.getLogger(__name__)


def tune_garbage_collector() -> None:
    """For a long-running worker: what exists once it is set up (Django, the apps, their caches) is frozen
    out of the collector's scans, and young objects are collected less often. A batch of starts makes
    tens of thousands of short-lived objects; with the defaults the collector took a tenth of a worker's
    time scanning the same long-lived ones over and over."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


class PotokWorker:
    def __init__(self, *, interval: float) -> None:
        self.interval = interval
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        self.running = True

    def stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            raise SystemExit(1)
        self.running = False

    def tasks_worker(self) -> Worker:
        return Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=100,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )

    def run_once(self) -> int:
        """One round: queued tasks, then due periodic work. Returns the work done."""
        close_old_connections()
        worker = self.tasks_worker()
        worker.run()
        done = worker._run_tasks
        done += periodic.run_due()
        return done

    def run(self) -> None:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        tune_garbage_collector()
        logger.info("worker %s started", self.worker_id)
        failures = 0
        while self.running:
            try:
                done = self.run_once()
                failures = 0
            except DatabaseError:
                # The database restarted or cut the connection (the tasks queue's own queries are not
                # guarded by the periodic work's handler): drop the connection, wait, and carry on. What
                # was in flight is found again by the sweepers.
                failures += 1
                logger.exception("worker %s lost the database; retrying", self.worker_id)
                connections.close_all()
                time.sleep(min(self.interval * 2**failures, 5.0))
                continue
            if not done and self.running:
                time.sleep(self.interval)
        logger.info("worker %s stopped", self.worker_id)
