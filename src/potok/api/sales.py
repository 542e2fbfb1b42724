"""API of sales: pipelines, deals (moves, checklist, lines, export), leads (conversion), products, price
lists, quotes and invoices (PDF, email), reports.

Thin: parse, resolve ids through the access-checked selectors, call potok.sales services, shape the
answer. Changes of a deal name the `version` they read; a stale one is 409."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from potok.access.models import Action
from potok.access.selectors import is_administrator, require, visible_records
from potok.api.exports import export_response
from potok.api.pagination import PageOut, page_of
from potok.core import clock
from potok.core.errors import NotFound, PermissionDenied, ValidationFailed
from potok.documents.custom_fields import custom_values_seen
from potok.sales import reports, selectors, services
from potok.sales.exports import reports_workbook
from potok.sales.models import LeadStatus, SalesDocumentKind
from potok.sales.pdf import document_filename, render_document
from potok.sales.selectors import DealFilters
from potok.sales.services.deals import unmet_requirements
from potok.sales.services.documents import company_settings
from potok.sales.services.leads import lead_duplicates

router = Router(tags=["sales"])


# Shapes


class StageOut(Schema):
    id: int
    code: str
    name: str
    order: int
    kind: str
    probability: int
    required_fields: list[str]
    checklist: list[dict[str, str]]
    hints: str


class PipelineOut(Schema):
    id: int
    code: str
    name: str
    sort: int
    is_active: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(pipeline: Any) -> list[Any]:
        return sorted(pipeline.stages.all(), key=lambda stage: (stage.order, stage.pk))


class PipelineIn(Schema):
    code: str
    name: str
    sort: int = 0


class StageIn(Schema):
    code: str
    name: str
    order: int | None = None
    kind: str = "open"
    probability: int | None = None
    required_fields: list[str] = []
    checklist: list[Any] = []
    hints: str = ""


class StagePatch(Schema):
    code: str | None = None
    name: str | None = None
    order: int | None = None
    kind: str | None = None
    probability: int | None = None
    required_fields: list[str] | None = None
    checklist: list[Any] | None = None
    hints: str | None = None


class LineOut(Schema):
    id: int
    position: int
    product_id: int | None
    name: str
    unit: str
    unit_code: str
    quantity: Decimal
    price: Decimal
    discount_percent: Decimal
    vat_rate: str
    discount_amount: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    total: Decimal

    @staticmethod
    def resolve_vat_rate(line: Any) -> str:
        return str(line.vat_rate.code)


class DealOut(Schema):
    id: int
    title: str
    pipeline_id: int
    stage_id: int
    stage_code: str
    stage_kind: str
    stage_entered_at: dt.datetime
    counterparty_id: int | None
    contact_ids: list[int]
    amount: Decimal
    currency: str
    vat_included: bool
    price_list_id: int | None
    expected_close_date: dt.date | None
    responsible_id: int | None
    department_id: int | None
    description: str
    loss_reason_id: int | None
    loss_comment: str
    checklist: dict[str, list[str]]
    closed_at: dt.datetime | None
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_custom_fields(deal: Any, context: Any = None) -> dict[str, Any]:
        """The deal's custom values less the confidential ones the caller may not see (left out)."""
        request = (context or {}).get("request")
        if request is None:
            return dict(deal.custom_fields)
        return custom_values_seen(request.user, "deal", deal.pk, deal.custom_fields)

    @staticmethod
    def resolve_stage_code(deal: Any) -> str:
        return str(deal.stage.code)

    @staticmethod
    def resolve_stage_kind(deal: Any) -> str:
        return str(deal.stage.kind)

    @staticmethod
    def resolve_contact_ids(deal: Any) -> list[int]:
        return sorted(contact.pk for contact in deal.contacts.all())


