"""The engine on the database: every step a transaction, state reloaded from the tables each time."""

from __future__ import annotations

from pathlib import Path

import pytest

from potok.core.errors import ValidationFailed
from potok.processes.models import HistoryEntry, ProcessInstance, ProcessVersion, Task, VersionStatus
from potok.processes.services.definitions import (
    process_draft_save,
    process_publish_file,
    process_version_publish,
)
from potok.processes.services.instances import process_start, task_complete_in_engine

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "complaint_review.bpmn"

PARALLEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="fanout" name="Fan out" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="fa" sourceRef="split" targetRef="a"/>
    <bpmn:sequenceFlow id="fb" sourceRef="split" targetRef="b"/>
    <bpmn:userTask id="a" name="A"/>
    <bpmn:userTask id="b" name="B"/>
    <bpmn:sequenceFlow id="fa2" sourceRef="a" targetRef="join"/>
    <bpmn:sequenceFlow id="fb2" sourceRef="b" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="after"/>
    <bpmn:userTask id="after" name="After"/>
    <bpmn:sequenceFlow id="f10" sourceRef="after" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def complaint_process() -> bytes:
    if not BENCH.exists():
        pytest.skip("../shared/bench/complaint_review.bpmn is absent")
    return BENCH.read_bytes()


def open_tasks(instance_id: str) -> list[str]:
    return sorted(
        Task.objects.filter(instance_id=instance_id, state="open").values_list("node_id", flat=True)
    )


def test_a_full_instance_runs_through_the_database() -> None:
    # given the benchmark's complaint process, published
    process_publish_file(actor=None, data=complaint_process(), source_name="complaint_review.bpmn")
    # when an instance starts and its tasks are completed one transaction at a time
    instance = process_start(actor=None, process_key="complaint_review", business_key="C-1")
    assert open_tasks(instance.id) == ["register"]
    task_complete_in_engine(
        actor=None, task_id=Task.objects.get(instance=instance, state="open").id, data={"amount": 20000}
    )
    assert open_tasks(instance.id) == ["director"]
    task_complete_in_engine(
        actor=None, task_id=Task.objects.get(instance=instance, state="open").id, data={"approved": True}
    )
    assert open_tasks(instance.id) == ["investigate", "notify"]
    for task in Task.objects.filter(instance=instance, state="open"):
        task_complete_in_engine(actor=None, task_id=task.id, data={})
    # then it ended, with one history row per node instance, in order
    instance.refresh_from_db()
    assert instance.state == "completed"
    nodes = list(
        HistoryEntry.objects.filter(instance=instance).order_by("id").values_list("node_id", flat=True)
    )
    assert nodes[:4] == ["start", "register", "gw_amount", "director"]
    assert nodes[-2:] == ["join", "end"]
    assert not instance.executions.exists() and not instance.jobs.exists()
    assert instance.variables["amount"] == 20000


def test_small_amounts_skip_the_director_and_decimals_survive_the_database() -> None:
    from decimal import Decimal

    process_publish_file(actor=None, data=complaint_process(), source_name="complaint_review.bpmn")
    instance = process_start(actor=None, process_key="complaint_review")
    task = Task.objects.get(instance=instance, state="open")
    task_complete_in_engine(actor=None, task_id=task.id, data={"amount": Decimal("9999.99")})
    assert open_tasks(instance.id) == ["investigate", "notify"]
    instance.refresh_from_db()
    assert instance.variables["amount"] == {"$type": "decimal", "value": "9999.99"}


def test_publishing_refuses_an_invalid_model_and_keeps_the_draft() -> None:
    broken = PARALLEL.replace(
        b'<bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="after"/>',
        b'<bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="nowhere"/>',
    )
    with pytest.raises(ValidationFailed) as error:
        process_draft_save(actor=None, data=broken, source_name="broken.bpmn")
        version = ProcessVersion.objects.get()
        process_version_publish(actor=None, version=version)
    assert "f9" in str(error.value) or "nowhere" in str(error.value)


def test_a_file_that_is_not_bpmn_names_the_problem_and_stores_nothing() -> None:
    with pytest.raises(ValidationFailed) as error:
        process_draft_save(actor=None, data=b"<html><body>hello</body></html>", source_name="page.bpmn")
    assert "definitions" in error.value.errors["file"][0]
    assert not ProcessVersion.objects.exists()


def test_a_published_version_is_kept_by_running_instances() -> None:
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    first = process_start(actor=None, process_key="fanout")
    process_publish_file(
        actor=None, data=PARALLEL.replace(b'name="After"', b'name="After v2"'), source_name="fanout.bpmn"
    )
    second = process_start(actor=None, process_key="fanout")
    assert first.version.number == 1 and second.version.number == 2
    assert ProcessVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 2


def test_parallel_branches_join_once() -> None:
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    instance = process_start(actor=None, process_key="fanout")
    for task in Task.objects.filter(instance=instance, state="open"):
        task_complete_in_engine(actor=None, task_id=task.id)
    assert open_tasks(instance.id) == ["after"]
    assert Task.objects.filter(instance=instance, node_id="after").count() == 1
    assert ProcessInstance.objects.get(pk=instance.pk).state == "running"


def test_one_engine_that_suspends_and_resumes_an_instance_leaves_it_running_in_the_table() -> None:
    # given a running instance (an update writes only the instance columns that changed since the store
    # read the row, so a change and its undo through one store must both reach the table)
    from django.db import transaction

    from potok.processes.runtime import engine

    process_publish_file(actor=None, data=complaint_process(), source_name="complaint_review.bpmn")
    instance = process_start(actor=None, process_key="complaint_review")
    # when one engine suspends it and resumes it in one transaction
    runtime = engine()
    with transaction.atomic():
        runtime.suspend(instance.id)
        assert ProcessInstance.objects.get(pk=instance.id).state == "suspended"
        runtime.resume(instance.id)
    # then the table says running, and the task can be completed
    assert ProcessInstance.objects.get(pk=instance.id).state == "running"
    task = Task.objects.get(instance_id=instance.id, state="open")
    task_complete_in_engine(actor=None, task_id=task.pk, data={"amount": 5000, "customer": "C1"})
    assert open_tasks(instance.id) == ["investigate", "notify"]
