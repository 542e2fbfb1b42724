"""What a rule may speak of for each record type: its fields, their types, where they are stored.

A schema serves three readers: the condition builder (fields and operators offered), the checks at save
time (a clause on a field the type does not have is refused, naming it), and the two evaluators — the
Python predicate over a record view and the query compiler (`FieldSpec.column`, `json_column` /
`json_key`, `indexed`).

Documents take their schema from their type's field definitions (archived fields are left out, so a rule
on an archived field is flagged); the built-in types are declared in potok.automation.record_types, next
to their apps' snapshot functions, and any other registered entity type gets a schema read from its model.

Example:
    >>> schema = schema_for("document.complaint")
    >>> schema.fields["claimed_amount"].type, schema.fields["client"].target
    ('money', 'counterparty')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from potok.access import registry
from potok.core.errors import ValidationFailed

TEXT_TYPES = ("string", "text")
NUMBER_TYPES = ("integer", "decimal", "money")
TIME_TYPES = ("date", "datetime")
CHANGE_OPERATORS = ("changed", "changed_from", "changed_to")
CROSSING_OPERATORS = ("became_gt", "became_gte", "became_lt", "became_lte")

# Operators the builder offers (and the save checks allow) per field type.
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": (
        "eq",
        "ne",
        "in",
        "not_in",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "matches",
        "is_empty",
        "is_not_empty",
        "gt",
        "gte",
        "lt",
        "lte",
        *CHANGE_OPERATORS,
    ),
    "text": ("contains", "not_contains", "matches", "is_empty", "is_not_empty", "eq", "ne", "changed"),
    "integer": (
        "eq",
        "ne",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "in",
        "not_in",
        "is_empty",
        "is_not_empty",
        *CHANGE_OPERATORS,
        *CROSSING_OPERATORS,
    ),
    "date": (
        "eq",
        "ne",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "is_empty",
        "is_not_empty",
        *CHANGE_OPERATORS,
        *CROSSING_OPERATORS,
    ),
    "boolean": ("eq", "ne", "changed", "changed_to"),
    "choice": ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty", *CHANGE_OPERATORS),
    "choice_multiple": ("contains", "not_contains", "is_empty", "is_not_empty", "changed"),
    "reference": ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty", *CHANGE_OPERATORS),
    "list": ("contains", "not_contains", "is_empty", "is_not_empty", "changed"),
    "file": ("is_empty", "is_not_empty", "changed"),
}
OPERATORS_BY_TYPE["decimal"] = OPERATORS_BY_TYPE["money"] = OPERATORS_BY_TYPE["integer"]
OPERATORS_BY_TYPE["datetime"] = OPERATORS_BY_TYPE["date"]

# Who a user or a department is, when a record refers to one.
USER_FIELDS = ("id", "username", "name", "email", "department")
DEPARTMENT_FIELDS = ("id", "name", "code")
# The pseudo record type of tasks (events emitted by the tasks layer).
TASK_ENTITY = "task"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type.

    `column` is the ORM lookup of the value on the type's model (None: not a column); for values kept
    in a JSON column, `json_column` and `json_key` say where. A reference names its `target` record type
    (or, starting with "@", the field that holds the target's type).
    """

    code: str
    label: Any
    type: str
    target: str = ""
    multiple: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    column: str | None = None
    json_column: str | None = None
    json_key: str | None = None
    indexed: bool = False
    snapshot_key: str | None = None
    # Shown only to people with the right to see confidential fields (a field definition's flag).
    confidential: bool = False

    @property
    def key(self) -> str:
        return self.snapshot_key or self.code

    @property
    def operator_type(self) -> str:
        if self.type == "choice" and self.multiple:
            return "choice_multiple"
        if self.type in ("user", "department"):
            return "reference"
        return self.type

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS_BY_TYPE.get(self.operator_type, ("eq", "ne", "is_empty", "is_not_empty"))

    @property
    def is_reference(self) -> bool:
        return self.type in ("reference", "user", "department")

    def describe(self) -> dict[str, Any]:
        """The field as the condition builder gets it (JSON)."""
        return {
            "code": self.code,
            "label": str(self.label),
            "type": self.operator_type,
            "target": self.target,
            "choices": [[value, str(label)] for value, label in self.choices],
            "operators": list(self.operators),
        }


