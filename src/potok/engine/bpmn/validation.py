"""Validation: everything that would make a definition misbehave at run time, reported per element."""

from __future__ import annotations

from collections.abc import Iterable

from potok.engine.bpmn.graph import reachable_from
from potok.engine.model.kinds import (
    ACTIVITY_KINDS,
    GATEWAY_KINDS,
    UNSUPPORTED_EVENT_KINDS,
    UNSUPPORTED_KINDS,
    CallBinding,
    EventKind,
    NodeKind,
)
from potok.engine.model.nodes import (
    CallActivityNode,
    EventNode,
    GatewayNode,
    Node,
    Problem,
    Scope,
    TaskNode,
)
from potok.engine.model.process import Definitions, ProcessDefinition

_CATCHABLE_AFTER_EVENT_GATEWAY = frozenset(
    {EventKind.MESSAGE, EventKind.TIMER, EventKind.SIGNAL, EventKind.CONDITIONAL}
)


def validate_definitions(
    definitions: Definitions | Iterable[Definitions], *, known_process_ids: Iterable[str] = ()
) -> list[Problem]:
    """Problems of one file, or of a set of files checked together (then call cycles are found).

    `known_process_ids` are processes published elsewhere that call activities may call.

    Example::

        problems = validate_definitions(read_bpmn(data, source_name="a.bpmn"))
        for problem in problems:
            print(problem.element_id, problem.message)
    """
    files = [definitions] if isinstance(definitions, Definitions) else list(definitions)
    processes = [process for file in files for process in file.processes.values()]
    known = {process.id for process in processes} | set(known_process_ids)
    problems: list[Problem] = []
    for process in processes:
        problems.extend(validate_process(process))
        if len(files) > 1 or known_process_ids:
            problems.extend(_missing_called(process, known))
    problems.extend(_call_cycles(processes))
    return problems


def validate_process(process: ProcessDefinition) -> list[Problem]:
    """The problems of one process (compile problems included)."""
    checker = _ProcessChecker(process)
    checker.run()
    return checker.problems


