"""How a save hands its events to automation: the outbox writer's hook queues one dispatch task inside the
save's transaction (one task per transaction, gone with a rollback, including a rolled-back savepoint's),
autocommitted writes queue their own, and a failure to queue never fails the save."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from potok.automation.services import rule_create
from potok.core.models import DomainEvent
from tests.automation.conftest import started

pytestmark = pytest.mark.django_db(transaction=True)


class Refused(Exception):
    pass


@pytest.fixture
def every_complaint(admin: Any, s2_processes: Any, complaint_type: Any) -> Any:
    return rule_create(
        actor=admin,
        data={
            "name": "Every complaint",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )


def _tasks() -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="dispatch_events_from")


def _new_tasks(before: set[Any]) -> list[Any]:
    return list(_tasks().exclude(id__in=before).order_by("enqueued_at"))


def _run(tasks: list[Any]) -> int:
    from potok.automation.tasks import dispatch_events_from

    return sum(dispatch_events_from.call(*task.args_kwargs["args"]) for task in tasks)


class _Failing:
    """Stands for the dispatch task (a frozen dataclass): queueing it raises."""

    def __init__(self, enqueue: Any) -> None:
        self.enqueue = enqueue


def _last_event() -> int:
    return DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_savepoints_rolled_back_around_surviving_events_leave_one_task_that_dispatches_them_all(
    every_complaint: Any, make_complaint: Any, worker: Any
) -> None:
    make_complaint()  # with the default client, made and dispatched before
    worker()
    before = set(_tasks().values_list("id", flat=True))
    last = _last_event()
    # when one transaction saves a complaint, then one in a savepoint that rolls back, then one in a
    # savepoint that is kept, then one more
    with transaction.atomic():
        first = make_complaint(subject="first")
        with pytest.raises(Refused), transaction.atomic():
            make_complaint(subject="rolled back")
            raise Refused
        with transaction.atomic():
            kept = make_complaint(subject="kept savepoint")
        later = make_complaint(subject="later")
    # then one task was queued, naming the transaction's first event
    tasks = _new_tasks(before)
    events = list(DomainEvent.objects.filter(id__gt=last).order_by("id"))
    assert {event.record_id for event in events} == {first.pk, kept.pk, later.pk}
    assert len(tasks) == 1 and tasks[0].args_kwargs["args"] == [events[0].pk]
    # and running it dispatches every surviving event once: three processes, none for the rolled-back one
    assert _run(tasks) == len(events)
    assert started("complaint_review") == 1 + 3
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_rolled_back_savepoint_that_queued_the_task_does_not_lose_the_transactions_other_events(
    every_complaint: Any, make_complaint: Any, worker: Any
) -> None:
    make_complaint()
    worker()
    before = set(_tasks().values_list("id", flat=True))
    last = _last_event()
    # when the transaction's first save is in a savepoint that rolls back (its task row with it), and the
    # saves after it survive: one at the top, one in a kept savepoint, one after a second rolled-back one
    with transaction.atomic():
        with pytest.raises(Refused), transaction.atomic():
            make_complaint(subject="rolled back first")
            raise Refused
        second = make_complaint(subject="second")
        with transaction.atomic():
            third = make_complaint(subject="third")
        with pytest.raises(Refused), transaction.atomic():
            make_complaint(subject="rolled back again")
            raise Refused
        fourth = make_complaint(subject="fourth")
    # then exactly one task survives, naming the first surviving event, and it dispatches all three
    tasks = _new_tasks(before)
    events = list(DomainEvent.objects.filter(id__gt=last).order_by("id"))
    assert [event.record_id for event in events] == [second.pk, third.pk, fourth.pk]
    assert len(tasks) == 1 and tasks[0].args_kwargs["args"] == [events[0].pk]
    assert _run(tasks) == 3
    assert started("complaint_review") == 1 + 3
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_transaction_rolled_back_queues_nothing(every_complaint: Any, make_complaint: Any) -> None:
    make_complaint()
    before = set(_tasks().values_list("id", flat=True))
    last = _last_event()
    with pytest.raises(Refused), transaction.atomic():
        make_complaint()
        make_complaint()
        raise Refused
    assert _new_tasks(before) == []
    assert not DomainEvent.objects.filter(id__gt=last).exists()


def test_autocommitted_events_queue_a_task_each(admin: Any, s2_processes: Any) -> None:
    from potok.core.events import emit_domain_event

    rule_create(  # a rule that hears the events below
        actor=admin,
        data={
            "name": "Gone clients",
            "entity_type": "counterparty",
            "event": "deleted",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )
    before = set(_tasks().values_list("id", flat=True))
    # when events are written outside any transaction
    assert not transaction.get_connection().in_atomic_block
    first = emit_domain_event(entity_type="counterparty", record_id=1, kind="deleted")
    second = emit_domain_event(entity_type="counterparty", record_id=2, kind="deleted")
    # then each queued its own task, already visible
    tasks = _new_tasks(before)
    assert sorted(task.args_kwargs["args"][0] for task in tasks) == [first.pk, second.pk]
    assert _run(tasks) == 2


def test_a_task_that_cannot_be_queued_does_not_fail_the_save_and_the_sweeper_dispatches(
    every_complaint: Any, make_complaint: Any, monkeypatch: Any, worker: Any
) -> None:
    from django.db import DatabaseError

    from potok.automation import tasks as automation_tasks

    make_complaint()
    worker()
    before = set(_tasks().values_list("id", flat=True))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the task backend is misconfigured")

    monkeypatch.setattr(automation_tasks, "dispatch_events_from", _Failing(broken))
    # when the task cannot be queued, in a transaction and outside one (a database error there too)
    complaint = make_complaint(subject="saved anyway")

    def database_down(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(automation_tasks, "dispatch_events_from", _Failing(database_down))
    from potok.core.events import emit_domain_event

    emit_domain_event(entity_type="counterparty", record_id=1, kind="deleted")
    # then the saves stand, no task was queued, and the sweeper starts the process
    assert DomainEvent.objects.filter(record_id=complaint.pk, dispatched_at__isnull=True).exists()
    assert _new_tasks(before) == []
    monkeypatch.undo()
    worker()
    assert started("complaint_review") == 2
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_database_error_while_queueing_inside_a_transaction_fails_that_transaction(
    every_complaint: Any, make_complaint: Any, monkeypatch: Any
) -> None:
    from django.db import DatabaseError

    from potok.automation import tasks as automation_tasks

    make_complaint()
    last = _last_event()

    def database_down(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("the transaction is aborted")

    monkeypatch.setattr(automation_tasks, "dispatch_events_from", _Failing(database_down))
    with pytest.raises(DatabaseError):
        make_complaint(subject="its transaction is broken")
    assert not DomainEvent.objects.filter(id__gt=last).exists()


def test_events_no_rule_listens_to_queue_no_task_and_the_sweeper_marks_them_dispatched(
    every_complaint: Any, admin: Any
) -> None:
    from potok.automation.dispatch import dispatch_pending
    from potok.core.events import emit_domain_event

    before = set(_tasks().values_list("id", flat=True))
    # when a transaction writes events of a kind no enabled rule listens to (the rule hears new complaints)
    with transaction.atomic():
        unheard = emit_domain_event(entity_type="counterparty", record_id=1, kind="deleted")
    # then no dispatch task was queued for them, and the sweeper marks them dispatched
    assert _new_tasks(before) == []
    assert dispatch_pending(min_age=timedelta(0)) >= 1
    unheard.refresh_from_db()
    assert unheard.dispatched_at is not None
    # and once a rule listens to that kind, the next such save queues its task again
    rule_create(
        actor=admin,
        data={
            "name": "Gone clients",
            "entity_type": "counterparty",
            "event": "deleted",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )
    with transaction.atomic():
        heard = emit_domain_event(entity_type="counterparty", record_id=2, kind="deleted")
    assert [task.args_kwargs["args"] for task in _new_tasks(before)] == [[heard.pk]]


def test_the_sweeper_takes_more_than_one_batch_per_round(every_complaint: Any) -> None:
    from potok.automation.dispatch import dispatch_pending
    from potok.core.events import NewEvent, emit_domain_events

    # when 1 200 events nobody listens to wait for the sweeper
    with transaction.atomic():
        emit_domain_events(
            [NewEvent(entity_type="counterparty", record_id=n, kind="deleted") for n in range(1200)]
        )
    # then one sweep marks them all, 500 at a time
    assert dispatch_pending(min_age=timedelta(0), limit=500) >= 1200
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_save_asks_which_kinds_rules_listen_to_without_compiling_the_rules(
    every_complaint: Any, make_complaint: Any
) -> None:
    from potok.automation import ruleset

    # given a process that has not read the rules yet (a web process just started)
    ruleset.forget_cache()
    before = set(_tasks().values_list("id", flat=True))
    # when it saves a complaint, which a rule listens to
    with transaction.atomic():
        make_complaint(subject="first save")
    # then the dispatch task is queued, and no rule was compiled for it (a worker compiles them to dispatch)
    assert len(_new_tasks(before)) == 1
    assert ruleset._cached is None
