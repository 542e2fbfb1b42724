"""MemoryStore: the Store port in memory, with the same indexes a database would have. For tests and benchmarks."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime

from potok.engine.errors import ConcurrentModification, NotFound
from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import (
    Execution,
    HistoryRow,
    Incident,
    Instance,
    InstanceState,
    Job,
    Subscription,
    Task,
)
from potok.engine.runtime.states import IncidentState, SubscriptionKind, TaskState


class _Live:
    """The live rows of one instance (what `load_instance_state` returns, as clones)."""

    __slots__ = ("executions", "incidents", "jobs", "subscriptions", "tasks")

    def __init__(self) -> None:
        self.executions: dict[str, Execution] = {}
        self.tasks: dict[str, Task] = {}
        self.jobs: dict[str, Job] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.incidents: dict[str, Incident] = {}


class MemoryStore:
    """The Store port kept in dictionaries; `apply` is atomic (a lock) and checks versions.

    Example::

        store = MemoryStore()
        engine = Engine(store)
        instance = engine.start(process, {"amount": 20000})
        [task.node_id for task in store.open_tasks(instance.id)]  # ["register"]
        store.history(instance.id)[0].node_id                     # "start"
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.instances: dict[str, Instance] = {}
        self.tasks: dict[str, Task] = {}
        self.jobs: dict[str, Job] = {}
        self.incidents: dict[str, Incident] = {}
        self._live: dict[str, _Live] = {}
        self._messages: dict[str, dict[str, Subscription]] = defaultdict(dict)
        self._signals: dict[str, dict[str, Subscription]] = defaultdict(dict)
        self._history: dict[str, list[HistoryRow]] = defaultdict(list)
        self.applied = 0

    # -- the port ---------------------------------------------------------------------------

    def load_instance_state(self, instance_id: str) -> InstanceState:
        instance = self.instances.get(instance_id)
        if instance is None:
            raise NotFound(f"process instance {instance_id!r} does not exist")
        live = self._live.get(instance_id)
        if live is None:
            return InstanceState(instance.clone())
        return InstanceState(
            instance.clone(),
            {key: row.clone() for key, row in live.executions.items()},
            {key: row.clone() for key, row in live.tasks.items()},
            {key: row.clone() for key, row in live.jobs.items()},
            {key: row.clone() for key, row in live.subscriptions.items()},
            {key: row.clone() for key, row in live.incidents.items()},
        )

    def load_task(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise NotFound(f"task {task_id!r} does not exist")
        return task.clone()

    def load_job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} does not exist")
        return job.clone()

    def load_incident(self, incident_id: str) -> Incident:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id!r} does not exist")
        return incident.clone()

    def find_message_subscriptions(self, name: str, correlation_key: str | None) -> list[Subscription]:
        found = [
            row.clone()
            for row in self._messages.get(name, {}).values()
            if correlation_key is None or row.correlation_key == correlation_key
        ]
        found.sort(key=lambda row: row.created_at)
        return found

    def find_signal_subscriptions(self, name: str) -> list[Subscription]:
        return [row.clone() for row in self._signals.get(name, {}).values()]

    def due_jobs(self, now: datetime, limit: int) -> list[Job]:
        due = sorted((job for job in self.jobs.values() if job.due_at <= now), key=lambda job: job.due_at)
        return [job.clone() for job in due[:limit]]

    def apply(self, changes: ChangeSet) -> None:
        with self._lock:
            for instance_id, expected in changes.expected_versions.items():
                current = self.instances.get(instance_id)
                found = 0 if current is None else current.version
                if found != expected:
                    raise ConcurrentModification(
                        f"process instance {instance_id!r} is at version {found}, expected {expected}"
                    )
            for job_id in changes.expected_jobs:
                if job_id not in self.jobs:
                    raise ConcurrentModification(f"job {job_id!r} was already fired")
            self._apply(changes)
            self.applied += 1

    # -- reads used by tests, benchmarks and the UI of a demo --------------------------------

    def open_tasks(self, instance_id: str | None = None) -> list[Task]:
        """Open tasks (of one instance, or all), oldest first."""
        if instance_id is None:
            rows = [task for task in self.tasks.values() if task.state is TaskState.OPEN]
        else:
            live = self._live.get(instance_id)
            rows = list(live.tasks.values()) if live else []
        rows.sort(key=lambda task: (task.created_at, task.id))
        return [row.clone() for row in rows]

    def history(self, instance_id: str) -> list[HistoryRow]:
        return list(self._history.get(instance_id, ()))

    def instance(self, instance_id: str) -> Instance:
        instance = self.instances.get(instance_id)
        if instance is None:
            raise NotFound(f"process instance {instance_id!r} does not exist")
        return instance.clone()

    def open_incidents(self, instance_id: str | None = None) -> list[Incident]:
        return [
            row.clone()
            for row in self.incidents.values()
            if row.state is IncidentState.OPEN and (instance_id is None or row.instance_id == instance_id)
        ]

    def subscriptions(self, instance_id: str) -> list[Subscription]:
        live = self._live.get(instance_id)
        return [row.clone() for row in live.subscriptions.values()] if live else []

    def instance_jobs(self, instance_id: str) -> list[Job]:
        live = self._live.get(instance_id)
        return [row.clone() for row in live.jobs.values()] if live else []

    def executions(self, instance_id: str) -> list[Execution]:
        live = self._live.get(instance_id)
        return [row.clone() for row in live.executions.values()] if live else []

    # -- writing ----------------------------------------------------------------------------

    def _live_of(self, instance_id: str) -> _Live:
        live = self._live.get(instance_id)
        if live is None:
            live = self._live[instance_id] = _Live()
        return live

    def _apply(self, changes: ChangeSet) -> None:
        instances = changes.instances
        for instance in instances.inserted.values():
            self.instances[instance.id] = instance
        for instance in instances.updated.values():
            self.instances[instance.id] = instance
        executions = changes.executions
        for row in executions.inserted.values():
            self._live_of(row.instance_id).executions[row.id] = row
        for row in executions.updated.values():
            self._live_of(row.instance_id).executions[row.id] = row
        for row in executions.deleted.values():
            self._live_of(row.instance_id).executions.pop(row.id, None)
        tasks = changes.tasks
        for changed in (tasks.inserted, tasks.updated):
            for task in changed.values():
                self.tasks[task.id] = task
                live_tasks = self._live_of(task.instance_id).tasks
                if task.state is TaskState.OPEN:
                    live_tasks[task.id] = task
                else:
                    live_tasks.pop(task.id, None)
        for task in tasks.deleted.values():
            self.tasks.pop(task.id, None)
            self._live_of(task.instance_id).tasks.pop(task.id, None)
        jobs = changes.jobs
        for changed_jobs in (jobs.inserted, jobs.updated):
            for job in changed_jobs.values():
                self.jobs[job.id] = job
                if job.instance_id is not None:
                    self._live_of(job.instance_id).jobs[job.id] = job
        for job in jobs.deleted.values():
            self.jobs.pop(job.id, None)
            if job.instance_id is not None:
                self._live_of(job.instance_id).jobs.pop(job.id, None)
        subscriptions = changes.subscriptions
        for changed_subscriptions in (subscriptions.inserted, subscriptions.updated):
            for subscription in changed_subscriptions.values():
                self._live_of(subscription.instance_id).subscriptions[subscription.id] = subscription
                index = self._index_of(subscription)
                if index is not None:
                    index[subscription.id] = subscription
        for subscription in subscriptions.deleted.values():
            self._live_of(subscription.instance_id).subscriptions.pop(subscription.id, None)
            index = self._index_of(subscription)
            if index is not None:
                index.pop(subscription.id, None)
        incidents = changes.incidents
        for changed_incidents in (incidents.inserted, incidents.updated):
            for incident in changed_incidents.values():
                self.incidents[incident.id] = incident
                live_incidents = self._live_of(incident.instance_id).incidents
                if incident.state is IncidentState.OPEN:
                    live_incidents[incident.id] = incident
                else:
                    live_incidents.pop(incident.id, None)
        for history_row in changes.history:
            self._history[history_row.instance_id].append(history_row)
        for instance in instances.updated.values():
            live = self._live.get(instance.id)
            if live is not None and not (
                live.executions or live.tasks or live.jobs or live.subscriptions or live.incidents
            ):
                del self._live[instance.id]

    def _index_of(self, subscription: Subscription) -> dict[str, Subscription] | None:
        if subscription.name is None:
            return None
        if subscription.kind is SubscriptionKind.MESSAGE:
            return self._messages[subscription.name]
        if subscription.kind is SubscriptionKind.SIGNAL:
            return self._signals[subscription.name]
        return None
