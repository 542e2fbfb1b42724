"""Five escalation tiers of every kind, fired in order once each; the domain events automation matches;
a cancelled process takes its task's grant and timers with it; requirements with a condition."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from potok.access.models import RecordGrant
from potok.core.models import DomainEvent
from potok.notifications.models import Notification
from potok.processes.services.instances import instance_cancel
from potok.tasks.events import task_number
from potok.tasks.models import EscalationTimer, TaskEvent
from potok.tasks.services import check_completion, task_complete
from potok.tasks.services.escalation import fire_due_timers
from tests.tasks.helpers import make_act, make_complaint, open_task, process, publish, start, user

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")

FIVE_TIERS = process(
    "contract_approval",
    """<bpmn:userTask id="work" name="Согласовать договор"><bpmn:extensionElements>
        <potok:performer kind="user" user="sales1"/>
        <potok:deadline duration="1 working day"/>
        <potok:escalation after="PT0S" action="notify" to="performer"/>
        <potok:escalation after="2 working hours" action="notify" to="head"/>
        <potok:escalation after="4 working hours" action="notify" to="role:director user:lawyer"/>
        <potok:escalation after="1 working day" action="reassign" to="role:sales_manager"/>
        <potok:escalation after="2 working days" action="complete" outcome="expired" message-ru="Истёк срок" message-en="Expired"/>
        <potok:outcome code="ok" label-ru="Согласовано" label-en="Approved"/>
        <potok:outcome code="expired" label-ru="Истёк срок" label-en="Expired"/>
    </bpmn:extensionElements></bpmn:userTask>""",
)


def test_five_tiers_fire_in_order_once_each(demo_company, frozen) -> None:
    # given a task due Tuesday 10:00 (created Monday 10:00)
    frozen(datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    publish(FIVE_TIERS)
    complaint = make_complaint()
    instance = start("contract_approval", complaint)
    task = open_task(instance, "work")
    assert task.due_at.astimezone(MSK) == datetime(2026, 3, 3, 10, 0, tzinfo=MSK)
    assert EscalationTimer.objects.filter(task=task).count() == 6
    # when the worker comes back a week later
    frozen(datetime(2026, 3, 10, 10, 0, tzinfo=MSK))
    assert fire_due_timers() == 6
    assert fire_due_timers() == 0
    # then each tier fired once, in order
    escalations = list(TaskEvent.objects.filter(task=task, kind="escalated").order_by("id"))
    assert [(e.tier, e.details["action"]) for e in escalations] == [
        (0, "notify"),
        (1, "notify"),
        (2, "notify"),
        (3, "reassign"),
        (4, "complete"),
    ]
    assert escalations[1].details["notified"] == ["sales_head"]
    assert sorted(escalations[2].details["notified"]) == ["director", "lawyer"]
    assert Notification.objects.filter(recipient=user("director"), kind="task.escalated").exists()
    # the reassign tier put it in the sales managers' queue; the last tier completed it
    assert escalations[3].previous_assignee == user("sales1") and escalations[3].assignee is None
    task.refresh_from_db()
    instance.refresh_from_db()
    assert task.state == "completed" and task.outcome == "expired"
    assert instance.state == "completed" and instance.variables["work_outcome"] == "expired"
    # and automation sees "overdue" once and "completed" once, naming the task by its number
    events = DomainEvent.objects.filter(entity_type="task", record_id=task_number(task)).order_by("id")
    assert [event.changes for event in events] == [
        {"overdue": [False, True]},
        {"state": ["open", "completed"]},
    ]
    completed = events.last()
    assert completed.snapshot["outcome"] == "expired" and completed.snapshot["process"] == "contract_approval"
    assert (
        completed.related_entity_type == "document.complaint" and completed.related_record_id == complaint.pk
    )


def test_a_cancelled_process_closes_its_task_grant_and_timers(demo_company) -> None:
    publish(FIVE_TIERS)
    instance = start("contract_approval", make_complaint())
    task = open_task(instance, "work")
    assert RecordGrant.objects.filter(source="task", source_id=task.pk).exists()
    instance_cancel(actor=user("admin"), instance_id=instance.pk, reason="Ошибка")
    task.refresh_from_db()
    assert task.state == "cancelled"
    assert not RecordGrant.objects.filter(source="task", source_id=task.pk).exists()
    assert not EscalationTimer.objects.filter(task=task, fired_at__isnull=True).exists()
    assert TaskEvent.objects.filter(task=task, kind="cancelled").exists()
    assert DomainEvent.objects.filter(entity_type="task", changes__state=["open", "cancelled"]).exists()


def test_a_requirement_with_a_condition_and_the_process_scope(demo_company) -> None:
    publish(
        process(
            "signed_act",
            """<bpmn:userTask id="work" name="Подписать акт"><bpmn:extensionElements>
                <potok:performer kind="user" user="investigator1"/>
                <potok:requires type="investigation_act" link="complaint" scope="process"
                    condition="cause = 'carrier'" label-ru="Акт о вине перевозчика" label-en="Carrier act"/>
            </bpmn:extensionElements></bpmn:userTask>""",
        )
    )
    complaint = make_complaint()
    make_act(complaint, cause="carrier")  # made before the process started: does not count
    instance = start("signed_act", complaint)
    task = open_task(instance, "work")
    vera = user("investigator1")
    with pytest.raises(Exception, match="Акт о вине перевозчика"):
        check_completion(actor=vera, task=task)
    make_act(complaint, cause="client")  # does not meet the condition
    with pytest.raises(Exception, match="cause = 'carrier'"):
        check_completion(actor=vera, task=task)
    make_act(complaint, cause="carrier")
    task_complete(actor=vera, task=task)
    task.refresh_from_db()
    assert task.state == "completed" and task.outcome == "done"
