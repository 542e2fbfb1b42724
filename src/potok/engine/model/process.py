"""A process definition (one `process` element with everything precomputed) and a whole BPMN file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from potok.engine.model.canonical import canonical
from potok.engine.model.nodes import Node, Problem, Scope, SequenceFlow
from potok.engine.model.specs import ItemSpec


@dataclass(frozen=True, slots=True, eq=False)
class ProcessDefinition:
    """An executable process: nodes of every nesting level by id, flows by id, scopes by id.

    `version_key` identifies the published version an instance runs on; by default it is derived
    from the model's fingerprint, a registry may set its own (e.g. "3") with `with_version`.

    Example::

        definitions = read_bpmn(data, source_name="complaint.bpmn")
        process = definitions.processes["complaint_review"]
        process.nodes["register"].outgoing[0].target_id  # "gw_amount"
        process.with_version("3").version_key             # "3"
    """

    id: str
    name: str
    is_executable: bool
    nodes: Mapping[str, Node]
    flows: Mapping[str, SequenceFlow]
    scopes: Mapping[str, Scope]
    messages: Mapping[str, ItemSpec] = field(default_factory=dict)
    signals: Mapping[str, ItemSpec] = field(default_factory=dict)
    errors: Mapping[str, ItemSpec] = field(default_factory=dict)
    escalations: Mapping[str, ItemSpec] = field(default_factory=dict)
    documentation: str = ""
    extensions: Mapping[str, Any] = field(default_factory=dict)
    vendor_attributes: Mapping[str, str] = field(default_factory=dict)
    # Problems found while compiling (conditions, timers, scripts); the executor refuses to run them.
    compile_problems: tuple[Problem, ...] = ()
    # Inclusive gateways with several incoming flows: the executor re-checks them when tokens move.
    inclusive_join_ids: tuple[str, ...] = ()
    source_name: str = ""
    version_key: str = ""
    line: int | None = None

    @property
    def scope(self) -> Scope:
        """The process body."""
        return self.scopes[self.id]

    @property
    def runnable(self) -> bool:
        """True when nothing failed to compile (the executor refuses a process with compile errors)."""
        return not any(problem.severity == "error" for problem in self.compile_problems)

    def with_version(self, version_key: str) -> ProcessDefinition:
        """The same definition tagged with a registry's version key."""
        return _replace_version(self, version_key)

    def canonical(self) -> dict[str, Any]:
        """A JSON-able description of the model that ignores object identity, lines and version."""
        return {
            "id": self.id,
            "name": self.name,
            "is_executable": self.is_executable,
            "nodes": {key: canonical(node) for key, node in sorted(self.nodes.items())},
            "flows": {key: canonical(flow) for key, flow in sorted(self.flows.items())},
            "scopes": {key: canonical(scope) for key, scope in sorted(self.scopes.items())},
            "messages": canonical(self.messages),
            "signals": canonical(self.signals),
            "errors": canonical(self.errors),
            "escalations": canonical(self.escalations),
            "documentation": self.documentation,
            "extensions": canonical(self.extensions),
            "vendor_attributes": canonical(self.vendor_attributes),
            "compile_problems": sorted(f"{p.element_id}: {p.message}" for p in self.compile_problems),
        }

    def fingerprint(self) -> str:
        """A hash of `canonical()`: equal fingerprints mean equal models."""
        return _hash(self.canonical())


def _replace_version(process: ProcessDefinition, version_key: str) -> ProcessDefinition:
    from dataclasses import replace

    return replace(process, version_key=version_key)


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Bounds:
    """A BPMNDI shape's bounds. Example: `Bounds(100, 80, 100, 80)` for a task at (100, 80)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class DiagramElement:
    """A BPMNDI shape or edge: which model element it draws, its bounds or its waypoints.

    Example::

        [element.element_ref for element in definitions.diagram if element.bounds]  # shapes
    """

    id: str
    element_ref: str
    bounds: Bounds | None
    waypoints: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Definitions:
    """A whole BPMN file: its processes plus the parsed XML tree kept for a faithful write-back.

    The tree (`xml`) is the safe lxml tree the reader built; the writer serializes it, so diagram
    interchange (BPMNDI), documentation, other vendors' extensions, unknown attributes and
    namespaces come back unchanged. Model edits go through `DefinitionsEditor`, which edits a copy
    of the tree and reads the model again.

    Example::

        definitions = read_bpmn(data, source_name="complaint.bpmn")
        again = read_bpmn(write_bpmn(definitions), source_name="complaint.bpmn")
        again.fingerprint() == definitions.fingerprint()
    """

    id: str
    target_namespace: str
    processes: Mapping[str, ProcessDefinition]
    messages: Mapping[str, ItemSpec]
    signals: Mapping[str, ItemSpec]
    errors: Mapping[str, ItemSpec]
    escalations: Mapping[str, ItemSpec]
    # participant id -> process id (collaborations), and participant names.
    participants: Mapping[str, str]
    diagram: tuple[DiagramElement, ...]
    source_name: str
    xml: Any = field(repr=False)

    def __iter__(self) -> Iterator[ProcessDefinition]:
        return iter(self.processes.values())

    def canonical(self) -> dict[str, Any]:
        """A JSON-able description of the model (diagram included, XML tree excluded)."""
        return {
            "id": self.id,
            "target_namespace": self.target_namespace,
            "processes": {key: p.canonical() for key, p in sorted(self.processes.items())},
            "messages": canonical(self.messages),
            "signals": canonical(self.signals),
            "errors": canonical(self.errors),
            "escalations": canonical(self.escalations),
            "participants": canonical(self.participants),
            "diagram": [canonical(element) for element in self.diagram],
        }

    def fingerprint(self) -> str:
        """A hash of `canonical()`: equal fingerprints mean equal models."""
        return _hash(self.canonical())

    def process(self, process_id: str | None = None) -> ProcessDefinition:
        """The process with that id, or the only executable one (the first one if several)."""
        if process_id is not None:
            return self.processes[process_id]
        executable = [p for p in self.processes.values() if p.is_executable and p.nodes]
        candidates = executable or [p for p in self.processes.values() if p.nodes]
        if not candidates:
            raise KeyError(f"{self.source_name}: no process with nodes")
        return candidates[0]
