"""UnitOfWork: the rows one engine operation loaded, what it changed, and small row helpers."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from potok.engine.model.nodes import Node
from potok.engine.model.process import ProcessDefinition
from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import (
    Execution,
    HistoryRow,
    Incident,
    InstanceState,
    Job,
    Subscription,
    Task,
)
from potok.engine.runtime.states import (
    ExecutionState,
    IncidentState,
    JobKind,
    Outcome,
    SubscriptionKind,
    TaskKind,
    TaskState,
)
from potok.engine.store.port import Store

ProcessResolver = Callable[[str, str | None], ProcessDefinition]


class UnitOfWork:
    """Loads instance states through the store, tracks every row change, builds the ChangeSet.

    Example::

        unit = UnitOfWork(store, now, new_id, resolve)
        state = unit.load(instance_id)
        ...                      # the runner changes rows through the unit's helpers
        store.apply(unit.finish())
    """

    __slots__ = (
        "changes",
        "dirty_variables",
        "new_id",
        "now",
        "processes",
        "resolve",
        "sent_messages",
        "sent_signals",
        "states",
        "store",
    )

    def __init__(
        self, store: Store, now: datetime, new_id: Callable[[], str], resolve: ProcessResolver
    ) -> None:
        self.store = store
        self.now = now
        self.new_id = new_id
        self.resolve = resolve
        self.changes = ChangeSet()
        self.states: dict[str, InstanceState] = {}
        self.processes: dict[str, ProcessDefinition] = {}
        self.dirty_variables: set[str] = set()
        # Messages and signals thrown during the unit; the engine delivers them after commit.
        self.sent_messages: list[tuple[str, str | None, dict[str, Any]]] = []
        # (name, payload, instances that already got it inside this unit)
        self.sent_signals: list[tuple[str, dict[str, Any], frozenset[str]]] = []

    # -- loading ----------------------------------------------------------------------------

    def load(self, instance_id: str) -> InstanceState:
        state = self.states.get(instance_id)
        if state is None:
            state = self.store.load_instance_state(instance_id)
            self.states[instance_id] = state
            self.changes.expected_versions[instance_id] = state.instance.version
            instance = state.instance
            self.processes[instance_id] = self.resolve(instance.process_id, instance.version_key)
        return state

    def add_new(self, state: InstanceState, process: ProcessDefinition) -> None:
        instance_id = state.instance.id
        self.states[instance_id] = state
        self.processes[instance_id] = process
        self.changes.expected_versions[instance_id] = 0

    def finish(self) -> ChangeSet:
        """Bump every touched instance's version and return the ChangeSet to apply."""
        changes = self.changes
        for instance_id, state in self.states.items():
            instance = state.instance
            instance.version = changes.expected_versions[instance_id] + 1
            if changes.expected_versions[instance_id] == 0:
                changes.instances.insert(instance)
            else:
                changes.instances.update(instance)
        return changes

    # -- variables --------------------------------------------------------------------------

    def variables_for(self, execution: Execution | None, instance_id: str) -> Mapping[str, Any]:
        """The variables visible to an execution: its scopes' local variables over the instance's."""
        state = self.states[instance_id]
        base = state.instance.variables
        if execution is None:
            return base
        layers: list[Mapping[str, Any]] = []
        executions = state.executions
        current: Execution | None = execution
        while current is not None:
            if current.variables:
                layers.append(current.variables)
            current = executions.get(current.parent_id) if current.parent_id is not None else None
        if not layers:
            return base
        return ChainMap(*layers, base)  # type: ignore[arg-type]

    def set_variables(self, execution: Execution | None, instance_id: str, values: Mapping[str, Any]) -> None:
        """Write each value into the nearest scope that declares it, else into the instance."""
        if not values:
            return
        state = self.states[instance_id]
        base = state.instance.variables
        executions = state.executions
        for name, value in values.items():
            target = base
            current = execution
            while current is not None:
                local = current.variables
                if local is not None and name in local:
                    target = local
                    self.changes.executions.update(current)
                    break
                current = executions.get(current.parent_id) if current.parent_id is not None else None
            target[name] = value
        self.dirty_variables.add(instance_id)

    # -- rows -------------------------------------------------------------------------------

    def new_execution(
        self,
        instance_id: str,
        node_id: str,
        parent_id: str | None,
        *,
        flow_id: str | None = None,
        state: ExecutionState = ExecutionState.ACTIVE,
    ) -> Execution:
        execution = Execution(self.new_id(), instance_id, node_id, parent_id, state, self.now, flow_id)
        self.states[instance_id].executions[execution.id] = execution
        self.changes.executions.insert(execution)
        return execution

    def delete_execution(self, execution: Execution) -> None:
        execution.state = ExecutionState.COMPLETED
        self.states[execution.instance_id].executions.pop(execution.id, None)
        self.changes.executions.delete(execution)

    def history(self, execution: Execution, node: Node, outcome: Outcome, actor: str | None = None) -> None:
        self.changes.history.append(
            HistoryRow(
                execution.instance_id,
                node.id,
                node.kind.value,
                execution.id,
                execution.started_at,
                self.now,
                outcome,
                actor,
            )
        )

    def add_task(self, execution: Execution, node: Node, kind: TaskKind) -> Task:
        state = self.states[execution.instance_id]
        instance = state.instance
        task = Task(
            self.new_id(),
            instance.id,
            instance.process_id,
            node.id,
            execution.id,
            kind,
            TaskState.OPEN,
            node.name or node.id,
            self.now,
            instance.business_key,
        )
        state.tasks[task.id] = task
        self.changes.tasks.insert(task)
        return task

    def close_task(self, task: Task, new_state: TaskState, actor: str | None = None) -> None:
        task.state = new_state
        task.completed_at = self.now
        task.completed_by = actor
        self.states[task.instance_id].tasks.pop(task.id, None)
        self.changes.tasks.update(task)

    def add_job(
        self,
        instance_id: str,
        execution_id: str | None,
        kind: JobKind,
        node_id: str,
        due_at: datetime,
        *,
        repeat_count: int = 0,
    ) -> Job:
        job = Job(self.new_id(), instance_id, execution_id, kind, node_id, due_at, repeat_count=repeat_count)
        self.states[instance_id].jobs[job.id] = job
        self.changes.jobs.insert(job)
        return job

    def delete_job(self, job: Job) -> None:
        if job.instance_id is not None:
            self.states[job.instance_id].jobs.pop(job.id, None)
        self.changes.jobs.delete(job)

    def add_subscription(
        self,
        instance_id: str,
        execution_id: str | None,
        kind: SubscriptionKind,
        node_id: str,
        name: str | None,
        correlation_key: str | None,
    ) -> Subscription:
        subscription = Subscription(
            self.new_id(), instance_id, execution_id, kind, node_id, name, correlation_key, self.now
        )
        self.states[instance_id].subscriptions[subscription.id] = subscription
        self.changes.subscriptions.insert(subscription)
        return subscription

    def delete_subscription(self, subscription: Subscription) -> None:
        self.states[subscription.instance_id].subscriptions.pop(subscription.id, None)
        self.changes.subscriptions.delete(subscription)

    def clear_waits(self, execution_id: str | None, instance_id: str) -> None:
        """Delete the subscriptions and jobs that belong to an execution (or the process scope)."""
        state = self.states[instance_id]
        if state.subscriptions:
            for subscription in [s for s in state.subscriptions.values() if s.execution_id == execution_id]:
                self.delete_subscription(subscription)
        if state.jobs:
            for job in [j for j in state.jobs.values() if j.execution_id == execution_id]:
                self.delete_job(job)

    def add_incident(
        self,
        execution: Execution,
        message: str,
        job_id: str | None = None,
        phase: str = "enter",
        *,
        code: str = "",
        params: dict[str, str] | None = None,
    ) -> Incident:
        incident = Incident(
            self.new_id(),
            execution.instance_id,
            execution.id,
            execution.node_id,
            message,
            self.now,
            job_id=job_id,
            phase=phase,
            code=code,
            params=dict(params or {}),
        )
        self.states[execution.instance_id].incidents[incident.id] = incident
        self.changes.incidents.insert(incident)
        execution.state = ExecutionState.FAILED
        self.changes.executions.update(execution)
        return incident

    def resolve_incident(self, incident: Incident) -> None:
        incident.state = IncidentState.RESOLVED
        incident.resolved_at = self.now
        self.states[incident.instance_id].incidents.pop(incident.id, None)
        self.changes.incidents.update(incident)
