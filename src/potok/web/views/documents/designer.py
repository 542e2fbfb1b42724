"""The administrator's designer under /settings/: document types with their numbering, statuses and fields,
and the custom fields of built-in entities. Views parse the forms and call potok.documents.services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potok.audit.selectors import audit_events_for_record
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.documents import services
from potok.documents.entities import CUSTOM_FIELD_ENTITIES
from potok.documents.forms import add_errors
from potok.documents.models import DocumentType, FieldType
from potok.documents.selectors import (
    document_type_get,
    document_types,
    field_definition_get,
    field_definitions,
    status_get,
    statuses_of,
)
from potok.web.views.documents.common import bootstrap, int_or_none, messages_of, require_administrator
from potok.web.views.documents.designer_forms import (
    DocumentTypeForm,
    FieldForm,
    StatusForm,
    field_errors,
    field_initial,
)
from potok.web.views.errors import domain_errors

# --- who owns the fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldOwnerPage:
    """A document type or a built-in entity, seen from the field pages."""

    owner: DocumentType | str
    title: str
    back_url: str
    prefix: str  # the URL names' prefix: "web:document_field" or "web:custom_field"
    key: str

    def url(self, name: str, *extra: Any) -> str:
        return reverse(f"{self.prefix}_{name}", args=[self.key, *extra])


def owner_page(code: str | None = None, entity: str | None = None) -> FieldOwnerPage:
    if entity is not None:
        if entity not in CUSTOM_FIELD_ENTITIES:
            raise Http404(entity)
        return FieldOwnerPage(
            owner=entity,
            title=str(CUSTOM_FIELD_ENTITIES[entity]),
            back_url=reverse("web:custom_field_list", args=[entity]),
            prefix="web:custom_field",
            key=entity,
        )
    document_type = document_type_get(code or "")
    return FieldOwnerPage(
        owner=document_type,
        title=document_type.name,
        back_url=reverse("web:document_type_detail", args=[document_type.code]),
        prefix="web:document_field",
        key=document_type.code,
    )


# --- document types --------------------------------------------------------------------------------


@login_required
def document_type_list(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    types = [(t, number_example(t)) for t in document_types(include_archived=True)]
    return render(
        request,
        "web/documents/type_list.html",
        {"types": types, "custom_entities": list(CUSTOM_FIELD_ENTITIES.items())},
    )


def number_example(document_type: DocumentType) -> str:
    year = timezone.localdate(clock.now()).year
    example = f"{year}-{1:0{document_type.number_digits}d}"
    return f"{document_type.number_prefix}-{example}" if document_type.number_prefix else example


@login_required
def document_type_create(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    form = bootstrap(DocumentTypeForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            document_type = services.document_type_create(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The document type is made; now add its fields and statuses."))
            return redirect("web:document_type_detail", code=document_type.code)
    return render(request, "web/documents/type_form.html", {"form": form, "document_type": None})


@login_required
@domain_errors
def document_type_detail(request: HttpRequest, code: str) -> HttpResponse:
    require_administrator(request)
    document_type = document_type_get(code)
    fields = field_definitions(document_type, include_archived=True)
    statuses = statuses_of(document_type)
    labels = {status.code: status.label for status in statuses}
    return render(
        request,
        "web/documents/type_detail.html",
        {
            "document_type": document_type,
            "page": owner_page(code=code),
            "fields": [f for f in fields if not f.is_archived],
            "archived_fields": [f for f in fields if f.is_archived],
            "statuses": [(s, [labels.get(c, c) for c in s.next_statuses]) for s in statuses],
            "number_example": number_example(document_type),
            "archived_codes": [f.code for f in fields if f.is_archived],
            "audit_events": audit_events_for_record(entity_type="document_type", record_id=document_type.pk)[
                :50
            ],
        },
    )


@login_required
@domain_errors
def document_type_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_administrator(request)
    document_type = document_type_get(code)
    initial = {
        key: getattr(document_type, key)
        for key in ("code", "name_ru", "name_en", "description", "number_prefix", "number_digits")
    }
    form = bootstrap(DocumentTypeForm(request.POST or None, initial=initial))
    form.fields["code"].disabled = True
    form.fields["code"].required = False
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "code"}
        try:
            services.document_type_update(actor=request.user, document_type=document_type, **data)
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:document_type_detail", code=code)
    return render(request, "web/documents/type_form.html", {"form": form, "document_type": document_type})


@login_required
@require_POST
@domain_errors
def document_type_archive(request: HttpRequest, code: str) -> HttpResponse:
    require_administrator(request)
    document_type = document_type_get(code)
    archived = request.POST.get("archived") == "1"
    services.document_type_set_archived(actor=request.user, document_type=document_type, archived=archived)
    messages.success(request, _("The type is archived.") if archived else _("The type is back in use."))
    return redirect("web:document_type_detail", code=code)


# --- statuses --------------------------------------------------------------------------------------


@login_required
@domain_errors
def status_create(request: HttpRequest, code: str) -> HttpResponse:
    require_administrator(request)
    document_type = document_type_get(code)
    form = bootstrap(StatusForm(request.POST or None, document_type=document_type))
    if request.method == "POST" and form.is_valid():
        try:
            services.document_status_create(
                actor=request.user, document_type=document_type, **form.cleaned_data
            )
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The status is added."))
            return redirect("web:document_type_detail", code=code)
    return render(
        request,
        "web/documents/status_form.html",
        {"form": form, "document_type": document_type, "status": None},
    )


@login_required
@domain_errors
def status_edit(request: HttpRequest, code: str, status_code: str) -> HttpResponse:
    require_administrator(request)
    document_type = document_type_get(code)
    status = status_get(document_type, status_code)
    initial = {
        "code": status.code,
        "label_ru": status.label_ru,
        "label_en": status.label_en,
        "color": status.color,
        "is_initial": status.is_initial,
        "is_final": status.is_final,
        "next_statuses": status.next_statuses,
    }
    form = bootstrap(
        StatusForm(request.POST or None, initial=initial, document_type=document_type, editing=status_code)
    )
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "code"}
        try:
            services.document_status_update(actor=request.user, status=status, **data)
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:document_type_detail", code=code)
    return render(
        request,
        "web/documents/status_form.html",
        {"form": form, "document_type": document_type, "status": status},
    )


@login_required
@require_POST
@domain_errors
def status_delete(request: HttpRequest, code: str, status_code: str) -> HttpResponse:
    require_administrator(request)
    document_type = document_type_get(code)
    try:
        services.document_status_delete(actor=request.user, status=status_get(document_type, status_code))
    except ValidationFailed as error:
        for messages_ in error.errors.values():
            for message in messages_:
                messages.error(request, message)
    else:
        messages.success(request, _("The status is removed."))
    return redirect("web:document_type_detail", code=code)


# --- fields (of a document type or of a built-in entity) ---------------------------------------------


@login_required
def custom_field_list(request: HttpRequest, entity: str) -> HttpResponse:
    require_administrator(request)
    page = owner_page(entity=entity)
    fields = field_definitions(entity, include_archived=True)
    return render(
        request,
        "web/documents/custom_fields.html",
        {
            "page": page,
            "fields": [f for f in fields if not f.is_archived],
            "archived_fields": [f for f in fields if f.is_archived],
            "archived_codes": [f.code for f in fields if f.is_archived],
            "audit_events": audit_events_for_record(entity_type="custom_fields", record_id=entity)[:50],
        },
    )


@login_required
@domain_errors
def field_create(request: HttpRequest, code: str | None = None, entity: str | None = None) -> HttpResponse:
    require_administrator(request)
    page = owner_page(code=code, entity=entity)
    form = bootstrap(
        FieldForm(request.POST or None, initial={"field_type": FieldType.STRING, "currency": "RUB"})
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.field_create(
                actor=request.user,
                owner=page.owner,
                code=form.cleaned_data["code"],
                **form.service_arguments(),
            )
        except ValidationFailed as error:
            field_errors(form, error)
        else:
            messages.success(request, _("The field is added."))
            return redirect(page.back_url)
    return render(request, "web/documents/field_form.html", {"form": form, "page": page, "definition": None})


@login_required
@domain_errors
def field_edit(
    request: HttpRequest, field_code: str, code: str | None = None, entity: str | None = None
) -> HttpResponse:
    require_administrator(request)
    page = owner_page(code=code, entity=entity)
    definition = field_definition_get(page.owner, field_code)
    form = bootstrap(FieldForm(request.POST or None, initial=field_initial(definition), editing=definition))
    if request.method == "POST" and form.is_valid():
        try:
            services.field_update(actor=request.user, definition=definition, **form.service_arguments())
        except ValidationFailed as error:
            field_errors(form, error)
        else:
            messages.success(request, _("Saved; the values documents hold are kept."))
            return redirect(page.back_url)
    return render(
        request, "web/documents/field_form.html", {"form": form, "page": page, "definition": definition}
    )


@login_required
@require_POST
@domain_errors
def field_archive(
    request: HttpRequest, field_code: str, code: str | None = None, entity: str | None = None
) -> HttpResponse:
    require_administrator(request)
    page = owner_page(code=code, entity=entity)
    definition = field_definition_get(page.owner, field_code)
    archived = request.POST.get("archived") == "1"
    services.field_set_archived(actor=request.user, definition=definition, archived=archived)
    if archived:
        messages.success(
            request,
            _("The field «%(label)s» is archived; its values are kept.") % {"label": definition.label},
        )
    else:
        messages.success(request, _("The field «%(label)s» is restored.") % {"label": definition.label})
    return redirect(page.back_url)


@login_required
@require_POST
@domain_errors
def field_move(
    request: HttpRequest, field_code: str, code: str | None = None, entity: str | None = None
) -> HttpResponse:
    require_administrator(request)
    page = owner_page(code=code, entity=entity)
    if request.POST.get("order"):
        try:
            order = json.loads(request.POST["order"])
        except ValueError:
            order = None
        if not isinstance(order, list):
            return HttpResponse(status=400)
        try:
            services.fields_reorder(actor=request.user, owner=page.owner, codes=[str(item) for item in order])
        except ValidationFailed as error:
            return HttpResponse("; ".join(messages_of(error)), status=400)
        return HttpResponse(status=204)
    definition = field_definition_get(page.owner, field_code)
    services.field_move(
        actor=request.user, definition=definition, offset=int_or_none(request.POST.get("offset")) or 0
    )
    return redirect(page.back_url)
