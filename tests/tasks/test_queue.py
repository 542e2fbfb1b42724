"""A role's queue: its holders (and the deputies of those away) see a task and take it; of two taking it
at once one wins and the other is told who was quicker; a taken task can be given back."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection

from potok.accounts.services import absence_create, substitution_create
from potok.core.errors import Conflict, PermissionDenied
from potok.tasks.models import TaskEvent
from potok.tasks.people import today
from potok.tasks.selectors import inbox
from potok.tasks.services import task_claim, task_unclaim
from tests.tasks.helpers import process, publish, start, user

QUEUE = process(
    "queue_review",
    '<bpmn:userTask id="work" name="Разобрать обращение"><bpmn:extensionElements>'
    '<potok:performer kind="role" role="service_specialist" strategy="queue"/>'
    '<potok:deadline duration="1 working day"/></bpmn:extensionElements></bpmn:userTask>',
)


def queued_task():  # type: ignore[no-untyped-def]
    from tests.tasks.helpers import open_task

    publish(QUEUE)
    return open_task(start("queue_review"), "work")


@pytest.mark.django_db
def test_a_queued_task_is_claimed_by_one_holder(demo_company) -> None:
    task = queued_task()
    vera, gleb = user("investigator1"), user("investigator2")
    assert task.assignee is None and task.role.code == "service_specialist"
    assert list(inbox(vera, queue="claimable")) == [task] == list(inbox(gleb, queue="claimable"))
    assert list(inbox(user("lawyer"), queue="claimable")) == []
    task_claim(actor=vera, task=task)
    with pytest.raises(Conflict, match="Вера"):
        task_claim(actor=gleb, task=task)
    with pytest.raises(PermissionDenied):
        task_claim(actor=user("lawyer"), task=task)
    assert list(inbox(gleb, queue="claimable")) == []
    assert list(inbox(vera, queue="mine")) == [task]
    task.refresh_from_db()
    task_unclaim(actor=vera, task=task)
    assert list(inbox(gleb, queue="claimable")) == [task]
    assert [kind for (kind,) in TaskEvent.objects.filter(task=task).order_by("id").values_list("kind")] == [
        "created",
        "assigned",
        "claimed",
        "unclaimed",
    ]


@pytest.mark.django_db
def test_a_deputy_works_the_queues_of_the_person_away(demo_company) -> None:
    # given the lawyer stands in for Глеб, who is away
    gleb, lawyer = user("investigator2"), user("lawyer")
    absence_create(
        actor=None, user=gleb, kind="leave", starts_on=today(), ends_on=today() + timedelta(days=7)
    )
    substitution_create(
        actor=None, absent=gleb, deputy=lawyer, starts_on=today(), ends_on=today() + timedelta(days=7)
    )
    task = queued_task()
    # then she sees and may take the service specialists' task
    assert list(inbox(lawyer, queue="claimable")) == [task]
    task_claim(actor=lawyer, task=task)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks need PostgreSQL"
)
def test_two_people_claiming_at_once_one_wins_the_other_is_told(demo_company) -> None:
    task = queued_task()
    people = [user("investigator1"), user("investigator2")]
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim(person) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=30)
            task_claim(actor=person, task=task)
            results[person.username] = "won"
        except Conflict as error:
            results[person.username] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [name for name, result in results.items() if result == "won"]
    assert len(winners) == 1
    loser = next(name for name in results if name not in winners)
    winner_name = user(winners[0]).display_name
    assert winner_name in results[loser]
    task.refresh_from_db()
    assert task.assignee.username == winners[0]
    assert TaskEvent.objects.filter(task=task, kind="claimed").count() == 1
