"""What every write of the sales app does after changing a row: one audit row and one domain event, in
the caller's transaction, with the origin taken from the acting context."""

from __future__ import annotations

from typing import Any

from potok.core.recording import creation_changes, diff, record_change
from potok.sales.models import Deal, Lead, Product


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
        "custom_fields": dict(deal.custom_fields),
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


# The recording helpers live in potok.core.recording; they are re-exported for this app's services.
__all__ = ["creation_changes", "deal_snapshot", "diff", "lead_snapshot", "product_snapshot", "record_change"]
