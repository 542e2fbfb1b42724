"""Gateways: exclusive (with default flow), parallel, inclusive (waits only for branches that can
still arrive), event-based."""

from __future__ import annotations

from typing import TYPE_CHECKING

from potok.engine.model.kinds import NodeKind
from potok.engine.model.nodes import GatewayNode, Node, SequenceFlow
from potok.engine.runtime import incidents
from potok.engine.runtime.behaviours import waits
from potok.engine.runtime.rows import Execution
from potok.engine.runtime.runner import ENTER
from potok.engine.runtime.states import ExecutionState, Outcome

if TYPE_CHECKING:
    from potok.engine.runtime.runner import Runner

JOINING = ExecutionState.JOINING


def _gateway(node: Node) -> GatewayNode:
    assert isinstance(node, GatewayNode)
    return node


def enter_exclusive(runner: Runner, execution: Execution, node: Node) -> None:
    flows = node.outgoing
    if not flows:
        runner.incident(
            execution,
            f"{node.label} has no outgoing flow",
            code=incidents.GATEWAY_NO_OUTGOING_FLOW,
            params=incidents.about(node),
        )
        return
    chosen: SequenceFlow | None = None
    for flow in flows:
        if flow.is_default:
            continue
        if flow.condition is None:
            if flow.broken_condition is not None:
                runner.incident(
                    execution,
                    f"sequenceFlow '{flow.id}': its condition does not compile",
                    code=incidents.FLOW_CONDITION_INVALID,
                    params=incidents.about(node, flow=flow.id),
                )
                return
            chosen = flow
            break
        ok, value = runner.evaluate(
            execution,
            flow.condition,
            f"the condition of flow '{flow.id}'",
            subject="flow_condition",
            flow=flow.id,
        )
        if not ok:
            return
        if value is True:
            chosen = flow
            break
    if chosen is None:
        chosen = node.default_flow
    if chosen is None:
        runner.incident(
            execution,
            f"{node.label}: no condition is true and there is no default flow",
            code=incidents.GATEWAY_NO_TRUE_CONDITION,
            params=incidents.about(node),
        )
        return
    runner.unit.history(execution, node, Outcome.COMPLETED)
    runner.take(execution, (chosen,))


def _arrived(runner: Runner, execution: Execution, node: Node) -> list[Execution]:
    return [
        other
        for other in runner.state(execution).executions.values()
        if other.node_id == node.id and other.state is JOINING and other.parent_id == execution.parent_id
    ]


def _merge(runner: Runner, survivor: Execution, merged: list[Execution], node: Node) -> None:
    """Join: one token goes on, the others are consumed (each gets its history row)."""
    unit = runner.unit
    for other in merged:
        if other is not survivor:
            unit.history(other, node, Outcome.COMPLETED)
            unit.delete_execution(other)
    survivor.state = ExecutionState.ACTIVE
    unit.history(survivor, node, Outcome.COMPLETED)


def enter_parallel(runner: Runner, execution: Execution, node: Node) -> None:
    incoming = node.incoming_ids
    if len(incoming) > 1:
        execution.state = JOINING
        runner.unit.changes.executions.update(execution)
        arrived = _arrived(runner, execution, node)
        first_per_flow: dict[str | None, Execution] = {}
        for other in arrived:
            first_per_flow.setdefault(other.flow_id, other)
        if not all(flow_id in first_per_flow for flow_id in incoming):
            return
        _merge(runner, execution, list(first_per_flow.values()), node)
    else:
        runner.unit.history(execution, node, Outcome.COMPLETED)
    if not node.outgoing:
        runner.end_token(execution)
        return
    runner.take(execution, node.outgoing)


def enter_inclusive(runner: Runner, execution: Execution, node: Node) -> None:
    gateway = _gateway(node)
    if len(gateway.incoming_ids) > 1:
        execution.state = JOINING
        runner.unit.changes.executions.update(execution)
        if _can_still_arrive(runner, execution, gateway):
            return
        _merge(runner, execution, _arrived(runner, execution, node), node)
    else:
        runner.unit.history(execution, node, Outcome.COMPLETED)
    _split_inclusive(runner, execution, gateway)


