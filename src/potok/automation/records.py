"""Record views: the values a rule's condition and mapping read, built from an event's snapshot or from
a record in the database — the same way for both, so the predicate and the query agree.

A view holds the record's fields typed (money as Decimal, dates as dates, a reference as the referenced
record's id) and, one level deep, the referenced records' own views:

    {"id": 42, "number": "ПР-2026-00042", "status": "registered", "claimed_amount": Decimal("150000.00"),
     "client": {"id": 118, "name": "ООО «Ромашка»", "segment": "VIP", "tags": ["VIP"], …}, …}

The old values of a change are the snapshot with each changed field put back to its old value.

Example:
    >>> views = RecordViews()
    >>> view = views.from_snapshots("document.complaint", [event.snapshot])[0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from potok.audit.services import audit_value
from potok.automation.schema import EntitySchema, FieldSpec, SchemaCache

View = dict[str, Any]


def typed_value(spec: FieldSpec, raw: Any) -> Any:
    """A snapshot value (as stored or as the audit wrote it) in the type conditions compare it in."""
    if raw is None:
        return None
    try:
        return _convert(spec, raw)
    except (TypeError, ValueError, InvalidOperation):
        return raw


def _convert(spec: FieldSpec, raw: Any) -> Any:
    kind = spec.type
    if spec.is_reference:
        if isinstance(raw, Mapping):
            raw = raw.get("id")
        if raw in (None, ""):
            return None
        return int(raw)
    if kind == "integer":
        if isinstance(raw, bool):
            return int(raw)
        return int(Decimal(str(raw))) if not isinstance(raw, int) else raw
    if kind in ("decimal", "money"):
        if raw == "":
            return None
        return raw if isinstance(raw, Decimal) else Decimal(str(raw))
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        return date.fromisoformat(str(raw)[:10]) if raw else None
    if kind == "datetime":
        if isinstance(raw, datetime):
            return raw
        return datetime.fromisoformat(str(raw)) if raw else None
    if kind == "boolean":
        return bool(raw)
    if kind == "choice":
        if spec.multiple:
            return [str(item) for item in raw] if isinstance(raw, list | tuple) else [str(raw)]
        return str(raw)
    if kind == "list":
        return list(raw) if isinstance(raw, list | tuple) else raw
    if kind in ("string", "text"):
        return raw if isinstance(raw, str) else str(raw)
    return raw


def json_snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """A snapshot as the outbox stores it (what `emit_domain_event` writes)."""
    return {str(key): audit_value(value) for key, value in values.items()}


def old_snapshot(snapshot: Mapping[str, Any], changes: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """The values before an event: the snapshot minus the changes (None for a creation). A change of one
    value inside an object ("custom_fields.<code>") puts back that value only."""
    if kind == "created":
        return None
    old = dict(snapshot)
    for field, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        if field in old:
            old[field] = pair[0]
            continue
        head, _dot, key = field.partition(".")
        if key and isinstance(old.get(head), Mapping):
            inner = dict(old[head])
            if pair[0] is None:
                inner.pop(key, None)
            else:
                inner[key] = pair[0]
            old[head] = inner
    return old


def snapshot_value(snapshot: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """(found, value) of `key` in a snapshot; "custom_fields.<code>" reads inside the object, where a
    field left empty is not stored (found, None)."""
    if key in snapshot:
        return True, snapshot[key]
    head, _dot, inner = key.partition(".")
    if inner and isinstance(snapshot.get(head), Mapping):
        return True, snapshot[head].get(inner)
    return False, None


def read_path(view: Mapping[str, Any] | None, path: str) -> Any:
    """`client.segment` of a view; None where a step is missing."""
    value: Any = view
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


class RecordViews:
    """Builds views for a unit of work, reading each schema and each referenced record once."""

    def __init__(self, schemas: SchemaCache | None = None) -> None:
        self.schemas = schemas or SchemaCache()
        self._targets: dict[tuple[str, int], View | None] = {}

    # -- top level ------------------------------------------------------------------------------------

    def typed(self, schema: EntitySchema, snapshot: Mapping[str, Any]) -> View:
        view: View = {}
        for spec in schema.fields.values():
            found, value = snapshot_value(snapshot, spec.key)
            if found:
                view[spec.code] = typed_value(spec, value)
        return view

    def from_snapshots(
        self, entity_type: str, snapshots: Sequence[Mapping[str, Any] | None], *, expand: bool = True
    ) -> list[View | None]:
        schema = self.schemas.get(entity_type)
        if schema is None:
            return [dict(snapshot) if snapshot is not None else None for snapshot in snapshots]
        views = [self.typed(schema, snapshot) if snapshot is not None else None for snapshot in snapshots]
        if expand:
            self.expand(schema, [view for view in views if view is not None])
        return views

    def from_records(
        self, schema: EntitySchema, records: Iterable[Any], *, expand: bool = True
    ) -> list[View]:
        if schema.snapshot is None:
            raise ValueError(f"{schema.code} cannot be read from the database")
        views = [self.typed(schema, json_snapshot(schema.snapshot(record))) for record in records]
        if expand:
            self.expand(schema, views)
        return views

    def load(self, entity_type: str, record_ids: Sequence[int]) -> dict[int, View]:
        """Current views of records by id (missing ones left out)."""
        schema = self.schemas.get(entity_type)
        if schema is None or schema.model is None:
            return {}
        records = list(schema.queryset().filter(pk__in=list(record_ids)))
        views = self.from_records(schema, records)
        return {record.pk: view for record, view in zip(records, views, strict=True)}

    # -- one level of references ----------------------------------------------------------------------

    def expand(self, schema: EntitySchema, views: Sequence[View]) -> None:
        references = [spec for spec in schema.fields.values() if spec.is_reference and spec.target]
        if not references or not views:
            return
        wanted: dict[str, set[int]] = {}
        for view in views:
            for spec in references:
                target = self._target_of(spec, view)
                value = view.get(spec.code)
                if target and isinstance(value, int) and (target, value) not in self._targets:
                    wanted.setdefault(target, set()).add(value)
        for target, ids in wanted.items():
            self._fetch(target, ids)
        for view in views:
            for spec in references:
                target = self._target_of(spec, view)
                value = view.get(spec.code)
                if isinstance(value, int) and target:
                    view[spec.code] = self._targets.get((target, value))

    def _target_of(self, spec: FieldSpec, view: Mapping[str, Any]) -> str:
        if spec.target.startswith("@"):
            found = view.get(spec.target[1:])
            return found if isinstance(found, str) else ""
        return spec.target

    def _fetch(self, target: str, ids: set[int]) -> None:
        schema = self.schemas.get(target)
        for pk in ids:
            self._targets[(target, pk)] = None
        if schema is None or schema.model is None or schema.snapshot is None:
            return
        # The default manager, not the access-checked queryset: a deleted client is still the client.
        queryset = schema.model._default_manager.filter(pk__in=ids)
        if schema.document_type_id is not None:
            queryset = queryset.filter(document_type_id=schema.document_type_id)
        if schema.related:
            queryset = queryset.select_related(*schema.related)
        for record in queryset:
            self._targets[(target, record.pk)] = self.typed(schema, json_snapshot(schema.snapshot(record)))
