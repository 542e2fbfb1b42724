"""A batch of time-based starts addresses its first tasks as starts one by one would: a round-robin role
rotates fairly, an absent holder's turn goes to the others, every performer is told, the deadline is on the
working calendar — with the role, its holders, absences and calendars read once for the batch."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from potok.accounts.models import Absence, Role, RoleAssignment, User
from potok.automation.services import rule_create
from potok.notifications.models import Notification
from potok.processes.models import Task
from potok.processes.services.definitions import process_publish_file
from tests.automation.conftest import POTOK_NS

pytestmark = pytest.mark.django_db

ROLE_PROCESS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:potok="{POTOK_NS}"
                  id="d_callback" targetNamespace="urn:potok:test">
  <bpmn:process id="callback" name="Перезвонить" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="call"/>
    <bpmn:userTask id="call" name="Перезвонить клиенту"><bpmn:extensionElements>
      <potok:performer kind="role" role="callers" strategy="round_robin"/>
      <potok:deadline duration="2 working days"/>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _callers(count: int) -> list[User]:
    role = Role.objects.create(code="callers", name_ru="Обзвон", name_en="Callers")
    people = [User.objects.create(username=f"caller{n}", email=f"caller{n}@example.ru") for n in range(count)]
    for person in people:
        RoleAssignment.objects.create(role=role, user=person)
    return people


def _due_together(admin: Any, make_complaint: Any, frozen: Any, worker: Any, count: int) -> list[Any]:
    process_publish_file(actor=None, data=ROLE_PROCESS, source_name="callback.bpmn")
    frozen()
    rule_create(
        actor=admin,
        data={
            "name": "Call back after ten days",
            "entity_type": "document.complaint",
            "event": "time",
            "options": {"date_field": "created", "amount": 10, "unit": "days"},
            "process_key": "callback",
            "enabled": True,
        },
    )
    complaints = [make_complaint() for _ in range(count)]
    worker()
    frozen(timedelta(days=10, minutes=1))
    return complaints


def test_a_batch_gives_the_tasks_round_the_role_and_tells_each_performer(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any
) -> None:
    # given three people in a round-robin role and nine complaints whose moment comes at once
    people = _callers(3)
    complaints = _due_together(admin, make_complaint, frozen, worker, 9)
    # when the worker fires their timers as one batch
    with CaptureQueriesContext(connection) as queries:
        worker()
    # then every complaint has its task, three per person, each with a deadline and a notice to its performer
    tasks = list(Task.objects.filter(process_id="callback", state="open"))
    assert sorted(task.record_id for task in tasks) == sorted(c.pk for c in complaints)
    assert Counter(task.assignee_id for task in tasks) == {person.pk: 3 for person in people}
    assert all(task.due_at is not None and task.due_at > task.created_at for task in tasks)
    told = Counter(
        Notification.objects.filter(kind="task.assigned", data__task__in=[t.pk for t in tasks]).values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {person.pk: 3 for person in people}
    # and the role's holders were read once for the batch, not once per task
    holders_reads = [q for q in queries.captured_queries if "accounts_roleassignment" in q["sql"]]
    assert len(holders_reads) <= 2


def test_an_absent_holder_gets_none_of_the_batch(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any
) -> None:
    people = _callers(3)
    _due_together(admin, make_complaint, frozen, worker, 6)
    today = frozen().date()
    Absence.objects.create(
        user=people[1], starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=5)
    )
    worker()
    given = Counter(
        Task.objects.filter(process_id="callback", state="open").values_list("assignee_id", flat=True)
    )
    assert given == {people[0].pk: 3, people[2].pk: 3}


def test_a_task_whose_addressing_fails_waits_unassigned_with_its_problem_and_the_others_are_given(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any, monkeypatch: Any
) -> None:
    # given three callers, six complaints due at once, and the addressing of one complaint's task failing
    # (the batch is first tried without a savepoint per task, then again with them)
    from potok.tasks import hooks
    from potok.tasks.models import AddressingProblem

    people = _callers(3)
    complaints = _due_together(admin, make_complaint, frozen, worker, 6)
    bad = complaints[2]
    real = hooks.address_task

    def address_task(task: Any, **kwargs: Any) -> Any:
        if task.record_id == bad.pk:
            raise RuntimeError("the calendar service is down")
        return real(task, **kwargs)

    monkeypatch.setattr(hooks, "address_task", address_task)
    # when the worker fires their timers as one batch
    worker()
    # then every complaint has its task; the bad one's waits for nobody with its problem, the others are given
    tasks = {task.record_id: task for task in Task.objects.filter(process_id="callback", state="open")}
    assert sorted(tasks) == sorted(c.pk for c in complaints)
    assert tasks[bad.pk].assignee_id is None
    problem = AddressingProblem.objects.get(task=tasks[bad.pk])
    assert "the calendar service is down" in problem.message
    given = Counter(task.assignee_id for record, task in tasks.items() if record != bad.pk)
    assert sum(given.values()) == 5 and set(given) <= {person.pk for person in people}


def test_a_task_whose_addressing_fails_after_its_turn_leaves_the_role_rotation_as_if_it_never_came(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any, monkeypatch: Any
) -> None:
    # given three callers and seven complaints due at once, the first one's addressing failing after its
    # performer was chosen (the round-robin cursor is made by that first choice, inside its savepoint)
    from potok.tasks import hooks
    from potok.tasks.models import RoundRobinCursor

    people = _callers(3)
    complaints = _due_together(admin, make_complaint, frozen, worker, 7)
    assert not RoundRobinCursor.objects.exists()
    real = hooks.address_task
    failed = [complaints[0].pk]

    def address_task(task: Any, **kwargs: Any) -> Any:
        result = real(task, **kwargs)
        if task.record_id == failed[0]:
            raise RuntimeError("the calendar service is down")
        return result

    monkeypatch.setattr(hooks, "address_task", address_task)
    # when the worker fires their timers as one batch
    worker()
    # then the six others went round the role, two each, and the stored cursor counts those six turns and
    # names the last of them, so the next batch goes on from there
    tasks = {task.record_id: task for task in Task.objects.filter(process_id="callback", state="open")}
    assert sorted(tasks) == sorted(c.pk for c in complaints)
    assert tasks[failed[0]].assignee_id is None
    given = [task for record, task in sorted(tasks.items()) if record != failed[0]]
    assert Counter(task.assignee_id for task in given) == {person.pk: 2 for person in people}
    cursor = RoundRobinCursor.objects.get()
    assert cursor.turns == 6
    last = max(given, key=lambda task: task.pk)  # ids are ordered by creation
    assert cursor.last_user_id == last.assignee_id


def test_a_batch_writes_its_notices_and_their_emails_together_and_queues_every_email_after_the_commit(
    frozen: Any, admin: Any, make_complaint: Any, worker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from potok.notifications.models import Delivery

    # given three callers with email addresses and six complaints whose moment comes at once
    people = _callers(3)
    _due_together(admin, make_complaint, frozen, worker, 6)
    # when the worker fires their timers as one batch and the batch commits
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        worker()
    # then each performer's notice has its email, linked to it, and every email is queued for sending
    tasks = [t.pk for t in Task.objects.filter(process_id="callback", state="open")]
    notices = list(Notification.objects.filter(kind="task.assigned", data__task__in=tasks))
    assert len(notices) == 6
    emails = list(Delivery.objects.filter(notification__in=notices, channel="email"))
    assert sorted(email.notification_id for email in emails) == sorted(notice.pk for notice in notices)
    assert all(
        email.recipient_id == notice.recipient_id
        for email in emails
        for notice in notices
        if notice.pk == email.notification_id
    )
    assert {email.recipient_id for email in emails} == {person.pk for person in people}
    assert all(email.enqueued_at is not None for email in emails)
    # and the batch wrote its notices with one statement (on SQLite, where every statement is captured)
    if connection.vendor == "sqlite":
        written = [
            q
            for q in queries.captured_queries
            if q["sql"].startswith('INSERT INTO "notifications_notification"')
        ]
        assert len(written) == 1
