"""Task forms: the fields a user task declares, checked with the documents' field types.

Each `<potok:field>` becomes an unsaved documents FieldDefinition, so a task's money, date or reference
field is cleaned, shown and drawn exactly as a document's. `user` is a reference to a user,
`counterparty` a reference to a counterparty.

    >>> definitions = form_definitions(spec)
    >>> stored, variables = clean_form(spec, raw_values, actor=user)   # ValidationFailed per field
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.documents.fieldtypes import FieldValueError, ValueContext, kind_of
from potok.documents.models import FieldDefinition
from potok.engine.expressions import EvaluationContext, ExpressionError
from potok.tasks.data import RecordRef
from potok.tasks.spec import FormField, TaskSpec

OWNER_CODE = "task"
REFERENCE_TARGETS = {"user": "user", "counterparty": "counterparty"}


def definition_of(spec_field: FormField) -> FieldDefinition:
    """The documents' field definition for a task field (never saved)."""
    field_type = spec_field.type
    settings = dict(spec_field.settings)
    if field_type in REFERENCE_TARGETS:
        settings["target"] = REFERENCE_TARGETS[field_type]
        field_type = "reference"
    definition = FieldDefinition(
        entity_code=OWNER_CODE,
        code=spec_field.code,
        label_ru=spec_field.label_ru,
        label_en=spec_field.label_en,
        help_ru=spec_field.help_ru,
        help_en=spec_field.help_en,
        field_type=field_type,
        required=spec_field.required,
        settings=settings,
    )
    cleaned, _errors = kind_of(definition).check_settings(settings)
    if field_type == "reference":
        cleaned["target"] = settings["target"]
    definition.settings = cleaned
    return definition


def form_definitions(spec: TaskSpec) -> list[FieldDefinition]:
    return [definition_of(spec_field) for spec_field in spec.fields]


def settings_problems(spec: TaskSpec) -> list[str]:
    """Field settings the field types refuse (a bad regex, min above max), for publishing checks."""
    problems: list[str] = []
    for spec_field in spec.fields:
        definition = definition_of(spec_field)
        _cleaned, errors = kind_of(definition).check_settings(dict(spec_field.settings))
        problems.extend(
            f"potok:field {spec_field.code!r} {key}: {message}" for key, message in errors.items()
        )
    return problems


def _as_raw(value: Any) -> Any:
    if isinstance(value, RecordRef):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping) and "id" in value:
        return value["id"]
    return value


def defaults(spec: TaskSpec, data: Mapping[str, Any], context: EvaluationContext) -> dict[str, Any]:
    """Each field's default from the process data, as a raw value (a default that fails is left empty)."""
    found: dict[str, Any] = {}
    for spec_field in spec.fields:
        if spec_field.default is None:
            continue
        try:
            value = spec_field.default.evaluate(data, context=context)
        except (ExpressionError, LookupError, TypeError, ValueError):
            continue
        if value is not None:
            found[spec_field.code] = _as_raw(value)
    return found


def initial_for_form(spec: TaskSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Raw defaults as a form's initial values."""
    initial = {}
    for definition in form_definitions(spec):
        if definition.code in raw:
            try:
                stored = kind_of(definition).clean(
                    definition, raw[definition.code], ValueContext(actor=None, owner_code=OWNER_CODE)
                )
            except FieldValueError:
                continue
            initial[definition.code] = kind_of(definition).form_initial(definition, stored)
    return initial


def clean_form(
    spec: TaskSpec, raw: Mapping[str, Any], *, actor: Any, require: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(stored values, process variables) of a filled form; ValidationFailed naming each bad field.

    With `require` false (an outcome that skips the checks), empty required fields pass."""
    context = ValueContext(actor=actor, owner_code=OWNER_CODE, now=clock.now())
    stored: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for definition in form_definitions(spec):
        kind = kind_of(definition)
        value = raw.get(definition.code)
        if kind.is_empty(value) or (definition.field_type == "boolean" and value is None):
            if definition.required and require and definition.field_type != "boolean":
                errors[definition.code] = _("Fill in «%(label)s».") % {"label": definition.label}
                continue
            stored[definition.code] = False if definition.field_type == "boolean" else None
        else:
            try:
                stored[definition.code] = kind.clean(definition, value, context)
            except FieldValueError as error:
                errors[definition.code] = f"{definition.label}: {error.message}"
                continue
        variables[definition.code] = kind.typed(definition, stored[definition.code])
    if errors:
        raise ValidationFailed(errors)
    return stored, variables
