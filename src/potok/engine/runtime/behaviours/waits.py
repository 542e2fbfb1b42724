"""Setting up what a token waits for (subscriptions, timer jobs) and delivering what arrives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from potok.engine.model.kinds import EventKind, NodeKind
from potok.engine.model.nodes import EventNode, Node, Scope, TaskNode
from potok.engine.runtime import incidents
from potok.engine.runtime.rows import Execution, InstanceState
from potok.engine.runtime.states import ExecutionState, JobKind, Outcome, SubscriptionKind, TaskState
from potok.engine.runtime.timers import TimerError, first_due

if TYPE_CHECKING:
    from potok.engine.runtime.runner import Runner


def correlation_key(runner: Runner, execution: Execution | None, instance_id: str, node: Node) -> str | None:
    """The key a message catcher listens on: its correlation expression, else the business key."""
    condition = None
    if isinstance(node, EventNode):
        condition = node.definition.correlation
    elif isinstance(node, TaskNode):
        condition = node.correlation
    state = runner.unit.states[instance_id]
    if condition is None:
        return state.instance.business_key
    value = condition.evaluate(runner.unit.variables_for(execution, instance_id))
    return None if value is None else str(value)


def arm(
    runner: Runner, execution: Execution | None, instance_id: str, node: Node, owner_id: str | None
) -> bool:
    """Make `owner_id` (a token, an activity, a scope) wait for `node`'s event. False: incident raised."""
    unit = runner.unit
    if isinstance(node, TaskNode):  # a receive task after an event-based gateway
        if node.message_name:
            key = correlation_key(runner, execution, instance_id, node)
            unit.add_subscription(
                instance_id, owner_id, SubscriptionKind.MESSAGE, node.id, node.message_name, key
            )
        return True
    if not isinstance(node, EventNode):
        return True
    kind = node.event_kind
    definition = node.definition
    if kind is EventKind.MESSAGE:
        try:
            key = correlation_key(runner, execution, instance_id, node)
        except Exception as error:  # a user's correlation expression failed
            return _fail(
                runner,
                execution,
                f"{node.label}: the correlation key failed: {error}",
                incidents.CORRELATION_FAILED,
                incidents.about(node, error=error),
            )
        unit.add_subscription(instance_id, owner_id, SubscriptionKind.MESSAGE, node.id, definition.name, key)
    elif kind is EventKind.SIGNAL:
        unit.add_subscription(instance_id, owner_id, SubscriptionKind.SIGNAL, node.id, definition.name, None)
    elif kind is EventKind.CONDITIONAL:
        unit.add_subscription(instance_id, owner_id, SubscriptionKind.CONDITIONAL, node.id, None, None)
    elif kind is EventKind.TIMER:
        if definition.timer is None:
            return _fail(
                runner,
                execution,
                f"{node.label}: the timer has no value",
                incidents.TIMER_NO_VALUE,
                incidents.about(node),
            )
        try:
            due = first_due(
                definition.timer,
                unit.variables_for(execution, instance_id),
                unit.now,
                runner.services.calendar,
            )
        except TimerError as error:
            return _fail(
                runner,
                execution,
                f"{node.label}: {error}",
                incidents.TIMER_INVALID,
                incidents.about(node, error=error),
            )
        unit.add_job(instance_id, owner_id, JobKind.TIMER, node.id, due)
    return True


def _fail(
    runner: Runner, execution: Execution | None, message: str, code: str, params: dict[str, str]
) -> bool:
    if execution is not None:
        runner.incident(execution, message, code=code, params=params)
    return False


def arm_boundaries(runner: Runner, execution: Execution, node: Node) -> None:
    """An activity started waiting: its timer/message/signal/conditional boundary events listen."""
    if not node.boundary_ids:
        return
    nodes = runner.unit.processes[execution.instance_id].nodes
    for boundary_id in node.boundary_ids:
        boundary = nodes[boundary_id]
        if isinstance(boundary, EventNode) and boundary.event_kind not in (
            EventKind.ERROR,
            EventKind.ESCALATION,
        ):
            arm(runner, execution, execution.instance_id, boundary, execution.id)


def arm_scope(runner: Runner, scope_execution: Execution | None, instance_id: str, scope: Scope) -> None:
    """A scope started: the start events of its event subprocesses listen (errors are found when thrown)."""
    if not scope.event_start_ids:
        return
    nodes = runner.unit.processes[instance_id].nodes
    owner_id = scope_execution.id if scope_execution is not None else None
    for start_id in scope.event_start_ids:
        start = nodes[start_id]
        if isinstance(start, EventNode) and start.event_kind not in (EventKind.ERROR, EventKind.ESCALATION):
            arm(runner, scope_execution, instance_id, start, owner_id)


def deliver(
    runner: Runner,
    state: InstanceState,
    node_id: str,
    owner_id: str | None,
    payload: Mapping[str, Any] | None,
) -> bool:
    """Something a subscription or timer waited for happened at `node_id`. True if it was taken."""
    from potok.engine.runtime.behaviours import events

    unit = runner.unit
    instance_id = state.instance.id
    nodes = unit.processes[instance_id].nodes
    node = nodes[node_id]
    owner = state.executions.get(owner_id) if owner_id is not None else None
    if owner_id is not None and owner is None:
        return False
    if isinstance(node, EventNode) and node.kind is NodeKind.BOUNDARY_EVENT:
        assert owner is not None
        events.trigger_boundary(runner, owner, node, payload)
        return True
    if isinstance(node, EventNode) and node.kind is NodeKind.START_EVENT:
        events.trigger_event_sub_process(runner, state, owner, node, payload)
        return True
    if owner is None or owner.state is not ExecutionState.WAITING:
        return False
    if owner.node_id != node_id:
        # The token waits at an event-based gateway: this event wins, the others stop listening.
        gateway = nodes[owner.node_id]
        unit.clear_waits(owner.id, instance_id)
        unit.history(owner, gateway, Outcome.COMPLETED)
        owner.node_id = node_id
        owner.started_at = unit.now
    if payload:
        unit.set_variables(owner, instance_id, payload)
    if state.tasks:
        for task in [t for t in state.tasks.values() if t.execution_id == owner.id]:
            unit.close_task(task, TaskState.COMPLETED)
    owner.state = ExecutionState.ACTIVE
    unit.changes.executions.update(owner)
    runner.complete(owner, node)
    return True
