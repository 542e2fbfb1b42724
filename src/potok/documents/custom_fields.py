"""Custom fields of built-in entities (counterparty, contact, deal): what other apps call.

The owning app keeps the values in its model's `custom_fields` JSONField and checks what a writer sends
in its service, so the web, the API, the import and processes get the same rules:

    >>> cleaned = check_custom_values("counterparty", raw, actor=actor, record_pk=pk, stored=stored)
    >>> counterparty.custom_fields = apply_custom_values(
    ...     actor=actor, entity_code="counterparty", record_id=pk, stored=stored, cleaned=cleaned)
    >>> changes.update(custom_value_changes(stored, counterparty.custom_fields, prefix="custom_fields."))

Files in custom fields come back from the checks as PendingUpload; `apply_custom_values` (or
`store_custom_files`) writes them once the record has an id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.documents.confidential import MASK, hidden_codes, without
from potok.documents.fieldtypes import PendingUpload, ValueContext
from potok.documents.forms import add_errors, initial_values, raw_values, values_form_class
from potok.documents.models import DocumentType, FieldDefinition, FieldType
from potok.documents.selectors import field_definitions, shown_values
from potok.documents.services.files import discard_files, files_removed_on_error, store_upload
from potok.documents.validation import clean_values, labelled, value_changes

__all__ = [
    "CUSTOM_FIELDS",
    "add_errors",
    "apply_custom_values",
    "check_custom_values",
    "clean_custom_values",
    "custom_field_definitions",
    "custom_value_changes",
    "custom_values_seen",
    "custom_values_shown",
    "hidden_custom_codes",
    "initial_values",
    "mask_custom_history",
    "merge_custom_values",
    "raw_values",
    "store_custom_files",
    "values_form_class",
    "without_uploads",
]


# The key of a record's custom values in service input, snapshots and the API; a change of one field is
# recorded under "custom_fields.<code>".
CUSTOM_FIELDS = "custom_fields"


def custom_field_definitions(entity_code: str, *, include_archived: bool = False) -> list[FieldDefinition]:
    """The custom fields of a built-in entity ("counterparty", "contact", "deal"), in their order."""
    return field_definitions(entity_code, include_archived=include_archived)


def clean_custom_values(
    entity_code_or_type: str | DocumentType,
    raw: Mapping[str, Any],
    *,
    partial: bool,
    actor: Any = None,
    existing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The stored values for `raw` (field code → raw value) or ValidationFailed keyed by field code.

    `partial`: check only the fields given (PATCH). `existing`: the record's current values (None for a new
    record, whose empty fields then take their defaults). `actor`: whose rights limit the references.
    """
    owner = entity_code_or_type
    owner_code = owner.entity_type if isinstance(owner, DocumentType) else owner
    definitions = field_definitions(owner, include_archived=True)
    active = [d for d in definitions if not d.is_archived]
    archived = [d for d in definitions if d.is_archived]
    context = ValueContext(actor=actor, owner_code=owner_code, now=clock.now(), held=dict(existing or {}))
    return clean_values(active, raw, partial=partial, context=context, existing=existing, archived=archived)


def merge_custom_values(current: Mapping[str, Any] | None, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """The record's values after applying cleaned ones (an emptied field is dropped)."""
    merged = dict(current or {})
    for code, value in cleaned.items():
        if value is None or value == []:
            merged.pop(code, None)
        else:
            merged[code] = value
    return merged


def custom_value_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], *, prefix: str = ""
) -> dict[str, tuple[Any, Any]]:
    """(old, new) per changed field, for audit rows and domain events."""
    codes = set(before) | set(after)
    full_after = {code: after.get(code) for code in codes}
    return {f"{prefix}{code}": pair for code, pair in value_changes(before, full_after).items()}


