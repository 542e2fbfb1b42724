"""Published process versions as the engine sees them: parsed once per version, then cached.

A published version never changes, so the cache needs no invalidation; "latest" is looked up by a
cheap query each time so a new publication is seen at once by every process.
"""

from __future__ import annotations

import threading

from django.db.models import QuerySet

from potok.core import memo
from potok.engine.bpmn import read_bpmn
from potok.engine.model.kinds import EventKind, NodeKind
from potok.engine.model.nodes import EventNode
from potok.engine.model.process import ProcessDefinition
from potok.processes.models import ProcessVersion, VersionStatus

# Keyed by what identifies a version's content, not by its row id alone (ids can be reused after a
# rollback or a restore).
_cache: dict[tuple[int, str, str], ProcessDefinition] = {}
_lock = threading.Lock()
# version key → (version id, model) of published versions.
_published_by_key: dict[str, tuple[int, ProcessDefinition]] = {}


def forget_cached_definitions() -> None:
    """Drop every cached version (tests roll databases back, and SQLite may then reuse row ids)."""
    from potok.processes import store

    with _lock:
        _cache.clear()
        _published_by_key.clear()
    store.forget_cached_versions()


def parse_version(version: ProcessVersion) -> ProcessDefinition:
    """The engine's model of one version (its own process out of the file)."""
    key = (version.pk, version.version_key, version.checksum)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    definitions = read_bpmn(version.bpmn_xml.encode(), source_name=f"{version.definition.key}.bpmn")
    process = definitions.processes[version.definition.key].with_version(version.version_key)
    if version.status == VersionStatus.PUBLISHED:
        with _lock:
            _cache[key] = process
    return process


def _latest_version(process_id: str) -> list[tuple[int, int]]:
    from potok.processes.sql import Sql

    return Sql.current().rows(
        "SELECT v.id, v.number FROM processes_processversion v JOIN processes_processdefinition d "
        "ON d.id = v.definition_id WHERE d.key = ? AND v.status = 'published' "
        "ORDER BY v.number DESC LIMIT 1",
        [process_id],
    )


class DatabaseDefinitions:
    """The engine's DefinitionsProvider over ProcessVersion rows (published versions only)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def _published(self) -> QuerySet[ProcessVersion]:
        return ProcessVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("definition")

    def get(self, process_id: str, version_key: str | None = None) -> ProcessDefinition | None:
        if version_key is not None:
            # A published version never changes: once parsed, it is served from memory.
            with _lock:
                known = _published_by_key.get(version_key)
            if known is not None:
                self._ids[version_key] = known[0]
                return known[1]
        else:
            # The latest published version: one indexed query (once per batch of work: a worker starting
            # two hundred instances of one process in a transaction asks once), then the model from memory.
            latest = memo.once(f"processes.latest_version:{process_id}", lambda: _latest_version(process_id))
            if not latest:
                return None
            key = f"{process_id}:{latest[0][1]}"
            with _lock:
                known = _published_by_key.get(key)
            if known is not None and known[0] == latest[0][0]:
                self._ids[key] = known[0]
                return known[1]
        versions = self._published().filter(definition__key=process_id)
        if version_key is not None:
            _key, _, number = version_key.rpartition(":")
            if not number.isdigit():
                return None
            versions = versions.filter(number=int(number))
        version = versions.order_by("-number").first()
        if version is None:
            return None
        self._ids[version.version_key] = version.pk
        process = parse_version(version)
        with _lock:
            _published_by_key[version.version_key] = (version.pk, process)
        return process

    def version_id(self, version_key: str) -> int:
        found = self._ids.get(version_key)
        if found is None:
            key, _, number = version_key.rpartition(":")
            found = ProcessVersion.objects.values_list("pk", flat=True).get(
                definition__key=key, number=int(number)
            )
            self._ids[version_key] = found
        return found

    def _latest_processes(self) -> list[ProcessDefinition]:
        latest: dict[int, ProcessVersion] = {}
        for version in self._published().order_by("definition_id", "number"):
            latest[version.definition_id] = version
        return [parse_version(version) for version in latest.values()]

    def _starts(self, kind: EventKind, name: str) -> list[tuple[ProcessDefinition, str]]:
        found = []
        for process in self._latest_processes():
            for node in process.nodes.values():
                if node.kind is not NodeKind.START_EVENT or not isinstance(node, EventNode):
                    continue
                if any(d.kind is kind and d.name == name for d in node.definitions):
                    found.append((process, node.id))
        return found

    def message_starts(self, name: str) -> list[tuple[ProcessDefinition, str]]:
        return self._starts(EventKind.MESSAGE, name)

    def signal_starts(self, name: str) -> list[tuple[ProcessDefinition, str]]:
        return self._starts(EventKind.SIGNAL, name)
