"""Starting a rule's process for one record, exactly once, and writing down what happened.

`start_for` runs inside the caller's transaction (the dispatch batch, a timer, an application). In one
savepoint it inserts the `RuleStart` row — its unique key (rule version, record, event key) is what
makes a start exactly-once however often an event is dispatched — and starts the process, with the depth
of the change that caused it plus one, so changes the process makes carry it on. A failure rolls back
only that savepoint and becomes an incident; the caller's other work goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

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
) -> StartResult:
    """Start the rule's process for a record (see the module's docstring). Database errors propagate."""
    from potok.processes.services.instances import process_start

    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    start = RuleStart.objects.create(
                        rule_id=rule.id,
                        rule_version_id=rule.version_id,
                        entity_type=entity_type,
                        record_id=record_id,
                        event_key=event_key[:120],
                        started_at=clock.now(),
                    )
            except IntegrityError:
                return StartResult(already=True)
            try:
                mapped = rule.mapping.variables(
                    variables,
                    extra={"entity_type": entity_type, "record_id": record_id, "started_by_rule": rule.id},
                )
            except MappingError as error:
                raise _Failed("mapping", str(error)) from None
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
                raise _Failed(
                    "process", "; ".join(m for messages in error.errors.values() for m in messages)
                ) from None
            except DomainError as error:
                raise _Failed("process", str(error)) from None
            except DatabaseError:
                raise
            except Exception as error:  # an engine or action failure: the rule's incident, not a crash
                logger.exception("rule %s: the process %s failed to start", rule.id, rule.process_key)
                raise _Failed("process", f"{type(error).__name__}: {error}") from None
            start.process_instance_id = instance.id
            start.save(update_fields=["process_instance_id"])
            return StartResult(instance_id=instance.id)
    except _Failed as failure:
        return StartResult(error=failure.message, kind=failure.kind)


class _Failed(Exception):
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
    row per rule per event: two hundred for a busy type, so the ORM's per-object work is left out);
    incidents are written as they come."""

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
    return RuleIncident.objects.create(
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
