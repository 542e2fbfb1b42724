"""Custom fields of built-in records (counterparties, contacts, deals) on their web forms and pages.

A form draws the fields the user may see as inputs named custom-<code> (a field's code may be that of a
built-in one), file fields included; the page shows the values and links a file to its download, which
checks that the user may read the record. The record's service checks the values (every origin gets the
same rules); the form checks them first only to put the messages next to the inputs.

Example:
    >>> values_form = custom_form(user, "deal", deal, data=request.POST, files=request.FILES)
    >>> valid, custom = custom_values(user, "deal", deal, values_form)
    >>> services.deal_update(actor=user, deal=deal, expected_version=v, fields={**fields, **custom})
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from potok.access.models import Action
from potok.access.selectors import get_record
from potok.core import clock
from potok.core.errors import NotFound, ValidationFailed
from potok.documents.custom_fields import add_errors as add_value_errors
from potok.documents.custom_fields import (
    clean_custom_values,
    custom_field_definitions,
    custom_values_seen,
    custom_values_shown,
    hidden_custom_codes,
    initial_values,
    raw_values,
    values_form_class,
)
from potok.documents.entities import CUSTOM_FIELD_ENTITIES
from potok.documents.forms import default_initial
from potok.documents.models import FieldDefinition, FieldType, StoredFile
from potok.web.views.documents.common import form_options, streaming_domain_errors
from potok.web.views.documents.records import UNSAFE_CONTENT_TYPES

CUSTOM_PREFIX = "custom"  # the inputs are named custom-<code>: a field's code may be that of a built-in one
CUSTOM_SHOWN = "custom-shown"  # a form that drew the custom fields says so; without it they stay as stored


def _definitions(user: Any, entity: str, record_pk: int | None) -> list[FieldDefinition]:
    """The custom fields a form shows: not the confidential ones the user may not see (the service keeps
    their stored values)."""
    hidden = hidden_custom_codes(user, entity, record_pk)
    return [d for d in custom_field_definitions(entity) if d.code not in hidden]


def _seen(user: Any, entity: str, record: Any) -> dict[str, Any]:
    return custom_values_seen(user, entity, record.pk, record.custom_fields) if record is not None else {}


def file_url(entity: str, record_pk: int, code: str) -> str:
    return reverse("web:custom_file", args=[entity, record_pk, code])


def custom_form(
    user: Any, entity: str, record: Any = None, data: Any = None, files: Any = None
) -> forms.Form:
    """The form of a record's custom fields (`record` None: a new one, showing the fields' defaults)."""
    definitions = _definitions(user, entity, record.pk if record is not None else None)
    stored = _seen(user, entity, record)
    form_class = values_form_class(
        definitions, options=form_options(user, held=stored if record is not None else None)
    )
    initial = (
        initial_values(definitions, stored)
        if record is not None
        else default_initial(definitions, now=clock.now())
    )
    form = form_class(data, files, initial=initial, prefix=CUSTOM_PREFIX)
    form.definitions = definitions  # type: ignore[attr-defined]
    if record is not None:
        # A file field shows the file it holds (a download link), with a box to remove it.
        for value in custom_values_shown(entity, stored):
            if value.definition.field_type == FieldType.FILE and value.definition.code in form.fields:
                field = form.fields[value.definition.code]
                field.current = value.text  # type: ignore[attr-defined]
                field.current_url = file_url(entity, record.pk, value.definition.code)  # type: ignore[attr-defined]
    return form


def _unprefixed(values: Any) -> MultiValueDict[str, Any]:
    prefix = f"{CUSTOM_PREFIX}-"
    result: MultiValueDict[str, Any] = MultiValueDict()
    for key in values or {}:
        if key.startswith(prefix):
            result.setlist(key.removeprefix(prefix), values.getlist(key))
    return result


def custom_values(user: Any, entity: str, record: Any, form: forms.Form) -> tuple[bool, dict[str, Any]]:
    """(valid, the service fields for the custom values of the submitted form): not valid when a value is
    wrong (the errors are put next to the fields); no fields when the form did not show the custom fields
    (a form posted without them changes none). The service gets the raw values of the fields shown; those
    the form does not show (confidential ones) stay as stored, a file input left empty keeps its file."""
    submitted: Any = form.data  # the request's QueryDict
    if not submitted.get(CUSTOM_SHOWN):
        return True, {}
    definitions = form.definitions  # type: ignore[attr-defined]
    raw = raw_values(definitions, _unprefixed(submitted), _unprefixed(form.files))
    stored = _seen(user, entity, record) if record is not None else None
    form.is_valid()
    try:
        clean_custom_values(entity, raw, partial=True, actor=user, existing=stored)
    except ValidationFailed as error:
        add_value_errors(form, error)
        return False, {}
    return True, {"custom_fields": raw}


def add_service_errors(
    form: forms.Form,
    values_form: forms.Form,
    error: ValidationFailed,
    add_errors: Callable[[forms.Form, ValidationFailed], None],
) -> None:
    """A service's errors: those naming custom_fields.<code> next to that custom field, others on `form`."""
    rest: dict[str, list[str]] = {}
    for key, texts in error.errors.items():
        code = key.removeprefix("custom_fields.")
        if key.startswith("custom_fields.") and code in values_form.fields:
            for text in texts:
                values_form.add_error(code, text)
        else:
            rest[key] = texts
    if rest:
        add_errors(form, ValidationFailed(rest))


def custom_values_block(user: Any, entity: str, record: Any) -> list[dict[str, Any]]:
    """A record's custom values as its page shows them (label, text and a file's download link), less what
    the user may not see."""
    return [
        {
            "definition": value.definition,
            "text": value.text,
            "url": file_url(entity, record.pk, value.definition.code)
            if value.definition.field_type == FieldType.FILE and value.stored
            else "",
        }
        for value in custom_values_shown(entity, _seen(user, entity, record))
    ]


@login_required
@streaming_domain_errors
def custom_file(request: HttpRequest, entity: str, pk: int, field_code: str) -> HttpResponseBase:
    """A file a record holds in a custom field — only for a user who may read the record and see the
    field; always as an attachment."""
    if entity not in CUSTOM_FIELD_ENTITIES:
        raise NotFound(f"file of {entity}")
    record = get_record(request.user, entity, pk, Action.READ)
    stored = _seen(request.user, entity, record).get(field_code)
    if not isinstance(stored, dict) or not stored.get("id"):
        raise NotFound(f"file {field_code} of {entity} {pk}")
    found = StoredFile.objects.filter(
        pk=stored["id"], entity_type=entity, record_id=record.pk, field_code=field_code
    ).first()
    if found is None:
        raise NotFound(f"file {field_code} of {entity} {pk}")
    content_type = (
        found.content_type or mimetypes.guess_type(found.original_name)[0] or "application/octet-stream"
    )
    if content_type.split(";")[0].strip().lower() in UNSAFE_CONTENT_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
