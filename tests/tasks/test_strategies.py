"""Who gets a task: round robin is fair, the fewest open tasks wins, inactive people are never chosen,
absent ones are skipped, a role nobody holds raises the task to its owner with an addressing problem."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction

from potok.accounts.models import Role, User
from potok.accounts.services import absence_create, role_assign, role_create, user_create, user_set_active
from potok.notifications.models import Notification
from potok.processes.store import starts_together
from potok.tasks import data as process_data
from potok.tasks.addressing import AddressingInput, decide
from potok.tasks.models import AddressingProblem, TaskEvent
from potok.tasks.people import today
from potok.tasks.selectors import inbox
from potok.tasks.spec import read_spec
from tests.tasks.helpers import open_task, process, publish, start, user

pytestmark = pytest.mark.django_db


def team(size: int, role_code: str = "checker") -> tuple[Role, list[User]]:
    role = role_create(actor=None, code=role_code, name_ru="Проверяющий", name_en="Checker")
    people = []
    for number in range(size):
        person = user_create(
            actor=None, username=f"{role_code}{number}", password=None, first_name=f"P{number}"
        )
        role_assign(actor=None, role=role, user=person)
        people.append(person)
    return role, people


def decide_for(spec_xml: dict, *, node_id: str = "work", data: dict | None = None):  # type: ignore[no-untyped-def]
    spec = read_spec(spec_xml)
    return decide(
        spec,
        AddressingInput(
            process_id="p",
            node_id=node_id,
            instance_id="none",
            data=process_data.process_data(data or {}, record=None),
            context=process_data.evaluation_context(),
        ),
    )


def round_robin(role: str = "checker") -> dict:
    return {"performer": [{"kind": "role", "role": role, "strategy": "round_robin"}]}


def test_round_robin_over_a_thousand_tasks_and_five_people_differs_by_at_most_one(demo_company) -> None:
    _role, people = team(5)
    chosen = Counter(decide_for(round_robin()).assignee.username for _ in range(1000))
    assert set(chosen) == {person.username for person in people}
    assert max(chosen.values()) - min(chosen.values()) <= 1


def test_round_robin_skips_inactive_and_absent_people(demo_company) -> None:
    _role, people = team(5)
    user_set_active(actor=None, user=people[1], is_active=False)
    absence_create(
        actor=None, user=people[3], kind="sick", starts_on=today(), ends_on=today() + timedelta(days=3)
    )
    chosen = Counter(decide_for(round_robin()).assignee.username for _ in range(300))
    assert set(chosen) == {people[0].username, people[2].username, people[4].username}
    assert max(chosen.values()) - min(chosen.values()) <= 1


def test_least_open_tasks_picks_the_least_busy(demo_company) -> None:
    _role, people = team(3)
    xml = process(
        "least_open",
        '<bpmn:userTask id="work" name="Проверить"><bpmn:extensionElements>'
        '<potok:performer kind="role" role="checker" strategy="least_open"/>'
        "</bpmn:extensionElements></bpmn:userTask>",
    )
    publish(xml)
    assignees = [open_task(start("least_open"), "work").assignee for _ in range(6)]
    assert Counter(person.username for person in assignees) == {p.username: 2 for p in people}


def test_least_open_counts_the_tasks_given_out_in_the_same_batch_of_starts(demo_company) -> None:
    # given three people and a process whose task goes to the one with the fewest open tasks
    _role, people = team(3)
    publish(
        process(
            "least_open_batch",
            '<bpmn:userTask id="work" name="Проверить"><bpmn:extensionElements>'
            '<potok:performer kind="role" role="checker" strategy="least_open"/>'
            "</bpmn:extensionElements></bpmn:userTask>",
        )
    )
    # when six instances start together, as the worker starts a batch of time-based rules
    with transaction.atomic(), starts_together():
        instances = [start("least_open_batch") for _ in range(6)]
    # then each person has two of the tasks, as when they start one by one
    assignees = [open_task(instance, "work").assignee for instance in instances]
    assert Counter(person.username for person in assignees) == {p.username: 2 for p in people}


def test_an_inactive_named_performer_is_never_chosen(demo_company) -> None:
    gone = user_create(actor=None, username="gone", password=None)
    user_set_active(actor=None, user=gone, is_active=False)
    decision = decide_for(
        {"performer": [{"kind": "user", "user": "gone"}, {"kind": "user", "user": "lawyer"}]}
    )
    assert decision.assignee == user("lawyer")


def test_a_role_nobody_holds_raises_the_task_to_its_owner_and_shows_the_problem(demo_company) -> None:
    # given a role with an owner and nobody holding it
    role_create(actor=None, code="auditor", name_ru="Аудитор", name_en="Auditor", owner=user("director"))
    publish(
        process(
            "audit",
            '<bpmn:userTask id="work" name="Проверить"><bpmn:extensionElements>'
            '<potok:performer kind="role" role="auditor"/></bpmn:extensionElements></bpmn:userTask>',
        )
    )
    # when the task is created
    task = open_task(start("audit"), "work")
    # then the owner has it, and administrators see an addressing problem
    assert task.assignee == user("director")
    problem = AddressingProblem.objects.get(task=task)
    assert "Аудитор" in problem.message or "Auditor" in problem.message
    assert list(inbox(user("admin"), queue="problems")) == [task]
    assert Notification.objects.filter(recipient=user("admin"), kind="task.addressing_problem").exists()
    assert TaskEvent.objects.filter(task=task, kind="addressing_problem").exists()


def test_a_task_nobody_can_take_is_not_lost(demo_company) -> None:
    publish(process("nobody", '<bpmn:userTask id="work" name="Ничья задача"/>'))
    task = open_task(start("nobody"), "work")
    assert task.assignee is None
    assert list(inbox(user("admin"), queue="problems")) == [task]


def test_role_for_an_addressing_object_from_the_process_data(demo_company) -> None:
    sales = user("sales_head").department
    decision = decide_for(
        {"performer": [{"kind": "role", "role": "department_head", "object": "department:dept"}]},
        data={"dept": sales.pk},
    )
    assert decision.assignee == user("sales_head")


def test_manager_of_an_earlier_performer_and_expressions(demo_company) -> None:
    publish(
        process(
            "chain",
            '<bpmn:userTask id="work" name="Сделать"><bpmn:extensionElements>'
            '<potok:performer kind="expression" value="who"/></bpmn:extensionElements></bpmn:userTask>'
            '<bpmn:sequenceFlow id="fx" sourceRef="work" targetRef="check"/>'
            '<bpmn:userTask id="check" name="Проверить"><bpmn:extensionElements>'
            '<potok:performer kind="manager-of" task="work"/></bpmn:extensionElements></bpmn:userTask>',
        ).replace(
            '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>',
            '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>',
        )
    )
    from potok.tasks.services import task_complete

    instance = start("chain", who="sales1")
    work = open_task(instance, "work")
    assert work.assignee == user("sales1")
    task_complete(actor=user("sales1"), task=work)
    assert open_task(instance, "check").assignee == user("sales_head")


def test_unknown_declarations_are_refused_with_the_element_named() -> None:
    from potok.tasks.spec import SpecError

    with pytest.raises(SpecError, match="strategy"):
        read_spec({"performer": [{"kind": "role", "role": "x", "strategy": "lottery"}]})
    with pytest.raises(SpecError, match="potok:deadline"):
        read_spec({"escalation": [{"after": "PT0S", "action": "notify", "to": "head"}]})


def test_each_instance_of_a_multi_instance_task_goes_to_its_own_person(demo_company) -> None:
    publish(
        process(
            "reviews",
            '<bpmn:userTask id="work" name="Отзыв"><bpmn:extensionElements>'
            '<potok:performer kind="expression" value="reviewer"/></bpmn:extensionElements>'
            "<bpmn:multiInstanceLoopCharacteristics>"
            "<bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>"
            '<bpmn:inputDataItem id="reviewer" name="reviewer"/>'
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
        )
    )
    from potok.processes.models import Task

    instance = start("reviews", reviewers=["sales1", "lawyer", "director"])
    assignees = sorted(
        Task.objects.filter(instance=instance, state="open").values_list("assignee__username", flat=True)
    )
    assert assignees == ["director", "lawyer", "sales1"]
