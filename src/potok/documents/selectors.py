"""The readers of the documents app. Whatever a user sees of documents goes through the access model
(`visible_records` / `get_record` of the type's entity "document.<code>")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from potok.access.models import Action, Scope
from potok.access.selectors import can, get_record, is_administrator, visible_records
from potok.core.errors import NotFound, ValidationFailed
from potok.documents import confidential, references
from potok.documents.entities import CUSTOM_FIELD_ENTITIES, document_entity_code
from potok.documents.fieldtypes import FieldValueError, ValueContext, kind_of
from potok.documents.fieldtypes.moments import DateKind
from potok.documents.fieldtypes.numbers import parse_decimal
from potok.documents.models import (
    Document,
    DocumentIndexValue,
    DocumentReference,
    DocumentStatus,
    DocumentType,
    FieldDefinition,
    FieldType,
    StoredFile,
)
from potok.documents.text import normalise, search_terms

FILTER_PREFIX = "f."
FILTER_OPERATORS = ("eq", "gte", "lte")
# Orders of document lists (web and API); the last key is unique, as keyset pages need.
DOCUMENT_SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "number": ("number", "id"),
    "changed": ("-updated_at", "-id"),
}


# --- types, fields, statuses -----------------------------------------------------------------------
def document_types(*, include_archived: bool = False) -> QuerySet[DocumentType]:
    queryset = DocumentType.objects.all()
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset.order_by("name_ru", "id")


def document_type_get(code: str, *, include_archived: bool = True) -> DocumentType:
    queryset = DocumentType.objects.filter(code=code)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    document_type = queryset.first()
    if document_type is None:
        raise NotFound(f"document type {code}")
    return document_type


def document_types_for(user: Any, action: str = Action.READ) -> list[DocumentType]:
    """The active types on whose documents the user may perform `action` (navigation, API listing)."""
    return [t for t in document_types() if can(user, t.entity_type, action)]


def field_definitions(owner: DocumentType | str, *, include_archived: bool = False) -> list[FieldDefinition]:
    """The fields of a document type, or the custom fields of a built-in entity code, in their order."""
    if isinstance(owner, DocumentType):
        queryset = FieldDefinition.objects.filter(document_type=owner)
    else:
        queryset = FieldDefinition.objects.filter(document_type__isnull=True, entity_code=owner)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return list(queryset.order_by("position", "id"))


def field_definition_get(owner: DocumentType | str, code: str) -> FieldDefinition:
    for definition in field_definitions(owner, include_archived=True):
        if definition.code == code:
            return definition
    raise NotFound(f"field {code}")


def statuses_of(document_type: DocumentType) -> list[DocumentStatus]:
    return list(DocumentStatus.objects.filter(document_type=document_type).order_by("position", "id"))


def status_get(document_type: DocumentType, code: str) -> DocumentStatus:
    status = DocumentStatus.objects.filter(document_type=document_type, code=code).first()
    if status is None:
        raise NotFound(f"status {code}")
    return status


def allowed_next_statuses(document: Document) -> list[DocumentStatus]:
    """The statuses the document's current status leads to, in the order the type lists them."""
    statuses = {s.code: s for s in DocumentStatus.objects.filter(document_type_id=document.document_type_id)}
    current = statuses.get(document.status)
    codes = set(current.next_statuses) if current else set()
    return sorted((s for code, s in statuses.items() if code in codes), key=lambda s: (s.position, s.pk))


# --- documents -------------------------------------------------------------------------------------
def documents_of(user: Any, document_type: DocumentType, action: str = Action.READ) -> QuerySet[Document]:
    """The documents of the type on which the user may perform `action`."""
    return (
        visible_records(user, document_type.entity_type, action)
        .filter(document_type=document_type)
        .select_related("document_type", "author", "responsible", "department")
    )


def document_get(user: Any, document_type: DocumentType, pk: Any, action: str = Action.READ) -> Document:
    """One document; NotFound when the user may not read it (as for a missing one), PermissionDenied when
    he may read but not perform `action`."""
    document: Document = get_record(user, document_type.entity_type, pk, action)
    if document.document_type_id != document_type.pk:
        raise NotFound(f"{document_type.entity_type} {pk}")
    return document


def visible_documents(user: Any, action: str = Action.READ) -> QuerySet[Document]:
    """Documents of every type on which the user may perform `action`."""
    condition = Q(pk__in=[])
    for document_type in document_types(include_archived=True):
        if action != Action.READ and not can(user, document_type.entity_type, action):
            continue
        condition |= Q(pk__in=visible_records(user, document_type.entity_type, action).values("pk"))
    return Document.objects.filter(condition).select_related("document_type")


def documents_referencing_record(
    entity_type: str, record_id: Any, *, user: Any = None, field_code: str | None = None
) -> QuerySet[Document]:
    """Documents whose reference fields point at the record (`user`: only those he may read).

    Example: the complaints of a counterparty —
    `documents_referencing_record("counterparty", 118, user=request.user)`."""
    links = DocumentReference.objects.filter(target_type=entity_type, target_id=int(record_id))
    if field_code:
        links = links.filter(field_code=field_code)
    queryset = (
        visible_documents(user) if user is not None else Document.objects.select_related("document_type")
    )
    return queryset.filter(pk__in=links.values("source_id")).order_by("-created_at", "-id")


