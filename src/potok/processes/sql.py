"""Raw SQL on the DB-API connection Django holds, for the engine's hot path.

The ORM builds each query anew (compiling lookups, joins and ordering), which costs more than the query
itself on a small indexed table; the store issues a dozen of them per step. Here every statement is a
fixed string, parameters are adapted once, and the statements run in Django's transaction.

Example:
    >>> sql = Sql.current()
    >>> sql.rows("SELECT id FROM processes_task WHERE instance_id = ?", [instance_id])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime


class Sql:
    """Statements are written with `?` placeholders; PostgreSQL gets `%s` and `::jsonb` where marked `?j`."""

    _cache: dict[tuple[str, str], str] = {}

    def __init__(self, vendor: str, raw: Any, integrity_error: type[Exception] = Exception) -> None:
        self.vendor = vendor
        self.raw = raw
        self.postgres = vendor == "postgresql"
        # The driver's own IntegrityError: statements here bypass Django's cursor, which translates it.
        self.integrity_error = integrity_error

    @classmethod
    def current(cls) -> Sql:
        connection.ensure_connection()
        database = connection.Database  # type: ignore[attr-defined]
        return cls(connection.vendor, connection.connection, database.IntegrityError)

    def statement(self, text: str) -> str:
        key = (self.vendor, text)
        found = self._cache.get(key)
        if found is None:
            if self.postgres:
                found = text.replace("?j", "%s::jsonb").replace("?", "%s")
            else:
                found = text.replace("?j", "?")
            self._cache[key] = found
        return found

    # -- parameters and values --------------------------------------------------------------

    def json(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def time(self, value: datetime | None) -> Any:
        if value is None or self.postgres:
            return value
        # Django keeps SQLite datetimes as naive UTC text.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")

    def read_json(self, value: Any) -> Any:
        if value is None or not isinstance(value, str | bytes):
            return value
        return json.loads(value)

    def read_required_time(self, value: Any) -> datetime:
        parsed = self.read_time(value)
        if parsed is None:
            raise ValueError("a required datetime column is NULL")
        return parsed

    def read_time(self, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a datetime: {value!r}")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    # -- execution --------------------------------------------------------------------------

    def rows(self, text: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        try:
            cursor.execute(self.statement(text), parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute(self, text: str, parameters: Sequence[Any] = ()) -> int:
        cursor = self.raw.cursor()
        try:
            cursor.execute(self.statement(text), parameters)
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute_many(self, text: str, parameters: Sequence[Sequence[Any]]) -> None:
        if not parameters:
            return
        cursor = self.raw.cursor()
        try:
            cursor.executemany(self.statement(text), parameters)
        finally:
            cursor.close()

    def in_list(self, count: int) -> str:
        return ", ".join("?" for _ in range(count))
