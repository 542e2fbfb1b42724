"""Where the engine finds process definitions: by id and version (call activities, message starts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from potok.engine.model.kinds import EventKind, NodeKind
from potok.engine.model.nodes import EventNode
from potok.engine.model.process import Definitions, ProcessDefinition


class DefinitionsProvider(Protocol):
    """Published process versions. The Django app implements it over ProcessDefinition rows.

    - `get(process_id, None)` is the latest published version, `get(process_id, key)` a given one;
      both return None when there is no such process or version.
    - `message_starts(name)` / `signal_starts(name)`: (latest definition, start event id) of every
      process with a message/signal start event of that name.
    """

    def get(self, process_id: str, version_key: str | None = None) -> ProcessDefinition | None: ...

    def message_starts(self, name: str) -> list[tuple[ProcessDefinition, str]]: ...

    def signal_starts(self, name: str) -> list[tuple[ProcessDefinition, str]]: ...


class DecisionProvider(Protocol):
    """Finds a DMN decision by id for business rule tasks (see potok.engine.dmn)."""

    def get(self, decision_id: str) -> Any: ...


class InMemoryDefinitions:
    """A DefinitionsProvider in memory; versions of a process are kept in the order they were added.

    Example::

        definitions = InMemoryDefinitions()
        definitions.add(read_bpmn(v1, source_name="invoice.bpmn"), version_key="1")
        definitions.add(read_bpmn(v2, source_name="invoice.bpmn"), version_key="2")
        definitions.get("invoice").version_key       # "2" (latest)
        definitions.get("invoice", "1").version_key  # "1" (pinned)
    """

    def __init__(self, items: Iterable[Definitions | ProcessDefinition] = ()) -> None:
        self._versions: dict[str, list[ProcessDefinition]] = {}
        for item in items:
            self.add(item)

    def add(
        self, item: Definitions | ProcessDefinition, *, version_key: str | None = None
    ) -> list[ProcessDefinition]:
        processes = list(item.processes.values()) if isinstance(item, Definitions) else [item]
        added = []
        for process in processes:
            if not process.nodes:
                continue
            if version_key is not None:
                process = process.with_version(version_key)
            versions = self._versions.setdefault(process.id, [])
            versions[:] = [known for known in versions if known.version_key != process.version_key]
            versions.append(process)
            added.append(process)
        return added

    def get(self, process_id: str, version_key: str | None = None) -> ProcessDefinition | None:
        versions = self._versions.get(process_id)
        if not versions:
            return None
        if version_key is None:
            return versions[-1]
        for process in versions:
            if process.version_key == version_key:
                return process
        return None

    def message_starts(self, name: str) -> list[tuple[ProcessDefinition, str]]:
        return self._starts(EventKind.MESSAGE, name)

    def signal_starts(self, name: str) -> list[tuple[ProcessDefinition, str]]:
        return self._starts(EventKind.SIGNAL, name)

    def _starts(self, kind: EventKind, name: str) -> list[tuple[ProcessDefinition, str]]:
        found = []
        for versions in self._versions.values():
            process = versions[-1]
            for node_id in process.scope.start_event_ids:
                node = process.nodes[node_id]
                if (
                    isinstance(node, EventNode)
                    and node.kind is NodeKind.START_EVENT
                    and node.event_kind is kind
                    and node.definition.name == name
                ):
                    found.append((process, node_id))
        return found


class InMemoryDecisions:
    """A DecisionProvider over parsed DMN decisions (potok.engine.dmn.parse_dmn), by decision id.

    Example::

        decisions = InMemoryDecisions(parse_dmn(data, source_name="discounts.dmn"))
        engine = Engine(store, decisions=decisions)
    """

    def __init__(self, decisions: Iterable[Any] = ()) -> None:
        self._decisions: dict[str, Any] = {}
        self.add(decisions)

    def add(self, decisions: Iterable[Any]) -> None:
        for decision in decisions:
            self._decisions[str(decision.id)] = decision

    def get(self, decision_id: str) -> Any:
        return self._decisions.get(decision_id)
