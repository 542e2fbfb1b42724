"""Two workers completing parallel branches at the same moment: the join fires exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from potok.engine import ConcurrentModification, Engine, InMemoryDefinitions, InstanceStatus, MemoryStore
from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import Incident, InstanceState, Job, Subscription, Task
from tests.engine.support import read_model


class SameMomentStore:
    """Wraps a MemoryStore; while frozen, every load sees the instance as it was when frozen,
    as concurrent transactions that all started at the same moment would."""

    def __init__(self, inner: MemoryStore) -> None:
        self.inner = inner
        self.frozen: InstanceState | None = None

    def freeze(self, instance_id: str) -> None:
        self.frozen = self.inner.load_instance_state(instance_id)

    def thaw(self) -> None:
        self.frozen = None

    def load_instance_state(self, instance_id: str) -> InstanceState:
        if self.frozen is not None and self.frozen.instance.id == instance_id:
            return self.frozen.clone()
        return self.inner.load_instance_state(instance_id)

    def load_task(self, task_id: str) -> Task:
        return self.inner.load_task(task_id)

    def load_job(self, job_id: str) -> Job:
        return self.inner.load_job(job_id)

    def load_incident(self, incident_id: str) -> Incident:
        return self.inner.load_incident(incident_id)

    def find_message_subscriptions(self, name: str, correlation_key: str | None) -> list[Subscription]:
        return self.inner.find_message_subscriptions(name, correlation_key)

    def find_signal_subscriptions(self, name: str) -> list[Subscription]:
        return self.inner.find_signal_subscriptions(name)

    def due_jobs(self, now: datetime, limit: int) -> list[Job]:
        return self.inner.due_jobs(now, limit)

    def apply(self, changes: ChangeSet) -> None:
        self.inner.apply(changes)


def test_fifty_branches_completed_at_the_same_moment_join_exactly_once() -> None:
    # given an instance with 50 parallel user tasks
    inner = MemoryStore()
    store = SameMomentStore(inner)
    definitions = InMemoryDefinitions([read_model("parallel_50.bpmn")])
    engine = Engine(store, definitions=definitions)
    process = definitions.get("parallel_50")
    assert process is not None
    instance = engine.start(process)
    pending = [task.id for task in inner.open_tasks(instance.id)]
    assert len(pending) == 50
    # when 50 workers complete them at the same moment, retrying after each conflict
    conflicts = 0
    rounds = 0
    while pending:
        rounds += 1
        store.freeze(instance.id)
        retry: list[str] = []
        for task_id in pending:
            try:
                engine.complete_task(task_id, {f"done_{task_id[-4:]}": True})
            except ConcurrentModification:
                conflicts += 1
                retry.append(task_id)
        store.thaw()
        pending = retry
    # then each round let exactly one through, and the join fired once
    assert rounds == 50
    assert conflicts == 49 * 50 // 2
    assert [task.node_id for task in inner.open_tasks(instance.id)] == ["after"]
    history: list[Any] = inner.history(instance.id)
    assert sum(1 for row in history if row.node_id == "join") == 50
    assert len(inner.executions(instance.id)) == 1
    variables = inner.instance(instance.id).variables
    assert len(variables) == 50
    engine.complete_task(inner.open_tasks(instance.id)[0].id)
    assert inner.instance(instance.id).state is InstanceStatus.COMPLETED
    assert sum(1 for row in inner.history(instance.id) if row.node_id == "end") == 1
