"""The executor's core: move tokens through nodes until every one of them waits.

Node kinds are dispatched through a table (`ENTER`) filled by the behaviour modules; the core
only knows how to enter a node, finish it (history row), choose outgoing flows, end tokens,
complete scopes and cancel subtrees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from potok.engine.model.kinds import NodeKind
from potok.engine.model.nodes import ActivityNode, Node, SequenceFlow
from potok.engine.model.process import ProcessDefinition
from potok.engine.model.specs import Condition, MultiInstanceSpec, StandardLoopSpec
from potok.engine.runtime import incidents
from potok.engine.runtime.actions import ActionRegistry
from potok.engine.runtime.definitions import DecisionProvider, DefinitionsProvider
from potok.engine.runtime.rows import Execution, InstanceState
from potok.engine.runtime.states import (
    INSTANCE_TRANSITIONS,
    ExecutionState,
    InstanceStatus,
    JobKind,
    Outcome,
    TaskState,
    advance,
)
from potok.engine.runtime.timers import WorkingCalendar
from potok.engine.runtime.unit import UnitOfWork

ACTIVE = ExecutionState.ACTIVE
Handler = Callable[["Runner", Execution, Node], None]
# Filled by potok.engine.runtime.behaviours.*: node kind -> what entering such a node does.
ENTER: dict[NodeKind, Handler] = {}


@dataclass(frozen=True, slots=True)
class Services:
    """What the engine was configured with, passed to behaviours.

    Example::

        Services(ActionRegistry(), definitions, decisions=None, calendar=None, max_steps=100_000)
    """

    actions: ActionRegistry
    definitions: DefinitionsProvider | None
    decisions: DecisionProvider | None
    calendar: WorkingCalendar | None
    max_steps: int


class Runner:
    """Runs tokens of one unit of work until they all wait.

    Example::

        runner = Runner(unit, services)
        runner.agenda.append(token)
        runner.run()
    """

    __slots__ = ("agenda", "services", "steps", "unit")

    def __init__(self, unit: UnitOfWork, services: Services) -> None:
        self.unit = unit
        self.services = services
        self.agenda: deque[Execution] = deque()
        self.steps = 0

    # -- helpers ----------------------------------------------------------------------------

    def process(self, execution: Execution) -> ProcessDefinition:
        return self.unit.processes[execution.instance_id]

    def state(self, execution: Execution) -> InstanceState:
        return self.unit.states[execution.instance_id]

    def variables(self, execution: Execution) -> Mapping[str, Any]:
        return self.unit.variables_for(execution, execution.instance_id)

    def evaluate(
        self,
        execution: Execution,
        condition: Condition,
        what: str,
        *,
        phase: str = "enter",
        subject: str = "",
        **more: str,
    ) -> tuple[bool, Any]:
        """Evaluate user text; a failure becomes an incident on the execution: (ok, value).

        `what` names the expression in the English message; `subject` (and `more`, e.g. flow=...) say
        the same in the incident's params (see potok.engine.runtime.incidents)."""
        try:
            return True, condition.evaluate(self.variables(execution))
        except Exception as error:  # any failure of a user's expression is an incident, not a crash
            node = self.process(execution).nodes[execution.node_id]
            self.incident(
                execution,
                f"{node.label}: {what} {condition.source!r} failed: {error}",
                phase=phase,
                code=incidents.EXPRESSION_FAILED,
                params=incidents.about(
                    node, subject=subject, expression=condition.source, error=error, **more
                ),
            )
            return False, None

    def incident(
        self,
        execution: Execution,
        message: str,
        *,
        phase: str = "enter",
        code: str = "",
        params: dict[str, str] | None = None,
    ) -> None:
        """Stop the execution with an incident: the English `message`, and its `code` and `params`
        for an adapter that words it in the reader's language (see potok.engine.runtime.incidents)."""
        self.unit.add_incident(execution, message, None, phase, code=code, params=params)

    def schedule(self, execution: Execution) -> None:
        execution.state = ACTIVE
        self.unit.changes.executions.update(execution)
        self.agenda.append(execution)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        agenda = self.agenda
        limit = self.services.max_steps
        while True:
            while agenda:
                execution = agenda.popleft()
                if execution.state is not ACTIVE:
                    continue
                self.steps += 1
                if self.steps > limit:
                    self.incident(
                        execution,
                        f"more than {limit} steps in one operation: an endless loop?",
                        code=incidents.STEPS_LIMIT,
                        params=incidents.about(self.process(execution).nodes[execution.node_id], limit=limit),
                    )
                    continue
                self.enter(execution)
            if not self._after_quiet():
                return

    def _after_quiet(self) -> bool:
        """When nothing moves: re-check inclusive joins and conditional events; True if work resumed."""
        from potok.engine.runtime.behaviours import events, gateways

        resumed = gateways.release_inclusive_joins(self)
        if self.unit.dirty_variables:
            resumed = events.check_conditions(self) or resumed
        return resumed or bool(self.agenda)

    def enter(self, execution: Execution, *, skip_async: bool = False) -> None:
        node = self.unit.processes[execution.instance_id].nodes[execution.node_id]
        if node.async_before and not skip_async:
            execution.state = ExecutionState.ASYNC
            self.unit.changes.executions.update(execution)
            self.unit.add_job(
                execution.instance_id, execution.id, JobKind.ASYNC_BEFORE, node.id, self.unit.now
            )
            return
        if isinstance(node, ActivityNode) and node.loop is not None and execution.mi_role is None:
            from potok.engine.runtime.behaviours import loops

            if isinstance(node.loop, MultiInstanceSpec):
                loops.enter_multi_instance(self, execution, node, node.loop)
                return
            if isinstance(node.loop, StandardLoopSpec) and not loops.may_start_pass(
                self, execution, node.loop
            ):
                self.leave(execution, node)
                return
        ENTER[node.kind](self, execution, node)

    def complete(self, execution: Execution, node: Node, *, actor: str | None = None) -> None:
        """The node is done: write its history row, then leave it (or wait for async-after)."""
        unit = self.unit
        unit.history(execution, node, Outcome.COMPLETED, actor)
        state = unit.states[execution.instance_id]
        if state.subscriptions or state.jobs:
            unit.clear_waits(execution.id, execution.instance_id)
        if node.async_after:
            execution.state = ExecutionState.ASYNC
            unit.changes.executions.update(execution)
            unit.add_job(execution.instance_id, execution.id, JobKind.ASYNC_AFTER, node.id, unit.now)
            return
        self.after(execution, node)

    def after(self, execution: Execution, node: Node) -> None:
        if execution.mi_role is not None or (isinstance(node, ActivityNode) and node.loop is not None):
            from potok.engine.runtime.behaviours import loops

            if execution.mi_role == "inner":
                loops.inner_completed(self, execution, node)
                return
            standard = isinstance(node, ActivityNode) and isinstance(node.loop, StandardLoopSpec)
            if standard and loops.repeat_pass(self, execution, node, node.loop):  # type: ignore[arg-type,attr-defined]
                return
            execution.mi_role = None
            execution.variables = None
        self.leave(execution, node)

    def leave(self, execution: Execution, node: Node) -> None:
        """Take the outgoing flows of a finished activity or event (gateways choose their own)."""
        flows = node.outgoing
        if not flows:
            self.end_token(execution)
            return
        if len(flows) == 1 and flows[0].condition is None and flows[0].broken_condition is None:
            self.take(execution, flows)
            return
        selected: list[SequenceFlow] = []
        for flow in flows:
            if flow.is_default:
                continue
            if flow.condition is None:
                if flow.broken_condition is not None:
                    self.incident(
                        execution,
                        f"sequenceFlow '{flow.id}': its condition does not compile",
                        phase="leave",
                        code=incidents.FLOW_CONDITION_INVALID,
                        params=incidents.about(node, flow=flow.id),
                    )
                    return
                selected.append(flow)
                continue
            ok, value = self.evaluate(
                execution,
                flow.condition,
                f"the condition of flow '{flow.id}'",
                phase="leave",
                subject="flow_condition",
                flow=flow.id,
            )
            if not ok:
                return
            if value is True:
                selected.append(flow)
        if not selected and node.default_flow is not None:
            selected.append(node.default_flow)
        if not selected:
            self.incident(
                execution,
                f"{node.label}: no outgoing flow can be taken (every condition is false)",
                phase="leave",
                code=incidents.FLOW_NONE_TAKEN,
                params=incidents.about(node),
            )
            return
        self.take(execution, selected)

    def take(self, execution: Execution, flows: tuple[SequenceFlow, ...] | list[SequenceFlow]) -> None:
        now = self.unit.now
        first = flows[0]
        execution.node_id = first.target_id
        execution.flow_id = first.id
        execution.started_at = now
        execution.state = ACTIVE
        self.unit.changes.executions.update(execution)
        self.agenda.append(execution)
        for flow in flows[1:]:
            self.agenda.append(
                self.unit.new_execution(
                    execution.instance_id, flow.target_id, execution.parent_id, flow_id=flow.id
                )
            )

    # -- ends and scopes --------------------------------------------------------------------

    def end_token(self, execution: Execution) -> None:
        """A token reached the end of its path: remove it and complete its scope if it was the last."""
        self.unit.delete_execution(execution)
        self.scope_check(execution.instance_id, execution.parent_id)

    def scope_check(self, instance_id: str, scope_id: str | None) -> None:
        state = self.unit.states[instance_id]
        for other in state.executions.values():
            if other.parent_id == scope_id:
                return
        if scope_id is None:
            self.complete_instance(state)
            return
        scope = state.executions.get(scope_id)
        if scope is None or scope.state is not ExecutionState.SCOPE:
            return
        node = self.unit.processes[instance_id].nodes[scope.node_id]
        if scope.mi_role == "body":
            return
        scope.state = ACTIVE
        scope.variables = None if scope.mi_role is None else scope.variables
        self.complete(scope, node)

    def complete_instance(
        self, state: InstanceState, status: InstanceStatus = InstanceStatus.COMPLETED
    ) -> None:
        instance = state.instance
        if instance.state is not InstanceStatus.RUNNING:
            return
        instance.state = advance(instance.state, status, INSTANCE_TRANSITIONS)
        instance.ended_at = self.unit.now
        for subscription in list(state.subscriptions.values()):
            self.unit.delete_subscription(subscription)
        for job in list(state.jobs.values()):
            self.unit.delete_job(job)
        if instance.parent_instance_id is not None and status in (
            InstanceStatus.COMPLETED,
            InstanceStatus.TERMINATED,
        ):
            from potok.engine.runtime.behaviours import activities

            activities.resume_caller(self, state)

    def cancel(self, execution: Execution, outcome: Outcome = Outcome.CANCELLED) -> None:
        """Cancel an execution and everything under it: child tokens, tasks, waits, called instances."""
        unit = self.unit
        state = unit.states[execution.instance_id]
        for child in [e for e in state.executions.values() if e.parent_id == execution.id]:
            self.cancel(child, outcome)
        if state.subscriptions or state.jobs:
            unit.clear_waits(execution.id, execution.instance_id)
        if state.tasks:
            for task in [t for t in state.tasks.values() if t.execution_id == execution.id]:
                unit.close_task(task, TaskState.CANCELLED)
        if state.incidents:
            for incident in [i for i in state.incidents.values() if i.execution_id == execution.id]:
                unit.resolve_incident(incident)
        if execution.called_instance_id is not None:
            self.cancel_instance(execution.called_instance_id, outcome)
        node = unit.processes[execution.instance_id].nodes.get(execution.node_id)
        if node is not None:
            unit.history(execution, node, outcome)
        execution.state = ExecutionState.CANCELLED
        state.executions.pop(execution.id, None)
        unit.changes.executions.delete(execution)

    def cancel_instance(
        self,
        instance_id: str,
        outcome: Outcome = Outcome.CANCELLED,
        status: InstanceStatus = InstanceStatus.CANCELLED,
    ) -> None:
        state = self.unit.load(instance_id)
        if state.instance.state not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
            return
        for execution in [e for e in state.executions.values() if e.parent_id is None]:
            self.cancel(execution, outcome)
        for execution in list(state.executions.values()):
            self.cancel(execution, outcome)
        for subscription in list(state.subscriptions.values()):
            self.unit.delete_subscription(subscription)
        for job in list(state.jobs.values()):
            self.unit.delete_job(job)
        instance = state.instance
        instance.state = advance(instance.state, status, INSTANCE_TRANSITIONS)
        instance.ended_at = self.unit.now
