"""Timers on the database: due jobs fire once, by the worker's periodic work, also after a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from potok.core import clock
from potok.core.periodic import run_all_now
from potok.processes.jobs import claim_due_jobs, fire_due_jobs
from potok.processes.models import HistoryEntry, Job, Task
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start

pytestmark = pytest.mark.django_db

TIMER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="reminder" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="call"/>
    <bpmn:userTask id="call" name="Call the client"/><bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def frozen_time():
    moment = timezone.now().replace(microsecond=0)
    clock.freeze(moment)
    yield moment
    clock.freeze(None)


def test_a_timer_fires_once_when_due(frozen_time) -> None:
    process_publish_file(actor=None, data=TIMER, source_name="reminder.bpmn")
    instance = process_start(actor=None, process_key="reminder")
    job = Job.objects.get(instance=instance)
    assert job.due_at == frozen_time + timedelta(hours=1)

    assert fire_due_jobs() == 0  # not due yet
    clock.freeze(frozen_time + timedelta(hours=1, seconds=1))
    assert run_all_now() >= 1
    assert fire_due_jobs() == 0  # nothing left: fired exactly once

    assert list(Task.objects.filter(instance=instance).values_list("node_id", flat=True)) == ["call"]
    assert HistoryEntry.objects.filter(instance=instance, node_id="wait").count() == 1


def test_a_job_claimed_by_a_worker_that_died_is_fired_after_its_lease(frozen_time) -> None:
    process_publish_file(actor=None, data=TIMER, source_name="reminder.bpmn")
    instance = process_start(actor=None, process_key="reminder")
    clock.freeze(frozen_time + timedelta(hours=2))
    # a worker claims the job and is killed before firing it
    assert len(claim_due_jobs()) == 1
    assert fire_due_jobs() == 0  # leased: nobody else takes it yet
    # when the lease has expired another worker fires it
    clock.freeze(frozen_time + timedelta(hours=2, minutes=2))
    assert fire_due_jobs() == 1
    assert Task.objects.filter(instance=instance, node_id="call").count() == 1
