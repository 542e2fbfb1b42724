"""Building a form from field definitions (for documents and for custom fields of built-in entities).

The form only draws the widgets and carries what was typed; the checks are those of the services, whose
ValidationFailed errors the view puts next to the fields with `add_errors`.

Example (a counterparty page with its custom fields):
    >>> definitions = custom_field_definitions("counterparty")
    >>> FormClass = values_form_class(definitions, options=FormOptions(lookup_url=...))
    >>> form = FormClass(request.POST or None, request.FILES or None, initial=initial_values(definitions, stored))
    >>> raw = raw_values(definitions, request.POST, request.FILES)   # then clean_custom_values(...)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from potok.core.errors import ValidationFailed
from potok.documents.fieldtypes import FieldValueError, FormOptions, ValueContext, kind_of
from potok.documents.models import FieldDefinition


def values_form_class(
    definitions: Iterable[FieldDefinition],
    *,
    options: FormOptions | None = None,
    base: type[forms.Form] = forms.Form,
) -> type[forms.Form]:
    """A Form class with one field per definition, named by the field's code, labelled in the user's
    language; `definition`, `required_mark` and `kind` are set on each form field for templates."""
    options = options or FormOptions()
    attributes: dict[str, Any] = {}
    for definition in definitions:
        field = kind_of(definition).form_field(definition, options)
        field.label = definition.label
        field.help_text = definition.help_text
        field.definition = definition  # type: ignore[attr-defined]
        field.required_mark = definition.required  # type: ignore[attr-defined]
        field.kind = definition.field_type  # type: ignore[attr-defined]
        attributes[definition.code] = field
    return type("ValuesForm", (base,), attributes)


def initial_values(definitions: Iterable[FieldDefinition], stored: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows for stored values."""
    return {
        definition.code: kind_of(definition).form_initial(definition, stored.get(definition.code))
        for definition in definitions
        if stored.get(definition.code) is not None
    }


def raw_values(definitions: Iterable[FieldDefinition], data: Any, files: Any = None) -> dict[str, Any]:
    """The raw value of every field in a submitted form, for the services' checks."""
    return {
        definition.code: kind_of(definition).form_raw(definition, data, files) for definition in definitions
    }


def default_initial(definitions: Iterable[FieldDefinition], *, now: Any = None) -> dict[str, Any]:
    """What a new record's form shows before anything is typed: each field's default."""
    context = ValueContext(actor=None, owner_code="", now=now)
    initial = {}
    for definition in definitions:
        if definition.default in (None, "", []) or definition.field_type == "file":
            continue
        kind = kind_of(definition)
        try:
            stored = kind.default_value(definition, context)
        except FieldValueError:
            continue
        if stored is not None:
            initial[definition.code] = kind.form_initial(definition, stored)
    return initial


def raw_from_query(definitions: Iterable[FieldDefinition], params: Mapping[str, Any]) -> dict[str, Any]:
    """Initial values for a new record from a query string (?complaint=42&client=7): only known fields."""
    found: dict[str, Any] = {}
    for definition in definitions:
        if definition.code not in params or definition.field_type == "file":
            continue
        if (
            definition.field_type == "choice"
            and definition.settings.get("multiple")
            and hasattr(params, "getlist")
        ):
            found[definition.code] = params.getlist(definition.code)
        else:
            found[definition.code] = params.get(definition.code)
    return found


def add_errors(form: forms.Form, error: ValidationFailed) -> None:
    """Put a service's errors next to the fields they name (others above the form)."""
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    for key, messages in error.errors.items():
        name = key if key in form.fields else None
        if name is None and key.startswith("settings.") and key.removeprefix("settings.") in form.fields:
            name = key.removeprefix("settings.")
        for message in messages:
            form.add_error(name, message)
