"""Concurrent completion: many branches of one instance completed at the same moment join exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from potok.processes.models import HistoryEntry, ProcessInstance, Task
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start, task_complete_in_engine

pytestmark = pytest.mark.django_db(transaction=True)

BRANCHES = 50


def fan_out(count: int) -> bytes:
    flows, tasks = [], []
    for number in range(count):
        tasks.append(f'<bpmn:userTask id="t{number}" name="Branch {number}"/>')
        flows.append(f'<bpmn:sequenceFlow id="s{number}" sourceRef="split" targetRef="t{number}"/>')
        flows.append(f'<bpmn:sequenceFlow id="j{number}" sourceRef="t{number}" targetRef="join"/>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="wide" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>{"".join(tasks)}{"".join(flows)}
    <bpmn:parallelGateway id="join"/><bpmn:sequenceFlow id="f1" sourceRef="join" targetRef="after"/>
    <bpmn:userTask id="after" name="After"/><bpmn:sequenceFlow id="f2" sourceRef="after" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_fifty_branches_completed_at_once_join_exactly_once() -> None:
    # given an instance with 50 open parallel tasks
    process_publish_file(actor=None, data=fan_out(BRANCHES), source_name="wide.bpmn")
    instance = process_start(actor=None, process_key="wide")
    task_ids = list(Task.objects.filter(instance=instance, state="open").values_list("id", flat=True))
    assert len(task_ids) == BRANCHES
    # when 50 threads complete them at the same moment
    barrier = threading.Barrier(BRANCHES)
    errors: list[BaseException] = []

    def complete(task_id: str) -> None:
        try:
            barrier.wait(timeout=30)
            task_complete_in_engine(actor=None, task_id=task_id)
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(task_id,)) for task_id in task_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then every completion went through and the join fired exactly once
    assert errors == []
    assert Task.objects.filter(instance=instance, node_id="after").count() == 1
    assert Task.objects.filter(instance=instance, state="completed").count() == BRANCHES
    assert HistoryEntry.objects.filter(instance=instance, node_id__startswith="t").count() == BRANCHES
    assert ProcessInstance.objects.get(pk=instance.pk).state == "running"
