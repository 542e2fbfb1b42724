"""Creating an instance inside a unit of work (for `start`, message/signal/timer starts, call activities)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from potok.engine.errors import DefinitionError
from potok.engine.model.kinds import NodeKind
from potok.engine.model.process import ProcessDefinition
from potok.engine.runtime.behaviours import waits
from potok.engine.runtime.rows import Instance, InstanceState
from potok.engine.runtime.states import InstanceStatus

if TYPE_CHECKING:
    from potok.engine.runtime.runner import Runner


def choose_start(process: ProcessDefinition, start_event_id: str | None) -> str:
    """The start event to begin at: the one asked for, else the process's plain start event."""
    scope = process.scope
    if start_event_id is not None:
        if start_event_id not in scope.start_event_ids:
            raise DefinitionError(
                f"process '{process.id}': '{start_event_id}' is not one of its start events"
            )
        return start_event_id
    if scope.start_ids:
        return scope.start_ids[0]
    raise DefinitionError(
        f"process '{process.id}' has no plain start event: it starts by a message, signal or timer "
        f"({', '.join(scope.start_event_ids)})"
    )


def check_runnable(process: ProcessDefinition) -> None:
    if not process.runnable:
        problems = "; ".join(p.message for p in process.compile_problems if p.severity == "error")
        raise DefinitionError(f"process '{process.id}' cannot run: {problems}")
    if not process.nodes:
        raise DefinitionError(f"process '{process.id}' has no nodes")


def create_instance(
    runner: Runner,
    process: ProcessDefinition,
    variables: Mapping[str, Any] | None,
    business_key: str | None,
    start_event_id: str | None,
    *,
    parent_instance_id: str | None = None,
    parent_execution_id: str | None = None,
) -> InstanceState:
    """Add a new instance to the unit of work with a token on its start event (run by the runner)."""
    check_runnable(process)
    start_id = choose_start(process, start_event_id)
    unit = runner.unit
    instance = Instance(
        unit.new_id(),
        process.id,
        process.version_key,
        InstanceStatus.RUNNING,
        business_key,
        dict(variables) if variables else {},
        unit.now,
        parent_instance_id=parent_instance_id,
        parent_execution_id=parent_execution_id,
    )
    state = InstanceState(instance)
    unit.add_new(state, process)
    waits.arm_scope(runner, None, instance.id, process.scope)
    token = unit.new_execution(instance.id, start_id, None)
    assert process.nodes[start_id].kind is NodeKind.START_EVENT
    runner.agenda.append(token)
    return state
