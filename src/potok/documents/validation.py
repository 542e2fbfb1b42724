"""Checking a record's field values against its field definitions, before anything is written.

One function serves documents and the custom fields of built-in entities; errors are keyed by field code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from potok.core.errors import ValidationFailed
from potok.documents.fieldtypes import KEEP, FieldValueError, ValueContext, kind_of
from potok.documents.models import FieldDefinition

# Names a field code may not take: they are the document's own attributes in events, rules and the API.
RESERVED_CODES = frozenset(
    {
        "id",
        "pk",
        "number",
        "status",
        "document_type",
        "type",
        "author",
        "responsible",
        "department",
        "created_at",
        "updated_at",
        "version",
        "data",
        "values",
        "q",
        "sort",
        "after",
        "cursor",
        "limit",
        "format",
        "custom_fields",
    }
)


def labelled(definition: FieldDefinition, message: str) -> str:
    return f"{definition.label}: {message}"


def clean_values(
    definitions: Iterable[FieldDefinition],
    raw: Mapping[str, Any],
    *,
    partial: bool,
    context: ValueContext,
    existing: Mapping[str, Any] | None = None,
    archived: Iterable[FieldDefinition] = (),
) -> dict[str, Any]:
    """The stored values for `raw` (field code → raw value), or ValidationFailed naming each bad field.

    `partial`: only the given fields are checked and returned (a PATCH); otherwise every active field is,
    and a missing one counts as empty. `existing` is None when the record is new: defaults then fill empty
    fields. A file field's raw value KEEP leaves the stored file as it is.
    """
    active = {definition.code: definition for definition in definitions}
    archived_codes = {definition.code: definition for definition in archived}
    errors: dict[str, str] = {}
    for code in raw:
        if code in active:
            continue
        if code in archived_codes:
            errors[code] = _("The field «%(label)s» is archived; restore it to change its values.") % {
                "label": archived_codes[code].label
            }
        else:
            errors[str(code)[:64]] = _("There is no field %(code)s.") % {"code": str(code)[:64]}
    result: dict[str, Any] = {}
    for code, definition in active.items():
        if code not in raw and partial:
            continue
        value = raw.get(code)
        if value is KEEP:
            if existing is not None and existing.get(code) is not None:
                result[code] = existing[code]
                continue
            value = None
        kind = kind_of(definition)
        if kind.is_empty(value):
            stored = None
        else:
            try:
                stored = kind.clean(definition, value, context)
            except FieldValueError as error:
                errors[code] = labelled(definition, error.message)
                continue
        if stored is None and existing is None:
            try:
                stored = kind.default_value(definition, context)
            except FieldValueError as error:
                errors[code] = labelled(
                    definition, _("the default value does not fit: %(message)s") % {"message": error.message}
                )
                continue
        if definition.required and (stored is None or stored == [] or stored == ""):
            errors[code] = labelled(definition, _("this field is required."))
            continue
        result[code] = stored
    if errors:
        raise ValidationFailed(errors)
    return result


def value_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Field code → (old, new) for the fields `after` gives that differ from `before`."""
    changes = {}
    for code, new in after.items():
        old = before.get(code)
        if _comparable(old) != _comparable(new):
            changes[code] = (old, new)
    return changes


def _comparable(value: Any) -> Any:
    if value == [] or value == "":
        return None
    return value
