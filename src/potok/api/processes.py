"""API of process definitions, instances, incidents, messages and signals (resources
`process-definitions`, `process-instances`, `incidents`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from potok.access.selectors import is_administrator
from potok.api.pagination import PageOut, page_of
from potok.core.errors import NotFound, PermissionDenied, ValidationFailed
from potok.processes import selectors
from potok.processes.models import Incident, ProcessDefinition, ProcessVersion, Task
from potok.processes.services import definitions as definition_services
from potok.processes.services import instances as instance_services

router = Router(tags=["processes"])


def require_admin(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied("process administration")


class VersionOut(Schema):
    number: int
    status: str
    comment: str
    created_at: datetime
    published_at: datetime | None
    checksum: str


class DefinitionOut(Schema):
    key: str
    name: str
    description: str
    running: int = 0
    completed: int = 0
    with_incidents: int = 0
    version_count: int = 0


class DefinitionDetailOut(DefinitionOut):
    versions: list[VersionOut]


class ProblemOut(Schema):
    element_id: str | None
    message: str
    line: int | None
    severity: str


class ValidationOut(Schema):
    valid: bool
    problems: list[ProblemOut]


class UploadOut(Schema):
    versions: list[dict[str, Any]]


class DiffOut(Schema):
    added: list[str]
    removed: list[str]
    changed: list[str]


class InstanceOut(Schema):
    id: str
    process_id: str
    version: int = Field(..., alias="version.number")
    state: str
    business_key: str | None
    started_at: datetime
    ended_at: datetime | None
    entity_type: str
    record_id: int | None


class HistoryOut(Schema):
    node_id: str
    node_kind: str
    started_at: datetime
    ended_at: datetime
    outcome: str
    actor: str | None


class IncidentOut(Schema):
    id: str
    instance_id: str
    node_id: str
    message: str = Field(description="What failed, in English (as the logs say it)")
    code: str = Field(
        description='What failed as a stable code ("gateway.no_true_condition", "action.failed", …); '
        "empty for incidents older than the codes"
    )
    params: dict[str, Any] = Field(description="The code's details: node, node_id, flow, error, …")
    state: str
    created_at: datetime


class TaskBriefOut(Schema):
    id: str
    node_id: str
    name: str
    state: str
    assignee_id: int | None
    due_at: datetime | None


class InstanceDetailOut(InstanceOut):
    variables: dict[str, Any]
    diagram: dict[str, list[str]]
    history: list[HistoryOut]
    incidents: list[IncidentOut]
    tasks: list[TaskBriefOut]


class StartIn(Schema):
    process: str
    variables: dict[str, Any] = {}
    business_key: str | None = None
    version: int | None = None
    entity_type: str = ""
    record_id: int | None = None


class VariablesIn(Schema):
    variables: dict[str, Any]


class NodeIn(Schema):
    node_id: str


class MoveIn(Schema):
    from_node_id: str
    to_node_id: str


class CancelIn(Schema):
    reason: str = ""


class MessageIn(Schema):
    name: str
    correlation_key: str | None = None
    payload: dict[str, Any] = {}


class SignalIn(Schema):
    name: str
    payload: dict[str, Any] = {}


def _definition(key: str) -> ProcessDefinition:
    definition = selectors.definitions_with_counts().filter(key=key).first()
    if definition is None:
        raise NotFound(f"process definition {key}")
    return definition


def _version(key: str, number: int) -> ProcessVersion:
    version = (
        ProcessVersion.objects.select_related("definition").filter(definition__key=key, number=number).first()
    )
    if version is None:
        raise NotFound(f"process version {key} {number}")
    return version


@router.get("process-definitions", response=list[DefinitionOut], summary="Process definitions with counts")
def definitions(request: HttpRequest) -> Any:
    require_admin(request)
    return selectors.definitions_with_counts()


@router.post("process-definitions", response={201: UploadOut}, summary="Upload a BPMN file as drafts")
def upload(request: HttpRequest, file: File[UploadedFile], publish: Form[bool] = False) -> Any:
    require_admin(request)
    data = file.read(definition_services.MAX_BPMN_BYTES + 1)
    if publish:
        versions = definition_services.process_publish_file(
            actor=request.user, data=data, source_name=file.name or ""
        )
    else:
        versions = definition_services.process_draft_save(
            actor=request.user, data=data, source_name=file.name or ""
        )
    return Status(
        201,
        {
            "versions": [
                {"process": v.definition.key, "number": v.number, "status": v.status} for v in versions
            ]
        },
    )


@router.post("process-definitions/validate", response=ValidationOut, summary="Validate a BPMN file")
def validate(request: HttpRequest, file: File[UploadedFile]) -> Any:
    require_admin(request)
    definitions_read = definition_services.read_checked(
        file.read(definition_services.MAX_BPMN_BYTES + 1), source_name=file.name or ""
    )
    problems = definition_services.problems_of(definitions_read)
    return {"valid": not any(p["severity"] == "error" for p in problems), "problems": problems}


@router.get(
    "process-definitions/{key}", response=DefinitionDetailOut, summary="One definition with its versions"
)
def definition(request: HttpRequest, key: str) -> Any:
    require_admin(request)
    found = _definition(key)
    return {
        **{name: getattr(found, name) for name in DefinitionOut.model_fields},
        "versions": list(found.versions.order_by("-number")),
    }


@router.get("process-definitions/{key}/versions/{number}/bpmn", summary="Download a version's BPMN")
def download(request: HttpRequest, key: str, number: int) -> HttpResponse:
    require_admin(request)
    version = _version(key, number)
    response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-v{number}.bpmn"'
    return response


@router.post(
    "process-definitions/{key}/versions/{number}/publish", response=VersionOut, summary="Publish a draft"
)
def publish(request: HttpRequest, key: str, number: int) -> Any:
    require_admin(request)
    return definition_services.process_version_publish(actor=request.user, version=_version(key, number))


@router.get("process-definitions/{key}/diff", response=DiffOut, summary="Elements changed between versions")
def diff(request: HttpRequest, key: str, old: int, new: int) -> Any:
    require_admin(request)
    return selectors.version_diff(_version(key, old), _version(key, new))


@router.get(
    "process-instances", response=PageOut[InstanceOut], summary="Process instances the caller may see"
)
def instances(
    request: HttpRequest,
    process: str | None = None,
    version: int | None = None,
    state: str | None = None,
    entity_type: str | None = None,
    record_id: int | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    queryset = selectors.visible_instances(request.user)
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
    if started_after:
        queryset = queryset.filter(started_at__gte=started_after)
    if started_before:
        queryset = queryset.filter(started_at__lt=started_before)
    return page_of(queryset, order=("-started_at", "-id"), cursor=cursor, limit=limit)


@router.post("process-instances", response={201: InstanceOut}, summary="Start a process (administrators)")
def start(request: HttpRequest, payload: StartIn) -> Any:
    require_admin(request)
    version_key = f"{payload.process}:{payload.version}" if payload.version else None
    instance = instance_services.process_start(
        actor=request.user,
        process_key=payload.process,
        variables=payload.variables,
        business_key=payload.business_key,
        entity_type=payload.entity_type,
        record_id=payload.record_id,
        version_key=version_key,
        reason="API",
    )
    return Status(201, instance)


def _detail(instance: Any) -> dict[str, Any]:
    return {
        **{
            name: getattr(instance, name)
            for name in (
                "id",
                "process_id",
                "state",
                "business_key",
                "started_at",
                "ended_at",
                "entity_type",
                "record_id",
            )
        },
        "version.number": instance.version.number,
        "variables": instance.variables,
        "diagram": selectors.diagram_state(instance).as_dict(),
        "history": list(selectors.instance_history(instance)),
        "incidents": list(instance.incidents.order_by("-created_at")),
        "tasks": list(Task.objects.filter(instance=instance).order_by("created_at")),
    }


@router.get(
    "process-instances/{instance_id}", response=InstanceDetailOut, summary="One instance with its state"
)
def instance(request: HttpRequest, instance_id: str) -> Any:
    return _detail(selectors.get_visible_instance(request.user, instance_id))


def _operate(request: HttpRequest, instance_id: str, run: Any) -> Any:
    require_admin(request)
    selectors.get_visible_instance(request.user, instance_id)
    return _detail(run())


@router.post("process-instances/{instance_id}/suspend", response=InstanceDetailOut, summary="Suspend")
def suspend(request: HttpRequest, instance_id: str) -> Any:
    return _operate(
        request,
        instance_id,
        lambda: instance_services.instance_suspend(actor=request.user, instance_id=instance_id),
    )


@router.post("process-instances/{instance_id}/resume", response=InstanceDetailOut, summary="Resume")
def resume(request: HttpRequest, instance_id: str) -> Any:
    return _operate(
        request,
        instance_id,
        lambda: instance_services.instance_resume(actor=request.user, instance_id=instance_id),
    )


@router.post("process-instances/{instance_id}/cancel", response=InstanceDetailOut, summary="Cancel")
def cancel(request: HttpRequest, instance_id: str, payload: CancelIn) -> Any:
    return _operate(
        request,
        instance_id,
        lambda: instance_services.instance_cancel(
            actor=request.user, instance_id=instance_id, reason=payload.reason
        ),
    )


@router.post("process-instances/{instance_id}/variables", response=InstanceDetailOut, summary="Set variables")
def set_variables(request: HttpRequest, instance_id: str, payload: VariablesIn) -> Any:
    return _operate(
        request,
        instance_id,
        lambda: instance_services.instance_set_variables(
            actor=request.user, instance_id=instance_id, variables=payload.variables
        ),
    )


@router.post(
    "process-instances/{instance_id}/skip", response=InstanceDetailOut, summary="Skip a waiting node"
)
def skip(request: HttpRequest, instance_id: str, payload: NodeIn) -> Any:
    return _operate(
        request,
        instance_id,
        lambda: instance_services.instance_skip_node(
            actor=request.user, instance_id=instance_id, node_id=payload.node_id
        ),
    )


@router.post("process-instances/{instance_id}/move", response=InstanceDetailOut, summary="Move a token")
def move(request: HttpRequest, instance_id: str, payload: MoveIn) -> Any:
    return _operate(
        request,
        instance_id,
        lambda: instance_services.instance_move_token(
            actor=request.user,
            instance_id=instance_id,
            from_node_id=payload.from_node_id,
            to_node_id=payload.to_node_id,
        ),
    )


@router.get("incidents", response=PageOut[IncidentOut], summary="Open incidents (administrators)")
def incidents(request: HttpRequest, state: str = "open", cursor: str | None = None, limit: int = 50) -> Any:
    require_admin(request)
    return page_of(
        Incident.objects.filter(state=state), order=("-created_at", "-id"), cursor=cursor, limit=limit
    )


@router.post("incidents/{incident_id}/retry", response=InstanceDetailOut, summary="Retry after a fix")
def retry(request: HttpRequest, incident_id: str) -> Any:
    require_admin(request)
    return _detail(instance_services.incident_retry(actor=request.user, incident_id=incident_id))


@router.post("messages", summary="Correlate a message")
def message(request: HttpRequest, payload: MessageIn) -> Any:
    require_admin(request)
    instance_id = instance_services.message_correlate(
        actor=request.user,
        name=payload.name,
        correlation_key=payload.correlation_key,
        payload=payload.payload,
    )
    return {"instance_id": instance_id}


@router.post("signals", summary="Broadcast a signal")
def signal(request: HttpRequest, payload: SignalIn) -> Any:
    require_admin(request)
    if not payload.name.strip():
        raise ValidationFailed({"name": "Name the signal."})
    return {
        "instance_ids": instance_services.signal_broadcast(
            actor=request.user, name=payload.name, payload=payload.payload
        )
    }


class MigrateIn(Schema):
    version: int
    mapping: dict[str, str] = {}
    dry_run: bool = True


class MigrateAllIn(MigrateIn):
    from_version: int


class MoveOut(Schema):
    row: str
    row_id: str
    from_node: str
    to_node: str


class ConflictOut(Schema):
    node_id: str
    message: str


class PlanOut(Schema):
    instance_id: str
    from_version: str
    to_version: str
    moves: list[MoveOut]
    dropped: list[MoveOut]
    conflicts: list[ConflictOut]
    applied: bool
    possible: bool


@router.post(
    "process-instances/{instance_id}/migrate",
    response=PlanOut,
    summary="Migrate to another version (dry run by default)",
)
def migrate(request: HttpRequest, instance_id: str, payload: MigrateIn) -> Any:
    require_admin(request)
    selectors.get_visible_instance(request.user, instance_id)
    return instance_services.instance_migrate(
        actor=request.user,
        instance_id=instance_id,
        version_number=payload.version,
        mapping=payload.mapping,
        dry_run=payload.dry_run,
    )


@router.post(
    "process-definitions/{key}/migrate",
    response=list[PlanOut],
    summary="Migrate every live instance of a version (dry run by default)",
)
def migrate_all(request: HttpRequest, key: str, payload: MigrateAllIn) -> Any:
    require_admin(request)
    return instance_services.instances_migrate_version(
        actor=request.user,
        process_key=key,
        from_number=payload.from_version,
        to_number=payload.version,
        mapping=payload.mapping,
        dry_run=payload.dry_run,
    )
