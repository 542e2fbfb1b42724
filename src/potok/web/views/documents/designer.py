"""The administrator's designer under /settings/: document types with their numbering, statuses and fields,
and the custom fields of built-in entities. Views parse the forms and call potok.documents.services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from potok.audit.selectors import audit_events_for_record
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.documents import services
from potok.documents.entities import CUSTOM_FIELD_ENTITIES
from potok.documents.fieldtypes import FIELD_KINDS
from potok.documents.fieldtypes.files import DEFAULT_MAX_SIZE
from potok.documents.forms import add_errors
from potok.documents.models import DocumentType, FieldDefinition, FieldType, StatusColor
from potok.documents.references import DIRECTORY_TARGETS
from potok.documents.selectors import (
    document_type_get,
    document_types,
    field_definition_get,
    field_definitions,
    status_get,
    statuses_of,
)
from potok.web.views.documents.common import bootstrap, int_or_none, messages_of, require_administrator
from potok.web.views.errors import domain_errors

# --- forms -----------------------------------------------------------------------------------------


class DocumentTypeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=48,
        help_text=gettext_lazy(
            "Latin letters, digits and _; it names the type in the API and cannot change."
        ),
    )
    name_ru = forms.CharField(label=gettext_lazy("Name (Russian)"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    number_prefix = forms.CharField(
        label=gettext_lazy("Number prefix"),
        max_length=16,
        required=False,
        help_text=gettext_lazy("Numbers look like PREFIX-2026-00042 and restart every year."),
    )
    number_digits = forms.IntegerField(
        label=gettext_lazy("Digits of the number"), min_value=1, max_value=9, initial=5
    )


SETTING_FIELDS_FOR = {
    "max_length": ("string", "text"),
    "min_length": ("string", "text"),
    "regex": ("string",),
    "min": ("integer", "decimal", "money", "date"),
    "max": ("integer", "decimal", "money", "date"),
    "decimal_places": ("decimal",),
    "currency": ("money",),
    "options": ("choice",),
    "multiple": ("choice",),
    "target": ("reference",),
    "max_size_kb": ("file",),
    "extensions": ("file",),
}


def target_choices() -> list[tuple[str, str]]:
    choices = [(code, str(label)) for code, label in DIRECTORY_TARGETS.items()]
    choices += [(t.entity_type, _("document «%(name)s»") % {"name": t.name}) for t in document_types()]
    return choices


class FieldForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=48,
        help_text=gettext_lazy("Latin letters, digits and _; the key of the value in the API and in rules."),
    )
    label_ru = forms.CharField(label=gettext_lazy("Label (Russian)"), max_length=200)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=200, required=False)
    field_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=FieldType.choices)
    help_ru = forms.CharField(label=gettext_lazy("Help text (Russian)"), max_length=500, required=False)
    help_en = forms.CharField(label=gettext_lazy("Help text (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    default = forms.CharField(
        label=gettext_lazy("Default value"),
        required=False,
        help_text=gettext_lazy(
            "For a date «today», for a date and time «now»; options of a multiple choice separated by commas."
        ),
    )
    indexed = forms.BooleanField(
        label=gettext_lazy("Indexed"),
        required=False,
        help_text=gettext_lazy("Lists and rules filter on it quickly."),
    )
    in_list = forms.BooleanField(label=gettext_lazy("Shown as a column in lists"), required=False)
    confidential = forms.BooleanField(
        label=gettext_lazy("Confidential"),
        required=False,
        help_text=gettext_lazy("Shown only to people with the right to see it."),
    )
    max_length = forms.IntegerField(label=gettext_lazy("Maximum length"), required=False, min_value=1)
    min_length = forms.IntegerField(label=gettext_lazy("Minimum length"), required=False, min_value=1)
    regex = forms.CharField(
        label=gettext_lazy("Pattern (regular expression)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The whole value must match, e.g. [0-9]{10}."),
    )
    min = forms.CharField(label=gettext_lazy("Minimum"), required=False)
    max = forms.CharField(label=gettext_lazy("Maximum"), required=False)
    decimal_places = forms.IntegerField(
        label=gettext_lazy("Decimal places"), required=False, min_value=0, max_value=6
    )
    currency = forms.CharField(label=gettext_lazy("Currency"), required=False, max_length=3, initial="RUB")
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One per line: value | Russian label | English label."),
    )
    multiple = forms.BooleanField(label=gettext_lazy("Several options may be chosen"), required=False)
    target = forms.ChoiceField(label=gettext_lazy("Refers to"), required=False, choices=())
    max_size_kb = forms.IntegerField(label=gettext_lazy("Largest file, KB"), required=False, min_value=1)
    extensions = forms.CharField(
        label=gettext_lazy("Accepted file types"),
        required=False,
        help_text=gettext_lazy("Extensions separated by spaces, e.g. pdf jpg png; empty: any."),
    )

    def __init__(self, *args: Any, editing: FieldDefinition | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [("", "—"), *target_choices()]
        if editing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
        for name, types in SETTING_FIELDS_FOR.items():
            self.fields[name].widget.attrs["data-field-types"] = " ".join(types)

    def settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        field_type = data["field_type"]
        keys = FIELD_KINDS[field_type].setting_keys
        settings: dict[str, Any] = {}
        for key in keys:
            if key == "options":
                settings["options"] = parse_options(data.get("options") or "")
            elif key == "max_size":
                settings["max_size"] = (data.get("max_size_kb") or DEFAULT_MAX_SIZE // 1024) * 1024
            elif key == "extensions":
                settings["extensions"] = data.get("extensions") or ""
            elif key == "multiple":
                settings["multiple"] = bool(data.get("multiple"))
            elif data.get(key) not in (None, ""):
                settings[key] = data[key]
        return settings

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label_ru": data["label_ru"],
            "label_en": data.get("label_en") or "",
            "help_ru": data.get("help_ru") or "",
            "help_en": data.get("help_en") or "",
            "field_type": data["field_type"],
            "required": bool(data.get("required")),
            "default": parse_default(
                data["field_type"], data.get("default") or "", bool(data.get("multiple"))
            ),
            "settings": self.settings(),
            "indexed": bool(data.get("indexed")),
            "in_list": bool(data.get("in_list")),
            "confidential": bool(data.get("confidential")),
        }


def parse_options(text: str) -> list[dict[str, str]]:
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        value = parts[0]
        label_ru = parts[1] if len(parts) > 1 else value
        label_en = parts[2] if len(parts) > 2 else label_ru
        options.append({"value": value, "label_ru": label_ru, "label_en": label_en})
    return options


def options_text(options: list[dict[str, Any]]) -> str:
    return "\n".join(f"{o['value']} | {o.get('label_ru', '')} | {o.get('label_en', '')}" for o in options)


def parse_default(field_type: str, text: str, multiple: bool) -> Any:
    text = text.strip()
    if not text:
        return None
    if field_type == FieldType.CHOICE and multiple:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def field_initial(definition: FieldDefinition) -> dict[str, Any]:
    settings = definition.settings
    default = definition.default
    if isinstance(default, list):
        default = ", ".join(str(item) for item in default)
    elif isinstance(default, bool):
        default = "true" if default else "false"
    return {
        "code": definition.code,
        "label_ru": definition.label_ru,
        "label_en": definition.label_en,
        "help_ru": definition.help_ru,
        "help_en": definition.help_en,
        "field_type": definition.field_type,
        "required": definition.required,
        "default": "" if default is None else default,
        "indexed": definition.indexed,
        "in_list": definition.in_list,
        "confidential": definition.confidential,
        "max_length": settings.get("max_length"),
        "min_length": settings.get("min_length"),
        "regex": settings.get("regex", ""),
        "min": settings.get("min", ""),
        "max": settings.get("max", ""),
        "decimal_places": settings.get("decimal_places"),
        "currency": settings.get("currency", "RUB"),
        "options": options_text(settings.get("options") or []),
        "multiple": settings.get("multiple", False),
        "target": settings.get("target", ""),
        "max_size_kb": (settings.get("max_size") or DEFAULT_MAX_SIZE) // 1024,
        "extensions": " ".join(settings.get("extensions") or []),
    }


def field_errors(form: forms.Form, error: ValidationFailed) -> None:
    renamed = {"settings.max_size": "max_size_kb"}
    add_errors(
        form,
        ValidationFailed({renamed.get(key, key): messages_ for key, messages_ in error.errors.items()}),
    )


class StatusForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=48)
    label_ru = forms.CharField(label=gettext_lazy("Label (Russian)"), max_length=100)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=100, required=False)
    color = forms.ChoiceField(
        label=gettext_lazy("Colour"), choices=StatusColor.choices, initial=StatusColor.GREY
    )
    is_initial = forms.BooleanField(
        label=gettext_lazy("Initial"), required=False, help_text=gettext_lazy("New documents start here.")
    )
    is_final = forms.BooleanField(
        label=gettext_lazy("Final"), required=False, help_text=gettext_lazy("The document's work is over.")
    )
    next_statuses = forms.MultipleChoiceField(
        label=gettext_lazy("May move on to"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, document_type: DocumentType, editing: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        next_statuses = self.fields["next_statuses"]
        assert isinstance(next_statuses, forms.MultipleChoiceField)
        next_statuses.choices = [
            (status.code, status.label) for status in statuses_of(document_type) if status.code != editing
        ]
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False


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