class _ProcessChecker:
    def __init__(self, process: ProcessDefinition) -> None:
        self.process = process
        self.problems: list[Problem] = list(process.compile_problems)

    def add(self, node: Node | None, message: str, severity: str = "error") -> None:
        element_id = node.id if node is not None else self.process.id
        line = node.line if node is not None else self.process.line
        self.problems.append(Problem(element_id, message, line, severity, self.process.source_name))

    def run(self) -> None:
        process = self.process
        if not process.nodes:
            return
        if not process.is_executable:
            self.problems.append(
                Problem(
                    process.id,
                    f"process '{process.id}' is marked isExecutable=\"false\"; Potok runs executable processes only",
                    process.line,
                    "error",
                    process.source_name,
                )
            )
        for scope in process.scopes.values():
            self._scope(scope)
        for node in process.nodes.values():
            self._node(node)
        for flow in process.flows.values():
            source = process.nodes.get(flow.source_id)
            target = process.nodes.get(flow.target_id)
            if source is not None and target is not None and source.scope_id != target.scope_id:
                self.problems.append(
                    Problem(
                        flow.id,
                        f"sequenceFlow '{flow.id}' crosses a subprocess boundary "
                        f"({flow.source_id} → {flow.target_id})",
                        flow.line,
                        "error",
                        process.source_name,
                    )
                )

    def _scope(self, scope: Scope) -> None:
        process = self.process
        if not scope.node_ids:
            return
        owner = None if scope.is_process else process.nodes[scope.id]
        is_event_sub = owner is not None and owner.kind is NodeKind.EVENT_SUB_PROCESS
        if scope.is_process and not scope.start_event_ids:
            self.add(None, f"process '{process.id}' has no start event")
        elif owner is not None and not is_event_sub and not scope.start_ids:
            self.add(owner, f"{owner.label} has no plain start event (one without an event definition)")
        elif owner is not None and is_event_sub and len(scope.start_event_ids) != 1:
            self.add(owner, f"{owner.label}: an event subprocess needs exactly one start event")
        starts = list(scope.start_event_ids)
        reached = reachable_from(starts, self._successors(scope))
        for node_id in scope.node_ids:
            node = process.nodes[node_id]
            if node_id in reached or node.kind is NodeKind.EVENT_SUB_PROCESS:
                continue
            if not node.incoming_ids and node.kind is not NodeKind.BOUNDARY_EVENT:
                self.add(node, f"{node.label} has no incoming sequence flow and is not a start event")
            else:
                self.add(node, f"{node.label} cannot be reached from a start event")

    def _successors(self, scope: Scope) -> dict[str, list[str]]:
        successors: dict[str, list[str]] = {}
        for node_id in scope.node_ids:
            node = self.process.nodes[node_id]
            following = [flow.target_id for flow in node.outgoing]
            following.extend(node.boundary_ids)
            if isinstance(node, EventNode) and node.link_target_id:
                following.append(node.link_target_id)
            successors[node_id] = following
        return successors

    def _node(self, node: Node) -> None:
        if node.kind in UNSUPPORTED_KINDS:
            self.add(node, f"{node.label}: {node.kind.value} is not supported by Potok's executor")
        if node.kind is NodeKind.TRANSACTION:
            self.add(node, f"{node.label} runs as a plain subprocess (no cancel or compensation)", "warning")
        if isinstance(node, GatewayNode):
            self._gateway(node)
        elif isinstance(node, EventNode):
            self._event(node)
        elif isinstance(node, TaskNode):
            self._task(node)
        elif isinstance(node, CallActivityNode) and node.call is None:
            self.add(node, f"{node.label} has no calledElement: it does not say which process to call")
        elif (
            isinstance(node, CallActivityNode)
            and node.call is not None
            and node.call.binding is CallBinding.PINNED
            and not node.call.version
        ):
            self.add(node, f"{node.label} is pinned to a version but does not say which (potok:version)")
        if node.kind in ACTIVITY_KINDS and node.default_flow is not None and node.default_flow.condition:
            self.add(
                node, f"{node.label}: its default flow '{node.default_flow.id}' has a condition", "warning"
            )

    def _gateway(self, node: GatewayNode) -> None:
        if not node.outgoing:
            self.add(node, f"{node.label} has no outgoing sequence flow")
            return
        plain = [flow for flow in node.outgoing if flow.condition is None and flow.broken_condition is None]
        if node.kind is NodeKind.EXCLUSIVE_GATEWAY and len(node.outgoing) > 1:
            unconditioned = [flow.id for flow in plain if not flow.is_default]
            if len(unconditioned) > 1:
                self.add(
                    node,
                    f"{node.label} has several outgoing flows without a condition that are not the "
                    f"default: {', '.join(unconditioned)}",
                )
        if node.kind is NodeKind.PARALLEL_GATEWAY and len(plain) != len(node.outgoing):
            self.add(node, f"{node.label}: conditions on a parallel gateway's flows are ignored", "warning")
        if node.kind is NodeKind.EVENT_BASED_GATEWAY:
            for target_id in node.event_target_ids:
                target = self.process.nodes.get(target_id)
                if target is None:
                    continue
                ok = target.kind is NodeKind.RECEIVE_TASK or (
                    isinstance(target, EventNode)
                    and target.kind is NodeKind.INTERMEDIATE_CATCH_EVENT
                    and target.event_kind in _CATCHABLE_AFTER_EVENT_GATEWAY
                )
                if not ok:
                    self.add(
                        node,
                        f"{node.label}: '{target_id}' follows an event-based gateway but is not a "
                        "message, timer, signal or conditional catch event or a receive task",
                    )
        assert node.kind in GATEWAY_KINDS

    def _event(self, node: EventNode) -> None:
        if len(node.definitions) > 1:
            self.add(node, f"{node.label}: events with several event definitions are not supported")
        for definition in node.definitions:
            if definition.kind in UNSUPPORTED_EVENT_KINDS:
                self.add(node, f"{node.label}: {definition.kind.value} events are not supported by Potok")
            needs_name = definition.kind in (EventKind.MESSAGE, EventKind.SIGNAL)
            if needs_name and definition.name is None and definition.ref is None:
                what = "messageRef" if definition.kind is EventKind.MESSAGE else "signalRef"
                self.add(node, f"{node.label}: the {definition.kind.value} event names no {what}")
        if node.kind is NodeKind.BOUNDARY_EVENT:
            attached = self.process.nodes.get(node.attached_to or "")
            if attached is None or attached.kind not in ACTIVITY_KINDS:
                self.add(node, f"{node.label} is attached to {node.attached_to!r}, which is not an activity")
            if node.event_kind in (EventKind.NONE, EventKind.LINK, EventKind.TERMINATE):
                self.add(node, f"{node.label}: a boundary event cannot be a {node.event_kind.value} event")

    def _task(self, node: TaskNode) -> None:
        if node.kind is NodeKind.BUSINESS_RULE_TASK and not node.decision_ref:
            self.add(node, f"{node.label} names no decision (camunda:decisionRef or potok:decision)")
        if node.kind is NodeKind.SERVICE_TASK and not node.action:
            self.add(node, f"{node.label} names no action; reaching it raises an incident", "warning")
        if node.kind is NodeKind.RECEIVE_TASK and not node.message_name:
            self.add(node, f"{node.label} names no message (messageRef); it waits to be completed", "warning")


def _called(process: ProcessDefinition) -> list[CallActivityNode]:
    return [node for node in process.nodes.values() if isinstance(node, CallActivityNode) and node.call]


def _missing_called(process: ProcessDefinition, known: set[str]) -> list[Problem]:
    problems = []
    for node in _called(process):
        assert node.call is not None
        if node.call.called_element not in known:
            problems.append(
                Problem(
                    node.id,
                    f"{node.label} calls process {node.call.called_element!r}, which is not known",
                    node.line,
                    "error",
                    process.source_name,
                )
            )
    return problems


def _call_cycles(processes: list[ProcessDefinition]) -> list[Problem]:
    """A process that (through call activities) calls itself would never finish starting."""
    calls: dict[str, list[tuple[CallActivityNode, str]]] = {}
    source_of: dict[str, str] = {}
    for process in processes:
        calls[process.id] = [(node, node.call.called_element) for node in _called(process) if node.call]
        for node, _ in calls[process.id]:
            source_of[node.id] = process.source_name
    problems: list[Problem] = []
    reported: set[str] = set()
    state: dict[str, int] = {}
    path: list[str] = []
    via: list[CallActivityNode] = []

    def visit(process_id: str) -> None:
        state[process_id] = 1
        path.append(process_id)
        for node, target in calls.get(process_id, ()):
            if state.get(target) == 1:
                start = path.index(target)
                cycle = " → ".join([*path[start:], target])
                for member in [*via[start:], node]:
                    if member.id not in reported:
                        reported.add(member.id)
                        problems.append(
                            Problem(
                                member.id,
                                f"{member.label} is part of a call cycle: {cycle}",
                                member.line,
                                "error",
                                source_of.get(member.id),
                            )
                        )
            elif target not in state and target in calls:
                via.append(node)
                visit(target)
                via.pop()
        path.pop()
        state[process_id] = 2

    for process in processes:
        if process.id not in state:
            visit(process.id)
    return problems
