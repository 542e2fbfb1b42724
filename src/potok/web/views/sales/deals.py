"""Deal pages: list, form, the deal's page (stages, checklists, lines, quotes and invoices, history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, require
from potok.accounts.models import User
from potok.audit.selectors import audit_events_for_record
from potok.core.errors import Conflict, ValidationFailed
from potok.documents.custom_fields import mask_custom_history
from potok.sales import selectors, services
from potok.sales.models import Currency, Deal, StageKind
from potok.sales.pdf import document_filename, render_document
from potok.sales.selectors import DealFilters
from potok.sales.services.deals import requirement_labels, unmet_requirements
from potok.web.lists import Column, Filter, ListSpec
from potok.web.views.custom_values import add_service_errors, custom_form, custom_values, custom_values_block
from potok.web.views.errors import domain_errors
from potok.web.views.list_exports import export_response, export_urls
from potok.web.views.sales.common import add_errors, error_text, number, set_choices, styled


def _no_op(queryset: Any, value: str) -> Any:
    return queryset  # the selector has applied the filter already


DEAL_LIST = ListSpec(
    columns=[
        Column("title", gettext_lazy("Deal"), link=True),
        Column("counterparty", gettext_lazy("Counterparty")),
        Column("pipeline", gettext_lazy("Pipeline")),
        Column("stage", gettext_lazy("Stage")),
        Column(
            "amount",
            gettext_lazy("Amount"),
            render=lambda deal: f"{number_format(deal.amount, 2, force_grouping=True)} {deal.currency}",
        ),
        Column("expected_close_date", gettext_lazy("Expected close date")),
        Column("responsible", gettext_lazy("Responsible manager")),
    ],
    search_fields=[],
    sorts=selectors.DEAL_SORTS,
    sort_labels={
        "newest": gettext_lazy("newest first"),
        "oldest": gettext_lazy("oldest first"),
        "title": gettext_lazy("by title"),
        "amount": gettext_lazy("largest first"),
    },
    default_sort="newest",
    filters=[
        Filter(
            "pipeline",
            gettext_lazy("Pipeline"),
            choices=lambda: [(str(p.pk), p.name) for p in selectors.pipelines()],
            apply=_no_op,
        ),
        Filter(
            "kind",
            gettext_lazy("State"),
            choices=lambda: [(value, label) for value, label in StageKind.choices],
            apply=_no_op,
        ),
        Filter(
            "responsible",
            gettext_lazy("Responsible manager"),
            choices=lambda: [
                (str(u.pk), u.display_name)
                for u in User.objects.filter(is_active=True, deals__isnull=False).distinct()
            ],
            apply=_no_op,
        ),
    ],
)


def _deal_filters(request: HttpRequest) -> DealFilters:
    return DealFilters(
        q=request.GET.get("q", "").strip()[:200],
        pipeline=number(request.GET.get("pipeline")),
        responsible=number(request.GET.get("responsible")),
        kind=request.GET.get("kind", "") if request.GET.get("kind") in StageKind.values else "",
    )


@login_required
@domain_errors
def deal_list(request: HttpRequest) -> HttpResponse:
    context = DEAL_LIST.context(request, selectors.deal_list(request.user, _deal_filters(request)))
    context.update(
        title=_("Deals"),
        detail_url_name="web:sales_deal_detail",
        create_url=reverse("web:sales_deal_create") if can(request.user, "deal", Action.CREATE) else None,
        export_urls=export_urls(request, "web:sales_deal_export", "deal"),
    )
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/list.html"
    return render(request, template, context)


@login_required
@domain_errors
def deal_export(request: HttpRequest) -> HttpResponse:
    """The deals of the list as filtered and sorted on the page, less those the user may not export."""
    queryset = selectors.deal_list(request.user, _deal_filters(request))
    sort = request.GET.get("sort", DEAL_LIST.default_sort)
    order = selectors.DEAL_SORTS.get(sort) or selectors.DEAL_SORTS[DEAL_LIST.default_sort]
    return export_response(request, "deal", queryset.order_by(*order))


class DealForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    pipeline = forms.TypedChoiceField(label=gettext_lazy("Pipeline"), coerce=int)
    counterparty = forms.IntegerField(
        label=gettext_lazy("Counterparty"), required=False, widget=forms.HiddenInput
    )
    contacts = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Contacts"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), max_digits=16, decimal_places=2, required=False, min_value=0
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=Currency.choices)
    vat_included = forms.BooleanField(label=gettext_lazy("VAT included in prices"), required=False)
    price_list = forms.TypedChoiceField(
        label=gettext_lazy("Price list"), coerce=int, required=False, empty_value=None
    )
    expected_close_date = forms.DateField(
        label=gettext_lazy("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    responsible = forms.TypedChoiceField(label=gettext_lazy("Responsible manager"), coerce=int)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, deal: Deal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "pipeline", [(p.pk, p.name) for p in selectors.pipelines()])
        set_choices(self, "price_list", [("", "—")] + [(p.pk, p.name) for p in selectors.price_lists()])
        set_choices(
            self,
            "responsible",
            [(u.pk, u.display_name) for u in User.objects.filter(is_active=True, department__isnull=False)],
        )
        counterparty = deal.counterparty if deal else None
        set_choices(
            self, "contacts", [(c.pk, c.full_name) for c in selectors.contacts_of(user, counterparty)]
        )
        if deal is not None:
            del self.fields["pipeline"]
        else:
            del self.fields["contacts"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("amount") is None:
            data["amount"] = 0
        return data


def _counterparty_label(user: Any, pk: Any) -> str:
    if not pk:
        return ""
    from potok.access.selectors import visible_records

    found = visible_records(user, "counterparty").filter(pk=pk).first()
    return found.name if found else ""


@login_required
@domain_errors
def deal_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "deal", Action.CREATE)
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user)
        values_form = custom_form(request.user, "deal", data=request.POST, files=request.FILES)
        valid, custom = custom_values(request.user, "deal", None, values_form)
        if form.is_valid() and valid:
            try:
                deal = services.deal_create(
                    actor=request.user,
                    fields={**selectors.resolve_references(request.user, form.service_data()), **custom},
                )
            except ValidationFailed as error:
                add_service_errors(form, values_form, error, add_errors)
            else:
                messages.success(request, _("The deal is saved."))
                return redirect("web:sales_deal_detail", pk=deal.pk)
    else:
        form = DealForm(
            user=request.user,
            initial={
                "pipeline": number(request.GET.get("pipeline")),
                "responsible": request.user.pk,
                "currency": "RUB",
                "vat_included": True,
                "counterparty": number(request.GET.get("counterparty")),
            },
        )
        values_form = custom_form(request.user, "deal")
    return render(
        request,
        "web/sales/deal_form.html",
        {
            "form": styled(form),
            "values_form": values_form,
            "title": _("New deal"),
            "counterparty_label": _counterparty_label(request.user, form["counterparty"].value()),
        },
    )


@login_required
@domain_errors
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk, Action.UPDATE)
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user, deal=deal)
        values_form = custom_form(request.user, "deal", deal, data=request.POST, files=request.FILES)
        valid, custom = custom_values(request.user, "deal", deal, values_form)
        if form.is_valid() and valid:
            data = form.service_data()
            if deal.lines.exists():
                data.pop("amount", None)
            try:
                services.deal_update(
                    actor=request.user,
                    deal=deal,
                    expected_version=form.cleaned_data.get("version"),
                    fields={**selectors.resolve_references(request.user, data), **custom},
                )
            except ValidationFailed as error:
                add_service_errors(form, values_form, error, add_errors)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The deal is saved."))
                return redirect("web:sales_deal_detail", pk=deal.pk)
    else:
        form = DealForm(
            user=request.user,
            deal=deal,
            initial={
                "title": deal.title,
                "counterparty": deal.counterparty_id,
                "contacts": list(deal.contacts.values_list("pk", flat=True)),
                "amount": deal.amount,
                "currency": deal.currency,
                "vat_included": deal.vat_included,
                "price_list": deal.price_list_id,
                "expected_close_date": deal.expected_close_date,
                "responsible": deal.responsible_id,
                "description": deal.description,
                "version": deal.version,
            },
        )
        values_form = custom_form(request.user, "deal", deal)
    return render(
        request,
        "web/sales/deal_form.html",
        {
            "form": styled(form),
            "values_form": values_form,
            "deal": deal,
            "title": _("Edit the deal"),
            "has_lines": deal.lines.exists(),
            "counterparty_label": _counterparty_label(request.user, form["counterparty"].value()),
        },
    )


class LineForm(forms.Form):
    product = forms.TypedChoiceField(
        label=gettext_lazy("Product or service"), coerce=int, required=False, empty_value=None
    )
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=300, required=False)
    quantity = forms.DecimalField(label=gettext_lazy("Quantity"), max_digits=16, decimal_places=3, initial=1)
    price = forms.DecimalField(
        label=gettext_lazy("Price"),
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Empty: the price list's price."),
    )
    discount_percent = forms.DecimalField(
        label=gettext_lazy("Discount, %"), max_digits=5, decimal_places=2, required=False, initial=0
    )
    vat_rate = forms.ChoiceField(label=gettext_lazy("VAT rate"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "product",
            [("", "—")]
            + [(p.pk, str(p)) for p in selectors.product_list(user, active_only=True).order_by("name")[:500]],
        )
        set_choices(
            self,
            "vat_rate",
            [("", _("as the product's"))] + [(rate.code, rate.name) for rate in selectors.vat_rates()],
        )


def _detail_context(request: HttpRequest, deal: Deal, line_form: LineForm | None = None) -> dict[str, Any]:
    stages = selectors.stages_of(deal.pipeline)
    checklists = []
    labels = requirement_labels()
    for stage in stages:
        if stage.kind != StageKind.OPEN or (
            stage.order < deal.stage.order and deal.stage.kind == StageKind.OPEN
        ):
            continue
        ticked = set(deal.checklist.get(str(stage.pk), []))
        checklists.append(
            {
                "stage": stage,
                "current": stage.pk == deal.stage_id,
                "items": [{**item, "done": item["code"] in ticked} for item in stage.checklist],
                "required": [labels.get(field, field) for field in stage.required_fields],
                "unmet": unmet_requirements(deal, stage),
            }
        )
    may_update = (
        can(request.user, "deal", Action.UPDATE)
        and selectors.deals_visible(request.user, Action.UPDATE).filter(pk=deal.pk).exists()
    )
    return {
        "deal": deal,
        "stages": stages,
        "checklists": checklists,
        "lines": selectors.deal_lines(deal),
        "totals": _totals(deal),
        "documents": selectors.deal_documents(deal),
        "history": selectors.deal_history(deal),
        "contacts": list(deal.contacts.all()),
        "loss_reasons": selectors.loss_reasons(),
        "may_update": may_update,
        "line_form": styled(line_form or LineForm(user=request.user)),
        "custom_values": custom_values_block(request.user, "deal", deal),
        "audit_events": mask_custom_history(
            request.user, "deal", deal.pk, audit_events_for_record(entity_type="deal", record_id=deal.pk)[:50]
        ),
    }


def _totals(deal: Deal) -> dict[str, Any]:
    from potok.sales.totals import sum_lines

    return sum_lines(deal.lines.all()).__dict__  # type: ignore[arg-type]


@login_required
@domain_errors
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk)
    return render(request, "web/sales/deal_detail.html", _detail_context(request, deal))


@login_required
@require_POST
@domain_errors
def deal_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk, Action.UPDATE)
    stage = deal.pipeline.stages.filter(pk=number(request.POST.get("stage")) or 0).first()
    try:
        if stage is None:
            raise ValidationFailed({"stage": _("The deal's pipeline has no such stage.")})
        deal = services.deal_checklist_tick(
            actor=request.user,
            deal=deal,
            stage=stage,
            item_code=request.POST.get("item", ""),
            done=request.POST.get("done") == "1",
        )
    except ValidationFailed as error:
        messages.error(request, error_text(error))
    if request.headers.get("HX-Request"):
        return render(request, "web/sales/_checklists.html", _detail_context(request, deal))
    return redirect("web:sales_deal_detail", pk=deal.pk)


@login_required
@require_POST
@domain_errors
def deal_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk, Action.UPDATE)
    form = LineForm(request.POST, user=request.user)
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        try:
            services.deal_line_add(
                actor=request.user,
                deal=deal,
                expected_version=number(request.POST.get("version")),
                fields=selectors.resolve_references(request.user, data),
            )
        except ValidationFailed as error:
            add_errors(form, error)
        except Conflict as error:
            form.add_error(None, str(error))
        else:
            return redirect(reverse("web:sales_deal_detail", args=[deal.pk]) + "#lines")
    deal.refresh_from_db()
    return render(request, "web/sales/deal_detail.html", _detail_context(request, deal, form), status=400)


@login_required
@require_POST
@domain_errors
def deal_line_remove(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk, Action.UPDATE)
    line = deal.lines.filter(pk=line_id).first()
    if line is not None:
        try:
            services.deal_line_remove(
                actor=request.user, line=line, expected_version=number(request.POST.get("version"))
            )
        except Conflict as error:
            messages.error(request, str(error))
    return redirect(reverse("web:sales_deal_detail", args=[deal.pk]) + "#lines")


@login_required
@require_POST
@domain_errors
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk, Action.DELETE)
    services.deal_delete(actor=request.user, deal=deal, expected_version=number(request.POST.get("version")))
    messages.success(request, _("The deal is deleted."))
    return redirect("web:sales_deal_list")


@login_required
@require_POST
@domain_errors
def document_issue(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    deal = selectors.deal_get(request.user, pk, Action.UPDATE)
    try:
        document = services.sales_document_issue(
            actor=request.user, deal=deal, kind=kind, valid_until=request.POST.get("valid_until") or None
        )
    except ValidationFailed as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(document)s is issued.") % {"document": document})
    return redirect(reverse("web:sales_deal_detail", args=[deal.pk]) + "#documents")


@login_required
@domain_errors
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(request.user, pk)
    response = HttpResponse(render_document(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document_filename(document)}"'
    return response


class SendForm(forms.Form):
    to = forms.CharField(
        label=pgettext_lazy("recipient", "To"),
        help_text=gettext_lazy("Separate several addresses with commas."),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300, required=False)
    message = forms.CharField(
        label=gettext_lazy("Message"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


@login_required
@domain_errors
def document_send(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(request.user, pk, action=Action.UPDATE)
    deal = document.deal
    if request.method == "POST":
        form = SendForm(request.POST)
        if form.is_valid():
            try:
                services.sales_document_send(
                    actor=request.user,
                    document=document,
                    to=list(form.cleaned_data["to"].replace(";", ",").split(",")),
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    contacts=list(deal.contacts.all()),
                )
            except ValidationFailed as error:
                add_errors(form, error)
            else:
                messages.success(request, _("%(document)s is sent.") % {"document": document})
                return redirect(reverse("web:sales_deal_detail", args=[deal.pk]) + "#documents")
    else:
        emails = [email for contact in deal.contacts.all() for email in contact.emails]
        if not emails and deal.counterparty is not None:
            emails = list(deal.counterparty.emails)
        form = SendForm(
            initial={
                "to": ", ".join(emails[:3]),
                "subject": str(document),
                "message": _("Good day! Please find %(document)s attached.") % {"document": document},
            }
        )
    return render(
        request, "web/sales/document_send.html", {"form": styled(form), "document": document, "deal": deal}
    )