def check_custom_values(
    entity_code: str,
    raw: Any,
    *,
    actor: Any,
    record_pk: Any = None,
    stored: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The checked custom values a writer asks for (field code → raw value), or ValidationFailed naming
    `custom_fields.<code>` for each bad one; nothing is written.

    `stored` None: a new record — every field is checked, empty ones take their defaults and a missing
    required one is refused. Otherwise only the codes given are checked (null or [] clears that field) and
    the others keep their stored values (`apply_custom_values` merges). Unknown and archived codes, a wrong
    type, a choice not in the list, a reference to a record that does not exist or that `actor` may not
    read, and a value for a confidential field `actor` may not see are refused. A file comes back as
    PendingUpload; a stored file's value sent back unchanged keeps the file, another file's id is refused.
    """
    if not isinstance(raw, Mapping):
        raise ValidationFailed({CUSTOM_FIELDS: _("Custom fields are an object of names and values.")})
    hidden = hidden_custom_codes(actor, entity_code, record_pk)
    refused = {
        f"{CUSTOM_FIELDS}.{code}": _("You may not change this confidential field.")
        for code in raw
        if code in hidden
    }
    if refused:
        raise ValidationFailed(refused)
    definitions = [
        d for d in custom_field_definitions(entity_code, include_archived=True) if d.code not in hidden
    ]
    active = [d for d in definitions if not d.is_archived]
    archived = [d for d in definitions if d.is_archived]
    existing = dict(stored) if stored is not None else None
    context = ValueContext(actor=actor, owner_code=entity_code, now=clock.now(), held=dict(stored or {}))
    try:
        cleaned = clean_values(
            active, raw, partial=stored is not None, context=context, existing=existing, archived=archived
        )
    except ValidationFailed as error:
        raise ValidationFailed(
            {f"{CUSTOM_FIELDS}.{code}": texts for code, texts in error.errors.items()}
        ) from None
    errors = {}
    for definition in active:
        value = cleaned.get(definition.code)
        if definition.field_type != FieldType.FILE or not isinstance(value, Mapping):
            continue
        held = (stored or {}).get(definition.code)
        if not isinstance(held, Mapping) or held.get("id") != value.get("id"):
            errors[f"{CUSTOM_FIELDS}.{definition.code}"] = labelled(definition, _("Upload a file."))
        else:
            cleaned[definition.code] = dict(held)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def apply_custom_values(
    *,
    actor: Any,
    entity_code: str,
    record_id: int,
    stored: Mapping[str, Any] | None,
    cleaned: Mapping[str, Any],
) -> dict[str, Any]:
    """The record's custom values after checked ones (`check_custom_values`) are applied: uploads written
    to storage, codes not given kept, emptied ones dropped; a file replaced or removed is forgotten once the
    transaction commits."""
    stored = dict(stored or {})
    values = store_custom_files(
        actor=actor, entity_code=entity_code, record_id=record_id, cleaned=dict(cleaned)
    )
    merged = merge_custom_values(stored, values)
    replaced = []
    for code, old in stored.items():
        if not isinstance(old, Mapping) or not old.get("id") or code not in values:
            continue
        new = merged.get(code)
        if not isinstance(new, Mapping) or new.get("id") != old.get("id"):
            replaced.append(int(old["id"]))
    if replaced:
        discard_files(replaced)
    return merged


def without_uploads(cleaned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the values a new record can store at once, the uploads that wait for its id)."""
    uploads = {code: value for code, value in cleaned.items() if isinstance(value, PendingUpload)}
    values = merge_custom_values({}, {code: v for code, v in cleaned.items() if code not in uploads})
    return values, uploads


def store_custom_files(
    *, actor: Any, entity_code: str, record_id: int, cleaned: dict[str, Any]
) -> dict[str, Any]:
    """Write the PendingUploads among cleaned values to storage; returns the values to keep."""
    result = dict(cleaned)
    with files_removed_on_error() as written:
        for code, value in cleaned.items():
            if isinstance(value, PendingUpload):
                result[code] = store_upload(
                    actor=actor,
                    upload=value,
                    entity_type=entity_code,
                    record_id=record_id,
                    field_code=code,
                    written=written,
                )
    return result


def custom_values_shown(entity_code: str, values: Mapping[str, Any]) -> list[Any]:
    """The custom values of a record as text, for its page (ShownValue: definition, stored, text)."""
    return shown_values(custom_field_definitions(entity_code), values or {}, include_empty=False)


def hidden_custom_codes(user: Any, entity_code: str, record_pk: Any = None) -> set[str]:
    """The confidential custom fields of `entity_code` the user may not see on record `record_pk` (None: a
    record he is making); archived fields count, their stored values stay hidden too."""
    definitions = custom_field_definitions(entity_code, include_archived=True)
    return hidden_codes(user, entity_code, definitions, record_pk)


def custom_values_seen(
    user: Any, entity_code: str, record_pk: Any, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The record's custom values less the confidential ones the user may not see (left out, not blanked)."""
    if not values:
        return {}
    return without(values or {}, hidden_custom_codes(user, entity_code, record_pk))


def mask_custom_history(user: Any, entity_code: str, record_pk: Any, events: Iterable[Any]) -> list[Any]:
    """History rows of a record as `user` may read them: the values of confidential custom fields he may
    not see are shown as MASK under their code, not their label (the row still says the field changed)."""
    events = list(events)
    hidden = hidden_custom_codes(user, entity_code, record_pk)
    if not hidden:
        return events
    for event in events:
        # A change names each custom field ("custom_fields.<code>"); one the user may not see goes under
        # "custom_fields" by its code with its values masked (its label is not shown either).
        masked: list[dict[str, Any]] = [{}, {}]
        for key in list(event.changes or {}):
            code = key.removeprefix(f"{CUSTOM_FIELDS}.")
            if key.startswith(f"{CUSTOM_FIELDS}.") and code in hidden:
                pair = event.changes.pop(key)
                sides = pair if isinstance(pair, list | tuple) and len(pair) == 2 else [None, pair]
                for index, side in enumerate(sides):
                    masked[index][code] = None if side is None else str(MASK)
        if masked[1] or masked[0]:
            event.changes[CUSTOM_FIELDS] = masked
            continue
        pair = (event.changes or {}).get("custom_fields")
        if not isinstance(pair, list | tuple):
            continue
        event.changes["custom_fields"] = [
            {code: str(MASK) if code in hidden else value for code, value in side.items()}
            if isinstance(side, dict)
            else side
            for side in pair
        ]
    return events
