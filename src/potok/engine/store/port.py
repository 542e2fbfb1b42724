"""The persistence port: what the executor needs from a store. The Django app implements it with tables.

One operation of the engine = one unit of work: it loads the rows it needs through these
methods, runs until everything waits, and hands a ChangeSet to `apply`, which writes it in one
transaction after checking the instance versions it read (optimistic locking).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import Incident, InstanceState, Job, Subscription, Task


class Store(Protocol):
    """Where runtime rows live.

    Contract:
    - `load_*` return rows the caller may change freely (copies, or fresh objects from the
      database); they raise `NotFound` when the row does not exist.
    - `load_instance_state` returns the instance row and its live rows: executions, OPEN tasks,
      jobs, subscriptions and OPEN incidents (not history, not finished tasks).
    - `apply` writes the whole ChangeSet in one transaction. It first checks that every instance in
      `changes.expected_versions` still has that version (0 = must not exist yet) and that every
      job in `changes.expected_jobs` still exists; otherwise it raises `ConcurrentModification`
      and writes nothing. Rows handed to `apply` belong to the store afterwards.
    - `find_message_subscriptions(name, key)`: subscriptions of kind message with that name; with a
      key, only those whose correlation_key equals it; oldest first.
    - `find_signal_subscriptions(name)`: every signal subscription with that name, in any instance.
    - `due_jobs(now, limit)`: jobs with due_at <= now, earliest first.

    Example::

        class DjangoStore:  # potok.processes.store
            def load_instance_state(self, instance_id: str) -> InstanceState: ...
    """

    def load_instance_state(self, instance_id: str) -> InstanceState: ...

    def load_task(self, task_id: str) -> Task: ...

    def load_job(self, job_id: str) -> Job: ...

    def load_incident(self, incident_id: str) -> Incident: ...

    def find_message_subscriptions(self, name: str, correlation_key: str | None) -> list[Subscription]: ...

    def find_signal_subscriptions(self, name: str) -> list[Subscription]: ...

    def due_jobs(self, now: datetime, limit: int) -> list[Job]: ...

    def apply(self, changes: ChangeSet) -> None: ...
