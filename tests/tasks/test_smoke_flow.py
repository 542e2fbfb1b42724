"""The complaint review through its tasks: addressed, linked, checked, completed."""

from __future__ import annotations

import pytest

from potok.core.errors import ValidationFailed
from potok.tasks.services import task_complete
from tests.tasks.helpers import make_act, make_complaint, open_task, start, user

pytestmark = pytest.mark.django_db


def test_the_complaint_review_runs_through_its_tasks(complaint_process) -> None:
    complaint = make_complaint()
    instance = start("complaint_review_tasks", complaint)
    assign = open_task(instance, "assign")
    assert assign.assignee == user("service_head")
    assert assign.entity_type == "document.complaint" and assign.record_id == complaint.pk
    assert assign.due_at is not None

    task_complete(actor=user("service_head"), task=assign, values={"investigator": user("investigator1").pk})
    investigate = open_task(instance, "investigate")
    assert investigate.assignee == user("investigator1")
    with pytest.raises(ValidationFailed) as refused:
        task_complete(actor=user("investigator1"), task=investigate, outcome="done")
    assert "requirements" in refused.value.errors
    make_act(complaint)
    task_complete(actor=user("investigator1"), task=investigate, outcome="done")
    approve = open_task(instance, "approve")
    assert approve.assignee == user("director")
    task_complete(actor=user("director"), task=approve, outcome="approve")
    pay = open_task(instance, "pay")
    assert pay.assignee == user("investigator1")
