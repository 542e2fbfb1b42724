"""Pipelines and their stages, with each stage's requirements (the sales method). Administrators only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from potok.access.selectors import is_administrator
from potok.audit.services import audit_record
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.sales import validation
from potok.sales.models import Pipeline, Stage, StageKind

# Deal fields a stage may require before the deal leaves it, with their labels for messages.
DEAL_REQUIRABLE_FIELDS = (
    "counterparty",
    "contacts",
    "amount",
    "expected_close_date",
    "description",
    "lines",
    "quote",
    "invoice",
)
STAGE_FIELDS = (
    "code",
    "name",
    "order",
    "kind",
    "probability",
    "required_fields",
    "checklist",
    "hints",
    "color",
)
_CODE = re.compile(r"^[a-z0-9_-]{1,64}$")


def _require_administrator(actor: Any) -> None:
    if actor is not None and not is_administrator(actor):
        raise PermissionDenied("only administrators change pipelines")


@transaction.atomic
def pipeline_create(*, actor: Any, code: str, name: str, sort: int = 0) -> Pipeline:
    _require_administrator(actor)
    errors: dict[str, str] = {}
    cleaned_name = validation.text("name", name, errors, limit=200, required=True)
    code = (code or "").strip()
    if not _CODE.match(code):
        errors["code"] = _("Use lower-case Latin letters, digits, «-» and «_».")
    elif Pipeline.objects.filter(code=code).exists():
        errors["code"] = _("A pipeline with this code exists already.")
    if errors:
        raise ValidationFailed(errors)
    pipeline = Pipeline.objects.create(code=code, name=cleaned_name, sort=sort)
    audit_record(
        actor=actor,
        entity_type="pipeline",
        record_id=pipeline.pk,
        action="created",
        changes={"name": (None, cleaned_name)},
    )
    return pipeline


def check_stage(
    fields: Mapping[str, Any], *, pipeline: Pipeline, current: Stage | None = None
) -> dict[str, Any]:
    errors = validation.unknown_fields(fields, STAGE_FIELDS)
    if errors:
        raise ValidationFailed(errors)
    creating = current is None
    cleaned: dict[str, Any] = {}
    if "code" in fields or creating:
        code = str(fields.get("code") or "").strip()
        if not _CODE.match(code):
            errors["code"] = _("Use lower-case Latin letters, digits, «-» and «_».")
        elif pipeline.stages.filter(code=code).exclude(pk=current.pk if current else 0).exists():
            errors["code"] = _("This pipeline has a stage with this code already.")
        cleaned["code"] = code
    if "name" in fields or creating:
        cleaned["name"] = validation.text("name", fields.get("name"), errors, limit=200, required=True)
    if "order" in fields:
        try:
            cleaned["order"] = int(fields["order"])
            if not 0 <= cleaned["order"] <= 32000:
                raise ValueError
        except (TypeError, ValueError):
            errors["order"] = _("Enter a whole number from 0 to 32000.")
    if "kind" in fields or creating:
        kind = str(fields.get("kind") or StageKind.OPEN)
        if kind not in StageKind.values:
            errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(StageKind.values)}
        cleaned["kind"] = kind
    if "probability" in fields or creating:
        default = {"won": 100, "lost": 0}.get(cleaned.get("kind", ""), 0)
        raw = fields.get("probability", default)
        try:
            probability = int(raw)
            if not 0 <= probability <= 100:
                raise ValueError
            cleaned["probability"] = probability
        except (TypeError, ValueError):
            errors["probability"] = _("Enter a whole number from 0 to 100.")
    if "required_fields" in fields or creating:
        required = list(fields.get("required_fields") or [])
        wrong = [name for name in required if name not in DEAL_REQUIRABLE_FIELDS]
        if wrong:
            errors["required_fields"] = _("Unknown deal fields: %(fields)s; use some of: %(allowed)s.") % {
                "fields": ", ".join(map(str, wrong)),
                "allowed": ", ".join(DEAL_REQUIRABLE_FIELDS),
            }
        cleaned["required_fields"] = required
    if "checklist" in fields or creating:
        cleaned["checklist"] = _check_checklist(fields.get("checklist") or [], errors)
    if "hints" in fields or creating:
        cleaned["hints"] = validation.text("hints", fields.get("hints"), errors, limit=5000)
    if "color" in fields:
        cleaned["color"] = validation.text("color", fields.get("color"), errors, limit=16)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _check_checklist(items: Any, errors: dict[str, str]) -> list[dict[str, str]]:
    """Items as [{"code", "text"}]; plain strings are accepted and get codes item-1, item-2…"""
    cleaned: list[dict[str, str]] = []
    if not isinstance(items, list):
        errors["checklist"] = _("The checklist is a list of items.")
        return cleaned
    for position, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"code": f"item-{position}", "text": item}
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            errors["checklist"] = _("Item %(position)d has no text.") % {"position": position}
            continue
        code = str(item.get("code") or f"item-{position}").strip()
        if not _CODE.match(code) or any(existing["code"] == code for existing in cleaned):
            errors["checklist"] = _("Item %(position)d: its code must be unique, in Latin letters.") % {
                "position": position
            }
            continue
        cleaned.append({"code": code, "text": str(item["text"]).strip()[:500]})
    return cleaned


@transaction.atomic
def stage_create(*, actor: Any, pipeline: Pipeline, fields: Mapping[str, Any]) -> Stage:
    _require_administrator(actor)
    cleaned = check_stage(fields, pipeline=pipeline)
    if "order" not in cleaned:
        last = pipeline.stages.aggregate(last=Max("order"))["last"]
        cleaned["order"] = 10 if last is None else last + 10
    stage = Stage.objects.create(pipeline=pipeline, **cleaned)
    audit_record(
        actor=actor,
        entity_type="pipeline",
        record_id=pipeline.pk,
        action="stage_created",
        changes={stage.code: (None, stage.name)},
    )
    return stage


@transaction.atomic
def stage_update(*, actor: Any, stage: Stage, fields: Mapping[str, Any]) -> Stage:
    _require_administrator(actor)
    cleaned = check_stage(fields, pipeline=stage.pipeline, current=stage)
    if (
        "kind" in cleaned
        and cleaned["kind"] != stage.kind
        and stage.deals.filter(deleted_at__isnull=True).exists()
    ):
        raise ValidationFailed({"kind": _("Deals are at this stage: move them before changing its kind.")})
    changes = {
        field: (getattr(stage, field), value)
        for field, value in cleaned.items()
        if getattr(stage, field) != value
    }
    for field, value in cleaned.items():
        setattr(stage, field, value)
    if changes:
        stage.save()
        audit_record(
            actor=actor,
            entity_type="pipeline",
            record_id=stage.pipeline_id,
            action="stage_updated",
            changes={f"{stage.code}.{field}": values for field, values in changes.items()},
        )
    return stage
