"""Trying a rule out and applying it to existing records.

- `rule_test`: the rule against one record, nothing started: the result, each clause's value, the
  variables the process would get.
- `rule_dry_run`: which existing records match ("it would start 37 processes"), found by the query path
  (potok.automation.querying), with a note when part of the condition was evaluated in Python.
- `rule_apply`: start the process for every matching record as one audited background operation
  (`RuleApplication`), resumable after a crash and idempotent (starts are keyed "retro:<application>").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q

from potok.audit.services import audit_record
from potok.automation.conditions import variables_for
from potok.automation.evaluation import Evaluator, Occasion
from potok.automation.mapping import MappingError
from potok.automation.models import (
    ApplicationState,
    Outcome,
    RuleApplication,
    RuleVersion,
    StartRule,
    Trigger,
)
from potok.automation.querying import matching_records, plan
from potok.automation.records import RecordViews
from potok.automation.ruleset import CompiledRule, compile_rule
from potok.automation.schema import EntitySchema, checked_schema
from potok.automation.starting import Journal
from potok.automation.timers import worker_id
from potok.core import clock, memo
from potok.core.errors import NotFound, ValidationFailed
from potok.processes.store import starts_together

LEASE = timedelta(seconds=120)
BATCH = 200
DRY_RUN_LIST = 100


def compiled(rule: StartRule) -> CompiledRule:
    version = RuleVersion.objects.filter(rule=rule, number=rule.version).values_list("pk", flat=True).first()
    if version is None:
        raise ValidationFailed({"rule": "The rule has no saved version."})
    return compile_rule(rule, version)


def _schema(rule: StartRule) -> EntitySchema:
    if not rule.entity_type:
        raise ValidationFailed(
            {"entity_type": "This rule is not about records; there is nothing to look up."}
        )
    return checked_schema(rule.entity_type)


def _label(view: dict[str, Any], record: Any) -> str:
    for key in ("number", "name", "title"):
        if view.get(key):
            return str(view[key])
    return str(record)


# -- one record --------------------------------------------------------------------------------------------


def rule_test(*, actor: Any, rule: StartRule, record_id: int, as_created: bool = True) -> dict[str, Any]:
    """Evaluate the rule on one existing record, starting nothing.

    The record is taken as it is now; `as_created` evaluates change operators as for a new record (old
    values null), otherwise as for a save that changed nothing."""
    schema = _schema(rule)
    rule_compiled = compiled(rule)
    views = RecordViews()
    found = views.load(rule.entity_type, [int(record_id)])
    if int(record_id) not in found:
        raise NotFound(f"{rule.entity_type} {record_id}")
    view = found[int(record_id)]
    variables = variables_for(None if as_created else view, view, {"kind": "test"})
    evaluated = rule_compiled.condition.evaluate(variables)
    mapped: dict[str, Any] = {}
    mapping_error = ""
    try:
        mapped = rule_compiled.mapping.variables(
            variables,
            extra={"entity_type": rule.entity_type, "record_id": int(record_id), "started_by_rule": rule.pk},
        )
    except MappingError as error:
        mapping_error = str(error)
    from potok.automation.conditions import _json

    return {
        "rule": rule.pk,
        "rule_version": rule.version,
        "entity_type": rule.entity_type,
        "record_id": int(record_id),
        "matched": evaluated.result is True,
        "outcome": (
            Outcome.ERRORED
            if evaluated.result is None
            else Outcome.MATCHED
            if evaluated.result
            else Outcome.NOT_MATCHED
        ),
        "error": evaluated.error or "",
        "trace": evaluated.trace,
        "variables": {key: _json(value) for key, value in mapped.items()},
        "mapping_error": mapping_error,
        "process_key": rule.process_key,
        "schema": schema.code,
    }


# -- existing records ----------------------------------------------------------------------------------------


@dataclass
class DryRun:
    count: int
    records: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    note: str = ""
    candidates: int = 0
    seconds: float = 0.0


def rule_dry_run(*, actor: Any, rule: StartRule, limit: int = DRY_RUN_LIST) -> DryRun:
    """How many processes the rule would start over the existing records, and for which."""
    schema = _schema(rule)
    rule_compiled = compiled(rule)
    began = time.monotonic()
    current = plan(rule.condition, schema)
    records: list[dict[str, Any]] = []
    if current.complete:
        count = current.queryset.count()
        views = RecordViews()
        rows = list(current.queryset.order_by("pk")[:limit])
        for record, view in zip(rows, views.from_records(schema, rows, expand=False), strict=True):
            records.append({"id": record.pk, "label": _label(view, record)})
        return DryRun(count, records, True, current.describe(), count, time.monotonic() - began)
    count = 0
    candidates = current.queryset.count()
    for match in matching_records(rule_compiled.condition, schema):
        count += 1
        if len(records) < limit:
            records.append({"id": match.record.pk, "label": _label(match.view, match.record)})
    return DryRun(count, records, False, current.describe(), candidates, time.monotonic() - began)


@transaction.atomic
def rule_apply(*, actor: Any, rule: StartRule) -> RuleApplication:
    """Queue the start of the rule's process for every existing record that matches it now."""
    from potok.automation import tasks

    schema = _schema(rule)
    if not rule.process_key:
        raise ValidationFailed({"process_key": "Choose the process to start."})
    version = RuleVersion.objects.get(rule=rule, number=rule.version)
    current = plan(rule.condition, schema)
    application = RuleApplication.objects.create(
        rule=rule,
        rule_version=version,
        state=ApplicationState.QUEUED,
        total=current.queryset.count() if current.complete else 0,
        note=current.describe(),
        created_at=clock.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        entity_type="start_rule",
        record_id=rule.pk,
        action="applied_to_existing",
        changes={"application": (None, application.pk)},
        message=current.describe(),
    )
    tasks.advance_application.enqueue(application.pk)
    return application


