"""Time: cron schedules in a time zone, schedule rules ticking, a time rule's timer following its record's
date, linked records and task events, and old evaluations pruned after the retention."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from potok.automation.cron import CronError, parse_cron
from potok.automation.models import RuleEvaluation, RuleStart, RuleTimer, TimerKind
from potok.automation.services import rule_create
from potok.automation.timing import company_zone
from tests.automation.conftest import publish, started


@pytest.mark.parametrize(
    ("cron", "after", "zone", "expected"),
    [
        (
            "0 9 * * 1-5",
            datetime(2026, 3, 6, 10, 0, tzinfo=UTC),
            "Europe/Moscow",
            datetime(2026, 3, 9, 6, 0, tzinfo=UTC),
        ),
        (
            "*/15 * * * *",
            datetime(2026, 1, 1, 0, 7, tzinfo=UTC),
            "UTC",
            datetime(2026, 1, 1, 0, 15, tzinfo=UTC),
        ),
        ("0 0 1 jan *", datetime(2026, 6, 1, tzinfo=UTC), "UTC", datetime(2027, 1, 1, tzinfo=UTC)),
        (
            "30 2 * * sun",
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            "UTC",
            datetime(2026, 3, 29, 2, 30, tzinfo=UTC),
        ),
        # 02:30 does not exist in Berlin on 29 March 2026 (clocks go forward): the next day's
        (
            "30 2 * * *",
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            "Europe/Berlin",
            datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
        ),
        # day of month OR day of week when both are restricted
        ("0 12 13 * 5", datetime(2026, 2, 1, tzinfo=UTC), "UTC", datetime(2026, 2, 6, 12, 0, tzinfo=UTC)),
        ("0 0 31 2 *", datetime(2026, 1, 1, tzinfo=UTC), "UTC", None),
    ],
)
def test_cron_next_moment(cron: str, after: datetime, zone: str, expected: datetime | None) -> None:
    assert parse_cron(cron).next_after(after, zone) == expected


@pytest.mark.parametrize(
    "bad", ["* * * *", "60 * * * *", "* 24 * * *", "5-1 * * * *", "*/0 * * * *", "a * * * *"]
)
def test_bad_cron_is_refused_with_the_field(bad: str) -> None:
    with pytest.raises(CronError):
        parse_cron(bad)


@pytest.mark.django_db
def test_a_schedule_rule_starts_once_per_tick(frozen, admin, worker) -> None:
    publish("daily_report", "Daily report")
    now = frozen()
    rule = rule_create(
        actor=admin,
        data={
            "name": "Every day at 9",
            "event": "schedule",
            "options": {"cron": "0 9 * * *", "time_zone": "UTC"},
            "process_key": "daily_report",
            "enabled": True,
        },
    )
    timer = RuleTimer.objects.get(rule=rule, kind=TimerKind.SCHEDULE)
    assert timer.due_at > now and timer.due_at.hour == 9 and timer.due_at.minute == 0
    frozen(timer.due_at - now + timedelta(seconds=1))
    worker()
    assert started("daily_report") == 1
    worker()
    assert started("daily_report") == 1
    assert RuleTimer.objects.get(rule=rule).due_at == timer.due_at + timedelta(days=1)
    frozen(timedelta(days=1))
    worker()
    assert started("daily_report") == 2


@pytest.mark.django_db
def test_a_schedule_rule_with_a_record_type_starts_for_each_matching_record(
    frozen, admin, complaint_type, make_complaint, worker
) -> None:
    publish("weekly_check", "Weekly check")
    now = frozen()
    make_complaint(severity="critical")
    make_complaint(severity="low")
    rule = rule_create(
        actor=admin,
        data={
            "name": "Critical ones, hourly",
            "entity_type": "document.complaint",
            "event": "schedule",
            "options": {"cron": "0 * * * *", "time_zone": "Europe/Moscow"},
            "condition": {"field": "severity", "op": "eq", "value": "critical"},
            "process_key": "weekly_check",
            "enabled": True,
        },
    )
    due = RuleTimer.objects.get(rule=rule).due_at
    frozen(due - now + timedelta(seconds=1))
    worker()
    assert started("weekly_check") == 1


@pytest.mark.django_db
def test_a_time_rule_follows_its_date_field(frozen, admin, complaint_type, worker) -> None:
    from potok.documents.services import document_create, document_update, field_create

    field_create(
        actor=None, owner=complaint_type, code="answer_by", label_ru="Ответить до", field_type="date"
    )
    publish("remind", "Remind")
    now = frozen()
    rule = rule_create(
        actor=admin,
        data={
            "name": "A day before the answer is due",
            "entity_type": "document.complaint",
            "event": "time",
            "options": {"date_field": "answer_by", "amount": 1, "unit": "days", "direction": "before"},
            "process_key": "remind",
            "enabled": True,
        },
    )
    from potok.clients.services.counterparties import counterparty_create

    client = counterparty_create(actor=None, fields={"kind": "legal", "name": "ООО «Срок»"})
    complaint = document_create(
        actor=None,
        document_type=complaint_type,
        values={
            "client": client.pk,
            "subject": "x",
            "answer_by": (now + timedelta(days=5)).date().isoformat(),
        },
    )
    worker()
    first = RuleTimer.objects.get(rule=rule).due_at
    answer_by = (now + timedelta(days=5)).date()
    assert first == datetime.combine(answer_by - timedelta(days=1), time(0, 0), tzinfo=company_zone())
    # the date moves: so does the timer
    document_update(
        actor=None,
        document=complaint,
        values={"answer_by": (now + timedelta(days=10)).date().isoformat()},
        expected_version=None,
    )
    worker()
    assert RuleTimer.objects.get(rule=rule).due_at > first
    # the date is cleared: no timer
    document_update(actor=None, document=complaint, values={"answer_by": None}, expected_version=None)
    worker()
    assert not RuleTimer.objects.filter(rule=rule).exists()


@pytest.mark.django_db
def test_an_interaction_added_to_a_counterparty_is_a_linked_record(admin, make_counterparty, worker) -> None:
    from potok.clients.services.interactions import interaction_create

    publish("follow_up", "Follow up")
    rule = rule_create(
        actor=admin,
        data={
            "name": "New call with a VIP",
            "entity_type": "counterparty",
            "event": "linked",
            "options": {"related_entity_type": "interaction"},
            "condition": {"field": "segment", "op": "eq", "value": "VIP"},
            "process_key": "follow_up",
            "enabled": True,
        },
    )
    vip = make_counterparty("ООО «ВИП»", segment="VIP")
    worker()
    interaction_create(
        actor=admin,
        counterparty=vip,
        fields={
            "kind": "call",
            "subject": "Звонок",
            "occurred_at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        },
    )
    worker()
    assert RuleStart.objects.filter(rule=rule, record_id=vip.pk).count() == 1


@pytest.mark.django_db
def test_a_completed_task_starts_a_process_for_the_tasks_record(
    admin, complaint_type, make_complaint, worker
) -> None:
    from potok.core.events import emit_domain_event

    publish("after_review", "After review")
    rule = rule_create(
        actor=admin,
        data={
            "name": "After the review task",
            "event": "task_completed",
            "options": {"process_key": "complaint_review", "node_id": "review"},
            "condition": {"field": "record.severity", "op": "eq", "value": "high"},
            "process_key": "after_review",
            "enabled": True,
        },
    )
    complaint = make_complaint(severity="high")
    snapshot = {
        "process": "complaint_review",
        "node": "review",
        "name": "Review",
        "entity_type": "document.complaint",
        "record_id": complaint.pk,
        "task_id": "t1",
    }
    emit_domain_event(
        entity_type="task",
        record_id=7,
        kind="updated",
        changes={"state": ("open", "completed")},
        snapshot=snapshot,
    )
    emit_domain_event(
        entity_type="task",
        record_id=8,
        kind="updated",
        changes={"state": ("open", "cancelled")},
        snapshot=snapshot,
    )
    emit_domain_event(
        entity_type="task",
        record_id=9,
        kind="updated",
        changes={"state": ("open", "completed")},
        snapshot={**snapshot, "node": "other"},
    )
    worker()
    start = RuleStart.objects.get(rule=rule)
    assert (start.entity_type, start.record_id) == ("document.complaint", complaint.pk)
    from potok.processes.models import ProcessInstance

    assert ProcessInstance.objects.get(process_id="after_review").record_id == complaint.pk


@pytest.mark.django_db
def test_evaluations_older_than_the_retention_are_pruned(
    frozen, admin, s2_processes, complaint_type, make_complaint, worker, settings
) -> None:
    from potok.automation.services.housekeeping import evaluations_prune

    settings.POTOK_EVALUATION_RETENTION_DAYS = 30
    rule_create(
        actor=admin,
        data={
            "name": "Any",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )
    make_complaint()
    worker()
    frozen(timedelta(days=20))
    make_complaint()
    worker()
    frozen(timedelta(days=15))
    assert evaluations_prune() == 1
    assert RuleEvaluation.objects.count() == 1
    assert evaluations_prune() == 0
