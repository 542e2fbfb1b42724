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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.dateparse import parse_datetime

# A list of two keys or more (`IN ({in_list(n)})`).
_LIST = "IN (?, ?"


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
        """The Sql of this thread's default connection, kept on it while its DB-API connection lives (every
        statement of a step asks for it; going through Django's connection proxy each time cost more than a
        short statement)."""
        db = connections[DEFAULT_DB_ALIAS]
        raw = db.connection
        if raw is None:
            db.ensure_connection()
            raw = db.connection
        found: Sql | None = getattr(db, "_potok_sql", None)
        if found is None or found.raw is not raw:
            found = cls(db.vendor, raw, db.Database.IntegrityError)  # type: ignore[attr-defined]
            db._potok_sql = found  # type: ignore[attr-defined]
        return found

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

    def _run(self, cursor: Any, text: str, parameters: Sequence[Any]) -> None:
        if self.postgres and _LIST in text:
            # A statement over a list of keys (`in_list`) is not prepared on the server: its text varies
            # with the list's length, and a plan kept from when the table was small (a new installation,
            # an empty table filling up) stays a sequential scan after the table has grown — 85 ms instead
            # of 1 for two hundred keys in 30,000 instances.
            cursor.execute(self.statement(text), parameters, prepare=False)
        else:
            cursor.execute(self.statement(text), parameters)

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
            self._run(cursor, text, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute(self, text: str, parameters: Sequence[Any] = ()) -> int:
        cursor = self.raw.cursor()
        try:
            if self.postgres and self.raw.pgconn.pipeline_status:
                # Inside `together()` the row count is known only once the server has answered: a nested
                # pipeline's end sends what is queued and reads the answers.
                with self.raw.pipeline():
                    self._run(cursor, text, parameters)
            else:
                self._run(cursor, text, parameters)
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

    @contextmanager
    def together(self) -> Iterator[None]:
        """On PostgreSQL, the `execute_many` writes issued inside wait and travel with the next statement
        whose result is needed (`rows`, `execute`) or with the end of the block: one round trip for several
        writes instead of one each (psycopg's pipeline mode). An error of a waiting write is raised there.
        Only this class's statements may run inside: Django's cursor reads row counts that are not known
        yet in this mode."""
        if not self.postgres:
            yield
            return
        with self.raw.pipeline():
            yield

    def rows_together(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        """The rows of each statement (none for a write), in order. On PostgreSQL they travel together: one
        round trip (psycopg's pipeline mode) instead of one each, so none may need another's result."""
        if not self.postgres:
            return [self.rows(text, parameters) for text, parameters in statements]
        cursors = self._sent_together(statements)
        try:
            return [list(cursor.fetchall()) if cursor.description is not None else [] for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()

    def execute_together(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[int]:
        """Run the statements in order and return their row counts; on PostgreSQL in one round trip."""
        if not self.postgres:
            return [self.execute(text, parameters) for text, parameters in statements]
        cursors = self._sent_together(statements)
        counts = [int(cursor.rowcount) for cursor in cursors]
        for cursor in cursors:
            cursor.close()
        return counts

    def _sent_together(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        cursors: list[Any] = []
        try:
            # The block sends everything queued and reads every result when it ends; an error of any
            # statement is raised there, and the transaction is then aborted as after a single one.
            with self.raw.pipeline():
                for text, parameters in statements:
                    cursor = self.raw.cursor()
                    cursors.append(cursor)
                    self._run(cursor, text, parameters)
        except BaseException:
            for cursor in cursors:
                cursor.close()
            raise
        return cursors

    def in_list(self, count: int) -> str:
        """`count` placeholders for `IN (…)`; statements holding two or more are never prepared."""
        return ", ".join("?" for _ in range(count))
