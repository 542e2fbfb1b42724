"""What every write of the sales app does after changing a row: one audit row and one domain event, in
the caller's transaction, with the origin taken from the acting context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from potok.audit.models import Origin
from potok.audit.services import audit_record
from potok.core import context
from potok.core.events import emit_domain_event
from potok.sales.models import Deal, Lead, Product


def record_change(
    *,
    actor: Any,
    entity_type: str,
    record_id: int,
    kind: str,
    changes: Mapping[str, tuple[Any, Any]],
    snapshot: Mapping[str, Any],
    related_entity_type: str = "",
    related_record_id: int | None = None,
    message: str = "",
) -> None:
    acting = context.current()
    actor = actor if actor is not None else acting.actor
    origin = acting.origin if acting.origin in Origin.values else Origin.SYSTEM
    audit_record(
        actor=actor,
        entity_type=entity_type,
        record_id=record_id,
        action=kind,
        changes=changes,
        origin=origin,
        message=message,
    )
    emit_domain_event(
        entity_type=entity_type,
        record_id=record_id,
        kind=kind,
        changes=changes,
        snapshot=snapshot,
        related_entity_type=related_entity_type,
        related_record_id=related_record_id,
        actor=actor,
    )


def deal_snapshot(deal: Deal) -> dict[str, Any]:
    """The values start rules see. Pipeline and stage are given by code (stable across renames) with
    their names beside; `stage_kind` is open, won or lost."""
    return {
        "id": deal.pk,
        "title": deal.title,
        "pipeline": deal.pipeline.code,
        "pipeline_name": deal.pipeline.name,
        "stage": deal.stage.code,
        "stage_name": deal.stage.name,
        "stage_kind": deal.stage.kind,
        "probability": deal.stage.probability,
        "stage_entered_at": deal.stage_entered_at,
        "counterparty": deal.counterparty,
        "amount": deal.amount,
        "currency": deal.currency,
        "vat_included": deal.vat_included,
        "expected_close_date": deal.expected_close_date,
        "responsible": deal.responsible,
        "department": deal.department,
        "description": deal.description,
        "loss_reason": deal.loss_reason.name if deal.loss_reason_id else None,  # type: ignore[union-attr]
        "loss_comment": deal.loss_comment,
        "closed_at": deal.closed_at,
        "version": deal.version,
    }


def lead_snapshot(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "source": lead.source,
        "status": lead.status,
        "converted": lead.status == "converted",
        "title": lead.title,
        "company_name": lead.company_name,
        "inn": lead.inn,
        "contact_name": lead.contact_name,
        "position": lead.position,
        "phone": lead.phone,
        "email": lead.email,
        "need": lead.need,
        "budget": lead.budget,
        "comment": lead.comment,
        "rejection_reason": lead.rejection_reason,
        "responsible": lead.responsible,
        "department": lead.department,
        "counterparty": lead.counterparty_id,
        "contact": lead.contact_id,
        "deal": lead.deal_id,
        "version": lead.version,
    }


def product_snapshot(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "name": product.name,
        "article": product.article,
        "kind": product.kind,
        "unit": product.unit.code,
        "vat_rate": product.vat_rate.code,
        "description": product.description,
        "is_active": product.is_active,
        "version": product.version,
    }


def creation_changes(values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        field: (None, value)
        for field, value in values.items()
        if value not in (None, "", [], {}) and field not in ("id", "version")
    }


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        field: (before.get(field), value)
        for field, value in after.items()
        if _comparable(before.get(field)) != _comparable(value) and field != "version"
    }


def _comparable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value
