"""Firing rule timers: a record's moment after its date, the end of a debounce window, a schedule's tick.

Each record has its own durable timer row (not a scan of all records): the worker claims due rows with a
lease (one query, `SKIP LOCKED` on PostgreSQL), like the engine's jobs, and fires them in batches: one
transaction per batch evaluates the rules over the records loaded with one query per record type, inserts
the exactly-once keys of the matching ones with one statement per rule, starts the processes of the keys
it inserted, writes the evaluations, and deletes (or, for a schedule, moves) the timers. When a batch
fails for an unexpected reason it is rolled back and its timers are fired one by one, each in its own
savepoint, so one bad timer costs the others nothing. A worker killed mid-way leaves only a lease, which
expires; another worker then fires the timer, and the `RuleStart` key keeps the start single.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform

from potok.automation.cron import CronError, parse_cron
from potok.automation.evaluation import Evaluator, Occasion, ToStart
from potok.automation.models import (
    NO_RECORD,
    ApplicationState,
    RuleApplication,
    RuleEvent,
    RuleStart,
    RuleTimer,
    TimerKind,
    Trigger,
)
from potok.automation.records import RecordViews
from potok.automation.ruleset import CompiledRule, current_rules
from potok.automation.schema import SchemaCache
from potok.automation.starting import (
    Journal,
    StartFailed,
    StartResult,
    insert_start_keys,
    launch,
    raise_incident,
)
from potok.automation.timing import due_for
from potok.core import clock, memo
from potok.core.savepoints import SavepointsNeeded, without_savepoints
from potok.processes.store import starts_together

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
CLAIM = 500
# Timers fired in one transaction: their starts share its commit (and, on SQLite, hold the write lock
# that long: about 200 × a process start).
CHUNK = 200
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
    """Fire these claimed timers in one transaction: the time timers together (`_fire_together`), the
    others — and all of them when the batch fails — one by one, each in its own savepoint."""
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
        done: list[int] = []  # fired (or pointless: the rule or the record is gone), deleted at the end
        together: list[tuple[RuleTimer, CompiledRule, Occasion]] = []
        alone: list[tuple[RuleTimer, CompiledRule]] = []
        for timer in timers:
            rule = rules.get(timer.rule_id)
            if rule is None:
                done.append(timer.pk)  # the rule was disabled or deleted
            elif timer.kind != TimerKind.TIME:
                alone.append((timer, rule))
            elif (view := views.get((timer.entity_type, timer.record_id))) is None:
                done.append(timer.pk)  # the record is gone
            else:
                together.append((timer, rule, _time_occasion(timer, view)))
        if together:
            # Without a savepoint per start first; should one fail, again with them; should the batch
            # still fail, one timer at a time.
            fired = _fire_together(together, evaluator, savepoints=False)
            if fired is None:
                fired = _fire_together(together, evaluator, savepoints=True)
            if fired:
                done.extend(timer.pk for timer, _rule, _occasion in together)
            else:
                alone = [(timer, rule) for timer, rule, _occasion in together] + alone
        for timer, rule in alone:
            try:
                with transaction.atomic():
                    _fire(timer, rule, evaluator, views)
            except DatabaseError:
                raise
            except Exception as error:
                logger.exception("rule timer %s failed", timer.pk)
                _failed(timer, rule, error)
        if done:
            RuleTimer.objects.filter(pk__in=done).delete()
        evaluator.journal.flush()
    return len(timers)


def _fire_together(
    items: list[tuple[RuleTimer, CompiledRule, Occasion]], evaluator: Evaluator, *, savepoints: bool
) -> bool | None:
    """Time timers of a batch in one savepoint: each rule's condition over the loaded records, the
    exactly-once keys of the matching ones inserted with one statement per rule, the processes of the
    newly inserted keys started one after another. With `savepoints`, each start has its own, and a start
    that fails for a reason an administrator fixes (mapping, process) becomes an incident here as it would
    alone; without, any failing start rolls the batch back and None is returned (do it again with them).
    Anything else rolls the batch back and returns False, and the caller fires the timers one by one."""
    mark = evaluator.journal.mark()
    try:
        # One batch of work: what every start reads alike (the administrators told of an addressing
        # problem) is read once for the batch.
        with transaction.atomic(), memo.batch(), nullcontext() if savepoints else without_savepoints():
            waiting: dict[int, list[tuple[CompiledRule, Occasion, ToStart]]] = {}
            for _timer, rule, occasion in items:
                judged = evaluator.judge(rule, occasion)
                if isinstance(judged, ToStart):
                    waiting.setdefault(rule.id, []).append((rule, occasion, judged))
            with starts_together():
                for group in waiting.values():
                    rule = group[0][0]
                    inserted = insert_start_keys(
                        rule,
                        rule.entity_type,
                        [(occasion.record_id, occasion.event_key) for _r, occasion, _j in group],
                    )
                    for _rule, occasion, judged in group:
                        start_id = inserted.get((occasion.record_id, occasion.event_key[:120]))
                        evaluator.conclude(
                            rule, occasion, judged, _start(rule, occasion, start_id, evaluator)
                        )
        return True
    except SavepointsNeeded:
        evaluator.journal.rewind(mark)
        return None
    except Exception:
        logger.exception("firing %s rule timers together failed; firing them one by one", len(items))
        evaluator.journal.rewind(mark)
        return False


def _start(rule: CompiledRule, occasion: Occasion, start_id: int | None, evaluator: Evaluator) -> StartResult:
    if start_id is None:
        return StartResult(already=True)
    try:
        instance_id = launch(
            rule,
            entity_type=occasion.entity_type,
            record_id=occasion.record_id,
            view=occasion.new or {},
            variables=occasion.variables(),
            depth=occasion.depth,
        )
    except StartFailed as failure:
        # The process's writes were rolled back by its own savepoint; the key goes too, so a retry can start.
        RuleStart.objects.filter(pk=start_id).delete()
        return StartResult(error=failure.message, kind=failure.kind)
    evaluator.journal.started[start_id] = instance_id
    return StartResult(instance_id=instance_id)


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


def _time_occasion(timer: RuleTimer, view: dict[str, Any]) -> Occasion:
    return Occasion(
        trigger=Trigger.TIME,
        entity_type=timer.entity_type,
        record_id=timer.record_id,
        event_key=f"time:{timer.due_at.isoformat()}",
        new=view,
        old=view,
        event={"kind": "time", "due_at": timer.due_at},
        payload={"timer": "time", "due_at": timer.due_at.isoformat()},
    )


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
        occasion = _time_occasion(timer, view)
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
