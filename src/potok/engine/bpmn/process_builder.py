"""Build one ProcessDefinition from a `process` element: read nodes and flows, then precompute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from potok.engine.bpmn.compiling import Compiler
from potok.engine.bpmn.extensions import read_extensions, vendor_attributes
from potok.engine.bpmn.graph import upstream_of
from potok.engine.bpmn.namespaces import BPMN as _BPMN
from potok.engine.bpmn.namespaces import CAMUNDA, POTOK, Element
from potok.engine.bpmn.node_parsers import (
    Catalog,
    action_of,
    action_parameters,
    call_spec,
    child,
    correlation,
    decision_of,
    event_definitions,
    local_name,
    loop_characteristics,
    potok_value,
    text_of,
    vendor,
)
from potok.engine.errors import BpmnError
from potok.engine.model.kinds import (
    EVENT_KINDS,
    GATEWAY_KINDS,
    SUB_PROCESS_KINDS,
    TASK_KINDS,
    EventKind,
    NodeKind,
)
from potok.engine.model.nodes import (
    CallActivityNode,
    EventNode,
    GatewayNode,
    Node,
    Scope,
    SequenceFlow,
    SubProcessNode,
    TaskNode,
)
from potok.engine.model.process import ProcessDefinition
from potok.engine.model.specs import EventDefinition

NODE_KINDS: dict[str, NodeKind] = {
    kind.value: kind for kind in NodeKind if kind is not NodeKind.EVENT_SUB_PROCESS
}


@dataclass(slots=True)
class _Draft:
    cls: type[Node]
    fields: dict[str, Any]
    element: Element
    default_ref: str | None


def documentation_of(element: Element) -> str:
    return "\n".join(text_of(item) for item in element.iterchildren(f"{{{_BPMN}}}documentation"))


class ProcessBuilder:
    """Reads one `process` element into a ProcessDefinition.

    Example::

        builder = ProcessBuilder(process_element, catalog, Compiler("x.bpmn"), source_name="x.bpmn")
        process = builder.build()
    """

    def __init__(self, element: Element, catalog: Catalog, compiler: Compiler, *, source_name: str) -> None:
        self.element = element
        self.catalog = catalog
        self.compiler = compiler
        self.source_name = source_name
        self.process_id = str(element.get("id") or "")
        self.drafts: dict[str, _Draft] = {}
        self.flow_fields: dict[str, dict[str, Any]] = {}
        self.scope_members: dict[str, list[str]] = {self.process_id: []}
        self.lanes: dict[str, str] = {}
        self._problem_start = len(compiler.problems)

    def error(self, message: str, element: Element, element_id: str | None = None) -> BpmnError:
        return BpmnError(
            message,
            element_id=element_id,
            tag=etree.QName(element).localname,
            line=element.sourceline,
            source_name=self.source_name,
        )

    def build(self) -> ProcessDefinition:
        if not self.process_id:
            raise self.error("the process has no id", self.element)
        self._walk(self.element, self.process_id)
        self._read_lanes(self.element)
        return self._finish()

    # -- reading ------------------------------------------------------------------------------

    def _walk(self, container: Element, scope_id: str) -> None:
        for item in container:
            local = local_name(item)
            if local == "sequenceFlow":
                self._flow(item, scope_id)
            elif local in NODE_KINDS:
                self._node(item, local, scope_id)

    def _flow(self, item: Element, scope_id: str) -> None:
        flow_id = item.get("id")
        if not flow_id:
            raise self.error("a sequence flow has no id", item)
        extensions, _ = read_extensions(item)
        fields: dict[str, Any] = {
            "id": flow_id,
            "source_id": item.get("sourceRef") or "",
            "target_id": item.get("targetRef") or "",
            "name": item.get("name") or "",
            "documentation": documentation_of(item),
            "vendor_attributes": vendor_attributes(item),
            "extensions": extensions,
            "line": item.sourceline,
        }
        expression = child(item, "conditionExpression")
        text = text_of(expression)
        if text:
            condition = self.compiler.condition(
                text, element_id=flow_id, what=f"sequenceFlow '{flow_id}': condition", line=item.sourceline
            )
            fields["condition"] = condition
            if condition is None:
                fields["broken_condition"] = text
        self.flow_fields[flow_id] = fields
        self.scope_members.setdefault(scope_id, [])

    def _node(self, item: Element, local: str, scope_id: str) -> None:
        node_id = item.get("id")
        if not node_id:
            raise self.error(f"a {local} has no id", item)
        kind = NODE_KINDS[local]
        if kind is NodeKind.SUB_PROCESS and item.get("triggeredByEvent") == "true":
            kind = NodeKind.EVENT_SUB_PROCESS
        extensions, vendor_extensions = read_extensions(item)
        potok_async = vendor(item, POTOK, "async") or potok_value(item, extensions, "async", "value")
        fields: dict[str, Any] = {
            "id": node_id,
            "kind": kind,
            "name": item.get("name") or "",
            "scope_id": scope_id,
            "documentation": documentation_of(item),
            "extensions": extensions,
            "vendor_attributes": vendor_attributes(item),
            "vendor_extensions": vendor_extensions,
            "line": item.sourceline,
            "async_before": vendor(item, CAMUNDA, "asyncBefore") == "true"
            or vendor(item, CAMUNDA, "async") == "true"
            or potok_async in ("true", "before"),
            "async_after": vendor(item, CAMUNDA, "asyncAfter") == "true" or potok_async == "after",
        }
        cls: type[Node]
        if kind in EVENT_KINDS:
            cls = EventNode
            fields["definitions"] = event_definitions(item, node_id, self.catalog, self.compiler, extensions)
            fields["attached_to"] = item.get("attachedToRef")
            if kind is NodeKind.BOUNDARY_EVENT:
                fields["interrupting"] = item.get("cancelActivity", "true") != "false"
            else:
                fields["interrupting"] = item.get("isInterrupting", "true") != "false"
        elif kind in GATEWAY_KINDS:
            cls = GatewayNode
        elif kind in TASK_KINDS:
            cls = TaskNode
            fields["loop"] = loop_characteristics(item, node_id, self.compiler)
            self._task_fields(item, kind, node_id, fields, extensions)
        elif kind in SUB_PROCESS_KINDS:
            cls = SubProcessNode
            fields["loop"] = loop_characteristics(item, node_id, self.compiler)
            fields["triggered_by_event"] = kind is NodeKind.EVENT_SUB_PROCESS
            self.scope_members[node_id] = []
            self._walk(item, node_id)
        else:
            cls = CallActivityNode
            fields["loop"] = loop_characteristics(item, node_id, self.compiler)
            fields["call"] = call_spec(item, node_id, self.compiler, extensions)
        self.drafts[node_id] = _Draft(cls, fields, item, item.get("default"))
        self.scope_members.setdefault(scope_id, []).append(node_id)

    def _task_fields(
        self, item: Element, kind: NodeKind, node_id: str, fields: dict[str, Any], extensions: dict[str, Any]
    ) -> None:
        if kind is NodeKind.SCRIPT_TASK:
            fields["script"] = self.compiler.script(
                text_of(child(item, "script")),
                item.get("scriptFormat"),
                element_id=node_id,
                name=item.get("name") or "",
                line=item.sourceline,
            )
        elif kind in (NodeKind.SERVICE_TASK, NodeKind.SEND_TASK):
            fields["action"] = action_of(item, extensions)
            fields["action_parameters"] = action_parameters(
                node_id, extensions, self.compiler, item.sourceline
            )
        elif kind is NodeKind.BUSINESS_RULE_TASK:
            fields["decision_ref"], fields["result_variable"] = decision_of(item, extensions)
        if kind in (NodeKind.RECEIVE_TASK, NodeKind.SEND_TASK):
            ref = item.get("messageRef")
            message = self.catalog.messages.get(ref) if ref else None
            fields["message_name"] = message.name if message else None
            if kind is NodeKind.RECEIVE_TASK:
                fields["correlation"] = correlation(item, node_id, self.compiler, extensions)

    def _read_lanes(self, container: Element) -> None:
        for lane_set in container.iter(f"{{{_BPMN}}}laneSet", f"{{{_BPMN}}}childLaneSet"):
            for lane in lane_set.iterchildren(f"{{{_BPMN}}}lane"):
                name = lane.get("name") or lane.get("id") or ""
                for ref in lane.iterchildren(f"{{{_BPMN}}}flowNodeRef"):
                    # Lanes are visited outer first, so an inner lane's name wins.
                    self.lanes[text_of(ref)] = name

    # -- precomputing -------------------------------------------------------------------------

    def _finish(self) -> ProcessDefinition:
        defaults = {
            draft.default_ref: node_id
            for node_id, draft in self.drafts.items()
            if draft.default_ref is not None
        }
        flows: dict[str, SequenceFlow] = {}
        for flow_id, fields in self.flow_fields.items():
            is_default = defaults.get(flow_id) == fields["source_id"]
            flows[flow_id] = SequenceFlow(is_default=is_default, **fields)
            for end in ("source_id", "target_id"):
                if fields[end] not in self.drafts:
                    what = "source" if end == "source_id" else "target"
                    self.compiler.problem(
                        flow_id,
                        f"sequenceFlow '{flow_id}': its {what} {fields[end]!r} is not a node of this process",
                        fields["line"],
                    )
        outgoing: dict[str, list[SequenceFlow]] = {node_id: [] for node_id in self.drafts}
        incoming: dict[str, list[SequenceFlow]] = {node_id: [] for node_id in self.drafts}
        for flow in flows.values():
            if flow.source_id in outgoing:
                outgoing[flow.source_id].append(flow)
            if flow.target_id in incoming:
                incoming[flow.target_id].append(flow)
        boundaries: dict[str, list[str]] = {}
        for node_id, draft in self.drafts.items():
            attached = draft.fields.get("attached_to")
            if draft.fields["kind"] is NodeKind.BOUNDARY_EVENT and attached:
                boundaries.setdefault(attached, []).append(node_id)
        link_targets = self._link_targets()
        sources = self._incoming_sources(incoming, link_targets)
        nodes: dict[str, Node] = {}
        for node_id, draft in self.drafts.items():
            fields = dict(draft.fields)
            fields["outgoing"] = tuple(outgoing[node_id])
            fields["incoming_ids"] = tuple(flow.id for flow in incoming[node_id])
            fields["boundary_ids"] = tuple(boundaries.get(node_id, ()))
            fields["lane"] = self.lanes.get(node_id)
            if draft.default_ref is not None:
                default = flows.get(draft.default_ref)
                if default is not None and default.source_id == node_id:
                    fields["default_flow"] = default
                else:
                    self.compiler.problem(
                        node_id,
                        f"{draft.fields['kind'].value} '{node_id}': its default flow "
                        f"{draft.default_ref!r} is not one of its outgoing flows",
                        draft.element.sourceline,
                    )
            if draft.cls is EventNode and node_id in link_targets:
                fields["link_target_id"] = link_targets[node_id]
            if draft.cls is GatewayNode:
                kind = fields["kind"]
                if kind is NodeKind.INCLUSIVE_GATEWAY and len(incoming[node_id]) > 1:
                    fields["upstream_ids"] = upstream_of(node_id, sources)
                if kind is NodeKind.EVENT_BASED_GATEWAY:
                    fields["event_target_ids"] = tuple(flow.target_id for flow in outgoing[node_id])
            nodes[node_id] = draft.cls(**fields)
        scopes = {
            scope_id: self._scope(scope_id, members, nodes)
            for scope_id, members in self.scope_members.items()
        }
        extensions, _ = read_extensions(self.element)
        return ProcessDefinition(
            id=self.process_id,
            name=self.element.get("name") or "",
            is_executable=self.element.get("isExecutable", "true") != "false",
            nodes=nodes,
            flows=flows,
            scopes=scopes,
            messages=dict(self.catalog.messages),
            signals=dict(self.catalog.signals),
            errors=dict(self.catalog.errors),
            escalations=dict(self.catalog.escalations),
            documentation=documentation_of(self.element),
            extensions=extensions,
            vendor_attributes=vendor_attributes(self.element),
            compile_problems=tuple(self.compiler.problems[self._problem_start :]),
            inclusive_join_ids=tuple(
                node.id
                for node in nodes.values()
                if node.kind is NodeKind.INCLUSIVE_GATEWAY and len(node.incoming_ids) > 1
            ),
            source_name=self.source_name,
            line=self.element.sourceline,
        )

    def _link_targets(self) -> dict[str, str]:
        """Link throw id → the link catch with the same name in the same scope."""
        catches: dict[tuple[str, str], str] = {}
        throws: list[tuple[str, str, str]] = []
        for node_id, draft in self.drafts.items():
            definitions: tuple[EventDefinition, ...] = draft.fields.get("definitions", ())
            for definition in definitions:
                if definition.kind is not EventKind.LINK:
                    continue
                key = (draft.fields["scope_id"], definition.name or "")
                if draft.fields["kind"] is NodeKind.INTERMEDIATE_CATCH_EVENT:
                    catches[key] = node_id
                elif draft.fields["kind"] is NodeKind.INTERMEDIATE_THROW_EVENT:
                    throws.append((node_id, *key))
        result: dict[str, str] = {}
        for node_id, scope_id, name in throws:
            target = catches.get((scope_id, name))
            if target is None:
                self.compiler.problem(
                    node_id,
                    f"intermediateThrowEvent '{node_id}': no link catch event named {name!r} in the same scope",
                    self.drafts[node_id].element.sourceline,
                )
            else:
                result[node_id] = target
        return result

    def _incoming_sources(
        self, incoming: dict[str, list[SequenceFlow]], link_targets: dict[str, str]
    ) -> dict[str, list[str]]:
        sources: dict[str, list[str]] = {
            node_id: [f.source_id for f in flows] for node_id, flows in incoming.items()
        }
        for node_id, draft in self.drafts.items():
            attached = draft.fields.get("attached_to")
            if attached:
                sources[node_id].append(attached)
        for throw_id, catch_id in link_targets.items():
            sources[catch_id].append(throw_id)
        return sources

    def _scope(self, scope_id: str, members: list[str], nodes: dict[str, Node]) -> Scope:
        starts = [node_id for node_id in members if nodes[node_id].kind is NodeKind.START_EVENT]
        plain = [
            node_id
            for node_id in starts
            if isinstance(nodes[node_id], EventNode) and not nodes[node_id].definitions  # type: ignore[attr-defined]
        ]
        event_subs = [node_id for node_id in members if nodes[node_id].kind is NodeKind.EVENT_SUB_PROCESS]
        event_starts = [
            member
            for sub_id in event_subs
            for member in self.scope_members.get(sub_id, [])
            if nodes[member].kind is NodeKind.START_EVENT
        ]
        return Scope(
            id=scope_id,
            is_process=scope_id == self.process_id,
            node_ids=tuple(members),
            start_ids=tuple(plain),
            start_event_ids=tuple(starts),
            event_sub_process_ids=tuple(event_subs),
            event_start_ids=tuple(event_starts),
        )