def documents_referencing(document: Document, *, user: Any = None) -> QuerySet[Document]:
    """Documents that refer to `document` (an act referring to its complaint)."""
    return documents_referencing_record(document.document_type.entity_type, document.pk, user=user)


def documents_referenced_by(document: Document, *, user: Any = None) -> list[Document]:
    """The documents `document` refers to through its reference fields (those `user` may read)."""
    links = DocumentReference.objects.filter(source=document, target_type__startswith="document.")
    ids = [link.target_id for link in links]
    if not ids:
        return []
    queryset = (
        visible_documents(user) if user is not None else Document.objects.select_related("document_type")
    )
    return list(queryset.filter(pk__in=ids).order_by("-created_at", "-id"))


def search(queryset: QuerySet[Document], query: str) -> QuerySet[Document]:
    """Documents whose number, status or searchable values contain every word of the query."""
    for term in search_terms(query):
        queryset = queryset.filter(search_text__contains=term)
    return queryset


# --- filters on indexed fields ---------------------------------------------------------------------
@dataclass(frozen=True)
class FieldFilter:
    """`f.<code>=v` (any of the values given), `f.<code>.gte=v`, `f.<code>.lte=v`."""

    code: str
    operator: str
    values: tuple[str, ...]


def parse_filters(params: Mapping[str, Any]) -> list[FieldFilter]:
    """The field filters among query parameters (a QueryDict or a dict of lists)."""
    found = []
    for key in params:
        if not key.startswith(FILTER_PREFIX):
            continue
        code, _dot, operator = key[len(FILTER_PREFIX) :].partition(".")
        values = params.getlist(key) if hasattr(params, "getlist") else params[key]
        values = [values] if isinstance(values, str) else list(values)
        values = [str(value) for value in values if str(value).strip()]
        if values:
            found.append(FieldFilter(code=code, operator=operator or "eq", values=tuple(values)))
    return found


def _filter_value(definition: FieldDefinition, raw: str) -> Any:
    kind = kind_of(definition)
    column = kind.index_column
    context = ValueContext(actor=None, owner_code="")
    if definition.field_type == FieldType.CHOICE:
        if definition.settings.get("multiple"):
            return kind.clean(definition, [raw], context)[0]
        return kind.clean(definition, raw, context)
    if definition.field_type == FieldType.BOOLEAN:
        return 1 if kind.clean(definition, raw, context) else 0
    if definition.field_type == FieldType.REFERENCE:
        return kind_of(definition).parse_id(raw)  # type: ignore[attr-defined]
    if column == "value_number":
        return parse_decimal(raw)
    if column == "value_date":
        return DateKind.parse(raw)
    return normalise(raw)[:255]


def apply_filters(
    queryset: QuerySet[Document],
    document_type: DocumentType,
    filters: Sequence[FieldFilter],
    *,
    user: Any = None,
    statuses: Iterable[str] = (),
) -> QuerySet[Document]:
    """Narrow to the filters (ValidationFailed naming a field that is unknown, not indexed or given a bad
    value) and to any of `statuses`. A confidential field is unknown to a `user` without the right to see
    it, and filters only the records whose confidential fields he sees (no user: the system, sees all)."""
    definitions = {d.code: d for d in field_definitions(document_type, include_archived=True)}
    confidential_scope = confidential.scope_of(user, document_type.entity_type)
    errors: dict[str, str] = {}
    wanted_statuses = [status for status in statuses if status]
    if wanted_statuses:
        known = set(DocumentStatus.objects.filter(document_type=document_type).values_list("code", flat=True))
        unknown = [status for status in wanted_statuses if status not in known]
        if unknown:
            errors["status"] = _("Unknown status %(code)s.") % {"code": ", ".join(unknown)}
        queryset = queryset.filter(status__in=wanted_statuses)
    for spec in filters:
        key = f"{FILTER_PREFIX}{spec.code}" + (f".{spec.operator}" if spec.operator != "eq" else "")
        definition = definitions.get(spec.code)
        if definition is None or (definition.confidential and confidential_scope is None):
            errors[key] = _("There is no field %(code)s.") % {"code": spec.code}
            continue
        column = kind_of(definition).index_column
        if not definition.indexed or column is None:
            errors[key] = _("The field «%(label)s» is not indexed; lists filter on indexed fields only.") % {
                "label": definition.label
            }
            continue
        if spec.operator not in FILTER_OPERATORS:
            errors[key] = _("Unknown comparison %(op)s; use eq, gte or lte.") % {"op": spec.operator}
            continue
        if spec.operator != "eq" and column == "value_text":
            errors[key] = _("The field «%(label)s» is compared for equality only.") % {
                "label": definition.label
            }
            continue
        if definition.field_type == FieldType.DATETIME and spec.operator == "eq":
            errors[key] = _("Compare a date and time with gte / lte.")
            continue
        try:
            values = [_filter_value(definition, raw) for raw in spec.values]
        except FieldValueError as error:
            errors[key] = f"{definition.label}: {error.message}"
            continue
        lookup = {"eq": "in", "gte": "gte", "lte": "lte"}[spec.operator]
        argument: Any = values if spec.operator == "eq" else values[0]
        matching = DocumentIndexValue.objects.filter(
            document_type=document_type, field_code=spec.code, **{f"{column}__{lookup}": argument}
        ).values("document_id")
        queryset = queryset.filter(pk__in=matching)
        if definition.confidential and confidential_scope != Scope.ALL:
            queryset = queryset.filter(
                pk__in=visible_records(user, document_type.entity_type, Action.CONFIDENTIAL).values("pk")
            )
    if errors:
        raise ValidationFailed(errors)
    return queryset