class DealDetailOut(DealOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(deal: Any) -> list[Any]:
        return selectors.deal_lines(deal)


class DealIn(Schema):
    title: str
    pipeline_id: int
    stage_id: int | None = None
    counterparty_id: int | None = None
    contact_ids: list[int] = []
    amount: Decimal = Decimal(0)
    currency: str = "RUB"
    vat_included: bool = True
    price_list_id: int | None = None
    expected_close_date: dt.date | None = None
    responsible_id: int | None = None
    description: str = ""
    # Field code → value; the service checks them against the deal's custom fields.
    custom_fields: dict[str, Any] = {}


class DealPatch(Schema):
    version: int
    title: str | None = None
    counterparty_id: int | None = None
    contact_ids: list[int] | None = None
    amount: Decimal | None = None
    currency: str | None = None
    vat_included: bool | None = None
    price_list_id: int | None = None
    expected_close_date: dt.date | None = None
    responsible_id: int | None = None
    description: str | None = None
    # Merged: the codes given change (null or [] clears one), the others keep their values.
    custom_fields: dict[str, Any] | None = None


class MoveIn(Schema):
    version: int
    stage_id: int | None = None
    stage_code: str | None = None
    loss_reason_id: int | None = None
    loss_comment: str = ""


class ChecklistIn(Schema):
    stage_id: int
    item: str
    done: bool = True


class LineIn(Schema):
    version: int | None = None
    product_id: int | None = None
    name: str | None = None
    quantity: Decimal = Decimal(1)
    price: Decimal | None = None
    discount_percent: Decimal = Decimal(0)
    vat_rate: str | None = None


class LinePatch(Schema):
    version: int | None = None
    name: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_rate: str | None = None


class RequirementsOut(Schema):
    stage_id: int
    unmet: dict[str, list[str]]


class LeadOut(Schema):
    id: int
    source: str
    status: str
    title: str
    company_name: str
    inn: str
    contact_name: str
    position: str
    phone: str
    email: str
    need: str
    budget: Decimal | None
    comment: str
    rejection_reason: str
    responsible_id: int | None
    counterparty_id: int | None
    contact_id: int | None
    deal_id: int | None
    converted_at: dt.datetime | None
    version: int
    created_at: dt.datetime


class LeadIn(Schema):
    title: str
    source: str = "other"
    company_name: str = ""
    inn: str = ""
    contact_name: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""
    need: str = ""
    budget: Decimal | None = None
    comment: str = ""
    responsible_id: int | None = None


class LeadPatch(Schema):
    version: int
    title: str | None = None
    source: str | None = None
    company_name: str | None = None
    inn: str | None = None
    contact_name: str | None = None
    position: str | None = None
    phone: str | None = None
    email: str | None = None
    need: str | None = None
    budget: Decimal | None = None
    comment: str | None = None
    responsible_id: int | None = None


class LeadStatusIn(Schema):
    version: int
    status: str
    reason: str = ""


class ConvertIn(Schema):
    version: int
    pipeline_id: int
    counterparty_id: int | None = None
    create_counterparty: bool = False
    deal_title: str = ""
    # The new deal's custom fields (code → value); the others take their defaults.
    deal_custom_fields: dict[str, Any] | None = None


class ConvertOut(Schema):
    lead_id: int
    counterparty_id: int
    contact_id: int | None
    deal_id: int


class CandidateOut(Schema):
    id: int
    name: str
    inn: str
    reasons: list[str]


class ProductOut(Schema):
    id: int
    name: str
    article: str
    kind: str
    unit: str
    unit_code: str
    vat_rate: str
    description: str
    is_active: bool
    version: int

    @staticmethod
    def resolve_unit(product: Any) -> str:
        return str(product.unit.symbol)

    @staticmethod
    def resolve_unit_code(product: Any) -> str:
        return str(product.unit.code)

    @staticmethod
    def resolve_vat_rate(product: Any) -> str:
        return str(product.vat_rate.code)


class ProductIn(Schema):
    name: str
    article: str = ""
    kind: str = "goods"
    unit: str = "796"
    vat_rate: str = "vat22"
    description: str = ""


class ProductPatch(Schema):
    version: int
    name: str | None = None
    article: str | None = None
    kind: str | None = None
    unit: str | None = None
    vat_rate: str | None = None
    description: str | None = None
    is_active: bool | None = None


class PriceOut(Schema):
    product_id: int
    price: Decimal


class PriceListOut(Schema):
    id: int
    name: str
    vat_included: bool
    is_default: bool
    items: list[PriceOut]

    @staticmethod
    def resolve_items(price_list: Any) -> list[Any]:
        return list(selectors.price_list_items(price_list))


class PriceListIn(Schema):
    name: str
    vat_included: bool = True
    is_default: bool = False


class PriceIn(Schema):
    product_id: int
    price: Decimal | None = None


class DocumentOut(Schema):
    id: int
    kind: str
    number: int
    year: int
    issued_on: dt.date
    valid_until: dt.date | None
    deal_id: int
    currency: str
    vat_included: bool
    net_amount: Decimal
    vat_amount: Decimal
    total: Decimal
    lines: list[dict[str, Any]]
    seller: dict[str, Any]
    buyer: dict[str, Any]
    comment: str
    sent_at: dt.datetime | None
    sent_to: str


class DocumentIn(Schema):
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None
    comment: str = ""


class SendIn(Schema):
    to: list[str]
    subject: str = ""
    message: str = ""
    contact_ids: list[int] = []


class ReferenceOut(Schema):
    id: int
    code: str
    name: str


class VatRateOut(Schema):
    code: str
    name: str
    percent: Decimal
    exempt: bool


class UnitOut(Schema):
    code: str
    name: str
    symbol: str


class LossReasonOut(Schema):
    id: int
    name: str
    is_active: bool


class LossReasonIn(Schema):
    name: str


class CompanyOut(Schema):
    name: str
    inn: str
    kpp: str
    ogrn: str
    address: str
    phone: str
    email: str
    bank_name: str
    bik: str
    correspondent_account: str
    settlement_account: str
    director: str
    accountant: str
    version: int


class CompanyPatch(Schema):
    version: int | None = None
    name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    bank_name: str | None = None
    bik: str | None = None
    correspondent_account: str | None = None
    settlement_account: str | None = None
    director: str | None = None
    accountant: str | None = None


# Helpers


def _ids_to_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Payload names (counterparty_id, contact_ids…) to the names the services and selectors use."""
    renamed: dict[str, Any] = {}
    for key, value in data.items():
        if key == "contact_ids":
            renamed["contacts"] = value
        elif key.endswith("_id"):
            renamed[key[: -len("_id")]] = value
        else:
            renamed[key] = value
    return renamed


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return selectors.resolve_references(request.user, _ids_to_fields(data))
    except ValidationFailed as error:
        # Name the payload's own fields in the answer.
        raise ValidationFailed(
            {
                (
                    "contact_ids"
                    if field == "contacts"
                    else f"{field}_id"
                    if field in _REFERENCE_FIELDS
                    else field
                ): messages
                for field, messages in error.errors.items()
            }
        ) from error


_REFERENCE_FIELDS = {
    "counterparty",
    "pipeline",
    "stage",
    "price_list",
    "responsible",
    "product",
    "loss_reason",
}


def _deal_filters(
    q: str,
    pipeline: int | None,
    stage: int | None,
    responsible: int | None,
    counterparty: int | None,
    kind: str,
) -> DealFilters:
    return DealFilters(
        q=q, pipeline=pipeline, stage=stage, responsible=responsible, counterparty=counterparty, kind=kind
    )


def _deal_order(sort: str) -> tuple[str, ...]:
    if sort not in selectors.DEAL_SORTS:
        raise ValidationFailed({"sort": f"Use one of {', '.join(selectors.DEAL_SORTS)}."})
    return selectors.DEAL_SORTS[sort]


def _period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(clock.now())
    start = date_from or today.replace(day=1) - dt.timedelta(days=365)
    end = date_to or today
    if end < start:
        raise ValidationFailed({"date_to": "The end of the period is before its start."})
    return start, end


# Pipelines


@router.get("pipelines", response=list[PipelineOut], summary="Pipelines with their stages")
def pipeline_list(request: HttpRequest) -> Any:
    require(request.user, "deal", Action.READ)
    return list(selectors.pipelines())


@router.get("pipelines/{pipeline_id}", response=PipelineOut, summary="One pipeline")
def pipeline_detail(request: HttpRequest, pipeline_id: int) -> Any:
    require(request.user, "deal", Action.READ)
    return selectors.pipeline_get(pipeline_id)


@router.post("pipelines", response={201: PipelineOut}, summary="Create a pipeline (administrators)")
def pipeline_create(request: HttpRequest, payload: PipelineIn) -> Any:
    return Status(201, services.pipeline_create(actor=request.user, **payload.dict()))


@router.post(
    "pipelines/{pipeline_id}/stages", response={201: StageOut}, summary="Add a stage (administrators)"
)
def stage_create(request: HttpRequest, pipeline_id: int, payload: StageIn) -> Any:
    pipeline = selectors.pipeline_get(pipeline_id)
    fields = {key: value for key, value in payload.dict().items() if value is not None}
    return Status(201, services.stage_create(actor=request.user, pipeline=pipeline, fields=fields))


@router.patch(
    "pipelines/{pipeline_id}/stages/{stage_id}", response=StageOut, summary="Change a stage (administrators)"
)
def stage_update(request: HttpRequest, pipeline_id: int, stage_id: int, payload: StagePatch) -> Any:
    pipeline = selectors.pipeline_get(pipeline_id)
    stage = pipeline.stages.filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(f"stage {stage_id}")
    return services.stage_update(actor=request.user, stage=stage, fields=payload.dict(exclude_unset=True))


# Deals


@router.get("deals", response=PageOut[DealOut], summary="Deals the caller may see")
def deal_list(
    request: HttpRequest,
    q: str = "",
    pipeline: int | None = None,
    stage: int | None = None,
    responsible: int | None = None,
    counterparty: int | None = None,
    kind: str = "",
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    filters = _deal_filters(q, pipeline, stage, responsible, counterparty, kind)
    queryset = selectors.deal_list(request.user, filters).prefetch_related("contacts")
    return page_of(queryset, order=_deal_order(sort), cursor=cursor, limit=limit)


@router.get("deals/export", summary="The filtered deal list as CSV or XLSX")
def deal_export(
    request: HttpRequest,
    format: str = "csv",
    q: str = "",
    pipeline: int | None = None,
    stage: int | None = None,
    responsible: int | None = None,
    counterparty: int | None = None,
    kind: str = "",
    sort: str = "newest",
) -> HttpResponse:
    """The deals of the list with the same filters and sort, less those the caller may not export."""
    filters = _deal_filters(q, pipeline, stage, responsible, counterparty, kind)
    queryset = selectors.deal_list(request.user, filters).order_by(*_deal_order(sort))
    return export_response(request.user, "deal", queryset, format)


@router.post("deals", response={201: DealDetailOut}, summary="Create a deal")
def deal_create(request: HttpRequest, payload: DealIn) -> Any:
    require(request.user, "deal", Action.CREATE)
    data = payload.dict()
    if data.get("responsible_id") is None:
        data.pop("responsible_id")
    return Status(201, services.deal_create(actor=request.user, fields=_resolve(request, data)))


@router.get("deals/{deal_id}", response=DealDetailOut, summary="One deal with its lines")
def deal_detail(request: HttpRequest, deal_id: int) -> Any:
    return selectors.deal_get(request.user, deal_id)


@router.patch("deals/{deal_id}", response=DealDetailOut, summary="Change a deal (not its stage)")
def deal_update(request: HttpRequest, deal_id: int, payload: DealPatch) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.deal_update(
        actor=request.user, deal=deal, expected_version=version, fields=_resolve(request, data)
    )


@router.delete("deals/{deal_id}", response={204: None}, summary="Delete a deal")
def deal_delete(request: HttpRequest, deal_id: int, version: int | None = None) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.DELETE)
    services.deal_delete(actor=request.user, deal=deal, expected_version=version)
    return Status(204, None)


@router.post("deals/{deal_id}/move", response=DealDetailOut, summary="Move a deal to another stage")
def deal_move(request: HttpRequest, deal_id: int, payload: MoveIn) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    if payload.stage_id is not None:
        stage = deal.pipeline.stages.filter(pk=payload.stage_id).first()
    elif payload.stage_code:
        stage = deal.pipeline.stages.filter(code=payload.stage_code).first()
    else:
        raise ValidationFailed({"stage_id": "Give stage_id or stage_code."})
    if stage is None:
        raise ValidationFailed({"stage_id": "The deal's pipeline has no such stage."})
    reason = None
    if payload.loss_reason_id is not None:
        reason = selectors.loss_reasons(active_only=False).filter(pk=payload.loss_reason_id).first()
        if reason is None:
            raise ValidationFailed({"loss_reason_id": "No such loss reason."})
    return services.deal_move(
        actor=request.user,
        deal=deal,
        stage=stage,
        expected_version=payload.version,
        loss_reason=reason,
        loss_comment=payload.loss_comment,
    )


@router.get(
    "deals/{deal_id}/requirements", response=list[RequirementsOut], summary="What each stage still needs"
)
def deal_requirements(request: HttpRequest, deal_id: int) -> Any:
    deal = selectors.deal_get(request.user, deal_id)
    return [
        {"stage_id": stage.pk, "unmet": unmet_requirements(deal, stage)}
        for stage in selectors.stages_of(deal.pipeline)
        if stage.kind == "open"
    ]


@router.post("deals/{deal_id}/checklist", response=DealDetailOut, summary="Tick or untick a checklist item")
def deal_checklist(request: HttpRequest, deal_id: int, payload: ChecklistIn) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    stage = deal.pipeline.stages.filter(pk=payload.stage_id).first()
    if stage is None:
        raise ValidationFailed({"stage_id": "The deal's pipeline has no such stage."})
    return services.deal_checklist_tick(
        actor=request.user, deal=deal, stage=stage, item_code=payload.item, done=payload.done
    )


@router.post("deals/{deal_id}/lines", response={201: LineOut}, summary="Add a product or service to a deal")
def deal_line_add(request: HttpRequest, deal_id: int, payload: LineIn) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    data = {key: value for key, value in payload.dict().items() if value is not None}
    version = data.pop("version", None)
    fields = _resolve(request, data)
    return Status(
        201, services.deal_line_add(actor=request.user, deal=deal, expected_version=version, fields=fields)
    )


@router.patch("deals/{deal_id}/lines/{line_id}", response=LineOut, summary="Change a line")
def deal_line_update(request: HttpRequest, deal_id: int, line_id: int, payload: LinePatch) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    line = deal.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"line {line_id}")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    return services.deal_line_update(actor=request.user, line=line, expected_version=version, fields=data)


@router.delete("deals/{deal_id}/lines/{line_id}", response=DealDetailOut, summary="Remove a line")
def deal_line_remove(request: HttpRequest, deal_id: int, line_id: int, version: int | None = None) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    line = deal.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"line {line_id}")
    return services.deal_line_remove(actor=request.user, line=line, expected_version=version)


def _issue(request: HttpRequest, deal_id: int, kind: str, payload: DocumentIn) -> Any:
    deal = selectors.deal_get(request.user, deal_id, Action.UPDATE)
    return Status(
        201,
        services.sales_document_issue(
            actor=request.user,
            deal=deal,
            kind=kind,
            issued_on=payload.issued_on,
            valid_until=payload.valid_until,
            comment=payload.comment,
        ),
    )


@router.post("deals/{deal_id}/quotes", response={201: DocumentOut}, summary="Issue a quote from the deal")
def quote_issue(request: HttpRequest, deal_id: int, payload: DocumentIn) -> Any:
    return _issue(request, deal_id, SalesDocumentKind.QUOTE, payload)


@router.post(
    "deals/{deal_id}/invoices", response={201: DocumentOut}, summary="Issue an invoice from the deal"
)
def invoice_issue(request: HttpRequest, deal_id: int, payload: DocumentIn) -> Any:
    return _issue(request, deal_id, SalesDocumentKind.INVOICE, payload)


def _documents(kind: str) -> None:
    plural = f"{kind}s"

    @router.get(
        plural,
        response=PageOut[DocumentOut],
        summary=f"The {plural} of deals the caller may see",
        operation_id=f"{kind}_list",
    )
    def document_list(
        request: HttpRequest, deal: int | None = None, cursor: str | None = None, limit: int = 50
    ) -> Any:
        queryset = selectors.documents_visible(request.user, kind)
        if deal is not None:
            queryset = queryset.filter(deal_id=deal)
        return page_of(queryset, order=("-id",), cursor=cursor, limit=limit)

    @router.get(
        plural + "/{document_id}", response=DocumentOut, summary=f"One {kind}", operation_id=f"{kind}_detail"
    )
    def document_detail(request: HttpRequest, document_id: int) -> Any:
        return selectors.document_get(request.user, document_id, kind)

    @router.get(plural + "/{document_id}/pdf", summary=f"The {kind} as PDF", operation_id=f"{kind}_pdf")
    def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
        document = selectors.document_get(request.user, document_id, kind)
        response = HttpResponse(render_document(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document_filename(document)}"'
        return response

    @router.post(
        plural + "/{document_id}/send",
        response=DocumentOut,
        summary=f"Email the {kind} as PDF",
        operation_id=f"{kind}_send",
    )
    def document_send(request: HttpRequest, document_id: int, payload: SendIn) -> Any:
        document = selectors.document_get(request.user, document_id, kind, Action.UPDATE)
        contacts = _resolve(request, {"contact_ids": payload.contact_ids})["contacts"]
        return services.sales_document_send(
            actor=request.user,
            document=document,
            to=payload.to,
            subject=payload.subject,
            message=payload.message,
            contacts=contacts,
        )


# Leads


@router.get("leads", response=PageOut[LeadOut], summary="Leads the caller may see")
def lead_list(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    source: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    if status and status not in LeadStatus.values:
        raise ValidationFailed({"status": f"Use one of {', '.join(LeadStatus.values)}."})
    return page_of(
        selectors.lead_list(request.user, q=q, status=status, source=source),
        order=("-id",),
        cursor=cursor,
        limit=limit,
    )


@router.post("leads", response={201: LeadOut}, summary="Register a lead")
def lead_create(request: HttpRequest, payload: LeadIn) -> Any:
    require(request.user, "lead", Action.CREATE)
    data = payload.dict()
    if data.get("responsible_id") is None:
        data["responsible_id"] = request.user.pk
    return Status(201, services.lead_create(actor=request.user, fields=_resolve(request, data)))


@router.get("leads/{lead_id}", response=LeadOut, summary="One lead")
def lead_detail(request: HttpRequest, lead_id: int) -> Any:
    return selectors.lead_get(request.user, lead_id)


@router.patch("leads/{lead_id}", response=LeadOut, summary="Change a lead")
def lead_update(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    lead = selectors.lead_get(request.user, lead_id, Action.UPDATE)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.lead_update(
        actor=request.user, lead=lead, expected_version=version, fields=_resolve(request, data)
    )


@router.post("leads/{lead_id}/status", response=LeadOut, summary="Qualify, reject or reopen a lead")
def lead_status(request: HttpRequest, lead_id: int, payload: LeadStatusIn) -> Any:
    lead = selectors.lead_get(request.user, lead_id, Action.UPDATE)
    return services.lead_set_status(
        actor=request.user,
        lead=lead,
        status=payload.status,
        expected_version=payload.version,
        reason=payload.reason,
    )


@router.get(
    "leads/{lead_id}/duplicates", response=list[CandidateOut], summary="Counterparties the lead may be"
)
def lead_candidates(request: HttpRequest, lead_id: int) -> Any:
    lead = selectors.lead_get(request.user, lead_id)
    among = visible_records(request.user, "counterparty")
    return [
        {
            "id": c.counterparty.pk,
            "name": c.counterparty.name,
            "inn": c.counterparty.inn,
            "reasons": c.reasons,
        }
        for c in lead_duplicates(lead, among=among)
    ]


@router.post(
    "leads/{lead_id}/convert", response={201: ConvertOut}, summary="Convert into counterparty, contact, deal"
)
def lead_convert(request: HttpRequest, lead_id: int, payload: ConvertIn) -> Any:
    lead = selectors.lead_get(request.user, lead_id, Action.UPDATE)
    require(request.user, "deal", Action.CREATE)
    resolved = _resolve(
        request, {"pipeline_id": payload.pipeline_id, "counterparty_id": payload.counterparty_id}
    )
    result = services.lead_convert(
        actor=request.user,
        lead=lead,
        expected_version=payload.version,
        pipeline=resolved["pipeline"],
        counterparty=resolved["counterparty"],
        create_counterparty=payload.create_counterparty,
        deal_title=payload.deal_title,
        deal_custom_fields=payload.deal_custom_fields,
    )
    return Status(
        201,
        {
            "lead_id": result.lead.pk,
            "counterparty_id": result.counterparty.pk,
            "contact_id": result.contact.pk if result.contact else None,
            "deal_id": result.deal.pk,
        },
    )


# Catalogue


@router.get("products", response=PageOut[ProductOut], summary="Products and services")
def product_list(
    request: HttpRequest, q: str = "", active: bool = False, cursor: str | None = None, limit: int = 50
) -> Any:
    return page_of(
        selectors.product_list(request.user, q=q, active_only=active),
        order=("name", "id"),
        cursor=cursor,
        limit=limit,
    )


@router.post("products", response={201: ProductOut}, summary="Create a product or service")
def product_create(request: HttpRequest, payload: ProductIn) -> Any:
    require(request.user, "product", Action.CREATE)
    return Status(201, services.product_create(actor=request.user, fields=payload.dict()))


@router.get("products/{product_id}", response=ProductOut, summary="One product or service")
def product_detail(request: HttpRequest, product_id: int) -> Any:
    return selectors.product_get(request.user, product_id)


@router.patch("products/{product_id}", response=ProductOut, summary="Change a product or service")
def product_update(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    product = selectors.product_get(request.user, product_id, Action.UPDATE)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.product_update(actor=request.user, product=product, expected_version=version, fields=data)


@router.get("price-lists", response=list[PriceListOut], summary="Price lists with their prices")
def price_list_list(request: HttpRequest) -> Any:
    require(request.user, "product", Action.READ)
    return list(selectors.price_lists())


@router.post("price-lists", response={201: PriceListOut}, summary="Create a price list")
def price_list_create(request: HttpRequest, payload: PriceListIn) -> Any:
    require(request.user, "product", Action.CREATE)
    return Status(201, services.price_list_create(actor=request.user, **payload.dict()))


@router.put(
    "price-lists/{price_list_id}/prices", response=PriceListOut, summary="Set prices (null removes one)"
)
def price_list_prices(request: HttpRequest, price_list_id: int, payload: list[PriceIn]) -> Any:
    require(request.user, "product", Action.UPDATE)
    price_list = selectors.price_list_get(price_list_id)
    for position, item in enumerate(payload):
        product = selectors.products_visible(request.user).filter(pk=item.product_id).first()
        if product is None:
            raise ValidationFailed({f"{position}.product_id": f"No such product: {item.product_id}."})
        services.price_set(actor=request.user, price_list=price_list, product=product, price=item.price)
    return price_list


@router.get("vat-rates", response=list[VatRateOut], summary="VAT rates")
def vat_rate_list(request: HttpRequest) -> Any:
    return list(selectors.vat_rates())


@router.get("units", response=list[UnitOut], summary="Units of measure (ОКЕИ)")
def unit_list(request: HttpRequest) -> Any:
    return list(selectors.units())


@router.get("loss-reasons", response=list[LossReasonOut], summary="Reasons a deal is lost")
def loss_reason_list(request: HttpRequest) -> Any:
    return list(selectors.loss_reasons(active_only=False))


@router.post("loss-reasons", response={201: LossReasonOut}, summary="Add a loss reason (administrators)")
def loss_reason_create(request: HttpRequest, payload: LossReasonIn) -> Any:
    return Status(201, services.loss_reason_create(actor=request.user, name=payload.name))


@router.get(
    "company-requisites", response=CompanyOut, summary="The company's requisites printed on documents"
)
def company_detail(request: HttpRequest) -> Any:
    if not is_administrator(request.user):
        require(request.user, "deal", Action.READ)
    return company_settings()


@router.patch("company-requisites", response=CompanyOut, summary="Change the requisites (administrators)")
def company_update(request: HttpRequest, payload: CompanyPatch) -> Any:
    if not is_administrator(request.user):
        raise PermissionDenied("company requisites")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    return services.company_settings_update(actor=request.user, fields=data, expected_version=version)


# Reports


class FunnelRowOut(Schema):
    stage_id: int
    code: str
    name: str
    kind: str
    reached: int
    conversion_from_previous: Decimal | None
    conversion_from_first: Decimal | None
    now_count: int
    now_amount: Decimal
    average_days: Decimal | None


class FunnelOut(Schema):
    pipeline_id: int
    date_from: dt.date
    date_to: dt.date
    cohort: int
    won: int
    lost: int
    won_amount: Decimal
    rows: list[FunnelRowOut]


class ForecastRowOut(Schema):
    month: str
    responsible_id: int | None
    responsible: str
    count: int
    amount: Decimal
    weighted: Decimal


class ForecastOut(Schema):
    currency: str
    rows: list[ForecastRowOut]
    by_month: dict[str, Decimal]
    total_amount: Decimal
    total_weighted: Decimal


class ReasonRowOut(Schema):
    reason: str
    count: int
    amount: Decimal
    share: Decimal | None


class WonLostOut(Schema):
    won: int
    won_amount: Decimal
    lost: int
    lost_amount: Decimal
    win_rate: Decimal | None
    reasons: list[ReasonRowOut]


def _report_pipeline(pipeline: int | None) -> Any:
    return selectors.pipeline_get(pipeline) if pipeline is not None else None


@router.get(
    "reports/funnel", response=FunnelOut, summary="The funnel of a pipeline for deals created in a period"
)
def report_funnel(
    request: HttpRequest, pipeline: int, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> Any:
    require(request.user, "deal", Action.READ)
    start, end = _period(date_from, date_to)
    result = reports.funnel(request.user, selectors.pipeline_get(pipeline), start, end)
    return {**result.__dict__, "pipeline_id": result.pipeline.pk}


@router.get(
    "reports/forecast", response=ForecastOut, summary="Open deals by expected close month and manager"
)
def report_forecast(
    request: HttpRequest,
    pipeline: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    currency: str = "RUB",
) -> Any:
    require(request.user, "deal", Action.READ)
    today = timezone.localdate(clock.now())
    start = date_from or today.replace(day=1)
    end = date_to or (start + dt.timedelta(days=180))
    return reports.forecast(request.user, start, end, pipeline=_report_pipeline(pipeline), currency=currency)


@router.get("reports/won-lost", response=WonLostOut, summary="Won and lost deals of a period, lost by reason")
def report_won_lost(
    request: HttpRequest,
    pipeline: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Any:
    require(request.user, "deal", Action.READ)
    start, end = _period(date_from, date_to)
    return reports.won_lost(request.user, start, end, pipeline=_report_pipeline(pipeline))


@router.get("reports/export", summary="Funnel, forecast and won/lost of a pipeline as XLSX")
def report_export(
    request: HttpRequest, pipeline: int, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> HttpResponse:
    require(request.user, "deal", Action.EXPORT)
    start, end = _period(date_from, date_to)
    chosen = selectors.pipeline_get(pipeline)
    content = reports_workbook(
        reports.funnel(request.user, chosen, start, end),
        reports.forecast(request.user, start, end + dt.timedelta(days=180), pipeline=chosen),
        reports.won_lost(request.user, start, end, pipeline=chosen),
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="sales-{chosen.code}-{start}-{end}.xlsx"'
    return response


_documents(SalesDocumentKind.QUOTE)
_documents(SalesDocumentKind.INVOICE)
