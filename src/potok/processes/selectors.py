"""Reads of the process layer: definitions with counts, instances a user may see, an instance's diagram
state and history, the difference between two versions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from potok.access.selectors import is_administrator, visible_records
from potok.core.errors import NotFound
from potok.engine.model.process import ProcessDefinition as EngineProcess
from potok.processes.definitions import parse_version
from potok.processes.models import (
    Execution,
    HistoryEntry,
    Incident,
    OperationLog,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
    Task,
)

LIVE_STATES = ("running", "suspended")


def _count(queryset: QuerySet[Any], group: str, expression: Any) -> Coalesce:
    """A correlated count: one short index scan per row of the outer query. A join with every instance
    and COUNT(DISTINCT …) grouped the whole instance table for each page (issue #7)."""
    counted = queryset.order_by().values(group).annotate(n=expression).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _instances(**filters: Any) -> QuerySet[ProcessInstance]:
    return ProcessInstance.objects.filter(**filters)


def definitions_with_counts() -> QuerySet[ProcessDefinition]:
    by_definition = "version__definition"
    return ProcessDefinition.objects.annotate(
        running=_count(
            _instances(version__definition=OuterRef("pk"), state__in=LIVE_STATES), by_definition, Count("*")
        ),
        completed=_count(
            _instances(version__definition=OuterRef("pk"), state="completed"), by_definition, Count("*")
        ),
        with_incidents=_count(
            Incident.objects.filter(instance__version__definition=OuterRef("pk"), state="open"),
            "instance__version__definition",
            Count("instance_id", distinct=True),
        ),
        version_count=_count(
            ProcessVersion.objects.filter(definition=OuterRef("pk")), "definition", Count("*")
        ),
    ).order_by("name")


def versions_with_counts(definition: ProcessDefinition) -> QuerySet[ProcessVersion]:
    return definition.versions.annotate(
        running=_count(_instances(version=OuterRef("pk"), state__in=LIVE_STATES), "version", Count("*")),
        completed=_count(_instances(version=OuterRef("pk"), state="completed"), "version", Count("*")),
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
    return (
        visible_instances(user).filter(entity_type=entity_type, record_id=record_id).order_by("-started_at")
    )


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
    failed = sorted(
        set(Incident.objects.filter(instance=instance, state="open").values_list("node_id", flat=True))
    )
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


# --- Reads for the web monitor and designer ---------------------------------------------------------

# The heatmap's durations come from the latest history rows of a version, at most this many: enough
# for a stable median and 90th percentile, bounded so a busy process never slows the page.
HEATMAP_SAMPLE = 20_000
WAITING_STATES_EXCLUDED = ("scope", "completed", "cancelled")


def versions_with_all_counts(definition: ProcessDefinition) -> QuerySet[ProcessVersion]:
    """A definition's versions with running, completed and with-open-incident instance counts."""
    return versions_with_counts(definition).annotate(
        with_incidents=_count(
            Incident.objects.filter(instance__version=OuterRef("pk"), state="open"),
            "instance__version",
            Count("instance_id", distinct=True),
        )
    )


def latest_versions(definition_ids: Iterable[int]) -> QuerySet[ProcessVersion]:
    """The newest version (draft or published) of each of the definitions."""
    newest = ProcessVersion.objects.filter(definition_id=OuterRef("definition_id")).order_by("-number")
    return ProcessVersion.objects.filter(
        definition_id__in=list(definition_ids), number=Subquery(newest.values("number")[:1])
    )


def instances_filtered(
    user: Any,
    *,
    process: str = "",
    version: int | None = None,
    state: str = "",
    entity_type: str = "",
    record_id: int | None = None,
    performer: int | None = None,
    started_from: Any = None,
    started_to: Any = None,
) -> QuerySet[ProcessInstance]:
    """Instances the user may see, narrowed by the monitor's filters (performer: a task's assignee)."""
    queryset = visible_instances(user)
    if process:
        queryset = queryset.filter(process_id=process)
    if version is not None:
        queryset = queryset.filter(version__number=version)
    if state:
        queryset = queryset.filter(state=state)
    if entity_type:
        queryset = queryset.filter(entity_type=entity_type)
    if record_id is not None:
        queryset = queryset.filter(record_id=record_id)
    if performer is not None:
        queryset = queryset.filter(pk__in=Task.objects.filter(assignee_id=performer).values("instance_id"))
    if started_from is not None:
        queryset = queryset.filter(started_at__gte=started_from)
    if started_to is not None:
        queryset = queryset.filter(started_at__lt=started_to)
    return queryset


def performers() -> QuerySet[Any]:
    """People who have (or had) a process task: the choices of the monitor's performer filter."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(pk__in=Task.objects.filter(assignee__isnull=False).values("assignee_id"))
        .order_by("last_name", "first_name", "username")
    )


def current_steps(instances: Iterable[ProcessInstance]) -> dict[str, list[str]]:
    """Instance id → the names of the nodes its tokens stand at now (one query for all instances)."""
    by_id = {instance.pk: instance for instance in instances}
    found: dict[str, list[str]] = {key: [] for key in by_id}
    rows = (
        Execution.objects.filter(instance_id__in=list(by_id))
        .exclude(state__in=WAITING_STATES_EXCLUDED)
        .values_list("instance_id", "node_id")
        .order_by("instance_id", "started_at", "id")
    )
    names: dict[int, dict[str, str]] = {}
    for instance_id, node_id in rows:
        version = by_id[instance_id].version
        if version.pk not in names:
            names[version.pk] = node_names(version)
        name = names[version.pk].get(node_id, node_id)
        if name not in found[instance_id]:
            found[instance_id].append(name)
    return found


def open_incidents() -> QuerySet[Incident]:
    """Open incidents, newest first, with the instance and definition they belong to."""
    return (
        Incident.objects.filter(state="open")
        .select_related("instance__version__definition")
        .order_by("-created_at", "-id")
    )


def instance_operations(instance: ProcessInstance) -> QuerySet[OperationLog]:
    operations = OperationLog.objects.filter(instance=instance).select_related("actor")
    return operations.order_by("occurred_at", "id")


def people_by_username(usernames: Iterable[str | None]) -> dict[str, Any]:
    """Username → user, for showing who did a step (history rows keep the username)."""
    from django.contrib.auth import get_user_model

    wanted = {name for name in usernames if name}
    return {user.username: user for user in get_user_model().objects.filter(username__in=wanted)}


def instance_tasks(instance: ProcessInstance) -> QuerySet[Task]:
    return Task.objects.filter(instance=instance).select_related("assignee").order_by("created_at", "id")


@dataclass(frozen=True)
class NodeHeat:
    """How a node of a version is doing: instances that passed it, tokens waiting there now, and the
    median and 90th percentile of the time spent in it (seconds; None when nobody passed it yet)."""

    node_id: str
    passed: int
    waiting: int
    median_seconds: float | None
    p90_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "passed": self.passed,
            "waiting": self.waiting,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
        }


def version_heatmap(version: ProcessVersion, *, sample: int = HEATMAP_SAMPLE) -> dict[str, NodeHeat]:
    """Per node of a version: passed (distinct instances in its history), waiting (executions there now),
    median and p90 time spent, over the latest `sample` history rows. Three queries whatever the size."""
    passed = dict(
        HistoryEntry.objects.filter(instance__version=version)
        .values("node_id")
        .annotate(count=Count("instance_id", distinct=True))
        .values_list("node_id", "count")
    )
    waiting = dict(
        Execution.objects.filter(instance__version=version)
        .exclude(state__in=WAITING_STATES_EXCLUDED)
        .values("node_id")
        .annotate(count=Count("id"))
        .values_list("node_id", "count")
    )
    durations: dict[str, list[float]] = {}
    rows = (
        HistoryEntry.objects.filter(instance__version=version)
        .order_by("-ended_at", "-id")
        .values_list("node_id", "started_at", "ended_at")[:sample]
    )
    for node_id, started_at, ended_at in rows:
        durations.setdefault(node_id, []).append(max((ended_at - started_at).total_seconds(), 0.0))
    result = {}
    for node_id in sorted(set(passed) | set(waiting) | set(durations)):
        spent = sorted(durations.get(node_id, []))
        result[node_id] = NodeHeat(
            node_id=node_id,
            passed=passed.get(node_id, 0),
            waiting=waiting.get(node_id, 0),
            median_seconds=percentile(spent, 0.5),
            p90_seconds=percentile(spent, 0.9),
        )
    return result


def percentile(ordered: list[float], fraction: float) -> float | None:
    """The percentile of sorted values by linear interpolation between closest ranks (numpy's default):
    percentile([1, 2, 3, 4, 10], 0.9) == 7.6."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def registered_actions() -> list[dict[str, Any]]:
    """Service-task actions registered in the runtime, sorted by name, with what each declares about
    itself: `label` and `parameters` (names, or (name, description) pairs) set as attributes of the
    callable by the app that registers it; undeclared parameters can still be typed in the designer."""
    from potok.processes.runtime import ACTIONS

    # ActionRegistry offers no listing; its mapping is read here, in one place, until it does.
    registered: dict[str, Any] = dict(vars(ACTIONS).get("_actions", {}))
    result = []
    for name, action in sorted(registered.items()):
        parameters = []
        for item in getattr(action, "parameters", ()) or ():
            if isinstance(item, str):
                parameters.append({"name": item, "help": ""})
            else:
                parameters.append({"name": str(item[0]), "help": str(item[1]) if len(item) > 1 else ""})
        label = getattr(action, "label", "") or ""
        result.append({"name": name, "label": str(label), "parameters": parameters})
    return result
