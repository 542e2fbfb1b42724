"""Reads of the process layer: definitions with counts, instances a user may see, an instance's diagram
state and history, the difference between two versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from potok.access.selectors import is_administrator, visible_records
from potok.core.errors import NotFound
from potok.engine.model.process import ProcessDefinition as EngineProcess
from potok.processes.definitions import parse_version
from potok.processes.models import (
    Execution,
    HistoryEntry,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
)

LIVE_STATES = ("running", "suspended")


def definitions_with_counts() -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.annotate(
        running=Count("versions__instances", filter=Q(versions__instances__state__in=LIVE_STATES), distinct=True),
        completed=Count("versions__instances", filter=Q(versions__instances__state="completed"), distinct=True),
        with_incidents=Count(
            "versions__instances", filter=Q(versions__instances__incidents__state="open"), distinct=True
        ),
        version_count=Count("versions", distinct=True),
    ).order_by("name")


def versions_with_counts(definition: ProcessDefinition) -> QuerySet[ProcessVersion]:
    return definition.versions.annotate(
        running=Count("instances", filter=Q(instances__state__in=LIVE_STATES), distinct=True),
        completed=Count("instances", filter=Q(instances__state="completed"), distinct=True),
    ).order_by("-number")


def visible_instances(user: Any) -> QuerySet[ProcessInstance]:
    """Instances a user may see: by his rights on process instances, plus those he has a task in."""
    base = ProcessInstance.objects.select_related("version__definition")
    if is_administrator(user):
        return base
    allowed = visible_records(user, "process_instance").values("pk")
    return base.filter(Q(pk__in=allowed) | Q(tasks__assignee=user) | Q(started_by=user)).distinct()


def get_visible_instance(user: Any, instance_id: str) -> ProcessInstance:
    instance = visible_instances(user).filter(pk=instance_id).first()
    if instance is None:
        raise NotFound(f"process instance {instance_id}")
    return instance


def instances_of_record(user: Any, entity_type: str, record_id: int) -> QuerySet[ProcessInstance]:
    return visible_instances(user).filter(entity_type=entity_type, record_id=record_id).order_by("-started_at")


@dataclass(frozen=True)
class DiagramState:
    """What the diagram of an instance marks: nodes passed, nodes waiting now, nodes that failed."""

    completed: list[str]
    active: list[str]
    failed: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        return {"completed": self.completed, "active": self.active, "failed": self.failed}


def diagram_state(instance: ProcessInstance) -> DiagramState:
    completed = sorted(set(HistoryEntry.objects.filter(instance=instance).values_list("node_id", flat=True)))
    active = sorted(
        set(
            Execution.objects.filter(instance=instance)
            .exclude(state__in=("scope",))
            .values_list("node_id", flat=True)
        )
    )
    failed = sorted(set(Incident.objects.filter(instance=instance, state="open").values_list("node_id", flat=True)))
    return DiagramState(completed=completed, active=active, failed=failed)


def instance_history(instance: ProcessInstance) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(instance=instance).order_by("ended_at", "id")


def node_names(version: ProcessVersion) -> dict[str, str]:
    process = parse_version(version)
    return {node_id: (node.name or node_id) for node_id, node in process.nodes.items()}


@dataclass(frozen=True)
class VersionDiff:
    added: list[str]
    removed: list[str]
    changed: list[str]


def version_diff(old: ProcessVersion, new: ProcessVersion) -> VersionDiff:
    """Elements (nodes and flows) added, removed and changed between two versions."""
    def elements(process: EngineProcess) -> dict[str, Any]:
        canonical = process.canonical()
        return {**canonical["nodes"], **canonical["flows"]}

    before, after = elements(parse_version(old)), elements(parse_version(new))
    return VersionDiff(
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=sorted(key for key in set(before) & set(after) if before[key] != after[key]),
    )