# --- showing values --------------------------------------------------------------------------------
def reference_labels_for(
    definitions: Iterable[FieldDefinition], records_values: Iterable[Mapping[str, Any]]
) -> dict[str, dict[int, str]]:
    """Field code → {id: name} for the reference values of many records (one query per target)."""
    by_target: dict[str, set[int]] = defaultdict(set)
    reference_fields = [d for d in definitions if d.field_type == FieldType.REFERENCE]
    if not reference_fields:
        return {}
    rows = list(records_values)
    for definition in reference_fields:
        for values in rows:
            stored = values.get(definition.code)
            if stored is not None and stored != "":
                by_target[str(definition.settings.get("target", ""))].add(int(stored))
    names = {target: references.reference_labels(target, ids) for target, ids in by_target.items()}
    return {d.code: names.get(str(d.settings.get("target", "")), {}) for d in reference_fields}


@dataclass(frozen=True)
class ShownValue:
    definition: FieldDefinition
    stored: Any
    text: str
    link: str | None = None


def shown_values(
    definitions: Iterable[FieldDefinition], values: Mapping[str, Any], *, include_empty: bool = True
) -> list[ShownValue]:
    """The values of one record as text, in field order; references carry their target (for a link)."""
    definitions = list(definitions)
    labels = reference_labels_for(definitions, [values])
    shown = []
    for definition in definitions:
        stored = values.get(definition.code)
        if stored is None and not include_empty:
            continue
        text = kind_of(definition).display(definition, stored, labels.get(definition.code))
        shown.append(ShownValue(definition=definition, stored=stored, text=text))
    return shown


def values_seen_by(user: Any, document: Document) -> dict[str, Any]:
    """The document's stored values less the confidential fields the user may not see on it."""
    hidden = hidden_fields(user, document)
    return confidential.without(document.data, hidden)


def hidden_fields(user: Any, document: Document) -> set[str]:
    """The codes of the document's confidential fields the user may not see."""
    definitions = field_definitions(document.document_type, include_archived=True)
    return confidential.hidden_codes(user, document.document_type.entity_type, definitions, document.pk)


# --- files -----------------------------------------------------------------------------------------
def document_file(user: Any, document_type: DocumentType, pk: Any, field_code: str) -> StoredFile:
    """The file a document holds in a file field — only for a user who may read the document."""
    document = document_get(user, document_type, pk)
    stored = values_seen_by(user, document).get(field_code)
    if not isinstance(stored, dict) or not stored.get("id"):
        raise NotFound(f"file {field_code} of {document_type.entity_type} {pk}")
    found = StoredFile.objects.filter(
        pk=stored["id"], entity_type=document_type.entity_type, record_id=document.pk, field_code=field_code
    ).first()
    if found is None:
        raise NotFound(f"file {field_code} of {document_type.entity_type} {pk}")
    return found


# --- pickers ---------------------------------------------------------------------------------------
def may_pick(user: Any, target: str) -> bool:
    """May the user look up records of `target` for a reference field? Yes when he may read them, or may
    create or change records (documents, or entities with custom fields) that have such a field."""
    if is_administrator(user):
        return True
    if not references.is_document_target(target) and target not in references.DIRECTORY_TARGETS:
        return False
    if references.is_document_target(target) and can(user, target, Action.READ):
        return True
    holders = FieldDefinition.objects.filter(
        field_type=FieldType.REFERENCE, settings__target=target, archived_at__isnull=True
    ).select_related("document_type")
    for definition in holders:
        owner = (
            definition.document_type.entity_type if definition.document_type_id else definition.entity_code  # type: ignore[union-attr]
        )
        if definition.entity_code and definition.entity_code not in CUSTOM_FIELD_ENTITIES:
            continue
        if can(user, owner, Action.CREATE) or can(user, owner, Action.UPDATE):
            return True
    return False


def lookup(user: Any, target: str, query: str) -> list[dict[str, Any]]:
    """Records to offer in a reference picker (id, label, detail), or none when the user may not pick."""
    if not may_pick(user, target):
        return []
    return references.lookup_records(user, target, query)


def entity_code_for(document_type_code: str) -> str:
    return document_entity_code(document_type_code)
