"""Small pieces the document pages share: Bootstrap classes on forms, the administrator check, the form
options that point reference fields at the picker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse

from potok.access.selectors import is_administrator
from potok.core.errors import ValidationFailed
from potok.documents.fieldtypes import FormOptions
from potok.documents.models import FieldDefinition
from potok.documents.references import pickable_records, reference_labels
from potok.web.views.errors import domain_errors

F = TypeVar("F", bound=forms.Form)


def require_administrator(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


def bootstrap(form: F) -> F:
    """Give a plain Django form Bootstrap's classes (checkboxes and selects get their own)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        existing = widget.attrs.get("class", "")
        if css not in existing:
            widget.attrs["class"] = f"{existing} {css}".strip()
    return form


def lookup_url(definition: FieldDefinition) -> str:
    target = str(definition.settings.get("target", ""))
    return reverse("web:document_lookup", args=[target]) if target else ""


def form_options(user: Any, *, held: Mapping[str, Any] | None = None) -> FormOptions:
    """Reference fields look records up in the picker; a value is named only when the user may pick it,
    so an id typed into the address (?complaint=42) reveals nothing he may not see."""

    def label(definition: FieldDefinition, pk: int) -> str:
        target = str(definition.settings.get("target", ""))
        if held is not None and held.get(definition.code) == pk:
            return reference_labels(target, [pk]).get(pk, "")
        try:
            allowed = pickable_records(user, target).filter(pk=pk).exists()
        except KeyError:
            allowed = False
        return reference_labels(target, [pk]).get(pk, "") if allowed else ""

    return FormOptions(lookup_url=lookup_url, reference_label=label)


def messages_of(error: ValidationFailed) -> list[str]:
    """Every message of a ValidationFailed, in order (for a message above the page)."""
    return [message for messages in error.errors.values() for message in messages]


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def streaming_domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """`domain_errors` for views whose answer streams (a file, an export) rather than being an HttpResponse."""
    return cast(Callable[..., HttpResponseBase], domain_errors(cast(Callable[..., HttpResponse], view)))
