"""The first task of a new instance knows the record the process works on: it is linked, its performer
rules may read the record, and the performer gets the read grant — all in the start's transaction."""

from __future__ import annotations

import pytest

from potok.access.models import RecordGrant
from potok.processes.services.instances import process_start
from potok.tasks.services import task_complete
from tests.tasks.helpers import make_complaint, open_task, user

pytestmark = pytest.mark.django_db


def test_the_first_task_is_linked_addressed_and_granted_in_the_start_s_transaction(complaint_process) -> None:
    complaint = make_complaint()
    instance = process_start(
        actor=user("reception"),
        process_key="complaint_review_tasks",
        entity_type=complaint.entity_type,
        record_id=complaint.pk,
    )
    task = open_task(instance, "assign")
    assert (task.entity_type, task.record_id) == ("document.complaint", complaint.pk)
    assert task.assignee == user("service_head")
    assert RecordGrant.objects.filter(user=user("service_head"), source="task", source_id=task.pk).exists()


def test_the_demo_complaint_review_addresses_its_tasks(demo_company) -> None:
    complaint = make_complaint()
    instance = process_start(
        actor=user("reception"),
        process_key="complaint_review",
        entity_type=complaint.entity_type,
        record_id=complaint.pk,
    )
    assign = open_task(instance, "assign")
    assert assign.assignee == user("service_head") and assign.due_at is not None
    task_complete(
        actor=user("service_head"),
        task=assign,
        outcome="assigned",
        values={"investigator": user("investigator1").pk},
    )
    investigate = open_task(instance, "investigate")
    assert investigate.assignee == user("investigator1")
