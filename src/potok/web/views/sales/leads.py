"""Lead pages: list, form, the lead's page with qualification, and conversion with the duplicate choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, require, visible_records
from potok.accounts.models import User
from potok.audit.selectors import audit_events_for_record
from potok.core.errors import Conflict, ValidationFailed
from potok.sales import selectors, services
from potok.sales.models import LeadSource, LeadStatus
from potok.sales.services.leads import TRANSITIONS, lead_duplicates
from potok.web.lists import Column, Filter, ListSpec
from potok.web.views.custom_values import add_service_errors, custom_form, custom_values
from potok.web.views.errors import domain_errors
from potok.web.views.sales.common import add_errors, error_text, number, set_choices, styled


def _no_op(queryset: Any, value: str) -> Any:
    return queryset


LEAD_LIST = ListSpec(
    columns=[
        Column("title", gettext_lazy("Subject"), link=True),
        Column("company_name", gettext_lazy("Company")),
        Column("contact_name", gettext_lazy("Contact person")),
        Column("source", gettext_lazy("Source"), render=lambda lead: lead.get_source_display()),
        Column("status", gettext_lazy("Status"), render=lambda lead: lead.get_status_display()),
        Column("responsible", gettext_lazy("Responsible manager")),
        Column(
            "created_at", gettext_lazy("Created"), render=lambda lead: lead.created_at.strftime("%d.%m.%Y")
        ),
    ],
    search_fields=[],
    sorts={"newest": ("-id",), "oldest": ("id",)},
    sort_labels={"newest": gettext_lazy("newest first"), "oldest": gettext_lazy("oldest first")},
    default_sort="newest",
    filters=[
        Filter("status", gettext_lazy("Status"), choices=lambda: list(LeadStatus.choices), apply=_no_op),
        Filter("source", gettext_lazy("Source"), choices=lambda: list(LeadSource.choices), apply=_no_op),
    ],
)


@login_required
@domain_errors
def lead_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    source = request.GET.get("source", "")
    queryset = selectors.lead_list(
        request.user,
        q=request.GET.get("q", "").strip()[:200],
        status=status if status in LeadStatus.values else "",
        source=source if source in LeadSource.values else "",
    )
    context = LEAD_LIST.context(request, queryset)
    context.update(
        title=_("Leads"),
        detail_url_name="web:sales_lead_detail",
        create_url=reverse("web:sales_lead_create") if can(request.user, "lead", Action.CREATE) else None,
    )
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/list.html"
    return render(request, template, context)


class LeadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=LeadSource.choices)
    company_name = forms.CharField(label=gettext_lazy("Company"), max_length=300, required=False)
    inn = forms.CharField(label=gettext_lazy("ИНН"), max_length=20, required=False)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=300, required=False)
    position = forms.CharField(label=gettext_lazy("Position"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    email = forms.CharField(label=gettext_lazy("Email"), max_length=254, required=False)
    need = forms.CharField(
        label=gettext_lazy("Need"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.DecimalField(
        label=gettext_lazy("Budget"), max_digits=16, decimal_places=2, required=False, min_value=0
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = forms.TypedChoiceField(label=gettext_lazy("Responsible manager"), coerce=int)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "responsible",
            [(u.pk, u.display_name) for u in User.objects.filter(is_active=True, department__isnull=False)],
        )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


@login_required
@domain_errors
def lead_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "lead", Action.CREATE)
    if request.method == "POST":
        form = LeadForm(request.POST)
        if form.is_valid():
            try:
                lead = services.lead_create(
                    actor=request.user, fields=selectors.resolve_references(request.user, form.service_data())
                )
            except ValidationFailed as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The lead is saved."))
                return redirect("web:sales_lead_detail", pk=lead.pk)
    else:
        form = LeadForm(initial={"responsible": request.user.pk, "source": LeadSource.CALL})
    return render(request, "web/sales/lead_form.html", {"form": styled(form), "title": _("New lead")})


@login_required
@domain_errors
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(request.user, pk, Action.UPDATE)
    if request.method == "POST":
        form = LeadForm(request.POST)
        if form.is_valid():
            try:
                services.lead_update(
                    actor=request.user,
                    lead=lead,
                    expected_version=form.cleaned_data.get("version"),
                    fields=selectors.resolve_references(request.user, form.service_data()),
                )
            except ValidationFailed as error:
                add_errors(form, error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The lead is saved."))
                return redirect("web:sales_lead_detail", pk=lead.pk)
    else:
        form = LeadForm(
            initial={
                field: getattr(lead, field)
                for field in (
                    "title",
                    "source",
                    "company_name",
                    "inn",
                    "contact_name",
                    "position",
                    "phone",
                    "email",
                    "need",
                    "budget",
                    "comment",
                    "version",
                )
            }
            | {"responsible": lead.responsible_id}
        )
    return render(
        request, "web/sales/lead_form.html", {"form": styled(form), "title": _("Edit the lead"), "lead": lead}
    )


def convert_values_form(user: Any, data: Any = None, files: Any = None) -> forms.Form:
    """The deal's custom fields a conversion asks for: the required ones without a default (the others take
    their defaults, as on a new deal), so a missing one is named next to its input, not after a refusal."""
    form = custom_form(user, "deal", data=data, files=files)
    needed = [d for d in form.definitions if d.required and d.default in (None, "", [])]  # type: ignore[attr-defined]
    for code in set(form.fields) - {d.code for d in needed}:
        del form.fields[code]
    form.definitions = needed  # type: ignore[attr-defined]
    return form


def _detail(
    request: HttpRequest,
    lead: Any,
    *,
    values_form: forms.Form | None = None,
    convert_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    may_update = visible_records(request.user, "lead", Action.UPDATE).filter(pk=lead.pk).exists()
    candidates = []
    if lead.status not in (LeadStatus.CONVERTED, LeadStatus.REJECTED):
        candidates = lead_duplicates(lead, among=visible_records(request.user, "counterparty"))
    may_convert = (
        may_update
        and can(request.user, "deal", Action.CREATE)
        and lead.status not in (LeadStatus.CONVERTED, LeadStatus.REJECTED)
    )
    return render(
        request,
        "web/sales/lead_detail.html",
        {
            "lead": lead,
            "may_update": may_update,
            "transitions": [
                (status, LeadStatus(status).label) for status in sorted(TRANSITIONS.get(lead.status, set()))
            ],
            "candidates": candidates,
            "pipelines": selectors.pipelines(),
            "may_convert": may_convert,
            "values_form": (values_form or convert_values_form(request.user)) if may_convert else None,
            "convert_errors": convert_errors or [],
            "audit_events": audit_events_for_record(entity_type="lead", record_id=lead.pk)[:50],
        },
        status=status,
    )


@login_required
@domain_errors
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.lead_get(request.user, pk))


@login_required
@require_POST
@domain_errors
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(request.user, pk, Action.UPDATE)
    try:
        services.lead_set_status(
            actor=request.user,
            lead=lead,
            status=request.POST.get("status", ""),
            expected_version=number(request.POST.get("version")),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationFailed, Conflict) as error:
        messages.error(request, error_text(error) if isinstance(error, ValidationFailed) else str(error))
    return redirect("web:sales_lead_detail", pk=lead.pk)


@login_required
@require_POST
@domain_errors
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Convert: `choice` is "new" (create a counterparty even if candidates exist) or a counterparty id; the
    deal's required custom fields come with it. A refusal shows the lead's page again with the message in
    the conversion form, a custom field's next to its input."""
    lead = selectors.lead_get(request.user, pk, Action.UPDATE)
    require(request.user, "deal", Action.CREATE)
    choice = request.POST.get("choice", "")
    values_form = convert_values_form(request.user, data=request.POST, files=request.FILES)
    valid, custom = custom_values(request.user, "deal", None, values_form)
    if not valid:
        return _detail(request, lead, values_form=values_form, status=400)
    try:
        references = selectors.resolve_references(
            request.user,
            {"pipeline": request.POST.get("pipeline"), "counterparty": choice if choice.isdigit() else None},
        )
        result = services.lead_convert(
            actor=request.user,
            lead=lead,
            expected_version=number(request.POST.get("version")),
            pipeline=references["pipeline"],
            counterparty=references["counterparty"],
            create_counterparty=choice == "new",
            deal_title=request.POST.get("deal_title", ""),
            deal_custom_fields=custom.get("custom_fields"),
        )
    except ValidationFailed as error:
        errors: list[str] = []

        def collect(form: forms.Form, rest: ValidationFailed) -> None:
            errors.extend(text for texts in rest.errors.values() for text in texts)

        add_service_errors(forms.Form(), values_form, error, collect)
        return _detail(request, lead, values_form=values_form, convert_errors=errors, status=400)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:sales_lead_detail", pk=lead.pk)
    messages.success(request, _("The lead is converted: the deal is created."))
    return redirect("web:sales_deal_detail", pk=result.deal.pk)
