"""Readers of the sales app. Every list, page, API answer and export goes through these, and they go
through potok.access, so a user sees the same deals and leads everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from potok.access.models import Action
from potok.access.selectors import get_record, visible_records
from potok.clients.models import Contact, Counterparty
from potok.core.errors import NotFound, ValidationFailed
from potok.core.pagination import Page, keyset_page
from potok.sales.models import (
    Deal,
    DealLine,
    Lead,
    LossReason,
    Pipeline,
    PriceList,
    PriceListItem,
    Product,
    SalesDocument,
    Stage,
    StageVisit,
    Unit,
    VatRate,
)

BOARD_ORDER = ("-stage_entered_at", "-id")
DEAL_SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-id",),
    "oldest": ("id",),
    "title": ("title", "id"),
    "amount": ("-amount", "-id"),
}


def pipelines() -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(is_active=True).prefetch_related("stages")


def pipeline_get(pk: Any) -> Pipeline:
    try:
        return Pipeline.objects.prefetch_related("stages").get(pk=int(pk))
    except (Pipeline.DoesNotExist, TypeError, ValueError) as error:
        raise NotFound(f"pipeline {pk}") from error


def stages_of(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("order", "id"))


def deals_visible(user: Any, action: str = Action.READ) -> QuerySet[Deal]:
    return visible_records(user, "deal", action).select_related(
        "pipeline", "stage", "counterparty", "responsible", "loss_reason"
    )


@dataclass(frozen=True)
class DealFilters:
    q: str = ""
    pipeline: int | None = None
    stage: int | None = None
    responsible: int | None = None
    counterparty: int | None = None
    kind: str = ""  # open, won, lost


def deal_list(user: Any, filters: DealFilters) -> QuerySet[Deal]:
    queryset = deals_visible(user)
    if filters.q:
        query = filters.q[:200]
        queryset = queryset.filter(Q(title__icontains=query) | Q(counterparty__name__icontains=query))
    if filters.pipeline is not None:
        queryset = queryset.filter(pipeline_id=filters.pipeline)
    if filters.stage is not None:
        queryset = queryset.filter(stage_id=filters.stage)
    if filters.responsible is not None:
        queryset = queryset.filter(responsible_id=filters.responsible)
    if filters.counterparty is not None:
        queryset = queryset.filter(counterparty_id=filters.counterparty)
    if filters.kind:
        queryset = queryset.filter(stage__kind=filters.kind)
    return queryset


def deal_get(user: Any, pk: Any, action: str = Action.READ) -> Deal:
    return get_record(user, "deal", pk, action)  # type: ignore[no-any-return]


def board_column(
    user: Any, stage: Stage, *, after: str | None = None, size: int = 50, filters: DealFilters | None = None
) -> Page[Deal]:
    """One page of a board column: the stage's deals, the latest to arrive first, by keyset over the
    (stage, stage_entered_at desc, id desc) index, so the 100th page costs what the first does."""
    queryset = deal_list(user, filters or DealFilters()).filter(stage=stage)
    return keyset_page(queryset, order=BOARD_ORDER, after=after, size=size)


@dataclass(frozen=True)
class ColumnSummary:
    count: int
    amount: Decimal


def board_summary(
    user: Any, pipeline: Pipeline, filters: DealFilters | None = None
) -> dict[int, ColumnSummary]:
    """Deals and their amount per stage, in one grouped query."""
    rows = (
        deal_list(user, filters or DealFilters())
        .filter(pipeline=pipeline)
        .order_by()
        .values("stage_id")
        .annotate(count=Count("id"), amount=Sum("amount"))
    )
    return {
        row["stage_id"]: ColumnSummary(count=row["count"], amount=row["amount"] or Decimal(0)) for row in rows
    }


def deal_lines(deal: Deal) -> list[DealLine]:
    return list(deal.lines.select_related("vat_rate", "product").order_by("position", "id"))


def deal_history(deal: Deal) -> list[StageVisit]:
    return list(
        StageVisit.objects.filter(deal=deal)
        .select_related("stage", "entered_by", "left_by")
        .order_by("entered_at", "id")
    )


def deal_documents(deal: Deal) -> list[SalesDocument]:
    return list(deal.documents.order_by("-issued_on", "-id"))


def document_get(user: Any, pk: Any, kind: str | None = None, action: str = Action.READ) -> SalesDocument:
    """A quote or invoice; it is visible exactly when its deal is."""
    try:
        document = SalesDocument.objects.select_related("deal").get(pk=int(pk))
    except (SalesDocument.DoesNotExist, TypeError, ValueError) as error:
        raise NotFound(f"document {pk}") from error
    if kind is not None and document.kind != kind:
        raise NotFound(f"{kind} {pk}")
    deal_get(user, document.deal_id, action)
    return document


def documents_visible(user: Any, kind: str) -> QuerySet[SalesDocument]:
    return SalesDocument.objects.filter(
        kind=kind, deal__in=visible_records(user, "deal").values("pk")
    ).select_related("deal")


def leads_visible(user: Any, action: str = Action.READ) -> QuerySet[Lead]:
    return visible_records(user, "lead", action).select_related("responsible")


def lead_list(user: Any, *, q: str = "", status: str = "", source: str = "") -> QuerySet[Lead]:
    queryset = leads_visible(user)
    if q:
        query = q[:200]
        queryset = queryset.filter(
            Q(title__icontains=query)
            | Q(company_name__icontains=query)
            | Q(contact_name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__contains=query)
        )
    if status:
        queryset = queryset.filter(status=status)
    if source:
        queryset = queryset.filter(source=source)
    return queryset


def lead_get(user: Any, pk: Any, action: str = Action.READ) -> Lead:
    return get_record(user, "lead", pk, action)  # type: ignore[no-any-return]


def products_visible(user: Any, action: str = Action.READ) -> QuerySet[Product]:
    return visible_records(user, "product", action).select_related("unit", "vat_rate")


def product_list(user: Any, *, q: str = "", active_only: bool = False) -> QuerySet[Product]:
    queryset = products_visible(user)
    if q:
        queryset = queryset.filter(Q(name__icontains=q[:200]) | Q(article__icontains=q[:200]))
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset


def product_get(user: Any, pk: Any, action: str = Action.READ) -> Product:
    return get_record(user, "product", pk, action)  # type: ignore[no-any-return]


def price_lists() -> QuerySet[PriceList]:
    return PriceList.objects.filter(is_active=True)


def price_list_get(pk: Any) -> PriceList:
    try:
        return PriceList.objects.get(pk=int(pk))
    except (PriceList.DoesNotExist, TypeError, ValueError) as error:
        raise NotFound(f"price list {pk}") from error


def price_list_items(price_list: PriceList) -> QuerySet[PriceListItem]:
    return price_list.items.select_related("product__unit", "product__vat_rate").order_by(
        "product__name", "id"
    )


def units() -> QuerySet[Unit]:
    return Unit.objects.order_by("symbol")


def vat_rates(active_only: bool = True) -> QuerySet[VatRate]:
    rates = VatRate.objects.all()
    return rates.filter(is_active=True) if active_only else rates


def loss_reasons(active_only: bool = True) -> QuerySet[LossReason]:
    reasons = LossReason.objects.all()
    return reasons.filter(is_active=True) if active_only else reasons


# Resolving ids sent by adapters (forms, API) into records the user may see, with a message per field.


def resolve_references(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ids of a request into records: counterparty and contacts the user may see, a pipeline and
    stage, a price list, an active responsible user. An unknown id is a ValidationFailed naming the field."""
    from potok.accounts.models import User

    resolved = dict(data)
    errors: dict[str, str] = {}

    def one(field: str, queryset: QuerySet[Any]) -> None:
        if field not in data or data[field] in (None, ""):
            if field in data:
                resolved[field] = None
            return
        try:
            resolved[field] = queryset.get(pk=int(data[field]))
        except (queryset.model.DoesNotExist, TypeError, ValueError):
            errors[field] = _("Not found: %(value)s.") % {"value": data[field]}

    one("counterparty", visible_records(user, "counterparty"))
    one("pipeline", Pipeline.objects.all())
    one("stage", Stage.objects.all())
    one("price_list", PriceList.objects.all())
    one("responsible", User.objects.filter(is_active=True))
    one("product", Product.objects.select_related("unit", "vat_rate"))
    one("loss_reason", LossReason.objects.all())
    if "contacts" in data:
        ids = data.get("contacts") or []
        try:
            wanted = {int(pk) for pk in ids}
        except (TypeError, ValueError):
            wanted = set()
            errors["contacts"] = _("Give contacts as a list of ids.")
        found = list(visible_records(user, "contact").filter(pk__in=wanted))
        if len(found) != len(wanted):
            errors["contacts"] = _("Not found: %(value)s.") % {
                "value": ", ".join(str(pk) for pk in sorted(wanted - {c.pk for c in found}))
            }
        resolved["contacts"] = found
    if errors:
        raise ValidationFailed(errors)
    return resolved


def contacts_of(user: Any, counterparty: Counterparty | None) -> list[Contact]:
    if counterparty is None:
        return []
    return list(
        visible_records(user, "contact").filter(counterparty=counterparty).order_by("last_name", "id")
    )
