"""Starts made together (`starts_together`, used by a batch of time-based starts): the same rows, tasks,
history and addressing as starts made one by one, written at the end of the block."""

from __future__ import annotations

import pytest
from django.db import transaction

from potok.audit.models import AuditEvent
from potok.core.errors import ValidationFailed
from potok.processes.models import HistoryEntry, ProcessInstance, Task
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start, task_complete_in_engine
from potok.processes.store import starts_together
from potok.tasks.models import AddressingProblem, TaskEvent
from tests.processes.test_durable_runtime import PARALLEL

pytestmark = pytest.mark.django_db


def _shape(instance_id: str) -> dict[str, object]:
    """What a person would compare between two instances: open tasks, their addressing and history."""
    tasks = Task.objects.filter(instance_id=instance_id).order_by("node_id")
    return {
        "state": ProcessInstance.objects.get(pk=instance_id).state,
        "record": ProcessInstance.objects.values_list("entity_type", "record_id").get(pk=instance_id),
        "tasks": [(t.node_id, t.state, t.entity_type, t.record_id) for t in tasks],
        "history": list(
            HistoryEntry.objects.filter(instance_id=instance_id)
            .order_by("id")
            .values_list("node_id", "outcome")
        ),
        "task events": sorted(
            TaskEvent.objects.filter(task__instance_id=instance_id).values_list("task__node_id", "kind")
        ),
        "problems": AddressingProblem.objects.filter(task__instance_id=instance_id).count(),
        "audit": AuditEvent.objects.filter(
            entity_type="document",
            record_id=str(ProcessInstance.objects.get(pk=instance_id).record_id),
            action="process_started",
        ).count(),
    }


def _start(n: int) -> ProcessInstance:
    return process_start(
        actor=None, process_key="fanout", business_key=f"B-{n}", entity_type="document", record_id=n
    )


def test_starts_made_together_leave_what_starts_made_alone_leave() -> None:
    # given a process that fans out into two user tasks
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    alone = [_start(n) for n in (1, 2)]
    # when three more start together in one transaction
    with transaction.atomic(), starts_together():
        together = [_start(n) for n in (3, 4, 5)]
        # (nothing of them is written before the block ends)
        assert not ProcessInstance.objects.filter(pk__in=[i.id for i in together]).exists()
    # then each of them looks exactly like one started alone
    expected = _shape(alone[0].id)
    for instance in together:
        shape = _shape(instance.id)
        record = int(instance.record_id or 0)
        assert shape["record"] == ("document", record)
        assert shape["tasks"] == [("a", "open", "document", record), ("b", "open", "document", record)]
        assert {**shape, "record": None, "tasks": None} == {**expected, "record": None, "tasks": None}
    assert expected["tasks"] == [("a", "open", "document", 1), ("b", "open", "document", 1)]
    assert expected["problems"] == 2 and expected["audit"] == 1


def test_a_read_inside_the_block_sees_the_starts_waiting_before_it() -> None:
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    with transaction.atomic(), starts_together():
        first = _start(1)
        # completing a task of the instance just started reads it from the store: it is written first
        task = Task.objects.filter(instance_id=first.id, node_id="a")
        assert not task.exists()
        from potok.processes.store import DjangoStore

        DjangoStore().load_instance_state(first.id)  # any read writes what waits
        task_complete_in_engine(actor=None, task_id=task.get().id, data={})
        second = _start(2)
    assert _shape(first.id)["tasks"] == [("a", "completed", "document", 1), ("b", "open", "document", 1)]
    assert _shape(second.id)["tasks"] == [("a", "open", "document", 2), ("b", "open", "document", 2)]


def test_a_start_that_fails_inside_the_block_leaves_nothing_and_the_others_are_written() -> None:
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    with transaction.atomic(), starts_together():
        good = _start(1)
        with pytest.raises(ValidationFailed):
            process_start(actor=None, process_key="no_such_process", entity_type="document", record_id=2)
        later = _start(3)
    assert ProcessInstance.objects.count() == 2
    assert {good.id, later.id} == set(ProcessInstance.objects.values_list("pk", flat=True))


def test_a_failure_after_a_start_inside_its_own_transaction_forgets_that_start() -> None:
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    from potok.processes.services.instances import in_transaction_with_retry

    def start_then_fail() -> None:
        _start(2)
        raise RuntimeError("boom")

    with transaction.atomic(), starts_together():
        kept = _start(1)
        with pytest.raises(RuntimeError):
            in_transaction_with_retry(start_then_fail)
    assert list(ProcessInstance.objects.values_list("pk", flat=True)) == [kept.id]
    assert Task.objects.filter(instance_id=kept.id).count() == 2
    # the failed start's audit row went with it; the kept one's was written with its start
    assert list(AuditEvent.objects.filter(action="process_started").values_list("record_id", flat=True)) == [
        "1"
    ]


def test_a_block_that_raises_writes_none_of_its_starts() -> None:
    process_publish_file(actor=None, data=PARALLEL, source_name="fanout.bpmn")
    with pytest.raises(RuntimeError), transaction.atomic(), starts_together():
        _start(1)
        raise RuntimeError("the batch failed")
    assert not ProcessInstance.objects.exists() and not Task.objects.exists()
