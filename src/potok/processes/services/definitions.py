"""Process definitions: import a BPMN file as a draft, validate, publish an immutable version."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max

from potok.audit.services import audit_record
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.engine.bpmn import read_bpmn, validate_definitions
from potok.engine.errors import BpmnError
from potok.engine.model.process import Definitions
from potok.engine.model.process import ProcessDefinition as EngineProcess
from potok.processes.models import ProcessDefinition, ProcessVersion, VersionStatus

MAX_BPMN_BYTES = 10 * 1024 * 1024


def read_checked(data: bytes, *, source_name: str) -> Definitions:
    """Read a BPMN file or raise ValidationFailed naming the element and line."""
    if len(data) > MAX_BPMN_BYTES:
        raise ValidationFailed({"file": f"The file is larger than {MAX_BPMN_BYTES // (1024 * 1024)} MB."})
    try:
        return read_bpmn(data, source_name=source_name)
    except BpmnError as error:
        raise ValidationFailed({"file": str(error)}) from error


# Checks other apps add for what they read from a process (the tasks layer: performer rules, deadlines,
# forms); each returns (element id, message) pairs for one process.
PUBLISH_CHECKS: list[Callable[[EngineProcess], list[tuple[str, str]]]] = []


def problems_of(definitions: Definitions) -> list[dict[str, Any]]:
    """Every problem of the model, errors and warnings, each naming its element."""
    problems = [
        {
            "element_id": problem.element_id,
            "message": problem.message,
            "line": problem.line,
            "severity": problem.severity,
        }
        for problem in validate_definitions(definitions)
    ]
    for process in definitions.processes.values():
        for check in PUBLISH_CHECKS:
            for element_id, message in check(process):
                problems.append(
                    {"element_id": element_id, "message": message, "line": None, "severity": "error"}
                )
    return problems


@transaction.atomic
def process_draft_save(
    *, actor: Any, data: bytes, source_name: str = "process.bpmn", name: str | None = None, comment: str = ""
) -> list[ProcessVersion]:
    """Save a BPMN file as a new draft version of each executable process in it.

    A process id seen for the first time creates its definition. Drafts may have validation problems;
    only publishing requires a clean model. Returns the versions created.
    """
    definitions = read_checked(data, source_name=source_name)
    processes = [process for process in definitions.processes.values() if process.nodes]
    if not processes:
        raise ValidationFailed({"file": "The file has no process with elements."})
    xml = data.decode("utf-8", errors="strict") if isinstance(data, bytes) else data
    checksum = hashlib.sha256(data).hexdigest()
    created = []
    for process in processes:
        definition, is_new = ProcessDefinition.objects.get_or_create(
            key=process.id, defaults={"name": name or process.name or process.id, "created_by": _user(actor)}
        )
        latest = definition.versions.aggregate(number=Max("number"))["number"] or 0
        version = ProcessVersion.objects.create(
            definition=definition,
            number=latest + 1,
            bpmn_xml=xml,
            checksum=checksum,
            comment=comment,
            created_by=_user(actor),
        )
        audit_record(
            actor=actor,
            entity_type="process_definition",
            record_id=definition.pk,
            action="created" if is_new else "draft_saved",
            changes={"version": (None, version.number)},
        )
        created.append(version)
    return created


@transaction.atomic
def process_version_publish(*, actor: Any, version: ProcessVersion) -> ProcessVersion:
    """Publish a draft: validated, then immutable. Running instances keep the version they started on."""
    version = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.PUBLISHED:
        raise ValidationFailed({"version": f"Version {version.number} is published already."})
    definitions = read_checked(version.bpmn_xml.encode(), source_name=f"{version.definition.key}.bpmn")
    problems = [problem for problem in problems_of(definitions) if problem["severity"] == "error"]
    if problems:
        raise ValidationFailed(
            {"bpmn": [f"{p['element_id'] or 'process'}: {p['message']}" for p in problems]}
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = clock.now()
    version.published_by = _user(actor)
    version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        entity_type="process_definition",
        record_id=version.definition_id,
        action="published",
        changes={"version": (None, version.number)},
    )
    return version


def process_publish_file(
    *, actor: Any, data: bytes, source_name: str = "process.bpmn"
) -> list[ProcessVersion]:
    """Save and publish in one step (seeding, API uploads with publish=true)."""
    with transaction.atomic():
        versions = process_draft_save(actor=actor, data=data, source_name=source_name)
        return [process_version_publish(actor=actor, version=version) for version in versions]


# Besides the entity types of the access registry: every document type, and every type at all.
MANUAL_START_WILDCARDS = ("document.*", "*")


def check_manual_start_entity_types(entity_types: list[str]) -> None:
    from potok.access import registry

    unknown = []
    for entity_type in entity_types:
        if entity_type in MANUAL_START_WILDCARDS:
            continue
        try:
            registry.get(entity_type)
        except KeyError:
            unknown.append(entity_type)
    if unknown:
        raise ValidationFailed({"manual_start_entity_types": f"Unknown record types: {', '.join(unknown)}."})


@transaction.atomic
def process_manual_start_set(*, actor: Any, key: str, entity_types: list[str]) -> ProcessDefinition:
    """Choose the record types a process may be started from by hand (an empty list: from none)."""
    check_manual_start_entity_types(entity_types)
    definition = ProcessDefinition.objects.select_for_update().filter(key=key).first()
    if definition is None:
        raise ValidationFailed({"key": f"No process '{key}'."})
    before = list(definition.manual_start_entity_types or [])
    after = sorted(set(entity_types))
    if before != after:
        definition.manual_start_entity_types = after
        definition.save(update_fields=["manual_start_entity_types"])
        audit_record(
            actor=actor,
            entity_type="process_definition",
            record_id=definition.pk,
            action="updated",
            changes={"manual_start_entity_types": (before, after)},
        )
    return definition


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None
