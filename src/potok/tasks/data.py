"""The process data a task's declarations are evaluated on: the instance's variables (with the task's
execution-local ones over them), `record` — the record the process works on, read lazily field by field,
references followed (`record.client.responsible`) — and `process` (id, key, business key, initiator).

Example:
    >>> context = evaluation_context()
    >>> compile_expression("record.client.responsible").evaluate(data, context=context)
    RecordRef('user', 7)
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Model

from potok.access import registry
from potok.core import clock
from potok.engine.expressions import EvaluationContext
from potok.engine.runtime.serialization import decode_value

MODEL_ENTITY_CODES = {"User": "user", "Department": "department"}


@dataclass(frozen=True)
class RecordRef:
    """A record named by its entity type and id; expressions read its fields through the resolver."""

    entity_type: str
    pk: int

    def __repr__(self) -> str:
        return f"RecordRef({self.entity_type!r}, {self.pk})"


class _Loader:
    """Loads each record once per evaluation context (a task's rules read several fields of one record)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, int], Any] = {}

    def record(self, ref: RecordRef) -> Any:
        key = (ref.entity_type, ref.pk)
        if key not in self._records:
            self._records[key] = _load(ref)
        return self._records[key]

    def field(self, ref: RecordRef, name: str) -> Any:
        record = self.record(ref)
        if record is None:
            raise LookupError(name)
        if name in ("id", "pk"):
            return record.pk
        from potok.documents.models import Document

        if isinstance(record, Document):
            return _document_field(record, name)
        return _model_field(record, name)


def _load(ref: RecordRef) -> Any:
    try:
        entity = registry.get(ref.entity_type)
    except KeyError:
        return None
    queryset = entity.model._default_manager.all()
    if entity.base_filter is not None:
        queryset = queryset.filter(entity.base_filter())
    return queryset.filter(pk=ref.pk).first()


def _document_field(document: Any, name: str) -> Any:
    from potok.documents.fieldtypes import kind_of
    from potok.documents.selectors import field_definitions

    if name in ("number", "status", "created_at", "updated_at"):
        return getattr(document, name)
    if name in ("author", "responsible"):
        value = getattr(document, f"{name}_id")
        return RecordRef("user", value) if value else None
    if name == "department":
        return RecordRef("department", document.department_id) if document.department_id else None
    if name not in document.data:
        definitions = {d.code for d in field_definitions(document.document_type, include_archived=True)}
        if name in definitions:
            return None
        raise LookupError(name)
    stored = document.data.get(name)
    for definition in field_definitions(document.document_type, include_archived=True):
        if definition.code != name:
            continue
        if definition.field_type == "reference" and stored not in (None, ""):
            return RecordRef(str(definition.settings.get("target", "")), int(stored))
        return kind_of(definition).typed(definition, stored)
    return stored


def _entity_code(model: type[Model]) -> str | None:
    if model.__name__ in MODEL_ENTITY_CODES:
        return MODEL_ENTITY_CODES[model.__name__]
    for entity in registry.all_types():
        if entity.model is model and entity.base_filter is None:
            return entity.code
    return None


def _model_field(record: Model, name: str) -> Any:
    try:
        model_field = record._meta.get_field(name)
    except FieldDoesNotExist:
        custom = getattr(record, "custom_fields", None)
        if isinstance(custom, Mapping) and name in custom:
            return custom[name]
        raise LookupError(name) from None
    if name in ("password",):
        raise LookupError(name)
    if isinstance(model_field, ForeignKey):
        value = getattr(record, model_field.attname)
        code = _entity_code(model_field.related_model)
        if value is None:
            return None
        return RecordRef(code, int(value)) if code else value
    if not hasattr(model_field, "attname"):
        raise LookupError(name)
    return getattr(record, name)


def evaluation_context() -> EvaluationContext:
    """Potok's clock and time zone, and a resolver that reads RecordRef fields (each record once)."""
    loader = _Loader()

    def resolve(owner: Any, name: str) -> Any:
        if isinstance(owner, RecordRef):
            return loader.field(owner, name)
        raise LookupError(name)

    return EvaluationContext(clock=clock.now, time_zone=settings.TIME_ZONE, resolver=resolve)


def process_data(
    variables: Mapping[str, Any],
    *,
    record: RecordRef | None,
    process: Mapping[str, Any] | None = None,
) -> Mapping[str, Any]:
    """The names a task's expressions see: `record`, `process`, then the process variables."""
    return ChainMap({"record": record, "process": dict(process or {})}, dict(variables))


def instance_variables(instance: Any, execution_id: str | None = None) -> Mapping[str, Any]:
    """The variables of a stored instance as an execution sees them (its scopes' local ones on top)."""
    from potok.processes.models import Execution

    base: dict[str, Any] = decode_value(instance.variables or {})
    if not execution_id:
        return base
    layers: list[Mapping[str, Any]] = []
    current = Execution.objects.filter(pk=execution_id).only("parent_id", "variables").first()
    seen: set[str] = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.variables:
            layers.append(decode_value(current.variables))
        if not current.parent_id:
            break
        current = Execution.objects.filter(pk=current.parent_id).only("parent_id", "variables").first()
    return layered(layers, base)


def layered(layers: list[Mapping[str, Any]], base: Mapping[str, Any]) -> dict[str, Any]:
    """Variables as an execution sees them: the first layer (its own scope) over the next, over `base`."""
    merged = dict(base)
    for layer in reversed(layers):
        merged.update(layer)
    return merged


def record_of_instance(instance: Any) -> RecordRef | None:
    """The record an instance works on; an instance started by a call activity works on its parent's."""
    from potok.processes.models import ProcessInstance

    seen: set[str] = set()
    current = instance
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.entity_type and current.record_id is not None:
            return RecordRef(current.entity_type, int(current.record_id))
        if not current.parent_instance_id:
            return None
        current = (
            ProcessInstance.objects.filter(pk=current.parent_instance_id)
            .only("entity_type", "record_id", "parent_instance_id")
            .first()
        )
    return None


def user_ids(value: Any) -> list[int]:
    """People named by an expression's value: a user id, a login, a user record, or a list of them."""
    from potok.accounts.models import User

    found: list[int] = []
    logins: list[str] = []
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    for item in items:
        if item is None or item == "" or isinstance(item, bool):
            continue
        if isinstance(item, RecordRef):
            if item.entity_type == "user":
                found.append(item.pk)
        elif isinstance(item, Mapping):
            if item.get("id") is not None:
                found.extend(user_ids(item.get("id")))
        elif isinstance(item, int):
            found.append(item)
        elif isinstance(item, str):
            text = item.strip()
            if text.isdigit():
                found.append(int(text))
            elif text:
                logins.append(text)
        elif hasattr(item, "pk"):
            found.append(int(item.pk))
    if logins:
        by_login = dict(User.objects.filter(username__in=logins).values_list("username", "pk"))
        found.extend(by_login[login] for login in logins if login in by_login)
    ordered: list[int] = []
    for pk in found:
        if pk not in ordered:
            ordered.append(pk)
    return ordered


def object_id(value: Any) -> str:
    """An addressing object's id as role assignments keep it (text), from a record or a plain value."""
    if isinstance(value, RecordRef):
        return str(value.pk)
    if isinstance(value, Mapping):
        return object_id(value.get("id"))
    if value is None or isinstance(value, bool):
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value).strip()
