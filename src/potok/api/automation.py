"""API of automation: `/start-rules` (rules with their versions, test on a record, dry run, apply, enable /
disable, the inbound webhook), `/rule-evaluations` (the explain trace, filtered by rule, record and
outcome — with the reasons when a rule has no evaluation for a record), `/rule-incidents` (list, retry)
and `POST /process-instances/start-from-record` (a person starts a process by hand from a record).

Thin: parse, call potok.automation's selectors and services, shape the answer. Administrators manage
rules; the manual start needs the right to read the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from potok.api.pagination import PageOut, page_of
from potok.automation import selectors
from potok.automation.models import RuleEvaluation
from potok.automation.schema import rule_entity_types, schema_for
from potok.automation.services import applications, incidents, manual, rules, webhooks
from potok.core.errors import NotFound, ValidationFailed

router = Router(tags=["automation"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class MappingItem(Strict):
    target: str
    source: str | None = None
    expr: str | None = None


class RuleIn(Strict):
    name: str
    description: str = ""
    entity_type: str = ""
    event: str
    options: dict[str, Any] = {}
    condition: dict[str, Any] = {}
    trigger_mode: str = "every_time"
    debounce_seconds: int = 60
    process_key: str
    process_version: int | None = None
    variable_mapping: list[MappingItem] = []
    priority: int = 0
    stop_after_match: bool = False
    enabled: bool = False
    comment: str = ""


class RulePatch(Strict):
    name: str | None = None
    description: str | None = None
    entity_type: str | None = None
    event: str | None = None
    options: dict[str, Any] | None = None
    condition: dict[str, Any] | None = None
    trigger_mode: str | None = None
    debounce_seconds: int | None = None
    process_key: str | None = None
    process_version: int | None = None
    variable_mapping: list[MappingItem] | None = None
    priority: int | None = None
    stop_after_match: bool | None = None
    enabled: bool | None = None
    comment: str = ""


class RuleOut(Schema):
    id: int
    name: str
    description: str
    entity_type: str
    event: str
    options: dict[str, Any]
    condition: dict[str, Any]
    trigger_mode: str
    debounce_seconds: int
    process_key: str
    process_version: int | None
    variable_mapping: list[dict[str, Any]]
    priority: int
    stop_after_match: bool
    enabled: bool
    enabled_since: datetime | None
    needs_attention: bool
    attention_reason: str
    version: int
    webhook_url: str | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_webhook_url(rule: Any) -> str | None:
        if rule.event != "webhook":
            return None
        return reverse("api-v1:start_rule_webhook", kwargs={"rule_id": rule.pk})


class RuleWithSecretOut(RuleOut):
    webhook_secret: str


class VersionOut(Schema):
    number: int
    definition: dict[str, Any]
    comment: str
    created_at: datetime
    created_by: str | None

    @staticmethod
    def resolve_created_by(version: Any) -> str | None:
        return version.created_by.username if version.created_by_id else None


class TraceLine(Schema):
    path: str
    description: str
    value: Any = None
    result: bool | None = None
    error: str | None = None
    id: str | None = None
    before: bool = False


class EvaluationOut(Schema):
    id: int
    rule_id: int
    rule_name: str
    rule_version: int
    trigger: str
    event_id: int | None
    event_key: str
    entity_type: str
    record_id: int
    outcome: str
    reason: str
    trace: list[TraceLine]
    process_instance_id: str
    error: str
    depth: int
    evaluated_at: datetime

    @staticmethod
    def resolve_rule_name(evaluation: RuleEvaluation) -> str:
        return evaluation.rule.name

    @staticmethod
    def resolve_rule_version(evaluation: RuleEvaluation) -> int:
        return evaluation.rule_version.number


class Explanation(Schema):
    event_id: int | None = None
    occurred_at: datetime | None = None
    kind: str | None = None
    reason: str


class EvaluationPage(Schema):
    items: list[EvaluationOut]
    next_cursor: str | None
    explanation: list[Explanation] = []


class IncidentOut(Schema):
    id: int
    rule_id: int | None
    rule_version: int | None
    trigger: str
    event_id: int | None
    event_key: str
    entity_type: str
    record_id: int
    kind: str
    message: str
    state: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None

    @staticmethod
    def resolve_rule_version(incident: Any) -> int | None:
        return incident.rule_version.number if incident.rule_version_id else None


class TestIn(Strict):
    record_id: int
    as_created: bool = True


class TestOut(Schema):
    rule: int
    rule_version: int
    entity_type: str
    record_id: int
    matched: bool
    outcome: str
    error: str
    trace: list[TraceLine]
    variables: dict[str, Any]
    mapping_error: str
    process_key: str


class DryRunIn(Strict):
    limit: int = 100


class RecordRef(Schema):
    id: int
    label: str


class DryRunOut(Schema):
    would_start: int
    records: list[RecordRef]
    complete: bool
    note: str
    candidates: int
    seconds: float


class ApplicationOut(Schema):
    id: int
    rule_id: int
    rule_version: int
    state: str
    total: int
    processed: int
    started: int
    skipped: int
    failed: int
    note: str
    message: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_rule_version(application: Any) -> int:
        return int(application.rule_version.number)


class FieldOut(Schema):
    code: str
    label: str
    type: str
    target: str
    choices: list[list[str]]
    operators: list[str]


class SchemaOut(Schema):
    code: str
    label: str
    status_field: str | None
    fields: list[FieldOut]


class EntityTypeOut(Schema):
    code: str
    label: str


class ManualStartIn(Strict):
    entity_type: str
    record_id: int
    process: str
    background: bool = True


class ManualStartOut(Schema):
    id: int
    entity_type: str
    record_id: int
    process_key: str
    state: str
    process_instance_id: str
    error: str
    requested_at: datetime
    finished_at: datetime | None


class WebhookOut(Schema):
    outcome: str
    process_instance_id: str


def _payload(body: Schema) -> dict[str, Any]:
    data = body.dict(exclude_unset=True)
    if "variable_mapping" in data and data["variable_mapping"] is not None:
        data["variable_mapping"] = [
            {key: value for key, value in item.items() if value is not None}
            for item in data["variable_mapping"]
        ]
    data.pop("comment", None)
    return data


# -- rules -----------------------------------------------------------------------------------------------


@router.get("start-rules", response=PageOut[RuleOut], summary="Start rules (administrators)")
def rule_list(
    request: HttpRequest,
    entity_type: str = "",
    enabled: bool | None = None,
    needs_attention: bool | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 100,
) -> Any:
    found = selectors.rules(
        request.user, entity_type=entity_type, enabled=enabled, needs_attention=needs_attention, search=q
    )
    return page_of(found, order=("id",), cursor=cursor, limit=limit)


@router.get(
    "start-rules/entity-types", response=list[EntityTypeOut], summary="Record types a rule may be about"
)
def rule_entity_types_list(request: HttpRequest) -> Any:
    selectors.require_administrator(request.user)
    return [{"code": code, "label": label} for code, label in rule_entity_types()]


@router.get("start-rules/schema", response=SchemaOut, summary="Fields and operators of a record type")
def rule_schema(request: HttpRequest, entity_type: str) -> Any:
    selectors.require_administrator(request.user)
    try:
        return schema_for(entity_type).describe()
    except KeyError:
        raise NotFound(entity_type) from None


@router.post("start-rules", response={201: RuleWithSecretOut}, summary="Create a start rule")
def rule_create(request: HttpRequest, payload: RuleIn) -> Any:
    selectors.require_administrator(request.user)
    data = _payload(payload)
    data["comment"] = payload.comment
    return Status(201, rules.rule_create(actor=request.user, data=data))


@router.get("start-rules/{rule_id}", response=RuleWithSecretOut, summary="One start rule")
def rule_detail(request: HttpRequest, rule_id: int) -> Any:
    return selectors.rule(request.user, rule_id)


@router.patch("start-rules/{rule_id}", response=RuleOut, summary="Change a start rule (a new version)")
def rule_update(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    found = selectors.rule(request.user, rule_id)
    return rules.rule_update(actor=request.user, rule=found, data=_payload(payload), comment=payload.comment)


@router.delete("start-rules/{rule_id}", response={204: None}, summary="Delete a start rule")
def rule_delete(request: HttpRequest, rule_id: int) -> Any:
    found = selectors.rule(request.user, rule_id)
    rules.rule_delete(actor=request.user, rule=found)
    return Status(204, None)


@router.post("start-rules/{rule_id}/enable", response=RuleOut, summary="Enable (for changes from now on)")
def rule_enable(request: HttpRequest, rule_id: int) -> Any:
    return rules.rule_set_enabled(
        actor=request.user, rule=selectors.rule(request.user, rule_id), enabled=True
    )


@router.post("start-rules/{rule_id}/disable", response=RuleOut, summary="Disable")
def rule_disable(request: HttpRequest, rule_id: int) -> Any:
    return rules.rule_set_enabled(
        actor=request.user, rule=selectors.rule(request.user, rule_id), enabled=False
    )


@router.post(
    "start-rules/{rule_id}/rotate-secret", response=RuleWithSecretOut, summary="A new webhook secret"
)
def rule_rotate_secret(request: HttpRequest, rule_id: int) -> Any:
    return rules.rule_rotate_webhook_secret(actor=request.user, rule=selectors.rule(request.user, rule_id))


@router.get(
    "start-rules/{rule_id}/versions", response=list[VersionOut], summary="The rule's versions, newest first"
)
def rule_versions(request: HttpRequest, rule_id: int) -> Any:
    return selectors.versions(request.user, selectors.rule(request.user, rule_id))


@router.get("start-rules/{rule_id}/versions/{number}", response=VersionOut, summary="One version of the rule")
def rule_version(request: HttpRequest, rule_id: int, number: int) -> Any:
    return selectors.version(request.user, selectors.rule(request.user, rule_id), number)


@router.post(
    "start-rules/{rule_id}/test", response=TestOut, summary="Evaluate on one record, starting nothing"
)
def rule_test(request: HttpRequest, rule_id: int, payload: TestIn) -> Any:
    found = selectors.rule(request.user, rule_id)
    return applications.rule_test(
        actor=request.user, rule=found, record_id=payload.record_id, as_created=payload.as_created
    )


@router.post(
    "start-rules/{rule_id}/dry-run", response=DryRunOut, summary="Which existing records would start"
)
def rule_dry_run(request: HttpRequest, rule_id: int, payload: DryRunIn) -> Any:
    found = selectors.rule(request.user, rule_id)
    if not 1 <= payload.limit <= 1000:
        raise ValidationFailed({"limit": "Use a limit from 1 to 1000."})
    result = applications.rule_dry_run(actor=request.user, rule=found, limit=payload.limit)
    return {
        "would_start": result.count,
        "records": result.records,
        "complete": result.complete,
        "note": result.note,
        "candidates": result.candidates,
        "seconds": round(result.seconds, 3),
    }


@router.post(
    "start-rules/{rule_id}/apply",
    response={202: ApplicationOut},
    summary="Start for matching existing records",
)
def rule_apply(request: HttpRequest, rule_id: int) -> Any:
    found = selectors.rule(request.user, rule_id)
    return Status(202, applications.rule_apply(actor=request.user, rule=found))


@router.get(
    "start-rules/{rule_id}/applications", response=list[ApplicationOut], summary="Applications of the rule"
)
def rule_applications(request: HttpRequest, rule_id: int) -> Any:
    return list(selectors.applications(request.user, selectors.rule(request.user, rule_id))[:50])


@router.get(
    "rule-applications/{application_id}", response=ApplicationOut, summary="Progress of an application"
)
def rule_application(request: HttpRequest, application_id: int) -> Any:
    return selectors.application(request.user, application_id)


@router.post(
    "start-rules/{rule_id}/webhook",
    response={202: WebhookOut},
    auth=None,
    url_name="start_rule_webhook",
    summary="Inbound webhook: Bearer secret or X-Potok-Signature: sha256=<HMAC of the body>",
)
def rule_webhook(request: HttpRequest, rule_id: int) -> Any:
    decision = webhooks.webhook_receive(rule_id=rule_id, body=request.body, headers=request.headers)
    return Status(202, {"outcome": decision.outcome, "process_instance_id": decision.instance_id})


# -- evaluations and incidents ---------------------------------------------------------------------------------


@router.get("rule-evaluations", response=EvaluationPage, summary="Rule evaluations with each clause's value")
def evaluation_list(
    request: HttpRequest,
    rule: int | None = None,
    entity_type: str = "",
    record: int | None = None,
    outcome: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    found = selectors.evaluations(
        request.user, rule_id=rule, entity_type=entity_type, record_id=record, outcome=outcome
    )
    page = page_of(found, order=("-id",), cursor=cursor, limit=limit)
    explanation: list[dict[str, Any]] = []
    if rule is not None and record is not None and entity_type and not page["items"] and not cursor:
        rule_object = selectors.rule(request.user, rule)
        explanation = selectors.explain_absence(
            request.user, rule_object, entity_type=entity_type, record_id=record
        )
    return {**page, "explanation": explanation}


@router.get("rule-incidents", response=PageOut[IncidentOut], summary="Rule incidents (open by default)")
def incident_list(
    request: HttpRequest,
    state: str = "open",
    rule: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    found = selectors.incidents(request.user, state=state or None, rule_id=rule)
    return page_of(found, order=("-id",), cursor=cursor, limit=limit)


@router.post("rule-incidents/{incident_id}/retry", response=IncidentOut, summary="Retry after a fix")
def incident_retry(request: HttpRequest, incident_id: int) -> Any:
    return incidents.incident_retry(
        actor=request.user, incident=selectors.incident(request.user, incident_id)
    )


# -- manual start ----------------------------------------------------------------------------------------------


@router.post(
    "process-instances/start-from-record",
    response={202: ManualStartOut, 201: ManualStartOut},
    summary="Start a process by hand from a record (in the background by default)",
)
def start_from_record(request: HttpRequest, payload: ManualStartIn) -> Any:
    request_row = manual.manual_start_request(
        actor=request.user,
        entity_type=payload.entity_type,
        record_id=payload.record_id,
        process_key=payload.process,
        background=payload.background,
    )
    return Status(202 if payload.background else 201, request_row)


@router.get("manual-starts/{request_id}", response=ManualStartOut, summary="A manual start request")
def manual_start_detail(request: HttpRequest, request_id: int) -> Any:
    return selectors.manual_start(request.user, request_id)
