"""S3: deadlines on the business calendar, reminders, the task becoming overdue, escalation tiers that
fire in order and once each — also after the worker was down — substitution and redirect."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from potok.core.models import DomainEvent
from potok.notifications.models import Notification
from potok.tasks.models import EscalationTimer, TaskEvent
from potok.tasks.services import task_complete, task_redirect
from potok.tasks.services.escalation import claim_due_timers, fire_due_timers
from tests.tasks.helpers import make_complaint, open_task, start, user

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
# Friday 8 May 2026, 15:00: a shortened day before Victory Day (9 May, a Saturday, moved to Monday 11 May).
FRIDAY_AFTERNOON = datetime(2026, 5, 8, 15, 0, tzinfo=MSK)


def investigation_for(investigator: str, frozen) -> tuple:  # type: ignore[no-untyped-def]
    frozen(FRIDAY_AFTERNOON)
    complaint = make_complaint()
    instance = start("complaint_review_tasks", complaint)
    assign = open_task(instance, "assign")
    task_complete(actor=user("service_head"), task=assign, values={"investigator": user(investigator).pk})
    return complaint, instance, open_task(instance, "investigate")


def kinds(task) -> list[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    return list(TaskEvent.objects.filter(task=task).order_by("id").values_list("kind", "tier"))


def test_deadlines_skip_the_holiday_and_keep_the_hour(complaint_process, frozen) -> None:
    # given a complaint registered on a Friday afternoon before the May holidays
    frozen(FRIDAY_AFTERNOON)
    instance = start("complaint_review_tasks", make_complaint())
    # then «Назначить ответственного» (4 working hours) is due on Tuesday at 11:00: two hours left on the
    # shortened Friday (till 17:00), Saturday to Monday off, then two hours from 9:00
    assign = open_task(instance, "assign")
    assert assign.due_at.astimezone(MSK) == datetime(2026, 5, 12, 11, 0, tzinfo=MSK)
    # when it is completed at once
    task_complete(actor=user("service_head"), task=assign, values={"investigator": user("investigator1").pk})
    # then «Провести расследование» (2 working days) is due on Wednesday at 15:00
    investigate = open_task(instance, "investigate")
    assert investigate.due_at.astimezone(MSK) == datetime(2026, 5, 13, 15, 0, tzinfo=MSK)
    # and its timers: a reminder 2 hours before, the deadline, the head notified at once, reassigned to
    # him one working day later (Thursday 15:00)
    timers = list(
        EscalationTimer.objects.filter(task=investigate).order_by("position").values_list("kind", "due_at")
    )
    assert [(kind, due.astimezone(MSK)) for kind, due in timers] == [
        ("reminder", datetime(2026, 5, 13, 13, 0, tzinfo=MSK)),
        ("overdue", datetime(2026, 5, 13, 15, 0, tzinfo=MSK)),
        ("escalation", datetime(2026, 5, 13, 15, 0, tzinfo=MSK)),
        ("escalation", datetime(2026, 5, 14, 15, 0, tzinfo=MSK)),
    ]


def test_overdue_notifies_the_head_then_reassigns_to_him(complaint_process, frozen) -> None:
    # given Вера investigates, due Wednesday 15:00
    _complaint, _instance, task = investigation_for("investigator1", frozen)
    head = user("service_head")
    # when the reminder is due
    frozen(datetime(2026, 5, 13, 13, 0, 30, tzinfo=MSK))
    assert fire_due_timers() == 1
    assert Notification.objects.filter(recipient=user("investigator1"), kind="task.reminder").count() == 1
    # when the deadline passes
    frozen(datetime(2026, 5, 13, 15, 1, tzinfo=MSK))
    assert fire_due_timers() == 2
    # then the task is overdue (a domain event automation can match) and the head is notified
    task.refresh_from_db()
    assert task.assignee == user("investigator1")
    assert Notification.objects.filter(recipient=head, kind="task.escalated").count() == 1
    assert Notification.objects.filter(recipient=user("investigator1"), kind="task.overdue").count() == 1
    overdue_events = DomainEvent.objects.filter(entity_type="task", changes__has_key="overdue")
    assert overdue_events.count() == 1
    event = overdue_events.get()
    assert event.changes == {"overdue": [False, True]}
    assert event.snapshot["node"] == "investigate" and event.snapshot["assignee"] == "investigator1"
    # when one more working day passes (Thursday 15:00; the night does not count)
    frozen(datetime(2026, 5, 14, 14, 59, tzinfo=MSK))
    assert fire_due_timers() == 0
    frozen(datetime(2026, 5, 14, 15, 1, tzinfo=MSK))
    assert fire_due_timers() == 1
    # then the task is his, and the history says who had it and why it moved
    task.refresh_from_db()
    assert task.assignee == head
    escalated = TaskEvent.objects.filter(task=task, kind="escalated").order_by("id")
    assert [(e.tier, e.details["action"]) for e in escalated] == [(0, "notify"), (1, "reassign")]
    assert escalated.last().previous_assignee == user("investigator1")
    assert escalated.last().assignee == head
    # and nothing fires twice
    frozen(datetime(2026, 5, 20, 12, 0, tzinfo=MSK))
    assert fire_due_timers() == 0


def test_tiers_fire_in_order_once_each_after_the_worker_was_down(complaint_process, frozen) -> None:
    # given the worker was down from Wednesday morning until the next Monday
    _complaint, _instance, task = investigation_for("investigator1", frozen)
    frozen(datetime(2026, 5, 18, 10, 0, tzinfo=MSK))
    # when it comes back, the due timers are claimed by one worker that dies before firing them
    claimed = claim_due_timers()
    assert len(claimed) == 4
    assert fire_due_timers() == 0  # leased: nobody else fires them meanwhile
    # and another worker takes over once the lease expired
    frozen(datetime(2026, 5, 18, 10, 2, tzinfo=MSK))
    assert fire_due_timers() == 4  # the reminder fires silently: its deadline has passed
    assert fire_due_timers() == 0
    # then overdue, notify and reassign happened once each, in that order
    assert [kind for kind in kinds(task) if kind[0] in ("reminded", "overdue", "escalated")] == [
        ("overdue", None),
        ("escalated", 0),
        ("escalated", 1),
    ]
    task.refresh_from_db()
    assert task.assignee == user("service_head")
    assert EscalationTimer.objects.filter(task=task, fired_at__isnull=True).count() == 0


def test_an_absent_performer_s_task_goes_to_the_deputy_and_the_history_says_for_whom(
    complaint_process, frozen
) -> None:
    # given Глеб is on leave this week, with Вера as his deputy
    from potok.accounts.services import absence_create, substitution_create

    glеb, vera = user("investigator2"), user("investigator1")
    absence_create(actor=None, user=glеb, kind="leave", starts_on=date(2026, 5, 4), ends_on=date(2026, 5, 15))
    substitution_create(
        actor=None, absent=glеb, deputy=vera, starts_on=date(2026, 5, 4), ends_on=date(2026, 5, 15)
    )
    # when the head names Глеб as the investigator
    _complaint, _instance, task = investigation_for("investigator2", frozen)
    # then Вера has the task, for Глеб
    assert task.assignee == vera and task.addressed_to == glеb
    assigned = TaskEvent.objects.get(task=task, kind="assigned")
    assert assigned.assignee == vera and assigned.addressed_to == glеb
    assert Notification.objects.filter(recipient=vera, kind="task.assigned").exists()


def test_the_head_redirects_a_task_and_the_history_keeps_both_names(complaint_process, frozen) -> None:
    complaint, _instance, task = investigation_for("investigator1", frozen)
    head, vera, gleb = user("service_head"), user("investigator1"), user("investigator2")
    # when the head redirects Вера's task to Глеб
    task_redirect(actor=head, task=task, to_user=gleb, reason="Вера занята другой претензией")
    # then it is Глеб's, and the history names both
    task.refresh_from_db()
    assert task.assignee == gleb
    redirected = TaskEvent.objects.get(task=task, kind="redirected")
    assert (redirected.previous_assignee, redirected.assignee, redirected.actor) == (vera, gleb, head)
    assert redirected.reason == "Вера занята другой претензией"
    assert Notification.objects.filter(recipient=gleb, kind="task.assigned").exists()
    assert Notification.objects.filter(recipient=vera, kind="task.redirected").exists()
    # and the deadline did not move
    assert task.due_at.astimezone(MSK) == datetime(2026, 5, 13, 15, 0, tzinfo=MSK)
    assert complaint.pk == task.record_id
    assert timedelta(0) < task.due_at - FRIDAY_AFTERNOON
