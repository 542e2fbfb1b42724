"""Dispatching the outbox: each committed domain event is matched against the enabled rules of its
(record type, event kind), in priority order, and marked dispatched in the same transaction.

Two ways in, one way through:
- the fast path: a dispatch task queued for the events of a transaction that some enabled rule listens
  to (see potok.automation.wiring);
- the sweeper: periodic work that dispatches any outbox row still undispatched a few seconds after it
  occurred (events no rule listened to when they were written, a worker killed mid-dispatch, a task
  lost, a connection dropped).

A batch claims its events with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite takes the write lock
for the whole transaction), so two workers never dispatch one event at once; the `RuleStart` key makes a
start exactly-once even if they did. Database errors roll the batch back and leave the events to the next
attempt; any other failure of one event becomes an incident and the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction

from potok.automation.conditions import event_variables, variables_for
from potok.automation.evaluation import Evaluator, Occasion
from potok.automation.models import Outcome, RuleEvent, RuleTimer, TimerKind, Trigger
from potok.automation.records import RecordViews, old_snapshot
from potok.automation.ruleset import CompiledRule, RuleSet, change_key, current_rules
from potok.automation.schema import SchemaCache
from potok.automation.starting import Journal, raise_incident
from potok.automation.timing import due_for
from potok.core import clock
from potok.core.models import DomainEvent

logger = logging.getLogger(__name__)

BATCH = 100
SWEEP_AGE = timedelta(seconds=3)
SWEEP_LIMIT = 500
# One sweep takes up to this many batches of SWEEP_LIMIT, so the events nobody listens to (left to the
# sweeper) never pile up faster than it marks them.
SWEEP_ROUNDS = 20

# Called inside the dispatch transaction: "claimed" once its events are locked, before any rule is
# evaluated; "committing" just before it commits. The fault tests break things there.
DispatchHook = Callable[[list[DomainEvent]], None]
_hooks: dict[str, list[DispatchHook]] = {"claimed": [], "committing": []}


def add_hook(hook: DispatchHook, *, when: str = "committing") -> None:
    _hooks[when].append(hook)


def remove_hook(hook: DispatchHook) -> None:
    for hooks in _hooks.values():
        if hook in hooks:
            hooks.remove(hook)


def dispatch_events(event_ids: Iterable[int]) -> int:
    """Dispatch these events unless someone did already; returns how many this call dispatched."""
    ids = sorted(set(event_ids))
    done = 0
    for start in range(0, len(ids), BATCH):
        done += _dispatch_batch(ids[start : start + BATCH])
    return done


def dispatch_from(first_id: int) -> int:
    """Dispatch the undispatched events from `first_id` up to the newest event there is now: the task a
    transaction queues with its first event (every other event it wrote has a greater id and was committed
    with it). Events of other transactions in that range are dispatched too, which only saves their own
    tasks the work; returns how many this call dispatched."""
    newest = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return 0
    done = 0
    after = first_id - 1
    while True:
        ids = list(
            DomainEvent.objects.filter(dispatched_at__isnull=True, id__gt=after, id__lte=newest)
            .order_by("id")
            .values_list("id", flat=True)[:BATCH]
        )
        if not ids:
            return done
        after = ids[-1]
        done += _dispatch_batch(ids)


def dispatch_pending(
    *, min_age: timedelta = SWEEP_AGE, limit: int = SWEEP_LIMIT, rounds: int = SWEEP_ROUNDS
) -> int:
    """The sweeper: dispatch outbox rows nobody dispatched, oldest first, `limit` at a time, up to
    `rounds` times (fewer when nothing is left); returns how many it dispatched."""
    cutoff = clock.now() - min_age
    done = 0
    after = 0
    for _ in range(rounds):
        ids = list(
            DomainEvent.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff, id__gt=after)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            break
        after = ids[-1]
        done += dispatch_events(ids)
        if len(ids) < limit:
            break
    return done


def _claim(ids: Sequence[int]) -> list[DomainEvent]:
    queryset = DomainEvent.objects.filter(pk__in=list(ids), dispatched_at__isnull=True).order_by("id")
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset)


def _dispatch_batch(ids: Sequence[int]) -> int:
    with transaction.atomic():
        events = _claim(ids)
        if not events:
            return 0
        for hook in list(_hooks["claimed"]):
            hook(events)
        rules = current_rules()
        evaluator = Evaluator(Journal(), RecordViews(SchemaCache(shared=True)))
        heard = [event for event in events if rules.for_event(event.entity_type, event.kind)]
        if heard and not _dispatch_together(heard, rules, evaluator):
            for event in heard:
                try:
                    with transaction.atomic():
                        dispatch_one(event, rules, evaluator)
                except DatabaseError:
                    raise
                except Exception as error:
                    logger.exception("dispatching event %s failed", event.pk)
                    raise_incident(
                        None,
                        kind="dispatch",
                        message=f"{type(error).__name__}: {error}",
                        trigger=Trigger.EVENT,
                        entity_type=event.entity_type,
                        record_id=event.record_id,
                        event_id=event.pk,
                        event_key=f"event:{event.pk}",
                    )
        evaluator.journal.flush()
        DomainEvent.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=clock.now())
        for hook in list(_hooks["committing"]):
            hook(events)
        # Django lets a transaction whose connection was closed end quietly (the database rolled it back):
        # say so, so the task fails and the sweeper tries again.
        lost = transaction.get_connection().closed_in_transaction
    if lost:
        raise DispatchLost(
            "the database connection closed before the commit; the events wait for the next attempt"
        )
    return len(events)


def _dispatch_together(events: list[DomainEvent], rules: RuleSet, evaluator: Evaluator) -> bool:
    """The batch's events in one savepoint (a savepoint per event is two round trips each). Rule and
    process failures are incidents inside `dispatch_one` and do not end it; an unexpected error rolls it
    back and returns False, and the caller dispatches the events one by one, each in its own savepoint, so
    one broken event costs the others nothing. Database errors propagate."""
    mark = evaluator.journal.mark()
    prepared = _prepared_views(events, evaluator.views)
    try:
        with transaction.atomic():
            for event in events:
                dispatch_one(event, rules, evaluator, views=prepared.get(event.pk))
    except DatabaseError:
        raise
    except Exception:
        logger.warning("a dispatch batch failed; dispatching its %s events one by one", len(events))
        evaluator.journal.rewind(mark)
        return False
    return True


class DispatchLost(DatabaseError):
    """A dispatch batch whose transaction never committed."""


def dispatch_one(
    event: DomainEvent,
    rules: RuleSet,
    evaluator: Evaluator,
    *,
    only_rule: int | None = None,
    ignore_depth: bool = False,
    trigger: str = Trigger.EVENT,
    retry: bool = False,
    views: tuple[dict[str, Any], dict[str, Any] | None] | None = None,
) -> None:
    """Evaluate every rule that listens to this event, highest priority first (`retry`: an incident's
    retry, which also evaluates rules enabled after the event; `views`: the event's new and old views,
    when the batch built them already)."""
    candidates = rules.for_event(event.entity_type, event.kind)
    if only_rule is not None:
        candidates = [rule for rule in candidates if rule.id == only_rule]
    if not candidates:
        return
    schema = evaluator.schema(event.entity_type)
    new_view, old_view = views if views is not None else _views(event, evaluator.views)
    event_vars = event_variables(event)
    shared = variables_for(old_view, new_view, event_vars)  # the same for every rule of this event
    stopped_by: CompiledRule | None = None
    for rule in candidates:
        if not retry and rule.enabled_since is not None and rule.enabled_since > event.occurred_at:
            continue  # the rule came (or was enabled) after the change; explained by the selectors
        if rule.event == RuleEvent.TIME:
            _keep_timer(rule, event, new_view, schema)
            continue
        if not rule.hears(event, schema):
            continue
        key = f"event:{event.pk}"
        if stopped_by is not None:
            evaluator.journal.evaluation(
                rule,
                outcome=Outcome.SKIPPED,
                trigger=trigger,
                entity_type=event.entity_type,
                record_id=event.record_id,
                event_id=event.pk,
                event_key=key,
                reason=f"the rule «{stopped_by.name}» (priority {stopped_by.priority}) matched first and stops the others",
                depth=event.depth,
            )
            continue
        if rule.debounced:
            _debounce(rule, event, old_view)
            continue
        occasion = Occasion(
            trigger=trigger,
            entity_type=event.entity_type,
            record_id=event.record_id,
            event_key=key,
            new=new_view,
            old=old_view,
            event=event_vars,
            event_id=event.pk,
            depth=event.depth,
            compare_with_old=event.kind in ("created", "updated"),
            ignore_depth=ignore_depth,
            _variables=shared,
        )
        if event.entity_type == "task":
            snapshot = event.snapshot or {}
            occasion.process_entity_type = str(snapshot.get("entity_type") or "")
            occasion.process_record_id = int(snapshot.get("record_id") or 0)
        decision = evaluator.run(rule, occasion)
        if decision.matched and rule.stop_after_match:
            stopped_by = rule


def _prepared_views(
    events: list[DomainEvent], views: RecordViews
) -> dict[int, tuple[dict[str, Any], dict[str, Any] | None]]:
    """The new and old views of a batch's events, built per record type at once, so the records they link
    to (a complaint's client) are read with one query per linked type for the batch, not one per event."""
    by_type: dict[str, list[DomainEvent]] = {}
    for event in events:
        by_type.setdefault(event.entity_type, []).append(event)
    prepared: dict[int, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for entity_type, group in by_type.items():
        snapshots: list[dict[str, Any] | None] = []
        for event in group:
            snapshot = event.snapshot or {}
            snapshots.append(snapshot)
            snapshots.append(old_snapshot(snapshot, event.changes or {}, event.kind))
        built = views.from_snapshots(entity_type, snapshots)
        for number, event in enumerate(group):
            prepared[event.pk] = (built[2 * number] or {}, built[2 * number + 1])
    return prepared


def _views(event: DomainEvent, views: RecordViews) -> tuple[dict[str, Any], dict[str, Any] | None]:
    snapshot = event.snapshot or {}
    old = old_snapshot(snapshot, event.changes or {}, event.kind)
    built = views.from_snapshots(event.entity_type, [snapshot, old])
    new_view = built[0] or {}
    return new_view, built[1]


def _keep_timer(rule: CompiledRule, event: DomainEvent, view: dict[str, Any], schema: Any) -> None:
    """Time rules: create, move or drop the record's timer as its date field changes."""
    timers = RuleTimer.objects.filter(
        rule_id=rule.id, kind=TimerKind.TIME, entity_type=event.entity_type, record_id=event.record_id
    )
    if event.kind == "deleted":
        timers.delete()
        return
    date_field = rule.options.get("date_field") or "created"
    if date_field == "created":
        if event.kind != "created":
            return
        base: Any = event.occurred_at
    else:
        if event.kind != "created" and change_key(schema, date_field) not in (event.changes or {}):
            return
        base = view.get(date_field)
    due = due_for(rule.options, base)
    if due is None:
        timers.delete()
        return
    payload = {"base": base.isoformat() if hasattr(base, "isoformat") else str(base), "event_id": event.pk}
    if not timers.update(
        due_at=due, payload=payload, attempts=0, locked_by="", locked_until=None, last_error=""
    ):
        _create_timer(rule.id, TimerKind.TIME, event.entity_type, event.record_id, due, payload)


def _create_timer(
    rule_id: int, kind: str, entity_type: str, record_id: int, due: Any, payload: dict[str, Any]
) -> None:
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            RuleTimer.objects.create(
                rule_id=rule_id,
                kind=kind,
                entity_type=entity_type,
                record_id=record_id,
                due_at=due,
                payload=payload,
            )
    except IntegrityError:  # another worker made it meanwhile: move it instead
        RuleTimer.objects.filter(
            rule_id=rule_id, kind=kind, entity_type=entity_type, record_id=record_id
        ).update(due_at=due, payload=payload)


def _debounce(rule: CompiledRule, event: DomainEvent, old_view: dict[str, Any] | None) -> None:
    """Push the record's pending evaluation back; the first event of the series keeps the old values."""
    due = event.occurred_at + timedelta(seconds=max(rule.debounce_seconds, 1))
    timers = RuleTimer.objects.filter(
        rule_id=rule.id, kind=TimerKind.DEBOUNCE, entity_type=event.entity_type, record_id=event.record_id
    )
    existing = timers.select_for_update().first()
    if existing is not None:
        payload = dict(existing.payload)
        payload["last_event_id"] = event.pk
        payload["events"] = int(payload.get("events", 1)) + 1
        timers.update(due_at=max(due, existing.due_at), payload=payload)
        return
    old = old_snapshot(event.snapshot or {}, event.changes or {}, event.kind)
    payload = {
        "first_event_id": event.pk,
        "last_event_id": event.pk,
        "events": 1,
        "old": old,
        "kind": event.kind,
        "depth": event.depth,
    }
    _create_timer(rule.id, TimerKind.DEBOUNCE, event.entity_type, event.record_id, due, payload)
