"""When a process step fails and waits for an administrator, the administrators are told (the
`process.incident` notification kind), with a link to the instance; a rolled-back step tells nobody."""

from __future__ import annotations

import pytest
from django.db import transaction

from potok.notifications import kinds
from potok.notifications.models import Notification
from potok.processes.models import Incident, Task
from potok.processes.services.instances import process_start, task_complete_in_engine
from tests.web_processes.bpmn import review_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def notifying(demo_company) -> None:  # type: ignore[no-untyped-def]
    from potok.processes.services.definitions import process_publish_file

    # the service task after the review calls an action nobody registered: the step becomes an incident
    data = review_process("notifying", action="tests.alerts.missing")
    process_publish_file(actor=None, data=data, source_name="notifying.bpmn")


def _fail_a_step() -> tuple[Incident, str]:
    instance = process_start(actor=None, process_key="notifying")
    task_complete_in_engine(actor=None, task_id=Task.objects.get(instance=instance, state="open").id)
    return Incident.objects.get(instance=instance, state="open"), instance.pk


def test_administrators_are_told_about_a_new_incident(notifying, person) -> None:  # type: ignore[no-untyped-def]
    incident, instance_id = _fail_a_step()

    told = Notification.objects.filter(kind=kinds.PROCESS_INCIDENT)
    assert set(told.values_list("recipient__username", flat=True)) == {"admin"}
    notice = told.get()
    assert notice.link == f"/processes/instances/{instance_id}/"
    assert incident.node_id in notice.title
    assert "tests.alerts.missing" in notice.body
    assert notice.data["incident_id"] == incident.pk
    # people who are not administrators hear nothing of it
    assert not Notification.objects.filter(
        kind=kinds.PROCESS_INCIDENT, recipient=person("reception")
    ).exists()


def test_a_rolled_back_step_tells_nobody(notifying) -> None:  # type: ignore[no-untyped-def]
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        _fail_a_step()
        assert Notification.objects.filter(kind=kinds.PROCESS_INCIDENT).count() == 1
        raise Undo
    assert not Incident.objects.exists()
    assert not Notification.objects.filter(kind=kinds.PROCESS_INCIDENT).exists()


def test_a_job_that_failed_every_retry_is_told_too(notifying) -> None:  # type: ignore[no-untyped-def]
    from potok.processes import jobs
    from potok.processes.models import Job

    incident, instance_id = _fail_a_step()
    Notification.objects.all().delete()
    job = Job.objects.create(
        id="job-alert-1",
        instance_id=instance_id,
        node_id="review",
        kind="timer",
        due_at=incident.created_at,
        attempts=jobs.MAX_ATTEMPTS - 1,
    )
    jobs._record_failure(job.id, RuntimeError("the mail server is down"))

    notice = Notification.objects.get(kind=kinds.PROCESS_INCIDENT)
    assert "the mail server is down" in notice.body and notice.link.endswith(f"/{instance_id}/")
