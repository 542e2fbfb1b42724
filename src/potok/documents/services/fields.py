"""Fields of document types and custom fields of built-in entities: add, change, archive, restore, order.

Changing a type never loses data: a removed field is archived (hidden from forms, values kept); a change of
a field's type converts every stored value first and is refused, with the count of offending records, when
some do not convert.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from potok.access import registry
from potok.audit.services import audit_record
from potok.core import clock, context
from potok.core.errors import ValidationFailed
from potok.documents.derived import refresh_derived
from potok.documents.entities import CUSTOM_FIELD_ENTITIES
from potok.documents.fieldtypes import FIELD_KINDS, FieldValueError, ValueContext, kind_of
from potok.documents.models import Document, DocumentType, FieldDefinition, FieldType
from potok.documents.services.types import UNSET, check_code
from potok.documents.validation import RESERVED_CODES

FieldOwner = DocumentType | str
EXAMPLES_IN_MESSAGE = 5
# Settings whose change would make stored values mean something else: checked like a change of type.
_MEANING_SETTINGS = {"choice": ("options", "multiple"), "reference": ("target",)}


def _owner_kwargs(owner: FieldOwner) -> dict[str, Any]:
    if isinstance(owner, DocumentType):
        return {"document_type": owner, "entity_code": ""}
    return {"document_type": None, "entity_code": owner}


def _owner_of(definition: FieldDefinition) -> FieldOwner:
    return definition.document_type if definition.document_type_id else definition.entity_code  # type: ignore[return-value]


def _audit(actor: Any, owner: FieldOwner, action: str, changes: Mapping[str, tuple[Any, Any]]) -> None:
    record_id: Any
    if isinstance(owner, DocumentType):
        entity_type, record_id = "document_type", owner.pk
    else:
        entity_type, record_id = "custom_fields", owner
    audit_record(
        actor=actor,
        entity_type=entity_type,
        record_id=record_id,
        action=action,
        changes=changes,
        origin=context.current().origin,
    )


def _check_owner(owner: FieldOwner) -> None:
    if isinstance(owner, DocumentType):
        return
    if owner not in CUSTOM_FIELD_ENTITIES:
        raise ValidationFailed(
            {
                "entity_code": _("%(code)s cannot have custom fields; use one of %(allowed)s.")
                % {"code": owner, "allowed": ", ".join(CUSTOM_FIELD_ENTITIES)}
            }
        )


def _checked_settings(
    field_type: str, settings: Mapping[str, Any] | None, errors: dict[str, str]
) -> dict[str, Any]:
    cleaned, setting_errors = FIELD_KINDS[field_type].check_settings(dict(settings or {}))
    for key, message in setting_errors.items():
        errors[f"settings.{key}"] = message
    return cleaned


def _checked_default(definition: FieldDefinition, default: Any, errors: dict[str, str]) -> Any:
    if default in (None, "", []):
        return None
    if definition.field_type == FieldType.DATE and default == "today":
        return default
    if definition.field_type == FieldType.DATETIME and default == "now":
        return default
    if definition.field_type == FieldType.FILE:
        errors["default"] = _("A file field has no default.")
        return None
    try:
        return kind_of(definition).clean(definition, default, ValueContext(actor=None, owner_code=""))
    except FieldValueError as error:
        errors["default"] = error.message
        return None


def _check_indexed(field_type: str, indexed: bool, errors: dict[str, str]) -> None:
    if indexed and FIELD_KINDS[field_type].index_column is None:
        errors["indexed"] = _("Fields of this type cannot be indexed.")


@transaction.atomic
def field_create(
    *,
    actor: Any,
    owner: FieldOwner,
    code: str,
    label_ru: str,
    label_en: str = "",
    field_type: str,
    required: bool = False,
    default: Any = None,
    settings: Mapping[str, Any] | None = None,
    help_ru: str = "",
    help_en: str = "",
    confidential: bool = False,
    indexed: bool = False,
    in_list: bool = False,
) -> FieldDefinition:
    """Add a field at the end of the owner's fields (a document type, or a built-in entity's code)."""
    _check_owner(owner)
    errors: dict[str, str] = {}
    code = (code or "").strip()
    check_code(code, errors)
    if code in RESERVED_CODES:
        errors["code"] = _("%(code)s is reserved; choose another code.") % {"code": code}
    if "code" not in errors and FieldDefinition.objects.filter(**_owner_kwargs(owner), code=code).exists():
        errors["code"] = _("A field with the code %(code)s exists already (perhaps archived).") % {
            "code": code
        }
    if not (label_ru or "").strip():
        errors["label_ru"] = _("Enter the label in Russian.")
    if field_type not in FIELD_KINDS:
        errors["field_type"] = _("Unknown field type %(type)s.") % {"type": field_type}
        raise ValidationFailed(errors)
    cleaned_settings = _checked_settings(field_type, settings, errors)
    _check_indexed(field_type, indexed, errors)
    now = clock.now()
    definition = FieldDefinition(
        **_owner_kwargs(owner),
        code=code,
        label_ru=(label_ru or "").strip(),
        label_en=(label_en or label_ru or "").strip(),
        help_ru=(help_ru or "").strip(),
        help_en=(help_en or "").strip(),
        field_type=field_type,
        required=required,
        settings=cleaned_settings,
        confidential=confidential,
        indexed=indexed,
        in_list=in_list,
        created_at=now,
        updated_at=now,
    )
    if not any(key.startswith("settings.") for key in errors):
        definition.default = _checked_default(definition, default, errors)
    if errors:
        raise ValidationFailed(errors)
    last = FieldDefinition.objects.filter(**_owner_kwargs(owner)).order_by("-position").first()
    definition.position = (last.position + 1) if last else 1
    definition.save()
    _audit(actor, owner, "field_added", {f"field.{code}": (None, f"{field_type} «{definition.label_ru}»")})
    return definition


@transaction.atomic
def field_update(
    *,
    actor: Any,
    definition: FieldDefinition,
    label_ru: str = UNSET,
    label_en: str = UNSET,
    help_ru: str = UNSET,
    help_en: str = UNSET,
    field_type: str = UNSET,
    required: bool = UNSET,
    default: Any = UNSET,
    settings: Mapping[str, Any] = UNSET,
    confidential: bool = UNSET,
    indexed: bool = UNSET,
    in_list: bool = UNSET,
) -> FieldDefinition:
    """Change a field; its code never changes. Stored values are converted when the type changes."""
    owner = _owner_of(definition)
    errors: dict[str, str] = {}
    new = copy.copy(definition)
    for key, value in {
        "label_ru": label_ru,
        "label_en": label_en,
        "help_ru": help_ru,
        "help_en": help_en,
        "required": required,
        "confidential": confidential,
        "indexed": indexed,
        "in_list": in_list,
    }.items():
        if value is not UNSET:
            setattr(new, key, value.strip() if isinstance(value, str) else bool(value))
    if not new.label_ru:
        errors["label_ru"] = _("Enter the label in Russian.")
    if not new.label_en:
        new.label_en = new.label_ru
    if field_type is not UNSET:
        if field_type not in FIELD_KINDS:
            raise ValidationFailed({"field_type": _("Unknown field type %(type)s.") % {"type": field_type}})
        new.field_type = field_type
    if settings is not UNSET or new.field_type != definition.field_type:
        source = definition.settings if settings is UNSET else settings
        new.settings = _checked_settings(new.field_type, source, errors)
    _check_indexed(new.field_type, new.indexed, errors)
    settings_ok = not any(key.startswith("settings.") for key in errors)
    if settings_ok and (default is not UNSET or new.field_type != definition.field_type):
        new.default = _checked_default(new, definition.default if default is UNSET else default, errors)
    if errors:
        raise ValidationFailed(errors)
    tracked = (
        "label_ru",
        "label_en",
        "help_ru",
        "help_en",
        "field_type",
        "required",
        "default",
        "settings",
        "confidential",
        "indexed",
        "in_list",
    )
    changes = {
        f"field.{definition.code}.{key}": (getattr(definition, key), getattr(new, key))
        for key in tracked
        if getattr(definition, key) != getattr(new, key)
    }
    if not changes:
        return definition
    meaning_keys = _MEANING_SETTINGS.get(new.field_type, ())
    meaning_changed = new.field_type != definition.field_type or any(
        definition.settings.get(key) != new.settings.get(key) for key in meaning_keys
    )
    converted = _convert_values(definition, new) if meaning_changed else 0
    new.updated_at = clock.now()
    new.save()
    if isinstance(owner, DocumentType) and (
        meaning_changed or new.indexed != definition.indexed or new.confidential != definition.confidential
    ):
        _refresh_documents(owner)
    if converted:
        changes[f"field.{definition.code}.converted_values"] = (None, converted)
    _audit(actor, owner, "field_changed", changes)
    return new


def _records_with_values(definition: FieldDefinition) -> Iterator[tuple[Model, dict[str, Any], str]]:
    """(record, its values, its name) for every record holding a value of the field."""
    if definition.document_type_id:
        documents = Document.objects.filter(
            document_type_id=definition.document_type_id, data__has_key=definition.code
        )
        for document in documents.order_by("id").iterator(chunk_size=500):
            yield document, document.data, document.number
        return
    try:
        model = registry.get(definition.entity_code).model
    except KeyError:
        return
    for record in (
        model._default_manager.filter(custom_fields__has_key=definition.code)
        .order_by("pk")
        .iterator(chunk_size=500)
    ):
        yield record, record.custom_fields, str(record)  # type: ignore[attr-defined]


def _convert_values(old: FieldDefinition, new: FieldDefinition) -> int:
    """Convert every stored value of the field to its new definition, or refuse naming how many fail."""
    old_kind, new_kind = kind_of(old), kind_of(new)
    target_changed = old.field_type == new.field_type == FieldType.REFERENCE and old.settings.get(
        "target"
    ) != new.settings.get("target")
    context_ = ValueContext(actor=None, owner_code=new.owner_code)
    failures: list[str] = []
    failure_count = 0
    converted: list[tuple[Model, dict[str, Any]]] = []
    first_message = ""
    for record, values, name in _records_with_values(old):
        stored = values.get(old.code)
        if stored is None:
            continue
        try:
            if target_changed:
                raise FieldValueError(_("a reference cannot be moved to another kind of record"))
            if new.field_type in (FieldType.STRING, FieldType.TEXT) and old.field_type in (
                FieldType.CHOICE,
                FieldType.REFERENCE,
            ):
                raw = old_kind.display(old, stored)
            else:
                raw = old_kind.as_raw(old, stored)
            value = None if new_kind.is_empty(raw) else new_kind.clean(new, raw, context_)
        except FieldValueError as error:
            failure_count += 1
            first_message = first_message or error.message
            if len(failures) < EXAMPLES_IN_MESSAGE:
                failures.append(name)
            continue
        if value != stored:
            converted.append((record, {**values, old.code: value}))
    if failure_count:
        raise ValidationFailed(
            {
                "field_type": _(
                    "%(count)s records hold values that do not fit the new definition (%(examples)s): "
                    "%(message)s Correct or clear them first."
                )
                % {"count": failure_count, "examples": ", ".join(failures), "message": first_message}
            }
        )
    for record, values in converted:
        column = "data" if isinstance(record, Document) else "custom_fields"
        type(record)._default_manager.filter(pk=record.pk).update(**{column: values})
    return len(converted)


def _refresh_documents(document_type: DocumentType) -> None:
    definitions = list(FieldDefinition.objects.filter(document_type=document_type))
    for document in Document.objects.filter(document_type=document_type).iterator(chunk_size=500):
        refresh_derived(document, definitions)


@transaction.atomic
def field_set_archived(*, actor: Any, definition: FieldDefinition, archived: bool) -> FieldDefinition:
    """Archive a field (hidden from forms and lists; every stored value kept) or restore it."""
    if definition.is_archived == archived:
        return definition
    old = definition.archived_at
    definition.archived_at = clock.now() if archived else None
    definition.updated_at = clock.now()
    definition.save(update_fields=["archived_at", "updated_at"])
    _audit(
        actor,
        _owner_of(definition),
        "field_archived" if archived else "field_restored",
        {f"field.{definition.code}.archived_at": (old, definition.archived_at)},
    )
    return definition


@transaction.atomic
def fields_reorder(*, actor: Any, owner: FieldOwner, codes: Sequence[str]) -> None:
    """Put the owner's fields in the order of `codes` (all of them, archived ones included)."""
    fields = {field.code: field for field in FieldDefinition.objects.filter(**_owner_kwargs(owner))}
    if sorted(codes) != sorted(fields):
        raise ValidationFailed({"order": _("List every field exactly once.")})
    old = sorted(fields, key=lambda code: (fields[code].position, fields[code].pk))
    for position, code in enumerate(codes, start=1):
        if fields[code].position != position:
            fields[code].position = position
            fields[code].save(update_fields=["position"])
    if old != list(codes):
        _audit(actor, owner, "fields_reordered", {"fields": (old, list(codes))})


def field_move(*, actor: Any, definition: FieldDefinition, offset: int) -> None:
    """Move a field up (offset -1) or down (+1) among its owner's fields."""
    owner = _owner_of(definition)
    codes = list(
        FieldDefinition.objects.filter(**_owner_kwargs(owner))
        .order_by("position", "id")
        .values_list("code", flat=True)
    )
    index = codes.index(definition.code)
    target = max(0, min(len(codes) - 1, index + offset))
    if target == index:
        return
    codes.insert(target, codes.pop(index))
    fields_reorder(actor=actor, owner=owner, codes=codes)
