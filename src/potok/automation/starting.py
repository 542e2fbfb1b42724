"""Starting a rule's process for one record, exactly once, and writing down what happened.

`start_for` runs inside the caller's transaction (the dispatch batch, a timer batch, an application). It
inserts the `RuleStart` row — its unique key (rule version, record, event key) is what makes a start
exactly-once however often an event is dispatched; the insert is `ON CONFLICT DO NOTHING`, so a key that
exists costs no error and no savepoint — and starts the process, with the depth of the change that caused
it plus one, so changes the process makes carry it on. `process_start` is atomic (its savepoint rolls its
own writes back when it fails), so a failure deletes the key and becomes an incident; the caller's other
work goes on. A batch inserts the keys of many starts with one statement (`insert_start_keys`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction

from potok.automation.alerts import tell_about_rule_incident
from potok.automation.mapping import MappingError
from potok.automation.models import (
    IncidentState,
    RuleEvaluation,
    RuleIncident,
    RuleStart,
    StartRule,
)
from potok.automation.ruleset import CompiledRule
from potok.core import clock
from potok.core.context import acting
from potok.core.errors import DomainError, ValidationFailed

logger = logging.getLogger(__name__)


def max_depth() -> int:
    return int(getattr(settings, "POTOK_AUTOMATION_MAX_DEPTH", 5))


@dataclass
class StartResult:
    """`instance_id` when a process started; `already` when this key had started one before; `error` and
    `kind` (mapping / process) when it failed."""

    instance_id: str = ""
    already: bool = False
    error: str = ""
    kind: str = ""


def start_for(
    rule: CompiledRule,
    *,
    entity_type: str,
    record_id: int,
    event_key: str,
    view: Mapping[str, Any],
    variables: Mapping[str, Any],
    depth: int,
    business_key: str | None = None,
    journal: Journal | None = None,
) -> StartResult:
    """Start the rule's process for a record (see the module's docstring). Database errors propagate.

    With a `journal`, the start row learns its instance when the journal is written (one statement for
    the unit of work) instead of by an UPDATE of its own."""
    inserted = insert_start_keys(rule, entity_type, [(record_id, event_key)])
    start_id = inserted.get((record_id, event_key[:120]))
    if start_id is None:
        return StartResult(already=True)
    try:
        instance_id = launch(
            rule,
            entity_type=entity_type,
            record_id=record_id,
            view=view,
            variables=variables,
            depth=depth,
            business_key=business_key,
        )
    except StartFailed as failure:
        # The process's own writes went with its savepoint; the key goes too, so a retry can start it.
        RuleStart.objects.filter(pk=start_id).delete()
        return StartResult(error=failure.message, kind=failure.kind)
    if journal is not None:
        journal.started[start_id] = instance_id
    else:
        RuleStart.objects.filter(pk=start_id).update(process_instance_id=instance_id)
    return StartResult(instance_id=instance_id)


def insert_start_keys(
    rule: CompiledRule, entity_type: str, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Insert the exactly-once keys (record, event key) of the rule's current version in one statement per
    500; returns the ids of the rows this call inserted, by key — a key missing from the answer had a
    start already (committed, or being committed by another worker, whose commit this waits for)."""
    if not keys:
        return {}
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    columns = (
        "rule_id",
        "rule_version_id",
        "entity_type",
        "record_id",
        "event_key",
        "process_instance_id",
        "started_at",
    )
    now = connection.ops.adapt_datetimefield_value(clock.now())
    inserted: dict[tuple[int, str], int] = {}
    unique = list(dict.fromkeys((int(record_id), event_key[:120]) for record_id, event_key in keys))
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"

    def statement(rows: int) -> str:
        return (
            f"INSERT INTO {quote(RuleStart._meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(column) for column in columns)}) VALUES {', '.join([row] * rows)} "
            f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote('record_id')}, {quote('event_key')}"
        )

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One short statement per key in one pipeline: psycopg parses a statement of a thousand
            # placeholders anew each time (it caches only short ones), which cost more than inserting.
            with connection.wrap_database_errors:
                raw = cursor.cursor
                raw.executemany(
                    statement(1),
                    [(rule.id, rule.version_id, entity_type, r, key, "", now) for r, key in unique],
                    returning=True,
                )
                while True:
                    for start_id, record_id, event_key in raw.fetchall():
                        inserted[(int(record_id), str(event_key))] = int(start_id)
                    if not raw.nextset():
                        return inserted
        for begin in range(0, len(unique), 500):
            chunk = unique[begin : begin + 500]
            parameters: list[Any] = []
            for record_id, event_key in chunk:
                parameters.extend((rule.id, rule.version_id, entity_type, record_id, event_key, "", now))
            cursor.execute(statement(len(chunk)), parameters)
            for start_id, record_id, event_key in cursor.fetchall():
                inserted[(int(record_id), str(event_key))] = int(start_id)
    return inserted