def _claim(application_id: int | None) -> RuleApplication | None:
    now = clock.now()
    with transaction.atomic():
        queryset = RuleApplication.objects.filter(
            state__in=[ApplicationState.QUEUED, ApplicationState.RUNNING]
        ).filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        if application_id is not None:
            queryset = queryset.filter(pk=application_id)
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        application = queryset.order_by("id").first()
        if application is None:
            return None
        RuleApplication.objects.filter(pk=application.pk).update(
            state=ApplicationState.RUNNING, locked_by=worker_id(), locked_until=now + LEASE
        )
        application.refresh_from_db()
    return application


def application_run(application_id: int | None = None, *, batches: int | None = None) -> int:
    """Work on one application until it is done (or `batches` batches); returns the records processed."""
    application = _claim(application_id)
    if application is None:
        return 0
    done = 0
    count = 0
    while batches is None or count < batches:
        processed, finished = _batch(application)
        done += processed
        count += 1
        if finished:
            break
    return done


def applications_advance() -> int:
    """Periodic work: move open applications on by a few batches (resumes those a dead worker left)."""
    return application_run(None, batches=5)


def _batch(application: RuleApplication) -> tuple[int, bool]:
    rule = application.rule
    try:
        schema = checked_schema(rule.entity_type)
    except ValidationFailed as error:
        _finish(application, ApplicationState.FAILED, str(error))
        return 0, True
    rule_compiled = (
        compile_rule(rule, application.rule_version_id)
        if rule.version == application.rule_version.number
        else None
    )
    if rule_compiled is None:
        rule_compiled = _from_version(application.rule_version)
    key = f"retro:{application.pk}"
    processed = started = skipped = failed = 0
    last = application.cursor
    try:
        # The batch's starts are written together at its end (and read the shared lookups once).
        with transaction.atomic(), memo.batch(), starts_together():
            evaluator = Evaluator(Journal(), RecordViews())
            for match in _matches(rule_compiled, schema, after=application.cursor):
                decision = evaluator.run(
                    rule_compiled,
                    Occasion(
                        trigger=Trigger.RETRO,
                        entity_type=rule.entity_type,
                        record_id=match.record.pk,
                        event_key=key,
                        new=match.view,
                        old=None,
                        event={"kind": "retro"},
                        payload={"application": application.pk},
                    ),
                )
                processed += 1
                last = match.record.pk
                if decision.outcome == Outcome.MATCHED:
                    started += 1
                elif decision.outcome == Outcome.ERRORED:
                    failed += 1
                else:
                    skipped += 1
                if processed >= BATCH:
                    break
            evaluator.journal.flush()
            finished = processed < BATCH
            RuleApplication.objects.filter(pk=application.pk).update(
                cursor=last,
                processed=application.processed + processed,
                started=application.started + started,
                skipped=application.skipped + skipped,
                failed=application.failed + failed,
                locked_until=clock.now() + LEASE,
            )
    except DatabaseError:
        raise
    application.refresh_from_db()
    if finished:
        if not application.total:
            RuleApplication.objects.filter(pk=application.pk).update(total=application.processed)
        _finish(application, ApplicationState.DONE, "")
    return processed, finished


def _matches(rule: CompiledRule, schema: EntitySchema, *, after: int) -> Any:
    return matching_records(rule.condition, schema, after=after, batch=BATCH, evaluate_all=True)


def _from_version(version: RuleVersion) -> CompiledRule:
    definition = dict(version.definition)
    rule = StartRule(
        pk=version.rule_id,
        version=version.number,
        **{key: value for key, value in definition.items() if key != "enabled"},
    )
    return compile_rule(rule, version.pk)


def _finish(application: RuleApplication, state: str, message: str) -> None:
    RuleApplication.objects.filter(pk=application.pk).update(
        state=state, message=message[:2000], finished_at=clock.now(), locked_by="", locked_until=None
    )
    audit_record(
        actor=None,
        entity_type="start_rule",
        record_id=application.rule_id,
        action="application_finished",
        changes={"application": (None, application.pk), "state": (None, state)},
        message=message,
    )
