"""Runtime rows: the relational state of instances. The Django layer maps each class to a table.

Every class is a small mutable dataclass with slots; `clone()` gives an independent copy (stores
hand out clones so a failed unit of work never touches stored rows).

Indexes the product needs (the in-memory store keeps the same ones):
- Task: (state, …addressing…) for the inbox, (instance_id) for an instance's tasks;
- Job: (due_at) for due timers; Subscription: (kind, name, correlation_key) and (instance_id);
- Execution, Incident: (instance_id). History: (instance_id, started_at).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from potok.engine.runtime.states import (
    ExecutionState,
    IncidentState,
    InstanceStatus,
    JobKind,
    Outcome,
    SubscriptionKind,
    TaskKind,
    TaskState,
)


@dataclass(slots=True)
class Instance:
    """A process instance: which version it runs, its variables and its optimistic-lock version.

    Example::

        instance = engine.start(process, {"amount": 20000}, business_key="C-17")
        instance.state is InstanceStatus.RUNNING and instance.variables["amount"] == 20000
    """

    id: str
    process_id: str
    version_key: str
    state: InstanceStatus
    business_key: str | None
    variables: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None = None
    # Incremented by every unit of work that changes the instance or any of its rows.
    version: int = 0
    # Set when a call activity started this instance.
    parent_instance_id: str | None = None
    parent_execution_id: str | None = None

    def clone(self) -> Instance:
        return Instance(
            self.id,
            self.process_id,
            self.version_key,
            self.state,
            self.business_key,
            dict(self.variables),
            self.started_at,
            self.ended_at,
            self.version,
            self.parent_instance_id,
            self.parent_execution_id,
        )


@dataclass(slots=True)
class Execution:
    """A token, or a scope holding tokens (subprocess, multi-instance body, event subprocess).

    `parent_id` is the scope execution the token lives in (None: the process itself). Multi-instance
    bodies count instances in `mi_total`/`mi_completed`; inner instances carry their index in
    `loop_counter` and their local variables (element variable, loopCounter) in `variables`.

    Example::

        token = state.executions[task.execution_id]
        token.node_id == "register" and token.state is ExecutionState.WAITING
    """

    id: str
    instance_id: str
    node_id: str
    parent_id: str | None
    state: ExecutionState
    started_at: datetime
    flow_id: str | None = None
    loop_counter: int = 0
    mi_role: str | None = None  # "body" or "inner" for multi-instance activities
    mi_total: int = 0
    mi_completed: int = 0
    variables: dict[str, Any] | None = None
    # The instance a call activity started (so cancelling the call cancels it too).
    called_instance_id: str | None = None

    def clone(self) -> Execution:
        return Execution(
            self.id,
            self.instance_id,
            self.node_id,
            self.parent_id,
            self.state,
            self.started_at,
            self.flow_id,
            self.loop_counter,
            self.mi_role,
            self.mi_total,
            self.mi_completed,
            None if self.variables is None else dict(self.variables),
            self.called_instance_id,
        )


@dataclass(slots=True)
class Task:
    """A task waiting for a person (user/manual) or a message (receive): the inbox row.

    Example::

        task = store.open_tasks(instance.id)[0]
        engine.complete_task(task.id, {"amount": 5000}, actor="ivanov")
    """

    id: str
    instance_id: str
    process_id: str
    node_id: str
    execution_id: str
    kind: TaskKind
    state: TaskState
    name: str
    created_at: datetime
    business_key: str | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    data: dict[str, Any] | None = None

    def clone(self) -> Task:
        return Task(
            self.id,
            self.instance_id,
            self.process_id,
            self.node_id,
            self.execution_id,
            self.kind,
            self.state,
            self.name,
            self.created_at,
            self.business_key,
            self.completed_at,
            self.completed_by,
            None if self.data is None else dict(self.data),
        )


@dataclass(slots=True)
class Job:
    """Work due at a time: a timer or an async continuation. The caller fires it with `fire_job`.

    Start timers have no instance: they carry the process id and version to start.

    Example::

        for job in store.due_jobs(now, limit=100):
            engine.fire_job(job.id)
    """

    id: str
    instance_id: str | None
    execution_id: str | None
    kind: JobKind
    node_id: str
    due_at: datetime
    attempts: int = 0
    # How many times a cycle timer has fired so far.
    repeat_count: int = 0
    process_id: str | None = None
    version_key: str | None = None

    def clone(self) -> Job:
        return Job(
            self.id,
            self.instance_id,
            self.execution_id,
            self.kind,
            self.node_id,
            self.due_at,
            self.attempts,
            self.repeat_count,
            self.process_id,
            self.version_key,
        )


@dataclass(slots=True)
class Subscription:
    """An instance waiting for a message, a signal or a condition, at `node_id`.

    `execution_id` is the waiting token (catch event, receive task, event-based gateway), the
    activity a boundary event is attached to, or the scope of an event subprocess (None: process).

    Example::

        store.find_message_subscriptions("payment_received", "order-17")
    """

    id: str
    instance_id: str
    execution_id: str | None
    kind: SubscriptionKind
    node_id: str
    name: str | None
    correlation_key: str | None
    created_at: datetime
    # Conditional events fire when their condition becomes true: the last evaluation.
    last_result: bool = False

    def clone(self) -> Subscription:
        return Subscription(
            self.id,
            self.instance_id,
            self.execution_id,
            self.kind,
            self.node_id,
            self.name,
            self.correlation_key,
            self.created_at,
            self.last_result,
        )


@dataclass(slots=True)
class Incident:
    """An automatic step that failed and waits for a person: fix the cause, then `retry_incident`.

    `message` is English, for the API and logs; `code` and `params` say the same for an adapter that words
    it in the reader's language (an empty code: only the message is known).

    Example::

        incident.message == "serviceTask 'charge': no action 'payments.charge' is registered"
        incident.code == "action.unknown"
        incident.params == {"node": "charge", "node_id": "charge", "action": "payments.charge"}
    """

    id: str
    instance_id: str
    execution_id: str | None
    node_id: str
    message: str
    created_at: datetime
    state: IncidentState = IncidentState.OPEN
    job_id: str | None = None
    resolved_at: datetime | None = None
    # Where the step failed: "enter" (retry runs the node again) or "leave" (retry takes its flows).
    phase: str = "enter"
    # What failed, stable across releases ("gateway.no_true_condition", "action.failed", …), and its
    # JSON-safe details (node, node_id, flow, error, …, all strings); see potok.engine.runtime.incidents.
    code: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def clone(self) -> Incident:
        return Incident(
            self.id,
            self.instance_id,
            self.execution_id,
            self.node_id,
            self.message,
            self.created_at,
            self.state,
            self.job_id,
            self.resolved_at,
            self.phase,
            self.code,
            dict(self.params),
        )


@dataclass(slots=True, frozen=True)
class HistoryRow:
    """One node instance, appended when it ends (active nodes are visible as executions).

    Rows are only ever inserted, so they carry no id: the database assigns one.

    Example::

        [row.node_id for row in store.history(instance.id)]  # ["start", "register", ...]
    """

    instance_id: str
    node_id: str
    node_kind: str
    execution_id: str
    started_at: datetime
    ended_at: datetime
    outcome: Outcome
    actor: str | None = None


@dataclass(slots=True)
class InstanceState:
    """Everything live of one instance: what an operation loads and changes.

    History and finished tasks are not loaded: they are only ever appended or updated by id.

    Example::

        state = store.load_instance_state(instance_id)
        [task.node_id for task in state.tasks.values()]  # the open tasks
    """

    instance: Instance
    executions: dict[str, Execution] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)

    def clone(self) -> InstanceState:
        return InstanceState(
            self.instance.clone(),
            {key: row.clone() for key, row in self.executions.items()},
            {key: row.clone() for key, row in self.tasks.items()},
            {key: row.clone() for key, row in self.jobs.items()},
            {key: row.clone() for key, row in self.subscriptions.items()},
            {key: row.clone() for key, row in self.incidents.items()},
        )