def launch(
    rule: CompiledRule,
    *,
    entity_type: str,
    record_id: int,
    view: Mapping[str, Any],
    variables: Mapping[str, Any],
    depth: int,
    business_key: str | None = None,
) -> str:
    """Map the variables and start the process; returns the instance's id. A mapping or process failure
    raises `StartFailed` (the process's own writes are rolled back by its savepoint); database errors
    propagate."""
    from potok.processes.services.instances import process_start

    try:
        mapped = rule.mapping.variables(
            variables,
            extra={"entity_type": entity_type, "record_id": record_id, "started_by_rule": rule.id},
        )
    except MappingError as error:
        raise StartFailed("mapping", str(error)) from None
    key = business_key or _business_key(view, entity_type, record_id)
    try:
        with acting(origin="process", actor=None, depth=depth + 1):
            instance = process_start(
                actor=None,
                process_key=rule.process_key,
                variables=mapped,
                business_key=key,
                entity_type=entity_type if record_id else "",
                record_id=record_id or None,
                version_key=rule.version_key,
                reason=f"rule «{rule.name}» v{rule.version}",
            )
    except ValidationFailed as error:
        raise StartFailed(
            "process", "; ".join(m for messages in error.errors.values() for m in messages)
        ) from None
    except DomainError as error:
        raise StartFailed("process", str(error)) from None
    except DatabaseError:
        raise
    except Exception as error:  # an engine or action failure: the rule's incident, not a crash
        logger.exception("rule %s: the process %s failed to start", rule.id, rule.process_key)
        raise StartFailed("process", f"{type(error).__name__}: {error}") from None
    return str(instance.id)


