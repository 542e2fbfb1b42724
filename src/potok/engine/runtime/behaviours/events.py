"""Events: start, end, intermediate catch and throw, boundary events, event subprocesses,
error and escalation propagation, conditional events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from potok.engine.model.kinds import EventKind, NodeKind
from potok.engine.model.nodes import EventNode, Node
from potok.engine.runtime import incidents
from potok.engine.runtime.behaviours import waits
from potok.engine.runtime.rows import Execution, InstanceState
from potok.engine.runtime.runner import ENTER
from potok.engine.runtime.states import (
    ExecutionState,
    InstanceStatus,
    Outcome,
    SubscriptionKind,
)

if TYPE_CHECKING:
    from potok.engine.runtime.runner import Runner


def _event(node: Node) -> EventNode:
    assert isinstance(node, EventNode)
    return node


def enter_pass_through(runner: Runner, execution: Execution, node: Node) -> None:
    runner.complete(execution, node)


def enter_catch(runner: Runner, execution: Execution, node: Node) -> None:
    event = _event(node)
    kind = event.event_kind
    if kind in (EventKind.NONE, EventKind.LINK):
        runner.complete(execution, node)
        return
    if kind is EventKind.CONDITIONAL and event.definition.condition is not None:
        ok, value = runner.evaluate(
            execution, event.definition.condition, "the condition", subject="event_condition"
        )
        if not ok:
            return
        if value is True:
            runner.complete(execution, node)
            return
    if kind not in (EventKind.MESSAGE, EventKind.SIGNAL, EventKind.TIMER, EventKind.CONDITIONAL):
        runner.incident(
            execution,
            f"{node.label}: {kind.value} catch events are not supported",
            code=incidents.NODE_UNSUPPORTED,
            params=incidents.about(node, kind=kind.value),
        )
        return
    execution.state = ExecutionState.WAITING
    runner.unit.changes.executions.update(execution)
    waits.arm(runner, execution, execution.instance_id, node, execution.id)


def enter_throw(runner: Runner, execution: Execution, node: Node) -> None:
    event = _event(node)
    kind = event.event_kind
    if kind is EventKind.LINK:
        runner.unit.history(execution, node, Outcome.COMPLETED)
        assert event.link_target_id is not None
        execution.node_id = event.link_target_id
        execution.started_at = runner.unit.now
        runner.schedule(execution)
        return
    if not _throw(runner, execution, event):
        return
    if execution.id in runner.state(execution).executions and execution.state is ExecutionState.ACTIVE:
        runner.complete(execution, node)


def enter_end(runner: Runner, execution: Execution, node: Node) -> None:
    event = _event(node)
    kind = event.event_kind
    if kind is EventKind.TERMINATE:
        runner.unit.history(execution, node, Outcome.COMPLETED)
        terminate(runner, execution)
        return
    if kind is EventKind.ERROR:
        runner.unit.history(execution, node, Outcome.COMPLETED)
        code = event.definition.name
        if throw(runner, execution, EventKind.ERROR, code, own_boundaries=False):
            if execution.id in runner.state(execution).executions:
                runner.end_token(execution)
        else:
            runner.incident(
                execution,
                f"{node.label}: error {code or '(no code)'!r} is not caught anywhere",
                code=incidents.ERROR_UNCAUGHT,
                params=incidents.about(node, error_code=code or ""),
            )
        return
    if not _throw(runner, execution, event):
        return
    if execution.id in runner.state(execution).executions and execution.state is ExecutionState.ACTIVE:
        runner.complete(execution, node)


def _throw(runner: Runner, execution: Execution, event: EventNode) -> bool:
    """Side effects of a message/signal/escalation throw; False when the token must stop."""
    kind = event.event_kind
    if kind is EventKind.MESSAGE:
        send_message(runner, execution, event, event.definition.name)
    elif kind is EventKind.SIGNAL:
        if event.definition.name:
            broadcast_locally(runner, event.definition.name)
    elif kind is EventKind.ESCALATION:
        throw(runner, execution, EventKind.ESCALATION, event.definition.name, own_boundaries=False)
    elif kind in (EventKind.CANCEL, EventKind.COMPENSATE):
        runner.incident(
            execution,
            f"{event.label}: {kind.value} events are not supported",
            code=incidents.NODE_UNSUPPORTED,
            params=incidents.about(event, kind=kind.value),
        )
        return False
    return True


def broadcast_locally(runner: Runner, name: str) -> None:
    """A thrown signal reaches the instances of this unit of work at once (an event subprocess of the
    throwing instance must start before the instance can end); others get it after commit."""
    unit = runner.unit
    reached: set[str] = set()
    for instance_id, state in list(unit.states.items()):
        if state.instance.state is not InstanceStatus.RUNNING:
            continue
        for subscription in list(state.subscriptions.values()):
            if subscription.kind is SubscriptionKind.SIGNAL and subscription.name == name:
                if subscription.id in state.subscriptions:
                    waits.deliver(runner, state, subscription.node_id, subscription.execution_id, None)
                reached.add(instance_id)
    unit.sent_signals.append((name, {}, frozenset(reached)))


def send_message(runner: Runner, execution: Execution, node: Node, name: str | None) -> None:
    """Queue a message; the engine correlates it after this unit of work is saved."""
    if not name:
        return
    try:
        key = waits.correlation_key(runner, execution, execution.instance_id, node)
    except Exception as error:  # a user's correlation expression failed
        runner.incident(
            execution,
            f"{node.label}: the correlation key failed: {error}",
            code=incidents.CORRELATION_FAILED,
            params=incidents.about(node, error=error),
        )
        return
    payload = dict(runner.variables(execution))
    runner.unit.sent_messages.append((name, key, payload))


def terminate(runner: Runner, execution: Execution) -> None:
    """A terminate end event ends its whole scope: every other token there is cancelled."""
    state = runner.state(execution)
    scope_id = execution.parent_id
    runner.unit.delete_execution(execution)
    for other in [e for e in state.executions.values() if e.parent_id == scope_id]:
        runner.cancel(other, Outcome.TERMINATED)
    if scope_id is None:
        runner.complete_instance(state, InstanceStatus.TERMINATED)
    else:
        runner.scope_check(execution.instance_id, scope_id)


def trigger_boundary(
    runner: Runner, activity: Execution, boundary: EventNode, payload: Mapping[str, Any] | None
) -> None:
    """A boundary event fires on `activity`: interrupt it (or not) and start a token at the event."""
    unit = runner.unit
    parent_id = activity.parent_id
    instance_id = activity.instance_id
    if boundary.interrupting:
        runner.cancel(activity, Outcome.INTERRUPTED)
    token = unit.new_execution(instance_id, boundary.id, parent_id)
    if payload:
        unit.set_variables(token, instance_id, payload)
    runner.agenda.append(token)


def trigger_event_sub_process(
    runner: Runner,
    state: InstanceState,
    scope: Execution | None,
    start: EventNode,
    payload: Mapping[str, Any] | None,
) -> None:
    """An event subprocess starts in `scope` (None: the process); an interrupting one cancels the rest."""
    unit = runner.unit
    instance_id = state.instance.id
    scope_id = scope.id if scope is not None else None
    process = unit.processes[instance_id]
    if start.interrupting:
        for other in [e for e in state.executions.values() if e.parent_id == scope_id]:
            runner.cancel(other, Outcome.INTERRUPTED)
        owner_scope = process.scopes[scope.node_id] if scope is not None else process.scope
        starts = set(owner_scope.event_start_ids)
        for subscription in [s for s in state.subscriptions.values() if s.execution_id == scope_id]:
            if subscription.node_id in starts:
                unit.delete_subscription(subscription)
        for job in [j for j in state.jobs.values() if j.execution_id == scope_id]:
            if job.node_id in starts:
                unit.delete_job(job)
    sub_process = unit.new_execution(instance_id, start.scope_id, scope_id, state=ExecutionState.SCOPE)
    token = unit.new_execution(instance_id, start.id, sub_process.id)
    if payload:
        unit.set_variables(token, instance_id, payload)
    runner.agenda.append(token)


def _matches(node: Node, kind: EventKind, code: str | None) -> bool:
    if not isinstance(node, EventNode) or node.event_kind is not kind:
        return False
    caught = node.definition.name
    return caught is None or caught == code


def _payload(node: EventNode, code: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if node.definition.code_variable and code is not None:
        payload[node.definition.code_variable] = code
    return payload


def throw(
    runner: Runner, execution: Execution, kind: EventKind, code: str | None, *, own_boundaries: bool
) -> bool:
    """Find the handler of an error or escalation, innermost scope first, then callers. True if caught.

    Handlers are, per level: event subprocesses of the scope with a matching start event, then
    boundary events on the activity that owns the scope. `own_boundaries` also checks the
    boundaries of the throwing activity itself (a service task or a call activity).
    """
    unit = runner.unit
    state = runner.state(execution)
    process = unit.processes[execution.instance_id]
    nodes = process.nodes
    executions = state.executions
    if own_boundaries:
        node = nodes[execution.node_id]
        activity = (
            executions[execution.parent_id]
            if execution.mi_role == "inner" and execution.parent_id
            else execution
        )
        for boundary_id in node.boundary_ids:
            boundary = nodes[boundary_id]
            if _matches(boundary, kind, code):
                assert isinstance(boundary, EventNode)
                trigger_boundary(runner, activity, boundary, _payload(boundary, code))
                return True
    scope_id = execution.parent_id
    while True:
        scope_execution = executions.get(scope_id) if scope_id is not None else None
        if scope_id is not None and scope_execution is None:
            return False
        scope = process.scope if scope_execution is None else process.scopes.get(scope_execution.node_id)
        if scope is not None:
            for start_id in scope.event_start_ids:
                start = nodes[start_id]
                if _matches(start, kind, code):
                    assert isinstance(start, EventNode)
                    trigger_event_sub_process(runner, state, scope_execution, start, _payload(start, code))
                    return True
        if scope_execution is None:
            break
        activity = scope_execution
        if scope_execution.mi_role == "inner" and scope_execution.parent_id is not None:
            activity = executions[scope_execution.parent_id]
        owner = nodes[scope_execution.node_id]
        for boundary_id in owner.boundary_ids:
            boundary = nodes[boundary_id]
            if _matches(boundary, kind, code):
                assert isinstance(boundary, EventNode)
                trigger_boundary(runner, activity, boundary, _payload(boundary, code))
                return True
        scope_id = activity.parent_id
    instance = state.instance
    if instance.parent_instance_id is None or instance.parent_execution_id is None:
        return False
    parent = unit.load(instance.parent_instance_id)
    call = parent.executions.get(instance.parent_execution_id)
    if call is None:
        return False
    return throw(runner, call, kind, code, own_boundaries=True)


def check_conditions(runner: Runner) -> bool:
    """Variables changed: conditional events whose condition became true fire. True if any did."""
    unit = runner.unit
    fired = False
    dirty = list(unit.dirty_variables)
    unit.dirty_variables.clear()
    for instance_id in dirty:
        state = unit.states[instance_id]
        nodes = unit.processes[instance_id].nodes
        for subscription in list(state.subscriptions.values()):
            if (
                subscription.kind is not SubscriptionKind.CONDITIONAL
                or subscription.id not in state.subscriptions
            ):
                continue
            node = nodes[subscription.node_id]
            assert isinstance(node, EventNode)
            condition = node.definition.condition
            if condition is None:
                continue
            owner = state.executions.get(subscription.execution_id) if subscription.execution_id else None
            try:
                result = condition.evaluate(unit.variables_for(owner, instance_id)) is True
            except Exception:  # a condition that cannot be evaluated yet simply does not fire
                result = False
            if result == subscription.last_result:
                continue
            subscription.last_result = result
            unit.changes.subscriptions.update(subscription)
            if result and waits.deliver(runner, state, node.id, subscription.execution_id, None):
                fired = True
    return fired


ENTER[NodeKind.START_EVENT] = enter_pass_through
ENTER[NodeKind.BOUNDARY_EVENT] = enter_pass_through
ENTER[NodeKind.INTERMEDIATE_CATCH_EVENT] = enter_catch
ENTER[NodeKind.INTERMEDIATE_THROW_EVENT] = enter_throw
ENTER[NodeKind.END_EVENT] = enter_end
