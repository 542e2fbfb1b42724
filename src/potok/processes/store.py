"""DjangoStore: the engine's Store port over the processes tables.

`apply` runs inside the caller's transaction (every engine operation is wrapped in one by
potok.processes.services), checks the instance versions with a conditional UPDATE, and writes only the
rows the unit of work changed. Hooks let the tasks layer address new tasks in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import Enum
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Model

from potok.core.bulk import insert_row, rows_together
from potok.engine.errors import ConcurrentModification, NotFound
from potok.engine.runtime.changes import ChangeSet, RowChanges
from potok.engine.runtime.rows import Execution, Incident, Instance, InstanceState, Job, Subscription, Task
from potok.engine.runtime.serialization import decode_value, encode_value
from potok.engine.runtime.states import (
    ExecutionState,
    IncidentState,
    InstanceStatus,
    JobKind,
    SubscriptionKind,
    TaskKind,
    TaskState,
)
from potok.processes import models as m
from potok.processes.sql import Sql

# Called inside the transaction after the rows are written: hook(changes).
ApplyHook = Callable[[ChangeSet], None]
_apply_hooks: list[ApplyHook] = []


def register_apply_hook(hook: ApplyHook) -> None:
    if hook not in _apply_hooks:
        _apply_hooks.append(hook)


class _Together:
    """The changes of new instances whose writing waits for the end of a `starts_together()` block."""

    def __init__(self) -> None:
        # (changes, Potok's columns of its new instances: the record they work on, who started them, and the
        # rows of other tables that belong to the start: its audit row)
        self.waiting: list[tuple[ChangeSet, dict[str, Any], list[tuple[type[Model], dict[str, Any]]]]] = []
        # Counts the writes of what waited, so a mark taken before one is known to be stale.
        self.written = 0
        # version key → ProcessVersion id, as the starts' definitions gave them
        self.version_ids: dict[str, int] = {}

    def merged(self) -> tuple[ChangeSet, dict[str, dict[str, Any]]]:
        merged = ChangeSet()
        values: dict[str, dict[str, Any]] = {}
        for changes, instance_values, _rows in self.waiting:
            for name in ("instances", "executions", "tasks", "jobs", "subscriptions", "incidents"):
                getattr(merged, name).inserted.update(getattr(changes, name).inserted)
            merged.history.extend(changes.history)
            merged.expected_versions.update(changes.expected_versions)
            for instance_id in changes.instances.inserted:
                values[instance_id] = instance_values
        return merged, values


_together: ContextVar[_Together | None] = ContextVar("potok_starts_together", default=None)


@contextmanager
def starts_together() -> Iterator[None]:
    """Write the new instances started inside the block together when it ends: one multi-row INSERT per
    table and one run of the apply hooks (the tasks layer addresses all their first tasks at once) instead
    of a round of statements per start. A start's engine work, its checks and errors are unchanged; only
    the writing of rows that nobody else can see yet (new instances, nothing updated or deleted) waits. Any
    other write or read of the store inside the block writes what waits first, so everything reads as if
    written at once. Nothing waiting is written when the block raises (its transaction is rolled back by
    the caller). Use it inside one transaction, around starts that commit or fail together."""
    if _together.get() is not None:
        yield
        return
    together = _Together()
    token = _together.set(together)
    try:
        yield
    finally:
        _together.reset(token)
    _write_waiting(together)


def _write_waiting(together: _Together) -> None:
    if not together.waiting:
        return
    changes, values = together.merged()
    rows = [row for _changes, _values, extra in together.waiting for row in extra]
    together.waiting, together.written = [], together.written + 1
    # The hooks' single rows (an addressing problem per task) and the starts' own go in together too.
    with rows_together():
        DjangoStore(version_ids=together.version_ids.__getitem__, instance_values_by_id=values).apply(
            changes, waiting=False
        )
        for model, row in rows:
            insert_row(model, row)


def wait_with_start(instance_id: str, model: type[Model], row: dict[str, Any]) -> bool:
    """If the start of `instance_id` is waiting in `starts_together()`, keep `row` with it (written with it,
    forgotten with it if its transaction fails) and return True; else False (the caller writes the row)."""
    together = _together.get()
    if together is None or not together.waiting:
        return False
    changes, _values, rows = together.waiting[-1]
    if instance_id not in changes.instances.inserted:
        return False
    rows.append((model, row))
    return True


def waiting_mark() -> tuple[int, int] | None:
    """Where the starts waiting in a `starts_together()` block stand now (None outside one)."""
    together = _together.get()
    return None if together is None else (together.written, len(together.waiting))


def discard_waiting(mark: tuple[int, int] | None) -> None:
    """Forget the starts that began waiting after `mark`: the operation that made them failed and its
    savepoint was rolled back. What was written since the mark went with that savepoint; what waits now
    was all made after it."""
    together = _together.get()
    if together is None or mark is None:
        return
    written, count = mark
    del together.waiting[count if together.written == written else 0 :]


def _only_new(changes: ChangeSet) -> bool:
    """Whether the unit of work only inserted rows of instances it created (a start that waits)."""
    if not changes.instances.inserted or changes.expected_jobs:
        return False
    if any(version != 0 for version in changes.expected_versions.values()):
        return False
    new = changes.instances.inserted
    for name in ("instances", "executions", "tasks", "jobs", "subscriptions", "incidents"):
        rows = getattr(changes, name)
        if rows.updated or rows.deleted:
            return False
        if name != "instances" and any(row.instance_id not in new for row in rows.inserted.values()):
            return False
    return all(row.instance_id in new for row in changes.history)


def _flush_waiting() -> None:
    """Write the starts waiting in a `starts_together()` block before the store reads or changes others."""
    together = _together.get()
    if together is not None:
        _write_waiting(together)


class _Table:
    """How to insert engine rows into one table: every concrete column, engine values or field defaults."""

    def __init__(self, model: type[Model]) -> None:
        self.name = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [str(field.column) for field in self.fields]
        marks = ["?j" if isinstance(field, models.JSONField) else "?" for field in self.fields]
        self.insert = f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({', '.join(marks)})"

    def parameters(self, sql: Sql, values: dict[str, Any]) -> list[Any]:
        result = []
        for field in self.fields:
            if field.attname in values:
                value = values[field.attname]
            elif field.null and not field.has_default():
                value = None
            else:
                value = field.get_default()
            if isinstance(field, models.JSONField):
                value = sql.json(value)
            elif isinstance(field, models.DateTimeField):
                value = sql.time(value)
            elif isinstance(value, Enum):
                value = value.value
            result.append(value)
        return result


_tables: dict[type[Model], _Table] = {}


def _table(model: type[Model]) -> _Table:
    table = _tables.get(model)
    if table is None:
        table = _tables[model] = _Table(model)
    return table


# version id → version key, and back; published versions never change, so these caches never go stale
# (a version row is never renumbered; a restored database keeps its ids with their keys).
_version_keys: dict[int, str] = {}


def forget_cached_versions() -> None:
    _version_keys.clear()


EXECUTION_COLUMNS = (
    "id, instance_id, node_id, parent_id, state, started_at, flow_id, loop_counter, mi_role, "
    "mi_total, mi_completed, variables, called_instance_id"
)
TASK_COLUMNS = (
    "id, instance_id, process_id, node_id, execution_id, kind, state, name, created_at, business_key, "
    "completed_at, completed_by, data"
)
JOB_COLUMNS = (
    "id, instance_id, execution_id, kind, node_id, due_at, attempts, repeat_count, process_id, version_key"
)
SUBSCRIPTION_COLUMNS = (
    "id, instance_id, execution_id, kind, node_id, name, correlation_key, created_at, last_result"
)
INCIDENT_COLUMNS = (
    "id, instance_id, execution_id, node_id, message, created_at, state, job_id, resolved_at, code, params"
)


class DjangoStore:
    """The Store port on the database, in raw SQL on Django's connection and transaction."""

    def __init__(
        self,
        *,
        version_ids: Callable[[str], int] | None = None,
        instance_values: dict[str, Any] | None = None,
        instance_values_by_id: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        # version_key ("complaint:3") → ProcessVersion id, given by the definitions provider.
        self._version_ids = version_ids
        # Potok's columns of instances this unit of work creates (the record they work on, who started
        # them), written with the row so the tasks layer sees them when it addresses the first tasks.
        self._instance_values = instance_values or {}
        # The same per instance, for changes gathered from several starts (`starts_together`).
        self._instance_values_by_id = instance_values_by_id or {}
        # Each instance row as this unit of work loaded it: (state, business key, version key, process
        # id). An update sets only those of these columns that changed (most steps change none of them),
        # so the indexes on them are not rewritten; the lock version proves the row is still as loaded.
        self._loaded: dict[str, tuple[str, str | None, str, str]] = {}

    # -- row readers ------------------------------------------------------------------------

    @staticmethod
    def _execution(sql: Sql, r: tuple[Any, ...]) -> Execution:
        variables = sql.read_json(r[11])
        return Execution(
            r[0],
            r[1],
            r[2],
            r[3],
            ExecutionState(r[4]),
            sql.read_required_time(r[5]),
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            None if variables is None else decode_value(variables),
            r[12],
        )

    @staticmethod
    def _task(sql: Sql, r: tuple[Any, ...]) -> Task:
        data = sql.read_json(r[12])
        return Task(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            TaskKind(r[5]),
            TaskState(r[6]),
            r[7],
            sql.read_required_time(r[8]),
            r[9],
            sql.read_time(r[10]),
            r[11],
            None if data is None else decode_value(data),
        )

    @staticmethod
    def _job(sql: Sql, r: tuple[Any, ...]) -> Job:
        return Job(
            r[0], r[1], r[2], JobKind(r[3]), r[4], sql.read_required_time(r[5]), r[6], r[7], r[8], r[9]
        )

    @staticmethod
    def _subscription(sql: Sql, r: tuple[Any, ...]) -> Subscription:
        return Subscription(
            r[0],
            r[1],
            r[2],
            SubscriptionKind(r[3]),
            r[4],
            r[5],
            r[6],
            sql.read_required_time(r[7]),
            bool(r[8]),
        )

    @staticmethod
    def _incident(sql: Sql, r: tuple[Any, ...]) -> Incident:
        return Incident(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            sql.read_required_time(r[5]),
            IncidentState(r[6]),
            r[7],
            sql.read_time(r[8]),
            code=r[9],
            params=sql.read_json(r[10]) or {},
        )

    def _version_key(self, sql: Sql, version_id: int) -> str:
        key = _version_keys.get(version_id)
        if key is None:
            found = sql.rows(
                "SELECT d.key, v.number FROM processes_processversion v "
                "JOIN processes_processdefinition d ON d.id = v.definition_id WHERE v.id = ?",
                [version_id],
            )
            key = _version_keys[version_id] = f"{found[0][0]}:{found[0][1]}"
        return key

    # -- the port: reads --------------------------------------------------------------------

    def load_instance_state(self, instance_id: str) -> InstanceState:
        _flush_waiting()
        sql = Sql.current()
        lock = " FOR UPDATE" if sql.postgres and transaction.get_connection().in_atomic_block else ""
        # Operations on one instance queue on this row lock (PostgreSQL; SQLite serialises writers):
        # 50 branches completed at once join exactly once, without 49 retries each.
        key = [instance_id]
        # One round trip on PostgreSQL for the row, its executions and open tasks, and which of the job,
        # subscription and open-incident tables hold rows (most instances have none: only those are read
        # then). The server runs them in order, so the reads after the lock see what its holder committed.
        found, executions, tasks, tables = sql.rows_together(
            [
                (
                    "SELECT id, process_id, version_id, state, business_key, variables, started_at, ended_at, "
                    "lock_version, parent_instance_id, parent_execution_id FROM processes_processinstance "
                    "WHERE id = ?" + lock,
                    key,
                ),
                (f"SELECT {EXECUTION_COLUMNS} FROM processes_execution WHERE instance_id = ?", key),
                (f"SELECT {TASK_COLUMNS} FROM processes_task WHERE instance_id = ? AND state = 'open'", key),
                (
                    "SELECT k FROM (SELECT 'job' AS k FROM processes_job WHERE instance_id = ? LIMIT 1) AS j "
                    "UNION ALL SELECT k FROM (SELECT 'subscription' AS k FROM processes_subscription "
                    "WHERE instance_id = ? LIMIT 1) AS s "
                    "UNION ALL SELECT k FROM (SELECT 'incident' AS k FROM processes_incident "
                    "WHERE instance_id = ? AND state = 'open' LIMIT 1) AS i",
                    key * 3,
                ),
            ]
        )
        if not found:
            raise NotFound(f"process instance {instance_id!r} does not exist")
        r = found[0]
        instance = Instance(
            r[0],
            r[1],
            self._version_key(sql, r[2]),
            InstanceStatus(r[3]),
            r[4],
            decode_value(sql.read_json(r[5]) or {}),
            sql.read_required_time(r[6]),
            sql.read_time(r[7]),
            r[8],
            r[9],
            r[10],
        )
        self._loaded[instance.id] = (
            instance.state.value,
            instance.business_key,
            instance.version_key,
            instance.process_id,
        )
        state = InstanceState(instance)
        state.executions = {row[0]: self._execution(sql, row) for row in executions}
        state.tasks = {row[0]: self._task(sql, row) for row in tasks}
        present = {row[0] for row in tables}
        if "job" in present:
            state.jobs = {
                row[0]: self._job(sql, row)
                for row in sql.rows(f"SELECT {JOB_COLUMNS} FROM processes_job WHERE instance_id = ?", key)
            }
        if "subscription" in present:
            state.subscriptions = {
                row[0]: self._subscription(sql, row)
                for row in sql.rows(
                    f"SELECT {SUBSCRIPTION_COLUMNS} FROM processes_subscription WHERE instance_id = ?", key
                )
            }
        if "incident" in present:
            state.incidents = {
                row[0]: self._incident(sql, row)
                for row in sql.rows(
                    f"SELECT {INCIDENT_COLUMNS} FROM processes_incident WHERE instance_id = ? AND state = 'open'",
                    key,
                )
            }
        return state

    def load_task(self, task_id: str) -> Task:
        _flush_waiting()
        sql = Sql.current()
        found = sql.rows(f"SELECT {TASK_COLUMNS} FROM processes_task WHERE id = ?", [task_id])
        if not found:
            raise NotFound(f"task {task_id!r} does not exist")
        return self._task(sql, found[0])

    def load_job(self, job_id: str) -> Job:
        _flush_waiting()
        sql = Sql.current()
        found = sql.rows(f"SELECT {JOB_COLUMNS} FROM processes_job WHERE id = ?", [job_id])
        if not found:
            raise NotFound(f"job {job_id!r} does not exist")
        return self._job(sql, found[0])

    def load_incident(self, incident_id: str) -> Incident:
        _flush_waiting()
        sql = Sql.current()
        found = sql.rows(f"SELECT {INCIDENT_COLUMNS} FROM processes_incident WHERE id = ?", [incident_id])
        if not found:
            raise NotFound(f"incident {incident_id!r} does not exist")
        return self._incident(sql, found[0])

    def find_message_subscriptions(self, name: str, correlation_key: str | None) -> list[Subscription]:
        _flush_waiting()
        sql = Sql.current()
        text = (
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM processes_subscription WHERE kind = 'message' AND name = ?"
        )
        parameters: list[Any] = [name]
        if correlation_key is not None:
            text += " AND correlation_key = ?"
            parameters.append(correlation_key)
        return [
            self._subscription(sql, row) for row in sql.rows(text + " ORDER BY created_at, id", parameters)
        ]

    def find_signal_subscriptions(self, name: str) -> list[Subscription]:
        _flush_waiting()
        sql = Sql.current()
        rows = sql.rows(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM processes_subscription "
            "WHERE kind = 'signal' AND name = ? ORDER BY created_at, id",
            [name],
        )
        return [self._subscription(sql, row) for row in rows]

    def due_jobs(self, now: datetime, limit: int) -> list[Job]:
        _flush_waiting()
        sql = Sql.current()
        rows = sql.rows(
            f"SELECT {JOB_COLUMNS} FROM processes_job WHERE due_at <= ? ORDER BY due_at, id LIMIT ?",
            [sql.time(now), limit],
        )
        return [self._job(sql, row) for row in rows]

    # -- the port: writes -------------------------------------------------------------------

    def apply(self, changes: ChangeSet, *, waiting: bool = True) -> None:
        together = _together.get() if waiting else None
        if together is not None:
            if _only_new(changes):
                for row in changes.instances.inserted.values():
                    if row.version_key not in together.version_ids:
                        together.version_ids[row.version_key] = self._version_id(row.version_key)
                together.waiting.append((changes, self._instance_values, []))
                return
            _write_waiting(together)
        sql = Sql.current()
        # One step is one transaction: the caller's (potok.processes.services opens it and retries the whole
        # step on ConcurrentModification). No savepoint of our own: a failure here rolls the step back.
        with transaction.atomic(savepoint=False):
            # On PostgreSQL the inserts and updates wait and travel together (a start's rows in one round
            # trip); a check that needs an answer (the instance's version, a job's existence) sends them.
            try:
                with sql.together():
                    self._write_instances(sql, changes)
                    for job_id in changes.expected_jobs:
                        # Start-timer jobs have no instance; deleting the fired job is the lock.
                        if job_id in changes.jobs.deleted:
                            continue
                        if not sql.rows("SELECT 1 FROM processes_job WHERE id = ?", [job_id]):
                            raise ConcurrentModification(f"job {job_id!r} was already fired")
                    self._write_executions(sql, changes.executions)
                    self._write_tasks(sql, changes.tasks)
                    self._write_jobs(sql, changes.jobs)
                    self._write_subscriptions(sql, changes.subscriptions)
                    self._write_incidents(sql, changes.incidents)
                    if changes.history:
                        self._insert_history(sql, changes)
            except sql.integrity_error as error:
                # The new instance's INSERT waited: its duplicate id is raised here, not where it was sent.
                if (
                    getattr(getattr(error, "diag", None), "table_name", None)
                    == m.ProcessInstance._meta.db_table
                ):
                    raise ConcurrentModification("a process instance with this id exists already") from error
                raise
            for hook in _apply_hooks:
                hook(changes)

    @staticmethod
    def _insert_history(sql: Sql, changes: ChangeSet) -> None:
        sql.execute_many(
            "INSERT INTO processes_historyentry (instance_id, node_id, node_kind, execution_id, started_at, "
            "ended_at, outcome, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row.instance_id,
                    row.node_id,
                    row.node_kind,
                    row.execution_id,
                    sql.time(row.started_at),
                    sql.time(row.ended_at),
                    row.outcome.value,
                    row.actor,
                )
                for row in changes.history
            ],
        )

    def _write_instances(self, sql: Sql, changes: ChangeSet) -> None:
        instances = changes.instances
        table = _table(m.ProcessInstance)
        inserts = []
        for row in instances.inserted.values():
            if changes.expected_versions.get(row.id, 0) != 0:
                raise ConcurrentModification(f"process instance {row.id!r} should exist already")
            inserts.append(
                table.parameters(
                    sql,
                    {
                        **self._instance_values_by_id.get(row.id, self._instance_values),
                        "id": row.id,
                        "process_id": row.process_id,
                        "version_id": self._version_id(row.version_key),
                        "state": row.state.value,
                        "business_key": row.business_key,
                        "variables": encode_value(row.variables),
                        "started_at": row.started_at,
                        "ended_at": row.ended_at,
                        "lock_version": row.version,
                        "parent_instance_id": row.parent_instance_id,
                        "parent_execution_id": row.parent_execution_id,
                    },
                )
            )
        if inserts:
            # No savepoint: the duplicate id aborts the step, and the caller retries it from the start.
            try:
                sql.execute_many(table.insert, inserts)
            except (IntegrityError, sql.integrity_error) as error:
                raise ConcurrentModification("a process instance with this id exists already") from error
        for row in instances.updated.values():
            expected = changes.expected_versions[row.id]
            loaded = self._loaded.get(row.id)
            assignments = ["variables = ?j", "ended_at = ?", "lock_version = ?"]
            parameters: list[Any] = [
                sql.json(encode_value(row.variables)),
                sql.time(row.ended_at),
                row.version,
            ]
            if loaded is None or loaded[0] != row.state.value:
                assignments.append("state = ?")
                parameters.append(row.state.value)
            if loaded is None or loaded[1] != row.business_key:
                assignments.append("business_key = ?")
                parameters.append(row.business_key)
            if loaded is None or loaded[2] != row.version_key:  # a migration moves it to another version
                assignments.append("version_id = ?")
                parameters.append(self._version_id(row.version_key))
            if loaded is None or loaded[3] != row.process_id:
                assignments.append("process_id = ?")
                parameters.append(row.process_id)
            updated = sql.execute(
                f"UPDATE processes_processinstance SET {', '.join(assignments)} "
                "WHERE id = ? AND lock_version = ?",
                [*parameters, row.id, expected],
            )
            if updated != 1:
                raise ConcurrentModification(
                    f"process instance {row.id!r} changed meanwhile (expected {expected})"
                )
            # As the row now is: a later change in this unit of work compares with it.
            self._loaded[row.id] = (row.state.value, row.business_key, row.version_key, row.process_id)
        touched = set(instances.inserted) | set(instances.updated)
        for instance_id, expected in changes.expected_versions.items():
            if instance_id in touched:
                continue
            found = sql.rows("SELECT lock_version FROM processes_processinstance WHERE id = ?", [instance_id])
            if (found[0][0] if found else 0) != expected:
                raise ConcurrentModification(f"process instance {instance_id!r} changed meanwhile")

    def _version_id(self, version_key: str) -> int:
        if self._version_ids is not None:
            return self._version_ids(version_key)
        key, _, number = version_key.rpartition(":")
        return int(
            m.ProcessVersion.objects.filter(definition__key=key, number=int(number))
            .values_list("pk", flat=True)
            .get()
        )

    @staticmethod
    def _delete(sql: Sql, table: str, ids: list[str]) -> int:
        if not ids:
            return 0
        return sql.execute(f"DELETE FROM {table} WHERE id IN ({sql.in_list(len(ids))})", ids)

    def _write_executions(self, sql: Sql, rows: RowChanges[Execution]) -> None:
        table = _table(m.Execution)
        sql.execute_many(
            table.insert,
            [table.parameters(sql, self._execution_values(row)) for row in rows.inserted.values()],
        )
        sql.execute_many(
            "UPDATE processes_execution SET node_id = ?, parent_id = ?, state = ?, flow_id = ?, loop_counter = ?, "
            "mi_role = ?, mi_total = ?, mi_completed = ?, variables = ?j, called_instance_id = ? WHERE id = ?",
            [
                (
                    row.node_id,
                    row.parent_id,
                    row.state.value,
                    row.flow_id,
                    row.loop_counter,
                    row.mi_role,
                    row.mi_total,
                    row.mi_completed,
                    sql.json(None if row.variables is None else encode_value(row.variables)),
                    row.called_instance_id,
                    row.id,
                )
                for row in rows.updated.values()
            ],
        )
        self._delete(sql, "processes_execution", list(rows.deleted))

    @staticmethod
    def _execution_values(row: Execution) -> dict[str, Any]:
        return {
            "id": row.id,
            "instance_id": row.instance_id,
            "node_id": row.node_id,
            "parent_id": row.parent_id,
            "state": row.state.value,
            "started_at": row.started_at,
            "flow_id": row.flow_id,
            "loop_counter": row.loop_counter,
            "mi_role": row.mi_role,
            "mi_total": row.mi_total,
            "mi_completed": row.mi_completed,
            "variables": None if row.variables is None else encode_value(row.variables),
            "called_instance_id": row.called_instance_id,
        }

    def _write_tasks(self, sql: Sql, rows: RowChanges[Task]) -> None:
        table = _table(m.Task)
        sql.execute_many(
            table.insert,
            [
                table.parameters(
                    sql,
                    {
                        "id": row.id,
                        "instance_id": row.instance_id,
                        "process_id": row.process_id,
                        "node_id": row.node_id,
                        "execution_id": row.execution_id,
                        "kind": row.kind.value,
                        "state": row.state.value,
                        "name": row.name,
                        "created_at": row.created_at,
                        "business_key": row.business_key,
                        "completed_at": row.completed_at,
                        "completed_by": row.completed_by,
                        "data": None if row.data is None else encode_value(row.data),
                    },
                )
                for row in rows.inserted.values()
            ],
        )
        sql.execute_many(
            "UPDATE processes_task SET state = ?, node_id = ?, name = ?, completed_at = ?, completed_by = ?, "
            "data = ?j, business_key = ? WHERE id = ?",
            [
                (
                    row.state.value,
                    row.node_id,
                    row.name,
                    sql.time(row.completed_at),
                    row.completed_by,
                    sql.json(None if row.data is None else encode_value(row.data)),
                    row.business_key,
                    row.id,
                )
                for row in rows.updated.values()
            ],
        )
        self._delete(sql, "processes_task", list(rows.deleted))

    def _write_jobs(self, sql: Sql, rows: RowChanges[Job]) -> None:
        if rows.deleted and self._delete(sql, "processes_job", list(rows.deleted)) != len(rows.deleted):
            # A job fired by someone else is gone already: that is a concurrent modification.
            raise ConcurrentModification("a job was fired meanwhile")
        table = _table(m.Job)
        sql.execute_many(
            table.insert,
            [
                table.parameters(
                    sql,
                    {
                        "id": row.id,
                        "instance_id": row.instance_id,
                        "execution_id": row.execution_id,
                        "kind": row.kind.value,
                        "node_id": row.node_id,
                        "due_at": row.due_at,
                        "attempts": row.attempts,
                        "repeat_count": row.repeat_count,
                        "process_id": row.process_id,
                        "version_key": row.version_key,
                    },
                )
                for row in rows.inserted.values()
            ],
        )
        sql.execute_many(
            "UPDATE processes_job SET due_at = ?, attempts = ?, repeat_count = ?, node_id = ?, kind = ?, "
            "locked_by = '', locked_until = NULL WHERE id = ?",
            [
                (sql.time(row.due_at), row.attempts, row.repeat_count, row.node_id, row.kind.value, row.id)
                for row in rows.updated.values()
            ],
        )

    def _write_subscriptions(self, sql: Sql, rows: RowChanges[Subscription]) -> None:
        table = _table(m.Subscription)
        sql.execute_many(
            table.insert,
            [
                table.parameters(
                    sql,
                    {
                        "id": row.id,
                        "instance_id": row.instance_id,
                        "execution_id": row.execution_id,
                        "kind": row.kind.value,
                        "node_id": row.node_id,
                        "name": row.name,
                        "correlation_key": row.correlation_key,
                        "created_at": row.created_at,
                        "last_result": row.last_result,
                    },
                )
                for row in rows.inserted.values()
            ],
        )
        sql.execute_many(
            "UPDATE processes_subscription SET execution_id = ?, node_id = ?, name = ?, correlation_key = ?, "
            "last_result = ? WHERE id = ?",
            [
                (row.execution_id, row.node_id, row.name, row.correlation_key, row.last_result, row.id)
                for row in rows.updated.values()
            ],
        )
        self._delete(sql, "processes_subscription", list(rows.deleted))

    def _write_incidents(self, sql: Sql, rows: RowChanges[Incident]) -> None:
        table = _table(m.Incident)
        sql.execute_many(
            table.insert,
            [
                table.parameters(
                    sql,
                    {
                        "id": row.id,
                        "instance_id": row.instance_id,
                        "execution_id": row.execution_id,
                        "node_id": row.node_id,
                        "message": row.message,
                        "created_at": row.created_at,
                        "state": row.state.value,
                        "job_id": row.job_id,
                        "resolved_at": row.resolved_at,
                        "code": row.code,
                        "params": row.params,
                    },
                )
                for row in rows.inserted.values()
            ],
        )
        sql.execute_many(
            "UPDATE processes_incident SET state = ?, node_id = ?, message = ?, resolved_at = ?, job_id = ? "
            "WHERE id = ?",
            [
                (row.state.value, row.node_id, row.message, sql.time(row.resolved_at), row.job_id, row.id)
                for row in rows.updated.values()
            ],
        )
        self._delete(sql, "processes_incident", list(rows.deleted))
