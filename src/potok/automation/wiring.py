"""Connecting automation to the rest of Potok at start-up: the outbox writer's hook that queues the
dispatch, the periodic work, the declared effects of actions."""

from __future__ import annotations

import logging

from potok.core import periodic
from potok.core.events import register_writer

logger = logging.getLogger(__name__)

# Events handed to one dispatch task: an import of 10 000 rows queues ten tasks, not 10 000.
CHUNK = 1000


def queue_dispatch(event_ids: list[int]) -> None:
    """The former outbox consumer (after commit), kept for the benchmark's comparison: queue the dispatch in
    a transaction of its own. `queue_in_transaction` is what is wired."""
    from django.db import connection, transaction

    from potok.automation.tasks import dispatch_events

    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The task row is only the fast path (the committed outbox row is the truth, and the sweeper
                # finds it): no need to wait for the disk, which would double the cost of every save.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for start in range(0, len(event_ids), CHUNK):
                dispatch_events.enqueue(event_ids[start : start + CHUNK])
    except Exception:  # a save never fails because of automation; the outbox row is the truth
        logger.exception("could not queue the dispatch of %s events; the sweeper will", len(event_ids))


class _Queued:
    """Marks, among a transaction's on-commit callbacks, that its dispatch task is queued: gone when the
    transaction (or the savepoint that queued it) rolls back, and run (doing nothing) when it commits."""

    def __call__(self) -> None:
        return None


def queue_in_transaction(event_ids: list[int], kinds: list[tuple[str, str]] | None = None) -> None:
    """The outbox writer's hook, called inside the transaction that wrote `event_ids` (`kinds`: each
    event's entity type and kind): queue one dispatch task per transaction, naming its first event
    (`dispatch_from` takes the rest). The task row is one INSERT in the transaction already open; it
    becomes visible with the commit, so the events are still dispatched only after it, and it vanishes
    with a rollback, like the events. Outside a transaction (autocommit) each call queues its own task.

    Events no enabled rule listens to (by the rules as this transaction reads them) queue nothing: their
    dispatch would only mark them dispatched, which the sweeper does a few seconds later for many at once.
    A rule enabled while such a save was under way hears its event from the sweeper: a rule hears only
    events that occurred after it was enabled, whichever way they reach it.

    The marker that says "queued" is an on-commit callback, so it goes with the savepoint that queued the
    task: after that savepoint rolls back (its events and task row with it), the transaction's next events
    queue a task of their own. Events written before such a savepoint do not depend on its task: the
    transaction's first event queued one before the savepoint began. A task that could not be queued (an error
    that is not the database's) is logged and the save goes on; the sweeper (`dispatch_pending`) dispatches
    those events a few seconds later. A database error inside a transaction propagates: that transaction
    is broken and its own writes fail with it; outside one, the event is already committed and the error
    is only logged."""
    from django.db import DatabaseError, transaction

    from potok.automation.tasks import dispatch_events_from

    if not event_ids:
        return
    connection = transaction.get_connection()
    queued = getattr(connection, "_potok_dispatch_queued", None)
    if queued is not None and any(entry[1] is queued for entry in connection.run_on_commit):
        return
    try:
        if kinds is not None and not _heard(kinds):
            return
        dispatch_events_from.enqueue(min(event_ids))
    except DatabaseError:
        if connection.in_atomic_block:
            raise  # the save's transaction is broken: its own writes fail with it
        logger.exception("could not queue the dispatch of %s events; the sweeper will", len(event_ids))
        return
    except Exception:  # a save never fails because of automation; the outbox row is the truth
        logger.exception("could not queue the dispatch of %s events; the sweeper will", len(event_ids))
        return
    queued = _Queued()
    connection._potok_dispatch_queued = queued
    transaction.on_commit(queued)


def _heard(kinds: list[tuple[str, str]]) -> bool:
    """Whether an enabled rule listens to any of these (entity type, kind): one small query when the rules
    did not change since this process last read them, and no rule compiled."""
    from potok.automation.ruleset import listened_kinds

    return not listened_kinds().isdisjoint(kinds)


def connect() -> None:
    from potok.automation import dispatch, effects, timers
    from potok.automation.services import applications, housekeeping, manual

    register_writer(queue_in_transaction)
    effects.declare_builtin()
    periodic.register("automation.dispatch_pending", dispatch.dispatch_pending, every=1.0)
    periodic.register("automation.fire_due_timers", timers.fire_due_timers, every=0.5)
    periodic.register("automation.advance_applications", applications.applications_advance, every=1.0)
    periodic.register("automation.run_manual_starts", manual.manual_starts_sweep, every=2.0)
    periodic.register("automation.check_rules", housekeeping.rules_check_periodically, every=60.0)
    periodic.register(
        "automation.prune_evaluations", housekeeping.evaluations_prune_periodically, every=3600.0
    )
