"""Many rows of one table in few statements, for the writers that record one row per imported record (the
outbox, the audit).

`QuerySet.bulk_create` builds a model instance per row and compiles every value of every row through the
ORM; for ten thousand outbox rows that is most of an import's time, and on SQLite Django assumes the old
limit of 999 bound variables, so it sends a hundred rows per INSERT. `insert_rows` takes plain values,
converts each through its field exactly as `bulk_create` would (`get_db_prep_save`, so JSON and times are
stored the same way) and sends as many rows per INSERT as the database allows.

Example:
    >>> ids = insert_rows(DomainEvent, [{"entity_type": "counterparty", "record_id": 7, ...}], returning_ids=True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.db import connections, models, router

# Rows per statement at most: a longer INSERT is no faster and holds more memory.
MAX_ROWS = 1000
# Field types whose Python value differs from what the driver takes (JSON, times, decimals, uuids).
_CONVERTED = {"JSONField", "DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField"}


def insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, returning_ids: bool = False
) -> list[int]:
    """Insert `rows` (each a mapping of column attribute name → value, the same keys in every row) in their
    order; with `returning_ids`, the new primary keys in the same order."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    names = tuple(rows[0])
    plan = _plan(connection, model, names, returning_ids)
    if connection.vendor == "postgresql":
        return _insert_many(connection, plan, names, rows, returning_ids)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), plan.per_statement):
            chunk = rows[start : start + plan.per_statement]
            parameters: list[Any] = []
            for row in chunk:
                for name, convert in zip(names, plan.converters, strict=True):
                    value = row[name]
                    parameters.append(value if convert is None else convert(value))
            cursor.execute(plan.statement(len(chunk)), parameters)
            if returning_ids:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _insert_many(
    connection: Any, plan: _Plan, names: tuple[str, ...], rows: Sequence[Mapping[str, Any]], returning: bool
) -> list[int]:
    """PostgreSQL: one short INSERT executed for every row in one pipeline (psycopg's `executemany`). A
    multi-row VALUES of thousands of placeholders is longer than psycopg caches a parsed query for, so it
    was parsed anew every time: 5 ms for the 600 task events of a batch of starts, more than the server's
    work."""
    parameters = [
        [
            value if convert is None else convert(value)
            for value, convert in zip((row[name] for name in names), plan.converters, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        raw.executemany(plan.statement(1), parameters, returning=returning)
        if not returning:
            return []
        ids: list[int] = []
        while True:
            ids.append(raw.fetchone()[0])
            if not raw.nextset():
                return ids


# Marks a waiting model object (`insert_objects_keyed_later`): its row is read from it when written.
_OBJECT = object()


class _Waiting:
    """Rows given inside a `rows_together()` block: (model, row, key) in the order given, the key None for a
    row to insert, `_OBJECT` for a model object to insert (the "row" is the object) and the primary key of
    the row to update otherwise. `rows[:written]` are written already (`write_waiting_rows`); the others
    wait for the end of the block."""

    __slots__ = ("rows", "written")

    def __init__(self) -> None:
        self.rows: list[tuple[type[models.Model], Any, Any]] = []
        self.written = 0

    def write(self) -> None:
        rows = self.rows[self.written :]
        self.written = len(self.rows)
        groups: dict[tuple[type[models.Model], tuple[str, ...], str], list[Any]] = {}
        for model, row, key in rows:
            if key is _OBJECT:
                groups.setdefault((model, (), "object"), []).append(row)
            elif key is None:
                groups.setdefault((model, tuple(row), "insert"), []).append(row)
            else:
                groups.setdefault((model, tuple(row), "update"), []).append((key, row))
        for (model, _names, kind), group in groups.items():
            if kind == "update":
                # The same columns of one row set several times (a round-robin cursor moved for each task
                # of a batch): the last values are what the row ends with.
                update_rows(model, list({key: (key, row) for key, row in group}.values()))
            elif kind == "object":
                for item in group:
                    _take_related_keys(item)
                insert_objects(group)
            else:
                insert_rows(model, group)


_waiting: ContextVar[_Waiting | None] = ContextVar("potok_rows_together", default=None)


@contextmanager
def rows_together() -> Iterator[None]:
    """Rows given to `insert_row` and `update_row` inside the block are written when it ends: one multi-row
    INSERT per table (and shape), one batch of UPDATEs per table (and set of columns), in the order each
    kind was first given; none are written if the block raises. Code inside that reads such rows back calls
    `write_waiting_rows()` first; a savepoint rolled back inside must drop the rows it gave (`rows_mark` /
    `rows_rewind`). A nested block shares the outer one's rows."""
    if _waiting.get() is not None:
        yield
        return
    waiting = _Waiting()
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
    waiting.write()


def write_waiting_rows() -> None:
    """Write what waits in the enclosing `rows_together()` block now (nothing outside one): for code that
    reads those tables, such as a choice of performer by the open tasks each person has."""
    waiting = _waiting.get()
    if waiting is not None and waiting.written < len(waiting.rows):
        waiting.write()


def insert_row(model: type[models.Model], row: Mapping[str, Any]) -> int | None:
    """Insert one row now and return its key — or, inside `rows_together()`, with the block's other rows
    when it ends (then None)."""
    waiting = _waiting.get()
    if waiting is not None:
        waiting.rows.append((model, row, None))
        return None
    (pk,) = insert_rows(model, [row], returning_ids=True)
    return pk


def update_row(model: type[models.Model], pk: Any, values: Mapping[str, Any]) -> None:
    """Set these columns (attribute name → value) of the row with key `pk`: now, or inside
    `rows_together()` with the block's other rows when it ends."""
    waiting = _waiting.get()
    if waiting is not None:
        waiting.rows.append((model, values, pk))
        return
    update_rows(model, [(pk, values)])


def update_rows(model: type[models.Model], rows: Sequence[tuple[Any, Mapping[str, Any]]]) -> None:
    """Set the same columns of several rows, each (key, values), with one statement sent for all of them
    (`executemany`: on PostgreSQL psycopg sends them in one pipeline)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    names = tuple(rows[0][1])
    plan = _plan(connection, model, names, False)
    parameters = [
        [
            *(
                value if convert is None else convert(value)
                for value, convert in zip((values[name] for name in names), plan.converters, strict=True)
            ),
            key,
        ]
        for key, values in rows
    ]
    with connection.cursor() as cursor:
        if len(parameters) == 1:
            cursor.execute(plan.update, parameters[0])
        else:
            cursor.executemany(plan.update, parameters)


def rows_mark() -> tuple[int, int]:
    """Where the rows of the enclosing `rows_together()` block stand: how many are written, how many given
    ((0, 0) outside a block). Taken when a savepoint begins, for `rows_rewind` if it is rolled back."""
    waiting = _waiting.get()
    return (waiting.written, len(waiting.rows)) if waiting is not None else (0, 0)


def rows_rewind(mark: tuple[int, int]) -> None:
    """The savepoint that began at `mark` was rolled back: the rows given since are dropped, and those given
    before it but written inside it (`write_waiting_rows`), which the database dropped, wait again."""
    waiting = _waiting.get()
    if waiting is None:
        return
    written, given = mark
    del waiting.rows[given:]
    waiting.written = min(waiting.written, written)


def insert_objects(objects: Sequence[models.Model]) -> None:
    """`bulk_create` for unsaved instances of one model, through `insert_rows`: every concrete column but the
    key as the object holds it; the new keys are set on the objects, which then count as saved. For the
    rows written inside every process step (task history, timers, grants, notifications), where the ORM's
    per-object compilation cost more than the INSERT."""
    if not objects:
        return
    model = type(objects[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    # `pre_save` gives what the ORM would insert (the object's value, or now for auto_now_add fields).
    rows = [{field.attname: field.pre_save(item, True) for field in fields} for item in objects]
    alias = router.db_for_write(model)
    for item, pk in zip(objects, insert_rows(model, rows, returning_ids=True), strict=True):
        item.pk = pk
        item._state.adding = False
        item._state.db = alias


def insert_objects_later(objects: Sequence[models.Model]) -> None:
    """`insert_objects` — or, inside `rows_together()`, with the block's other rows when it ends; the
    objects then get no key (for rows nobody reads back in the block: a new task's timers and grants)."""
    waiting = _waiting.get()
    if waiting is None:
        insert_objects(objects)
        return
    for item in objects:
        fields = [field for field in item._meta.concrete_fields if not field.primary_key]
        waiting.rows.append(
            (type(item), {field.attname: field.pre_save(item, True) for field in fields}, None)
        )


def insert_objects_keyed_later(objects: Sequence[models.Model]) -> None:
    """`insert_objects` — or, inside `rows_together()`, with the block's other rows when it ends; the
    objects get their keys then, so read them only after the block (in an on-commit callback, say). A
    foreign key set to an object given before it (a notification's delivery) takes that object's key when
    both are written; such parents must be given first."""
    waiting = _waiting.get()
    if waiting is None:
        insert_objects(objects)
        return
    for item in objects:
        waiting.rows.append((type(item), item, _OBJECT))


def _take_related_keys(item: models.Model) -> None:
    """Set each empty foreign key column from the object cached on it (which got its key meanwhile)."""
    for field in item._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey) or getattr(item, field.attname) is not None:
            continue
        related = field.get_cached_value(item, default=None)
        if related is not None:
            setattr(item, field.attname, related.pk)


class _Plan:
    """How to insert rows of one shape into one table on one connection: the columns, each value's
    converter and the statements, worked out once (single rows are written inside every process step)."""

    def __init__(self, connection: Any, model: type[models.Model], names: tuple[str, ...], returning: bool):
        fields: list[Any] = [model._meta.get_field(name) for name in names]
        self.converters: list[Callable[[Any], Any] | None] = [
            _converter(field, connection) if field.get_internal_type() in _CONVERTED else None
            for field in fields
        ]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        self.placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        primary_key: Any = model._meta.pk
        self.returning = f" RETURNING {connection.ops.quote_name(primary_key.column)}" if returning else ""
        self.head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - names from the model, values bound
        assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
        key = connection.ops.quote_name(model._meta.pk.column)
        self.update = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - as above
        self.per_statement = max(1, min(MAX_ROWS, _max_parameters(connection) // len(fields)))
        self._statements: dict[int, str] = {}

    def statement(self, rows: int) -> str:
        found = self._statements.get(rows)
        if found is None:
            found = self.head + ", ".join([self.placeholder] * rows) + self.returning
            if len(self._statements) < 64:
                self._statements[rows] = found
        return found


_plans: dict[tuple[str, str, type[models.Model], tuple[str, ...], bool], _Plan] = {}


def _plan(connection: Any, model: type[models.Model], names: tuple[str, ...], returning: bool) -> _Plan:
    key = (connection.alias, connection.vendor, model, names, returning)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = _Plan(connection, model, names, returning)
    return plan


def _converter(field: Any, connection: Any) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    kind = field.get_internal_type()
    if kind == "DateTimeField" and connection.timezone_name == "UTC":
        # The common value — an aware datetime — stored as Django stores it, without its checks per value
        # (naive values and anything else still go through the field).
        if connection.vendor == "postgresql":

            def aware(value: Any) -> Any:
                if isinstance(value, datetime) and value.tzinfo is not None:
                    return value
                return convert(value)

            return aware
        if connection.vendor == "sqlite":

            def as_text(value: Any) -> Any:
                if isinstance(value, datetime) and value.tzinfo is not None:
                    return str(value.astimezone(UTC).replace(tzinfo=None))
                return convert(value)

            return as_text
    if kind == "JSONField" and connection.vendor == "sqlite" and field.encoder is None:

        def as_json(value: Any) -> Any:
            return convert(value) if value is None else json.dumps(value)

        return as_json
    return convert


def _max_parameters(connection: Any) -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        # The limit this SQLite was built with (32,766 since 3.32), not Django's assumed 999.
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 30_000  # PostgreSQL takes up to 65,535 bound parameters per statement
