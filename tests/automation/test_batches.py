"""Work in batches: time-based starts fired many at once (one transaction per batch, the exactly-once keys
inserted together), a failing start that costs the batch's others nothing, and one dispatch task queued in
the transaction that wrote the events, visible only with its commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from potok.automation.models import (
    IncidentState,
    Outcome,
    RuleEvaluation,
    RuleIncident,
    RuleStart,
    RuleTimer,
    TimerKind,
    Trigger,
)
from potok.automation.services import rule_create
from potok.core.models import DomainEvent
from potok.processes.models import ProcessInstance
from tests.automation.conftest import publish, started

pytestmark = pytest.mark.django_db


def _time_rule(admin: Any, name: str, **extra: Any) -> Any:
    data = {
        "name": name,
        "entity_type": "document.complaint",
        "event": "time",
        "options": {"date_field": "created", "amount": 10, "unit": "days"},
        "process_key": "remind",
        "enabled": True,
        **extra,
    }
    return rule_create(actor=admin, data=data)


def test_records_reaching_their_moment_together_start_once_each(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any
) -> None:
    # given a time rule "ten days after a high-severity complaint came in" and twelve complaints, half high
    publish("remind", "Remind")
    frozen()
    rule = _time_rule(admin, "Ten days on", condition={"field": "severity", "op": "eq", "value": "high"})
    complaints = [make_complaint(severity="high" if n % 2 else "low") for n in range(12)]
    worker()
    assert RuleTimer.objects.filter(rule=rule, kind=TimerKind.TIME).count() == 12
    # when their moment comes for all of them at once
    frozen(timedelta(days=10, minutes=1))
    worker()
    # then each high one has exactly one process, which knows the start that made it
    high = {complaint.pk for n, complaint in enumerate(complaints) if n % 2}
    instances = ProcessInstance.objects.filter(process_id="remind")
    assert set(instances.values_list("record_id", flat=True)) == high
    assert instances.count() == len(high)
    starts = RuleStart.objects.filter(rule=rule)
    assert {start.record_id for start in starts} == high
    assert {start.process_instance_id for start in starts} == set(instances.values_list("id", flat=True))
    # and every record's evaluation is written down, with its clause trace; no timer is left
    evaluations = RuleEvaluation.objects.filter(rule=rule, trigger=Trigger.TIME)
    assert evaluations.filter(outcome=Outcome.MATCHED).count() == 6
    assert evaluations.filter(outcome=Outcome.NOT_MATCHED).count() == 6
    assert all(evaluation.trace for evaluation in evaluations)
    assert not RuleTimer.objects.filter(rule=rule).exists()


def test_a_timer_fired_again_for_the_same_moment_starts_nothing_more(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any
) -> None:
    # given three complaints whose time rule started their processes
    publish("remind", "Remind")
    frozen()
    rule = _time_rule(admin, "Ten days on")
    complaints = [make_complaint() for _ in range(3)]
    worker()
    due = {timer.record_id: timer.due_at for timer in RuleTimer.objects.filter(rule=rule)}
    frozen(timedelta(days=10, minutes=1))
    worker()
    assert started("remind") == 3
    # when the same moments fire again (a worker's lease ran out after it had started them)
    RuleTimer.objects.bulk_create(
        RuleTimer(
            rule=rule, kind=TimerKind.TIME, entity_type="document.complaint", record_id=pk, due_at=due[pk]
        )
        for pk in due
    )
    worker()
    # then no second process starts, and the evaluation says why
    assert started("remind") == 3
    skipped = RuleEvaluation.objects.filter(rule=rule, outcome=Outcome.SKIPPED)
    assert sorted(skipped.values_list("record_id", flat=True)) == sorted(c.pk for c in complaints)
    assert all("already" in evaluation.reason for evaluation in skipped)


def test_a_start_failing_for_one_record_costs_the_batch_nothing(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any
) -> None:
    # given a time rule whose variables divide by the claimed amount, and complaints of which one claims 0
    publish("remind", "Remind")
    frozen()
    rule = _time_rule(
        admin,
        "Share of the claim",
        variable_mapping=[{"target": "share", "expr": "1000 / claimed_amount"}],
    )
    good = [make_complaint(claimed_amount="500") for _ in range(4)]
    bad = make_complaint(claimed_amount="0")
    worker()
    # when all five reach their moment together
    frozen(timedelta(days=10, minutes=1))
    worker()
    # then the four good ones started, and the bad one is an incident naming the variable, not a lost batch
    instances = ProcessInstance.objects.filter(process_id="remind")
    assert set(instances.values_list("record_id", flat=True)) == {complaint.pk for complaint in good}
    assert instances.count() == len(good)
    incident = RuleIncident.objects.get(rule=rule, state=IncidentState.OPEN)
    assert incident.record_id == bad.pk
    assert "share" in incident.message
    assert not RuleStart.objects.filter(rule=rule, record_id=bad.pk).exists()
    errored = RuleEvaluation.objects.get(rule=rule, record_id=bad.pk)
    assert errored.outcome == Outcome.ERRORED


def test_a_start_failing_inside_the_process_start_is_undone_alone_and_the_others_start(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any, monkeypatch: Any
) -> None:
    # given a time rule and five complaints, the start of one of which fails after it has written a row
    # (the batch is first tried without a savepoint per start, then again with them)
    from potok.audit.models import AuditEvent
    from potok.processes.services import instances

    publish("remind", "Remind")
    frozen()
    rule = _time_rule(admin, "Remind after ten days")
    good = [make_complaint() for _ in range(4)]
    bad = make_complaint()
    worker()
    real_engine = instances.engine

    def engine(**kwargs: Any) -> Any:
        current = real_engine(**kwargs)
        if (kwargs.get("instance_values") or {}).get("record_id") == bad.pk:

            def start(*args: Any, **more: Any) -> Any:
                AuditEvent.objects.create(
                    occurred_at=frozen(), entity_type="x", record_id="stray", action="a", origin="system"
                )
                raise RuntimeError("the action service is down")

            current.start = start
        return current

    monkeypatch.setattr(instances, "engine", engine)
    # when all five reach their moment together
    frozen(timedelta(days=10, minutes=1))
    worker()
    # then the four good ones started once each, the bad one is an incident, and its stray write is gone
    instances_made = ProcessInstance.objects.filter(process_id="remind")
    assert sorted(instances_made.values_list("record_id", flat=True)) == sorted(c.pk for c in good)
    incident = RuleIncident.objects.get(rule=rule, state=IncidentState.OPEN)
    assert incident.record_id == bad.pk
    assert "the action service is down" in incident.message
    assert not AuditEvent.objects.filter(record_id="stray").exists()
    assert not RuleStart.objects.filter(rule=rule, record_id=bad.pk).exists()
    assert RuleStart.objects.filter(rule=rule).count() == len(good)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_queues_one_dispatch_task_visible_with_its_commit(
    admin: Any, s2_processes: Any, make_complaint: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from potok.automation.dispatch import dispatch_from, dispatch_pending

    # given a rule on new complaints
    rule_create(
        actor=admin,
        data={
            "name": "Every complaint",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )
    tasks = DBTaskResult.objects.filter(task_path__endswith="dispatch_events_from")
    before = tasks.count()
    last = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # when one transaction writes three complaints (the outbox writer's hook is wired)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):
            make_complaint()
    # then one task was queued, naming the transaction's first event a rule listens to: the first
    # complaint's (the client made with it, before it, is heard by no rule)
    assert tasks.count() - before == 1
    events = list(DomainEvent.objects.filter(id__gt=last).order_by("id"))
    assert [event.entity_type for event in events] == ["counterparty"] + ["document.complaint"] * 3
    first = events[1]
    queued = tasks.order_by("-enqueued_at").first()
    assert queued is not None
    assert queued.args_kwargs["args"] == [first.pk]
    # and running it dispatches the complaints' events: three complaints, three processes
    dispatch_from(first.pk)
    assert started("complaint_review") == 3
    assert not DomainEvent.objects.filter(id__gte=first.pk, dispatched_at__isnull=True).exists()
    # and the sweeper marks the client's event dispatched, starting nothing
    dispatch_pending(min_age=timedelta(0))
    assert started("complaint_review") == 3
    assert not DomainEvent.objects.filter(id__gt=last, dispatched_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_dispatch_task(
    admin: Any, s2_processes: Any, make_complaint: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    rule_create(  # a rule on new complaints: their saves queue a dispatch task
        actor=admin,
        data={
            "name": "Every complaint",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )
    make_complaint()  # its client is made outside the transactions below
    tasks = DBTaskResult.objects.filter(task_path__endswith="dispatch_events_from")
    before = tasks.count()
    last = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    class Refused(Exception):
        pass

    # when a save queues its dispatch and then fails
    with pytest.raises(Refused), transaction.atomic():
        make_complaint()
        raise Refused
    # then neither the events nor the task exist
    assert tasks.count() == before
    assert not DomainEvent.objects.filter(id__gt=last).exists()
    # and a savepoint rolled back after queueing does not keep the next save from queueing its own
    with transaction.atomic():
        with pytest.raises(Refused), transaction.atomic():
            make_complaint()
            raise Refused
        assert tasks.count() == before
        make_complaint()
        assert tasks.count() == before + 1