class StartFailed(Exception):
    """A start that could not be made for a reason the administrator fixes (mapping or process)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _business_key(view: Mapping[str, Any], entity_type: str, record_id: int) -> str:
    number = view.get("number") if isinstance(view, Mapping) else None
    if isinstance(number, str) and number:
        return number[:200]
    return f"{entity_type}#{record_id}" if record_id else entity_type or "rule"


# -- writing down ---------------------------------------------------------------------------------------


class Journal:
    """Evaluations of a unit of work, written at its end with one multi-row insert (a dispatch writes one
    row per rule per event: two hundred for a busy type, so the ORM's per-object work is left out), and
    the instances of the starts it made with one UPDATE; incidents are written as they come."""

    COLUMNS = (
        "rule_id",
        "rule_version_id",
        "trigger",
        "event_id",
        "event_key",
        "entity_type",
        "record_id",
        "outcome",
        "reason",
        "trace",
        "process_instance_id",
        "error",
        "depth",
        "evaluated_at",
    )

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.outcomes: list[str] = []
        # RuleStart id → the process instance it started
        self.started: dict[int, str] = {}

    def mark(self) -> tuple[int, int]:
        return len(self.rows), len(self.outcomes)

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget what was written down since `mark` (its savepoint rolled back)."""
        del self.rows[mark[0] :]
        del self.outcomes[mark[1] :]

    def evaluation(
        self,
        rule: CompiledRule,
        *,
        outcome: str,
        trigger: str,
        entity_type: str,
        record_id: int,
        event_id: int | None = None,
        event_key: str = "",
        reason: str = "",
        trace: list[dict[str, Any]] | None = None,
        instance_id: str = "",
        error: str = "",
        depth: int = 0,
    ) -> None:
        self.outcomes.append(outcome)
        self.rows.append(
            (
                rule.id,
                rule.version_id,
                trigger,
                event_id,
                event_key[:120],
                entity_type,
                record_id,
                outcome,
                reason[:500],
                json.dumps(trace or [], ensure_ascii=False, default=str),
                instance_id,
                error,
                depth,
                clock.now(),
            )
        )

    def flush(self) -> None:
        self._flush_starts()
        if not self.rows:
            return
        connection = transaction.get_connection()
        quote = connection.ops.quote_name
        json_value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
        placeholders = ", ".join(json_value if column == "trace" else "%s" for column in self.COLUMNS)
        sql = (
            f"INSERT INTO {quote(RuleEvaluation._meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(column) for column in self.COLUMNS)}) VALUES ({placeholders})"
        )
        adapt = connection.ops.adapt_datetimefield_value
        rows = [(*row[:-1], adapt(row[-1])) for row in self.rows]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                cursor.executemany(sql, rows[start : start + 500])
        self.rows = []

    def _flush_starts(self) -> None:
        # A start whose savepoint rolled back afterwards is simply not found by the UPDATE.
        started = list(self.started.items())
        self.started = {}
        if not started:
            return
        # One prepared statement run for every pair (the ORM's CASE over hundreds of WHENs took longer to
        # build than to run).
        table = RuleStart._meta.db_table
        with transaction.get_connection().cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET process_instance_id = %s WHERE id = %s",  # noqa: S608 - the model's table
                [(instance_id, start_id) for start_id, instance_id in started],
            )


def raise_incident(
    rule: CompiledRule | None,
    *,
    kind: str,
    message: str,
    trigger: str,
    entity_type: str,
    record_id: int,
    event_id: int | None = None,
    event_key: str = "",
    payload: Mapping[str, Any] | None = None,
) -> RuleIncident:
    """An open incident for (rule, record, event); a repeat counts an attempt instead of a new row."""
    now = clock.now()
    existing = RuleIncident.objects.filter(
        rule_id=rule.id if rule else None,
        state=IncidentState.OPEN,
        entity_type=entity_type,
        record_id=record_id,
        event_key=event_key[:120],
    ).first()
    if existing is not None:
        existing.attempts += 1
        existing.message = message
        existing.kind = kind
        existing.updated_at = now
        if rule is not None:
            existing.rule_version_id = rule.version_id
        existing.save(update_fields=["attempts", "message", "kind", "updated_at", "rule_version"])
        return existing
    incident = RuleIncident.objects.create(
        rule_id=rule.id if rule else None,
        rule_version_id=rule.version_id if rule else None,
        trigger=trigger,
        event_id=event_id,
        event_key=event_key[:120],
        entity_type=entity_type,
        record_id=record_id,
        kind=kind,
        message=message,
        payload=dict(payload or {}),
        created_at=now,
        updated_at=now,
    )
    tell_about_rule_incident(incident, rule.name if rule else "")
    return incident


def flag_rule(rule_id: int, reason: str) -> None:
    """The rule needs an administrator (its type changed under it); it keeps running, loudly."""
    StartRule.objects.filter(pk=rule_id).exclude(needs_attention=True, attention_reason=reason).update(
        needs_attention=True, attention_reason=reason[:2000]
    )


def resolve_incidents(
    rule_id: int | None, *, entity_type: str, record_id: int, event_key: str, actor: Any
) -> None:
    RuleIncident.objects.filter(
        rule_id=rule_id,
        state=IncidentState.OPEN,
        entity_type=entity_type,
        record_id=record_id,
        event_key=event_key[:120],
    ).update(
        state=IncidentState.RESOLVED,
        resolved_at=clock.now(),
        resolved_by=actor if getattr(actor, "pk", None) else None,
    )