@dataclass(frozen=True)
class EntitySchema:
    """A record type as rules see it."""

    code: str
    label: Any
    model: type[Model] | None
    fields: Mapping[str, FieldSpec]
    base_filter: Callable[[], Q] | None = None
    # record → the same dict its domain events carry as `snapshot`.
    snapshot: Callable[[Any], dict[str, Any]] | None = None
    status_field: str | None = None
    # The column that holds when a record was created ("N days after creation").
    created_column: str | None = None
    # Extra select_related for reading records to build snapshots in bulk.
    related: tuple[str, ...] = ()
    document_type_id: int | None = None

    def field(self, code: str) -> FieldSpec | None:
        return self.fields.get(code)

    def date_fields(self) -> list[FieldSpec]:
        return [spec for spec in self.fields.values() if spec.type in TIME_TYPES]

    def queryset(self) -> Any:
        if self.model is None:
            raise ValueError(f"{self.code} has no table")
        queryset = self.model._default_manager.all()
        if self.base_filter is not None:
            queryset = queryset.filter(self.base_filter())
        if self.related:
            queryset = queryset.select_related(*self.related)
        return queryset

    def describe(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": str(self.label),
            "status_field": self.status_field,
            "fields": [spec.describe() for spec in self.fields.values()],
        }


# -- lookup ----------------------------------------------------------------------------------------------


def schema_for(code: str) -> EntitySchema:
    """The schema of a record type; KeyError when there is no such type."""
    from potok.automation.record_types import BUILTIN, document_schema, generic_schema

    if code in BUILTIN:
        try:
            return BUILTIN[code]()
        except KeyError:
            pass  # the app that owns it is not installed
    found = document_schema(code) if code.startswith("document.") else generic_schema(code)
    if found is None:
        raise KeyError(code)
    return found


def checked_schema(code: str, *, field_name: str = "entity_type") -> EntitySchema:
    try:
        return schema_for(code)
    except KeyError:
        raise ValidationFailed({field_name: f"There is no record type {code!r}."}) from None


def rule_entity_types() -> list[tuple[str, str]]:
    """(code, label) of every record type a rule may be written for, documents by their names."""
    from potok.documents.entities import document_type_names

    found: list[tuple[str, str]] = []
    for entity in registry.all_types():
        if entity.listed:
            found.append((entity.code, str(entity.label)))
    found.extend(sorted(document_type_names().items(), key=lambda item: item[1]))
    found.append((TASK_ENTITY, str(_("Tasks of processes"))))
    return found


def schema_fingerprint() -> tuple[object, ...]:
    """What the schemas depend on besides code, read with one query per table: document types, their
    fields and statuses, and the pipelines' stages (a deal's stage choices)."""
    from django.db.models import Count, Max
    from django.utils.translation import get_language

    from potok.documents.models import DocumentStatus, DocumentType, FieldDefinition

    parts: list[object] = [get_language()]
    for model, changed in (
        (DocumentType, "updated_at"),
        (FieldDefinition, "updated_at"),
        (DocumentStatus, "id"),
    ):
        found = model._default_manager.aggregate(count=Count("id"), newest=Max("id"), last=Max(changed))
        parts.extend((found["count"], found["newest"], found["last"]))
    try:
        from potok.sales.models import Stage

        found = Stage.objects.aggregate(count=Count("id"), last=Max("id"))
        parts.extend((found["count"], found["last"]))
    except LookupError:  # pragma: no cover - sales not installed
        pass
    return tuple(parts)


_shared: dict[tuple[object, ...], dict[str, EntitySchema | None]] = {}


class SchemaCache:
    """Schemas read once per unit of work (a dispatch batch, a dry run).

    With `shared=True` (the dispatcher) schemas are kept between units of work in this process, as long
    as `schema_fingerprint()` — checked once per unit — says nothing they depend on changed."""

    def __init__(self, *, shared: bool = False) -> None:
        self.fingerprint: tuple[object, ...] | None = None
        if shared:
            self.fingerprint = schema_fingerprint()
            if self.fingerprint not in _shared:
                _shared.clear()
                _shared[self.fingerprint] = {}
            self._schemas = _shared[self.fingerprint]
        else:
            self._schemas = {}

    def get(self, code: str) -> EntitySchema | None:
        if code not in self._schemas:
            try:
                self._schemas[code] = schema_for(code)
            except KeyError:
                self._schemas[code] = None
        return self._schemas[code]
