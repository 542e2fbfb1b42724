"""Catalogue pages: products and services, price lists; and the sales settings (the company's requisites
and the list of loss reasons) for administrators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.models import Action
from potok.access.selectors import can, is_administrator, require
from potok.audit.selectors import audit_events_for_record
from potok.core.errors import Conflict, ValidationFailed
from potok.sales import selectors, services
from potok.sales.models import ProductKind
from potok.sales.services.documents import COMPANY_FIELDS, company_settings
from potok.web.lists import Column, ListSpec
from potok.web.views.errors import domain_errors
from potok.web.views.sales.common import add_errors, error_text, number, set_choices, styled

PRODUCT_LIST = ListSpec(
    columns=[
        Column("name", pgettext_lazy("title", "Name"), link=True),
        Column("article", gettext_lazy("Article")),
        Column("kind", gettext_lazy("Kind"), render=lambda product: product.get_kind_display()),
        Column(
            "unit",
            gettext_lazy("Unit"),
            render=lambda product: f"{product.unit.symbol} ({product.unit.code})",
        ),
        Column("vat_rate", gettext_lazy("VAT rate")),
        Column(
            "is_active",
            gettext_lazy("In use"),
            render=lambda product: _("yes") if product.is_active else _("no"),
        ),
    ],
    search_fields=[],
    sorts={"name": ("name", "id"), "newest": ("-id",)},
    sort_labels={"name": gettext_lazy("by name"), "newest": gettext_lazy("newest first")},
    default_sort="name",
)


@login_required
@domain_errors
def product_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.product_list(request.user, q=request.GET.get("q", "").strip()[:200])
    context = PRODUCT_LIST.context(request, queryset)
    context.update(
        title=_("Products and services"),
        detail_url_name="web:sales_product_edit",
        create_url=reverse("web:sales_product_create")
        if can(request.user, "product", Action.CREATE)
        else None,
        price_lists=selectors.price_lists(),
    )
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/sales/product_list.html"
    return render(request, template, context)


class ProductForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=300)
    article = forms.CharField(label=gettext_lazy("Article"), max_length=64, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ProductKind.choices)
    unit = forms.ChoiceField(label=gettext_lazy("Unit (ОКЕИ)"))
    vat_rate = forms.ChoiceField(label=gettext_lazy("VAT rate"))
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=gettext_lazy("In use"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "unit",
            [(unit.code, f"{unit.symbol} — {unit.name} ({unit.code})") for unit in selectors.units()],
        )
        set_choices(self, "vat_rate", [(rate.code, rate.name) for rate in selectors.vat_rates()])

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


@login_required
@domain_errors
def product_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "product", Action.CREATE)
    form = ProductForm(request.POST or None, initial={"unit": "796", "vat_rate": "vat22", "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.product_create(actor=request.user, fields=form.service_data())
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The product is saved."))
            return redirect("web:sales_product_list")
    return render(
        request, "web/sales/product_form.html", {"form": styled(form), "title": _("New product or service")}
    )


@login_required
@domain_errors
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(request.user, pk)
    may_update = can(request.user, "product", Action.UPDATE)
    if request.method == "POST":
        product = selectors.product_get(request.user, pk, Action.UPDATE)
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                services.product_update(
                    actor=request.user,
                    product=product,
                    expected_version=form.cleaned_data.get("version"),
                    fields=form.service_data(),
                )
            except ValidationFailed as error:
                add_errors(form, error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The product is saved."))
                return redirect("web:sales_product_list")
    else:
        form = ProductForm(
            initial={
                "name": product.name,
                "article": product.article,
                "kind": product.kind,
                "unit": product.unit.code,
                "vat_rate": product.vat_rate.code,
                "description": product.description,
                "is_active": product.is_active,
                "version": product.version,
            }
        )
    return render(
        request,
        "web/sales/product_form.html",
        {
            "form": styled(form),
            "title": str(product),
            "product": product,
            "may_update": may_update,
            "audit_events": audit_events_for_record(entity_type="product", record_id=product.pk)[:50],
        },
    )


@login_required
@domain_errors
def price_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "product", Action.READ)
    price_list = selectors.price_list_get(pk)
    if request.method == "POST":
        require(request.user, "product", Action.UPDATE)
        product = selectors.product_get(request.user, number(request.POST.get("product")))
        try:
            services.price_set(
                actor=request.user, price_list=price_list, product=product, price=request.POST.get("price")
            )
        except ValidationFailed as error:
            messages.error(request, error_text(error))
        return redirect("web:sales_price_list", pk=price_list.pk)
    return render(
        request,
        "web/sales/price_list.html",
        {
            "price_list": price_list,
            "items": selectors.price_list_items(price_list),
            "products": selectors.product_list(request.user, active_only=True).order_by("name")[:500],
            "may_update": can(request.user, "product", Action.UPDATE),
        },
    )


class CompanyForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=300, required=False)
    inn = forms.CharField(label=gettext_lazy("ИНН"), max_length=12, required=False)
    kpp = forms.CharField(label=gettext_lazy("КПП"), max_length=9, required=False)
    ogrn = forms.CharField(label=gettext_lazy("ОГРН"), max_length=15, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=500, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=64, required=False)
    email = forms.CharField(label=gettext_lazy("Email"), max_length=254, required=False)
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=300, required=False)
    bik = forms.CharField(label=gettext_lazy("БИК"), max_length=9, required=False)
    correspondent_account = forms.CharField(
        label=gettext_lazy("Correspondent account"), max_length=20, required=False
    )
    settlement_account = forms.CharField(
        label=gettext_lazy("Settlement account"), max_length=20, required=False
    )
    director = forms.CharField(label=gettext_lazy("Director"), max_length=200, required=False)
    accountant = forms.CharField(label=gettext_lazy("Chief accountant"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


@login_required
@domain_errors
def sales_settings(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise DjangoPermissionDenied
    current = company_settings()
    if request.method == "POST":
        form = CompanyForm(request.POST)
        if form.is_valid():
            data = {field: form.cleaned_data[field] for field in COMPANY_FIELDS}
            try:
                services.company_settings_update(
                    actor=request.user, fields=data, expected_version=form.cleaned_data.get("version")
                )
            except ValidationFailed as error:
                add_errors(form, error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The requisites are saved."))
                return redirect("web:sales_settings")
    else:
        form = CompanyForm(
            initial={
                **{field: getattr(current, field) for field in COMPANY_FIELDS},
                "version": current.version,
            }
        )
    return render(
        request,
        "web/sales/settings.html",
        {
            "form": styled(form),
            "loss_reasons": selectors.loss_reasons(active_only=False),
            "pipelines": selectors.pipelines(),
        },
    )


@login_required
@require_POST
@domain_errors
def loss_reason_save(request: HttpRequest) -> HttpResponse:
    try:
        pk = number(request.POST.get("reason"))
        if pk is None:
            services.loss_reason_create(actor=request.user, name=request.POST.get("name", ""))
        else:
            reason = selectors.loss_reasons(active_only=False).filter(pk=pk).first()
            if reason is not None:
                services.loss_reason_update(
                    actor=request.user, reason=reason, is_active=request.POST.get("is_active") == "1"
                )
    except ValidationFailed as error:
        messages.error(request, error_text(error))
    return redirect(reverse("web:sales_settings") + "#loss-reasons")
