"""Activities: human tasks, receive/send/service/script/business rule tasks, subprocesses, call activities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from potok.engine.errors import EngineError
from potok.engine.model.kinds import EventKind, NodeKind
from potok.engine.model.nodes import CallActivityNode, Node, TaskNode
from potok.engine.model.specs import CallSpec
from potok.engine.runtime import incidents
from potok.engine.runtime.actions import ActionContext, ActionError
from potok.engine.runtime.behaviours import events, waits
from potok.engine.runtime.rows import Execution, Instance, InstanceState
from potok.engine.runtime.runner import ENTER
from potok.engine.runtime.states import (
    ExecutionState,
    InstanceStatus,
    SubscriptionKind,
    TaskKind,
)

if TYPE_CHECKING:
    from potok.engine.runtime.runner import Runner

# A call activity deeper than this is refused: a call cycle would otherwise never stop starting.
MAX_CALL_DEPTH = 20

_TASK_KINDS = {
    NodeKind.USER_TASK: TaskKind.USER,
    NodeKind.MANUAL_TASK: TaskKind.MANUAL,
    # A task without a type is work for a person, as a box drawn in a modeler usually means.
    NodeKind.TASK: TaskKind.MANUAL,
}


def _task(node: Node) -> TaskNode:
    assert isinstance(node, TaskNode)
    return node


def _wait(runner: Runner, execution: Execution, node: Node) -> None:
    execution.state = ExecutionState.WAITING
    runner.unit.changes.executions.update(execution)
    if node.boundary_ids and execution.mi_role != "inner":
        waits.arm_boundaries(runner, execution, node)


def enter_human_task(runner: Runner, execution: Execution, node: Node) -> None:
    runner.unit.add_task(execution, node, _TASK_KINDS[node.kind])
    _wait(runner, execution, node)


def enter_receive_task(runner: Runner, execution: Execution, node: Node) -> None:
    task = _task(node)
    unit = runner.unit
    unit.add_task(execution, node, TaskKind.RECEIVE)
    if task.message_name:
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
        unit.add_subscription(
            execution.instance_id, execution.id, SubscriptionKind.MESSAGE, node.id, task.message_name, key
        )
    _wait(runner, execution, node)


def enter_script_task(runner: Runner, execution: Execution, node: Node) -> None:
    script = _task(node).script
    if script is None:
        runner.incident(
            execution,
            f"{node.label}: the script does not compile",
            code=incidents.SCRIPT_INVALID,
            params=incidents.about(node),
        )
        return
    try:
        results = script.run(runner.variables(execution))
    except Exception as error:  # a user's script failed: an incident, not a crash
        runner.incident(
            execution,
            f"{node.label}: the script failed: {error}",
            code=incidents.SCRIPT_FAILED,
            params=incidents.about(node, error=error),
        )
        return
    runner.unit.set_variables(execution, execution.instance_id, results)
    runner.complete(execution, node)


def enter_service_task(runner: Runner, execution: Execution, node: Node) -> None:
    task = _task(node)
    if task.kind is NodeKind.SEND_TASK and not task.action:
        events.send_message(runner, execution, node, task.message_name)
        if execution.state is ExecutionState.ACTIVE:
            runner.complete(execution, node)
        return
    if not task.action:
        runner.incident(
            execution,
            f"{node.label} names no action",
            code=incidents.ACTION_MISSING,
            params=incidents.about(node),
        )
        return
    action = runner.services.actions.get(task.action)
    if action is None:
        runner.incident(
            execution,
            f"{node.label}: no action {task.action!r} is registered",
            code=incidents.ACTION_UNKNOWN,
            params=incidents.about(node, action=task.action),
        )
        return
    variables = runner.variables(execution)
    parameters: dict[str, Any] = {}
    for name, condition in task.action_parameters.items():
        ok, value = runner.evaluate(
            execution, condition, f"parameter {name!r}", subject="action_parameter", parameter=name
        )
        if not ok:
            return
        parameters[name] = value
    instance = runner.state(execution).instance
    context = ActionContext(
        instance.id,
        instance.process_id,
        node.id,
        execution.id,
        instance.business_key,
        variables,
        parameters,
        runner.unit.now,
    )
    try:
        result = action(context)
    except ActionError as error:
        if not events.throw(runner, execution, EventKind.ERROR, error.code, own_boundaries=True):
            runner.incident(
                execution,
                f"{node.label}: error {error.code!r} is not caught anywhere: {error.message}",
                code=incidents.ERROR_UNCAUGHT,
                params=incidents.about(node, error_code=error.code, error=error.message),
            )
        return
    except Exception as error:  # an action's failure becomes an incident the administrator retries
        runner.incident(
            execution,
            f"{node.label}: action {task.action!r} failed: {error}",
            code=incidents.ACTION_FAILED,
            params=incidents.about(node, action=task.action, error=error),
        )
        return
    if result:
        runner.unit.set_variables(execution, execution.instance_id, result)
    runner.complete(execution, node)


def enter_business_rule_task(runner: Runner, execution: Execution, node: Node) -> None:
    task = _task(node)
    provider = runner.services.decisions
    decision = provider.get(task.decision_ref) if provider is not None and task.decision_ref else None
    if decision is None:
        runner.incident(
            execution,
            f"{node.label}: decision {task.decision_ref!r} is not available",
            code=incidents.DECISION_UNAVAILABLE,
            params=incidents.about(node, decision=task.decision_ref or ""),
        )
        return
    try:
        result = decision.evaluate(runner.variables(execution))
    except Exception as error:  # a decision that fails on these inputs is an incident
        runner.incident(
            execution,
            f"{node.label}: decision {task.decision_ref!r} failed: {error}",
            code=incidents.DECISION_FAILED,
            params=incidents.about(node, decision=task.decision_ref or "", error=error),
        )
        return
    values: dict[str, Any]
    if result is None and not task.result_variable:
        values = {}  # no rule matched and nowhere to say so
    elif task.result_variable:
        values = {task.result_variable: result}
    elif isinstance(result, Mapping):
        values = dict(result)
    elif isinstance(result, list) and len(result) == 1 and isinstance(result[0], Mapping):
        values = dict(result[0])
    else:
        values = {"result": result}
    runner.unit.set_variables(execution, execution.instance_id, values)
    runner.complete(execution, node)


def enter_sub_process(runner: Runner, execution: Execution, node: Node) -> None:
    process = runner.process(execution)
    scope = process.scopes[node.id]
    if not scope.start_ids:
        runner.incident(
            execution,
            f"{node.label} has no plain start event",
            code=incidents.SUBPROCESS_NO_START,
            params=incidents.about(node),
        )
        return
    execution.state = ExecutionState.SCOPE
    runner.unit.changes.executions.update(execution)
    if node.boundary_ids and execution.mi_role != "inner":
        waits.arm_boundaries(runner, execution, node)
    waits.arm_scope(runner, execution, execution.instance_id, scope)
    runner.agenda.append(runner.unit.new_execution(execution.instance_id, scope.start_ids[0], execution.id))


def enter_call_activity(runner: Runner, execution: Execution, node: Node) -> None:
    assert isinstance(node, CallActivityNode)
    call = node.call
    if call is None:
        runner.incident(
            execution,
            f"{node.label} has no calledElement",
            code=incidents.CALL_NO_CALLED_ELEMENT,
            params=incidents.about(node),
        )
        return
    try:
        called = runner.unit.resolve(call.called_element, call.version)
    except EngineError as error:
        runner.incident(
            execution,
            f"{node.label}: {error}",
            code=incidents.CALL_UNRESOLVED,
            params=incidents.about(node, process=call.called_element, error=error),
        )
        return
    depth = _call_depth(runner, runner.state(execution))
    if depth >= MAX_CALL_DEPTH:
        runner.incident(
            execution,
            f"{node.label}: calls are nested {depth} deep; is there a call cycle (A calls B calls A)?",
            code=incidents.CALL_TOO_DEEP,
            params=incidents.about(node, depth=depth),
        )
        return
    inputs = _map(runner, execution, call, runner.variables(execution), outputs=False)
    if inputs is None:
        return
    _wait(runner, execution, node)
    from potok.engine.runtime.starting import create_instance

    parent = runner.state(execution).instance
    try:
        child = create_instance(
            runner,
            called,
            inputs,
            parent.business_key,
            None,
            parent_instance_id=parent.id,
            parent_execution_id=execution.id,
        )
    except EngineError as error:
        runner.incident(
            execution,
            f"{node.label}: {error}",
            code=incidents.CALL_START_FAILED,
            params=incidents.about(node, process=call.called_element, error=error),
        )
        return
    execution.called_instance_id = child.instance.id


def _call_depth(runner: Runner, state: InstanceState) -> int:
    depth = 0
    instance = state.instance
    while instance.parent_instance_id is not None and depth < MAX_CALL_DEPTH:
        instance = runner.unit.load(instance.parent_instance_id).instance
        depth += 1
    return depth


def _map(
    runner: Runner, execution: Execution, call: CallSpec, source: Mapping[str, Any], *, outputs: bool
) -> dict[str, Any] | None:
    mappings = call.outputs if outputs else call.inputs
    everything = call.all_out if outputs else call.all_in
    result: dict[str, Any] = dict(source) if everything else {}
    for mapping in mappings:
        try:
            result[mapping.target] = mapping.source.evaluate(source)
        except Exception as error:  # a user's mapping expression failed
            node = runner.process(execution).nodes[execution.node_id]
            runner.incident(
                execution,
                f"callActivity: mapping to {mapping.target!r} failed: {error}",
                code=incidents.CALL_MAPPING_FAILED,
                params=incidents.about(node, target=mapping.target, error=error),
            )
            return None
    return result


def resume_caller(runner: Runner, child: InstanceState) -> None:
    """A called instance finished: its call activity takes the outputs and goes on."""
    instance: Instance = child.instance
    assert instance.parent_instance_id is not None and instance.parent_execution_id is not None
    parent = runner.unit.load(instance.parent_instance_id)
    if parent.instance.state is not InstanceStatus.RUNNING:
        return
    execution = parent.executions.get(instance.parent_execution_id)
    if execution is None or execution.state is not ExecutionState.WAITING:
        return
    node = runner.unit.processes[parent.instance.id].nodes[execution.node_id]
    assert isinstance(node, CallActivityNode) and node.call is not None
    outputs = _map(runner, execution, node.call, instance.variables, outputs=True)
    if outputs is None:
        return
    runner.unit.set_variables(execution, parent.instance.id, outputs)
    execution.called_instance_id = None
    execution.state = ExecutionState.ACTIVE
    runner.unit.changes.executions.update(execution)
    runner.complete(execution, node)


def enter_event_sub_process(runner: Runner, execution: Execution, node: Node) -> None:
    runner.incident(
        execution,
        f"{node.label}: an event subprocess starts by its event, not by a flow",
        code=incidents.EVENT_SUBPROCESS_ENTERED,
        params=incidents.about(node),
    )


ENTER[NodeKind.USER_TASK] = enter_human_task
ENTER[NodeKind.MANUAL_TASK] = enter_human_task
ENTER[NodeKind.TASK] = enter_human_task
ENTER[NodeKind.RECEIVE_TASK] = enter_receive_task
ENTER[NodeKind.SCRIPT_TASK] = enter_script_task
ENTER[NodeKind.SERVICE_TASK] = enter_service_task
ENTER[NodeKind.SEND_TASK] = enter_service_task
ENTER[NodeKind.BUSINESS_RULE_TASK] = enter_business_rule_task
ENTER[NodeKind.SUB_PROCESS] = enter_sub_process
ENTER[NodeKind.TRANSACTION] = enter_sub_process
ENTER[NodeKind.EVENT_SUB_PROCESS] = enter_event_sub_process
ENTER[NodeKind.CALL_ACTIVITY] = enter_call_activity