def _can_still_arrive(runner: Runner, execution: Execution, gateway: GatewayNode) -> bool:
    """The join waits while a token of the same scope stands on a node upstream of it."""
    upstream = gateway.upstream_ids
    scope_id = execution.parent_id
    for other in runner.state(execution).executions.values():
        if other.parent_id != scope_id or (other.node_id == gateway.id and other.state is JOINING):
            continue
        if other.node_id in upstream or other.node_id == gateway.id:
            return True
    return False


def _split_inclusive(runner: Runner, execution: Execution, gateway: GatewayNode) -> None:
    flows = gateway.outgoing
    if not flows:
        runner.end_token(execution)
        return
    selected: list[SequenceFlow] = []
    for flow in flows:
        if flow.is_default:
            continue
        if flow.condition is None:
            if flow.broken_condition is not None:
                runner.incident(
                    execution,
                    f"sequenceFlow '{flow.id}': its condition does not compile",
                    code=incidents.FLOW_CONDITION_INVALID,
                    params=incidents.about(gateway, flow=flow.id),
                )
                return
            selected.append(flow)
            continue
        ok, value = runner.evaluate(
            execution,
            flow.condition,
            f"the condition of flow '{flow.id}'",
            subject="flow_condition",
            flow=flow.id,
        )
        if not ok:
            return
        if value is True:
            selected.append(flow)
    if not selected and gateway.default_flow is not None:
        selected.append(gateway.default_flow)
    if not selected:
        runner.incident(
            execution,
            f"{gateway.label}: no condition is true and there is no default flow",
            code=incidents.GATEWAY_NO_TRUE_CONDITION,
            params=incidents.about(gateway),
        )
        return
    runner.take(execution, selected)


def release_inclusive_joins(runner: Runner) -> bool:
    """When tokens stop moving, an inclusive join whose missing branches can no longer come fires."""
    released = False
    unit = runner.unit
    for instance_id, process in unit.processes.items():
        if not process.inclusive_join_ids:
            continue
        state = unit.states[instance_id]
        waiting = [
            e
            for e in state.executions.values()
            if e.state is JOINING and process.nodes[e.node_id].kind is NodeKind.INCLUSIVE_GATEWAY
        ]
        seen: set[tuple[str | None, str]] = set()
        for execution in waiting:
            key = (execution.parent_id, execution.node_id)
            if key in seen or execution.id not in state.executions:
                continue
            seen.add(key)
            gateway = _gateway(process.nodes[execution.node_id])
            if _can_still_arrive(runner, execution, gateway):
                continue
            _merge(runner, execution, _arrived(runner, execution, gateway), gateway)
            runner.unit.changes.executions.update(execution)
            _split_inclusive(runner, execution, gateway)
            released = True
    return released


def enter_event_based(runner: Runner, execution: Execution, node: Node) -> None:
    gateway = _gateway(node)
    execution.state = ExecutionState.WAITING
    runner.unit.changes.executions.update(execution)
    nodes = runner.process(execution).nodes
    for target_id in gateway.event_target_ids:
        if not waits.arm(runner, execution, execution.instance_id, nodes[target_id], execution.id):
            return


def enter_unsupported(runner: Runner, execution: Execution, node: Node) -> None:
    runner.incident(
        execution,
        f"{node.label}: {node.kind.value} is not supported by Potok's executor",
        code=incidents.NODE_UNSUPPORTED,
        params=incidents.about(node, kind=node.kind.value),
    )


ENTER[NodeKind.EXCLUSIVE_GATEWAY] = enter_exclusive
ENTER[NodeKind.PARALLEL_GATEWAY] = enter_parallel
ENTER[NodeKind.INCLUSIVE_GATEWAY] = enter_inclusive
ENTER[NodeKind.EVENT_BASED_GATEWAY] = enter_event_based
ENTER[NodeKind.COMPLEX_GATEWAY] = enter_unsupported
ENTER[NodeKind.AD_HOC_SUB_PROCESS] = enter_unsupported
