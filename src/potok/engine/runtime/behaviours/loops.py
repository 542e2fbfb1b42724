"""Multi-instance (parallel and sequential, with completion condition) and standard loops."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from potok.engine.model.nodes import ActivityNode, Node
from potok.engine.model.specs import MultiInstanceSpec, StandardLoopSpec
from potok.engine.runtime import incidents
from potok.engine.runtime.behaviours import waits
from potok.engine.runtime.rows import Execution
from potok.engine.runtime.states import ExecutionState, Outcome

if TYPE_CHECKING:
    from potok.engine.runtime.runner import Runner

# The collection a sequential multi-instance walks through, kept in the body's local variables
# under a name no expression can spell.
ITEMS = "@items"


def enter_multi_instance(
    runner: Runner, body: Execution, node: ActivityNode, spec: MultiInstanceSpec
) -> None:
    """The token becomes the body; it starts one inner execution per item (or one at a time)."""
    items: list[Any] | None = None
    count = 0
    source = spec.collection or spec.cardinality
    if source is None:
        runner.incident(
            body,
            f"{node.label}: a multi-instance activity needs a cardinality or a collection",
            code=incidents.MI_NO_COLLECTION,
            params=incidents.about(node),
        )
        return
    ok, value = runner.evaluate(
        body,
        source,
        "the multi-instance collection" if spec.collection else "loopCardinality",
        subject="mi_collection" if spec.collection else "loop_cardinality",
    )
    if not ok:
        return
    if isinstance(value, Mapping):
        items = list(value.values())
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
    elif spec.collection is None and isinstance(value, int | float) and not isinstance(value, bool):
        count = int(value)
    else:
        runner.incident(
            body,
            f"{node.label}: {source.source!r} gave {value!r}, not a number or a list",
            code=incidents.MI_NOT_A_COLLECTION,
            params=incidents.about(node, expression=source.source, value=repr(value)),
        )
        return
    if items is not None:
        count = len(items)
    unit = runner.unit
    body.mi_role = "body"
    body.mi_total = count
    body.mi_completed = 0
    body.loop_counter = 0
    body.state = ExecutionState.SCOPE
    unit.changes.executions.update(body)
    if spec.output_collection:
        unit.set_variables(body, body.instance_id, {spec.output_collection: [None] * count})
    if count == 0:
        body.state = ExecutionState.ACTIVE
        runner.complete(body, node)
        return
    if node.boundary_ids:
        waits.arm_boundaries(runner, body, node)
    if spec.sequential:
        if items is not None:
            body.variables = {ITEMS: items}
        _spawn(runner, body, spec, 0, items[0] if items else None)
    else:
        for index in range(count):
            _spawn(runner, body, spec, index, items[index] if items else None)
    body.loop_counter = 1 if spec.sequential else count


def _spawn(runner: Runner, body: Execution, spec: MultiInstanceSpec, index: int, item: Any) -> None:
    inner = runner.unit.new_execution(body.instance_id, body.node_id, body.id)
    inner.mi_role = "inner"
    inner.loop_counter = index
    local: dict[str, Any] = {"loopCounter": index}
    if spec.element_variable:
        local[spec.element_variable] = item
    if spec.output_element and spec.output_element not in local:
        local[spec.output_element] = None
    inner.variables = local
    runner.agenda.append(inner)


def inner_completed(runner: Runner, inner: Execution, node: Node) -> None:
    """One instance is done: collect its output, then finish the body or start the next instance."""
    assert isinstance(node, ActivityNode) and isinstance(node.loop, MultiInstanceSpec)
    spec = node.loop
    unit = runner.unit
    state = runner.state(inner)
    body = state.executions[inner.parent_id] if inner.parent_id else None
    if body is None:
        runner.end_token(inner)
        return
    local = inner.variables or {}
    if spec.output_collection:
        name = spec.output_element or spec.element_variable
        visible = unit.variables_for(body, body.instance_id)
        collected = list(visible.get(spec.output_collection) or [])
        while len(collected) <= inner.loop_counter:
            collected.append(None)
        collected[inner.loop_counter] = local.get(name) if name else None
        unit.set_variables(body, body.instance_id, {spec.output_collection: collected})
    body.mi_completed += 1
    unit.changes.executions.update(body)
    unit.delete_execution(inner)
    active = sum(1 for e in state.executions.values() if e.parent_id == body.id)
    done = body.mi_completed >= body.mi_total
    if not done and spec.completion_condition is not None:
        counters = {
            "nrOfInstances": body.mi_total,
            "nrOfCompletedInstances": body.mi_completed,
            "nrOfActiveInstances": active,
            "loopCounter": inner.loop_counter,
        }
        variables = ChainMap(counters, local, dict(unit.variables_for(body, body.instance_id)))
        try:
            done = spec.completion_condition.evaluate(variables) is True
        except Exception as error:  # a user's condition failed: stop here with an incident
            runner.incident(
                body,
                f"{node.label}: the completion condition failed: {error}",
                code=incidents.EXPRESSION_FAILED,
                params=incidents.about(
                    node,
                    subject="completion_condition",
                    expression=spec.completion_condition.source,
                    error=error,
                ),
            )
            return
        if done:
            for other in [e for e in state.executions.values() if e.parent_id == body.id]:
                runner.cancel(other, Outcome.CANCELLED)
    if done:
        body.state = ExecutionState.ACTIVE
        body.variables = None
        runner.complete(body, node)
        return
    if spec.sequential:
        index = body.loop_counter
        items = (body.variables or {}).get(ITEMS)
        _spawn(runner, body, spec, index, items[index] if items else None)
        body.loop_counter = index + 1


def may_start_pass(runner: Runner, execution: Execution, spec: StandardLoopSpec) -> bool:
    """A test-before loop checks its condition before every pass (and a loopMaximum of 0)."""
    if spec.maximum is not None and execution.loop_counter >= spec.maximum:
        execution.loop_counter = 0
        return False
    if not spec.test_before or spec.condition is None:
        return True
    ok, value = runner.evaluate(execution, spec.condition, "the loop condition", subject="loop_condition")
    if not ok:
        return False
    if value is not True:
        execution.loop_counter = 0
        return False
    return True


def repeat_pass(runner: Runner, execution: Execution, node: ActivityNode, spec: StandardLoopSpec) -> bool:
    """After a pass: go round again while the condition holds and the maximum is not reached."""
    execution.loop_counter += 1
    if spec.maximum is not None and execution.loop_counter >= spec.maximum:
        execution.loop_counter = 0
        return False
    again = True
    if not spec.test_before and spec.condition is not None:
        ok, value = runner.evaluate(execution, spec.condition, "the loop condition", subject="loop_condition")
        if not ok:
            return True
        again = value is True
    if not again:
        execution.loop_counter = 0
        return False
    execution.started_at = runner.unit.now
    runner.schedule(execution)
    return True
