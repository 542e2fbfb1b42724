"""Moving running instances to another published version: one instance from its page, or every live
instance of a version from the definition's page. Each first shows the dry run (what moves where, what
conflicts, the node mapping — the same element id by default, any node of the new version on request) and
only a POST applies it; the instance keeps its history and the operation log records the migration."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from potok.core.errors import ValidationFailed
from potok.processes import selectors
from potok.processes.models import ProcessDefinition, ProcessVersion
from potok.processes.services import instances as services
from potok.web.views.processes.common import administrators_only, error_messages
from potok.web.views.processes.monitor import definition_or_404

ROW_LABELS = {
    "token": pgettext_lazy("migration", "token"),
    "task": pgettext_lazy("migration", "task"),
    "timer": pgettext_lazy("migration", "timer"),
    "subscription": pgettext_lazy("migration", "message or signal wait"),
    "incident": pgettext_lazy("migration", "incident"),
}
MAPPING_PREFIX = "map_"


@dataclass
class MappingRow:
    """One node of the old version that has live rows, and where it goes in the new version."""

    node_id: str
    name: str
    target: str
    identity: bool


@dataclass
class Preview:
    """The dry run of one or many instances, ready for the template."""

    version: ProcessVersion | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    rows: list[MappingRow] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    instances: int = 0
    possible: int = 0
    error: str = ""


def published_versions(definition: ProcessDefinition, *, besides: int | None = None) -> list[ProcessVersion]:
    versions = definition.versions.filter(status="published").order_by("-number")
    return [version for version in versions if version.number != besides]


def chosen_version(
    definition: ProcessDefinition, value: str | None, *, besides: int | None
) -> tuple[ProcessVersion | None, str]:
    """The target version the form names, or a message naming the field."""
    if not value:
        return None, ""
    try:
        number = int(value)
    except ValueError:
        return None, _("Target version: “%(value)s” is not a version number.") % {"value": value}
    version = next((v for v in published_versions(definition, besides=besides) if v.number == number), None)
    if version is None:
        return None, _("Target version: v%(number)s is not a published version of this process.") % {
            "number": number
        }
    return version, ""


def submitted_mapping(
    data: QueryDict, old_nodes: dict[str, str], new_nodes: dict[str, str]
) -> dict[str, str]:
    """Node mapping from the form: only nodes of the old version mapped to another node of the new one."""
    mapping = {}
    for key, value in data.items():
        if not key.startswith(MAPPING_PREFIX) or not value:
            continue
        node_id = key.removeprefix(MAPPING_PREFIX)
        if node_id in old_nodes and value in new_nodes and value != node_id:
            mapping[node_id] = value
    return mapping


def conflict_text(conflict: Any) -> str:
    """The engine's conflict in the reader's language (its English message for a kind not listed here)."""
    params = dict(getattr(conflict, "params", ()))
    params["row"] = str(ROW_LABELS.get(params.get("row", ""), params.get("row", "")))
    texts = {
        "no_node": _(
            "it has a live %(row)s, but the new version has no step «%(target)s»: map it to a step of the new version"
        ),
        "kind_changed": _(
            "the step «%(target)s» is of another kind in the new version (%(old_kind)s → %(new_kind)s)"
        ),
        "other_scope": _("the step «%(target)s» lies in another (sub)process in the new version"),
        "boundary_moved": _(
            "the boundary event «%(target)s» is attached to another activity in the new version"
        ),
        "unknown_node": _("the mapping names a step the old version does not have"),
    }
    text = texts.get(getattr(conflict, "code", ""))
    return text % params if text else str(conflict.message)


def preview(plans: list[Any], mapping: dict[str, str], old: dict[str, str], new: dict[str, str]) -> Preview:
    """Group the plans of one or many instances: moves counted by (row kind, from, to), conflicts listed."""
    result = Preview(mapping=mapping, instances=len(plans))
    moves: Counter[tuple[str, str, str]] = Counter()
    dropped: Counter[tuple[str, str]] = Counter()
    live_nodes: set[str] = set()
    for plan in plans:
        result.possible += 1 if plan.possible else 0
        for move in plan.moves:
            moves[(move.row, move.from_node, move.to_node)] += 1
            live_nodes.add(move.from_node)
        for drop in plan.dropped:
            dropped[(drop.row, drop.from_node)] += 1
        seen: set[str] = set()
        for conflict in plan.conflicts:
            live_nodes.add(conflict.node_id)
            # one line per node of an instance, though its token, task and timer each conflict
            if conflict.node_id in seen:
                continue
            seen.add(conflict.node_id)
            result.conflicts.append(
                {
                    "instance": plan.instance_id,
                    "node": old.get(conflict.node_id, conflict.node_id),
                    "node_id": conflict.node_id,
                    "message": conflict_text(conflict),
                }
            )
    result.moves = [
        {
            "row": ROW_LABELS.get(row, row),
            "from": old.get(source, source),
            "from_id": source,
            "to": new.get(target, target),
            "to_id": target,
            "count": count,
        }
        for (row, source, target), count in sorted(moves.items())
    ]
    result.dropped = [
        {"row": ROW_LABELS.get(row, row), "from": old.get(source, source), "from_id": source, "count": count}
        for (row, source), count in sorted(dropped.items())
    ]
    result.rows = [
        MappingRow(
            node_id=node_id,
            name=old.get(node_id, node_id),
            target=mapping.get(node_id, node_id if node_id in new else ""),
            identity=node_id not in mapping,
        )
        for node_id in sorted(live_nodes | set(mapping), key=lambda node: (old.get(node) or node).lower())
        if node_id in old
    ]
    return result


def _names(version: ProcessVersion | None) -> dict[str, str]:
    return selectors.node_names(version) if version is not None else {}


def _refused(error: ValidationFailed) -> str:
    return _("The migration was refused: %(error)s") % {"error": "; ".join(error_messages(error))}


@require_http_methods(["GET", "POST"])
@administrators_only
def instance_migrate(request: HttpRequest, instance_id: str) -> HttpResponse:
    instance = selectors.get_visible_instance(request.user, instance_id)
    definition = instance.version.definition
    page = reverse("web:process_instance_migrate", args=[instance.pk])
    if instance.state not in ("running", "suspended"):
        messages.error(request, _("Only a running or suspended instance can be migrated."))
        return redirect("web:process_instance", instance_id=instance.pk)
    data = request.POST if request.method == "POST" else request.GET
    target, error = chosen_version(definition, data.get("version"), besides=instance.version.number)
    old, new = _names(instance.version), _names(target)
    mapping = submitted_mapping(data, old, new)
    if request.method == "POST":
        if target is None:
            messages.error(request, error or _("Target version: choose a published version."))
            return redirect(page)
        back = f"{page}?{urlencode({'version': target.number, **_mapping_params(mapping)})}"
        try:
            plan = services.instance_migrate(
                actor=request.user, instance_id=instance.pk, version_number=target.number, mapping=mapping
            )
        except ValidationFailed as failed:
            messages.error(request, _refused(failed))
            return redirect(back)
        if not plan.applied:
            messages.error(request, _("The migration has conflicts; map the nodes they name and try again."))
            return redirect(back)
        messages.success(
            request,
            _("The instance is migrated to v%(number)s; its history is kept.") % {"number": target.number},
        )
        return redirect("web:process_instance", instance_id=instance.pk)
    result = Preview(error=error)
    if target is not None:
        try:
            plan = services.instance_migrate(
                actor=request.user,
                instance_id=instance.pk,
                version_number=target.number,
                mapping=mapping,
                dry_run=True,
            )
        except ValidationFailed as failed:
            result.error = _refused(failed)
        else:
            result = preview([plan], mapping, old, new)
        result.version = target
    return render(
        request,
        "web/processes/migrate.html",
        {
            "definition": definition,
            "instance": instance,
            "source": instance.version,
            "versions": published_versions(definition, besides=instance.version.number),
            "preview": result,
            "targets": sorted(new.items(), key=lambda item: item[1].lower()),
            "action": page,
        },
    )


@require_http_methods(["GET", "POST"])
@administrators_only
def version_migrate(request: HttpRequest, key: str) -> HttpResponse:
    """Every running or suspended instance of one version to another version."""
    definition = definition_or_404(key)
    page = reverse("web:process_version_migrate", args=[definition.key])
    data = request.POST if request.method == "POST" else request.GET
    source, error = _source_version(definition, data.get("from"))
    target, target_error = chosen_version(
        definition, data.get("version"), besides=source.number if source else None
    )
    error = error or target_error
    old, new = _names(source), _names(target)
    mapping = submitted_mapping(data, old, new)
    if request.method == "POST":
        if source is None or target is None:
            messages.error(request, error or _("Target version: choose a published version."))
            return redirect(page)
        plans = services.instances_migrate_version(
            actor=request.user,
            process_key=definition.key,
            from_number=source.number,
            to_number=target.number,
            mapping=mapping,
            dry_run=False,
        )
        migrated = sum(1 for plan in plans if plan.applied)
        left = len(plans) - migrated
        messages.success(
            request,
            _("%(migrated)s instances moved from v%(source)s to v%(target)s; %(left)s left on v%(source)s.")
            % {"migrated": migrated, "left": left, "source": source.number, "target": target.number},
        )
        return redirect("web:process_definition", key=definition.key)
    result = Preview(error=error)
    if source is not None and target is not None:
        plans = services.instances_migrate_version(
            actor=request.user,
            process_key=definition.key,
            from_number=source.number,
            to_number=target.number,
            mapping=mapping,
            dry_run=True,
        )
        result = preview(plans, mapping, old, new)
        result.version = target
    return render(
        request,
        "web/processes/migrate.html",
        {
            "definition": definition,
            "instance": None,
            "source": source,
            "sources": _live_versions(definition),
            "versions": published_versions(definition, besides=source.number if source else None),
            "preview": result,
            "targets": sorted(new.items(), key=lambda item: item[1].lower()),
            "action": page,
        },
    )


def _live_versions(definition: ProcessDefinition) -> list[Any]:
    return [
        version
        for version in selectors.versions_with_all_counts(definition)
        if getattr(version, "running", 0)
    ]


def _source_version(definition: ProcessDefinition, value: str | None) -> tuple[ProcessVersion | None, str]:
    if not value:
        return None, ""
    version = definition.versions.filter(number=value).first() if str(value).isdigit() else None
    if version is None:
        return None, _("Version to migrate from: “%(value)s” is not a version of this process.") % {
            "value": value
        }
    return version, ""


def _mapping_params(mapping: dict[str, str]) -> dict[str, str]:
    return {f"{MAPPING_PREFIX}{node}": target for node, target in mapping.items()}
