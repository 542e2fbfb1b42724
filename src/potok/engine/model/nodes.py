"""Immutable node specs: everything the executor needs is precomputed by the reader.

A node never looks anything up by scanning strings at run time: its outgoing flows (with compiled
conditions), its default flow, the ids of its boundary events, a join's incoming flows and, for an
inclusive join, the set of nodes upstream of it are all fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from potok.engine.model.kinds import EventKind, NodeKind
from potok.engine.model.specs import (
    NONE_EVENT,
    CallSpec,
    Condition,
    EventDefinition,
    MultiInstanceSpec,
    Script,
    StandardLoopSpec,
)


@dataclass(frozen=True, slots=True, eq=False)
class SequenceFlow:
    """A sequence flow with its condition compiled once.

    Example::

        SequenceFlow(id="f_big", source_id="gw", target_id="director",
                     condition=Condition("amount > 10000", compile_expression("amount > 10000")))
    """

    id: str
    source_id: str
    target_id: str
    name: str = ""
    condition: Condition | None = None
    # The condition's text when it did not compile (the definition then has a problem and won't run).
    broken_condition: str | None = None
    is_default: bool = False
    documentation: str = ""
    vendor_attributes: Mapping[str, str] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class Node:
    """A flow node of a process or subprocess.

    `extensions` holds Potok's own extension elements (namespace https://potok.dev/schema/bpmn/1.0)
    converted to plain dicts: every child element becomes a list under its local name, each item a
    dict of its attributes plus `text` and its own children. `vendor_attributes` keeps attributes of
    other vendors as `prefix:name` (camunda:assignee, zeebe:…), `vendor_extensions` their elements.

    Example::

        node = process.nodes["register"]
        node.kind is NodeKind.USER_TASK
        node.outgoing[0].target_id == "gw_amount"
        node.extensions["deadline"][0]["duration"] == "2 working days"
    """

    id: str
    kind: NodeKind
    name: str = ""
    scope_id: str = ""
    incoming_ids: tuple[str, ...] = ()
    outgoing: tuple[SequenceFlow, ...] = ()
    default_flow: SequenceFlow | None = None
    boundary_ids: tuple[str, ...] = ()
    async_before: bool = False
    async_after: bool = False
    documentation: str = ""
    lane: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)
    vendor_attributes: Mapping[str, str] = field(default_factory=dict)
    vendor_extensions: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None

    @property
    def label(self) -> str:
        """`kind 'id'` (with the name when there is one), for messages."""
        named = f" ({self.name})" if self.name else ""
        return f"{self.kind.value} '{self.id}'{named}"


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class EventNode(Node):
    """A start, end, intermediate or boundary event with its event definitions.

    Example::

        timer = process.nodes["remind"]          # boundary timer, non-interrupting
        timer.attached_to == "investigate" and not timer.interrupting
        timer.definition.timer.text == "P2D"
    """

    definitions: tuple[EventDefinition, ...] = ()
    attached_to: str | None = None
    interrupting: bool = True
    # For a link throw: the catch event with the same link name in the same scope.
    link_target_id: str | None = None

    @property
    def definition(self) -> EventDefinition:
        """The first event definition, or the none definition."""
        return self.definitions[0] if self.definitions else NONE_EVENT

    @property
    def event_kind(self) -> EventKind:
        return self.definitions[0].kind if self.definitions else EventKind.NONE


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class GatewayNode(Node):
    """A gateway; joins know their incoming flows, inclusive joins the nodes that can still reach them.

    Example::

        join = process.nodes["join"]
        join.incoming_ids == ("f_j1", "f_j2")
        "investigate" in join.upstream_ids   # (inclusive joins only)
    """

    upstream_ids: frozenset[str] = frozenset()
    # For an event-based gateway: the catch events (or receive tasks) that follow it.
    event_target_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class ActivityNode(Node):
    """An activity: a task, subprocess or call activity, possibly looping or multi-instance.

    Example::

        vote = process.nodes["vote"]
        isinstance(vote.loop, MultiInstanceSpec) and vote.loop.element_variable == "voter"
    """

    loop: MultiInstanceSpec | StandardLoopSpec | None = None


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class TaskNode(ActivityNode):
    """A task. Which fields matter depends on the kind.

    - script task: `script` (Potok's assignment language);
    - service task / send task: `action` (name in the ActionRegistry) and `action_parameters`;
    - business rule task: `decision_ref` and `result_variable`;
    - receive / send task: `message_name` and `correlation`.

    Example::

        task = process.nodes["charge"]
        task.kind is NodeKind.SERVICE_TASK and task.action == "payments.charge"
    """

    script: Script | None = None
    action: str | None = None
    action_parameters: Mapping[str, Condition] = field(default_factory=dict)
    decision_ref: str | None = None
    result_variable: str | None = None
    message_name: str | None = None
    correlation: Condition | None = None


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class SubProcessNode(ActivityNode):
    """An embedded subprocess or event subprocess; `process.scopes[node.id]` lists its own nodes.

    Example::

        sub = process.nodes["review_sub"]
        process.scopes[sub.id].start_ids == ("sub_start",)
    """

    triggered_by_event: bool = False


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class CallActivityNode(ActivityNode):
    """A call activity; the called process is resolved at run time through the definitions provider.

    Example::

        call = process.nodes["make_invoice"]
        call.call.called_element == "invoice" and call.call.binding is CallBinding.LATEST
    """

    call: CallSpec | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Scope:
    """A process body or a subprocess body: its nodes, start events and event subprocesses.

    Example::

        scope = process.scopes["review_sub"]
        scope.start_ids == ("sub_start",)
    """

    id: str
    is_process: bool
    node_ids: tuple[str, ...]
    # None start events (where a plain start or a subprocess begins).
    start_ids: tuple[str, ...]
    # Every start event of the scope, of any kind (message, timer, signal, ...).
    start_event_ids: tuple[str, ...]
    event_sub_process_ids: tuple[str, ...]
    # Nodes that a scope-level subscription must be set up for: start events of event subprocesses.
    event_start_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """A validation problem naming the element.

    Example::

        Problem("gw_1", "exclusiveGateway 'gw_1' has no outgoing sequence flow", line=12)
    """

    element_id: str | None
    message: str
    line: int | None = None
    severity: str = "error"
    source_name: str | None = None

    def __str__(self) -> str:
        where = self.source_name or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message
