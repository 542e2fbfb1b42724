"""Firing rule timers: a record's moment after its date, the end of a debounce window, a schedule's tick.

Each record has its own durable timer row (not a scan of all records): the worker claims due rows with a
lease, like the engine's jobs, and fires each in a transaction that also deletes (or, for a schedule,
moves) it. A worker killed mid-way leaves only a lease, which expires; another worker then fires the
timer, and the `RuleStart` key keeps the start single.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform

from potok.automation.cron import CronError, parse_cron
from potok.automation.evaluation import Evaluator, Occasion
from potok.automation.models import (
    NO_RECORD,
    ApplicationState,
    RuleApplication,
    RuleEvent,
    RuleTimer,
    TimerKind,
    Trigger,
)
from potok.automation.records import RecordViews
from potok.automation.ruleset import CompiledRule, current_rules
from potok.automation.schema import SchemaCache
from potok.automation.starting import Journal, raise_incident
from potok.automation.timing import due_for
from potok.core import clock

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
CLAIM = 500
CHUNK = 50
MAX_ATTEMPTS = 5


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"[:64]


def claim_due_timers(*, limit: int = CLAIM) -> list[int]:
    now = clock.now()
    with transaction.atomic():
        due = (
            RuleTimer.objects.filter(due_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("due_at", "id")
        )
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            RuleTimer.objects.filter(pk__in=ids).update(locked_by=worker_id(), locked_until=now + LEASE)
    return ids


def fire_due_timers() -> int:
    """Periodic work: fire what is due now; returns how many timers were fired."""
    fired = 0
    ids = claim_due_timers()
    for start in range(0, len(ids), CHUNK):
        fired += fire_timers(ids[start : start + CHUNK])
    return fired


def fire_timers(ids: list[int]) -> int:
    me = worker_id()
    with transaction.atomic():
        timers = list(
            RuleTimer.objects.select_for_update().filter(pk__in=ids, locked_by=me).order_by("due_at", "id")
        )
        if not timers:
            return 0
        rules = current_rules()
        evaluator = Evaluator(Journal(), RecordViews(SchemaCache(shared=True)))
        views = _current_views(timers, rules, evaluator.views)
        for timer in timers:
            rule = rules.get(timer.rule_id)
            if rule is None:
                timer.delete()  # the rule was disabled or deleted
                continue
            try:
                with transaction.atomic():
                    _fire(timer, rule, evaluator, views)
            except DatabaseError:
                raise
            except Exception as error:
                logger.exception("rule timer %s failed", timer.pk)
                _failed(timer, rule, error)
        evaluator.journal.flush()
    return len(timers)


def _current_views(
    timers: list[RuleTimer], rules: Any, views: RecordViews
) -> dict[tuple[str, int], dict[str, Any]]:
    wanted: dict[str, list[int]] = {}
    for timer in timers:
        if timer.kind in (TimerKind.TIME, TimerKind.DEBOUNCE) and timer.record_id:
            wanted.setdefault(timer.entity_type, []).append(timer.record_id)
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for entity_type, record_ids in wanted.items():
        for record_id, view in views.load(entity_type, record_ids).items():
            found[(entity_type, record_id)] = view
    return found


def _fire(
    timer: RuleTimer, rule: CompiledRule, evaluator: Evaluator, views: dict[tuple[str, int], dict[str, Any]]
) -> None:
    if timer.kind == TimerKind.SCHEDULE:
        _tick(timer, rule, evaluator)
        return
    view = views.get((timer.entity_type, timer.record_id))
    if view is None:
        timer.delete()  # the record is gone
        return
    payload = timer.payload or {}
    if timer.kind == TimerKind.TIME:
        occasion = Occasion(
            trigger=Trigger.TIME,
            entity_type=timer.entity_type,
            record_id=timer.record_id,
            event_key=f"time:{timer.due_at.isoformat()}",
            new=view,
            old=view,
            event={"kind": "time", "due_at": timer.due_at},
            payload={"timer": "time", "due_at": timer.due_at.isoformat()},
        )
    else:
        old_snapshot = payload.get("old")
        old_view = (
            evaluator.views.from_snapshots(timer.entity_type, [old_snapshot])[0]
            if old_snapshot is not None
            else None
        )
        occasion = Occasion(
            trigger=Trigger.DEBOUNCE,
            entity_type=timer.entity_type,
            record_id=timer.record_id,
            event_key=f"debounce:{payload.get('first_event_id')}",
            new=view,
            old=old_view,
            event={"kind": payload.get("kind", "updated"), "events": payload.get("events", 1)},
            event_id=payload.get("last_event_id"),
            depth=int(payload.get("depth", 0)),
            payload={"timer": "debounce", "old": old_snapshot},
        )
    evaluator.run(rule, occasion)
    timer.delete()


def _tick(timer: RuleTimer, rule: CompiledRule, evaluator: Evaluator) -> None:
    """A schedule's moment: one start (no record type), or an application over the matching records."""
    moment = timer.due_at
    if rule.entity_type:
        from potok.automation.models import RuleVersion

        RuleApplication.objects.create(
            rule_id=rule.id,
            rule_version=RuleVersion.objects.get(pk=rule.version_id),
            state=ApplicationState.QUEUED,
            note=f"scheduled run at {moment.isoformat()}",
            created_at=clock.now(),
        )
    else:
        evaluator.run(
            rule,
            Occasion(
                trigger=Trigger.SCHEDULE,
                entity_type="",
                record_id=NO_RECORD,
                event_key=f"schedule:{moment.isoformat()}",
                new={},
                event={"kind": "schedule", "moment": moment},
                payload={"timer": "schedule", "due_at": moment.isoformat()},
            ),
        )
    following = next_tick(rule, moment)
    if following is None:
        timer.delete()
    else:
        RuleTimer.objects.filter(pk=timer.pk).update(
            due_at=following, locked_by="", locked_until=None, attempts=0
        )


def next_tick(rule: CompiledRule, after: Any) -> Any:
    try:
        schedule = parse_cron(str(rule.options.get("cron") or ""))
    except CronError:
        return None
    return schedule.next_after(max(after, clock.now()), str(rule.options.get("time_zone") or "UTC"))


def _failed(timer: RuleTimer, rule: CompiledRule, error: BaseException) -> None:
    attempts = timer.attempts + 1
    message = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= MAX_ATTEMPTS:
        raise_incident(
            rule,
            kind="timer",
            message=f"the timer failed {attempts} times: {message}",
            trigger=Trigger.TIME if timer.kind == TimerKind.TIME else Trigger.DEBOUNCE,
            entity_type=timer.entity_type,
            record_id=timer.record_id,
            event_key=f"{timer.kind}:{timer.due_at.isoformat()}",
            payload={"timer": timer.kind, "due_at": timer.due_at.isoformat(), **(timer.payload or {})},
        )
        RuleTimer.objects.filter(pk=timer.pk).delete()
        return
    RuleTimer.objects.filter(pk=timer.pk).update(
        attempts=attempts,
        last_error=message,
        locked_until=clock.now() + timedelta(seconds=5 * 2**attempts),
    )


# -- keeping timers for existing records ----------------------------------------------------------------


def schedule_existing(rule_id: int, *, batch: int = 1000) -> int:
    """Timers for the existing records of a time rule whose moment is still to come (moments already past
    are what "apply to existing records" is for). Returns how many timers were made."""
    rules = current_rules()
    rule = rules.get(rule_id)
    if rule is None or rule.event != RuleEvent.TIME:
        return 0
    from potok.automation.schema import schema_for

    try:
        schema = schema_for(rule.entity_type)
    except KeyError:
        return 0
    date_field = rule.options.get("date_field") or "created"
    queryset = schema.queryset().order_by("pk")
    if date_field == "created":
        if not schema.created_column:
            return 0
        column = schema.created_column
    else:
        spec = schema.field(date_field)
        if spec is None:
            return 0
        if spec.column:
            column = spec.column
        elif spec.json_column and spec.json_key:
            queryset = queryset.annotate(potok_date=KeyTextTransform(spec.json_key, spec.json_column))
            column = "potok_date"
        else:
            return 0
    now = clock.now()
    made = 0
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).values_list("pk", column)[:batch])
        if not rows:
            return made
        last = rows[-1][0]
        timers = []
        for record_id, base in rows:
            due = due_for(rule.options, base)
            if due is not None and due > now:
                timers.append(
                    RuleTimer(
                        rule_id=rule.id,
                        kind=TimerKind.TIME,
                        entity_type=rule.entity_type,
                        record_id=record_id,
                        due_at=due,
                        payload={"base": base.isoformat() if hasattr(base, "isoformat") else str(base)},
                    )
                )
        RuleTimer.objects.bulk_create(timers, batch_size=1000, ignore_conflicts=True)
        made += len(timers)


def schedule_next_tick(rule_id: int) -> None:
    """Make (or move) the schedule timer of a schedule rule."""
    rule = current_rules().get(rule_id)
    RuleTimer.objects.filter(rule_id=rule_id, kind=TimerKind.SCHEDULE).delete()
    if rule is None or rule.event != RuleEvent.SCHEDULE:
        return
    following = next_tick(rule, clock.now())
    if following is not None:
        RuleTimer.objects.create(
            rule_id=rule_id, kind=TimerKind.SCHEDULE, entity_type="", record_id=NO_RECORD, due_at=following
        )
