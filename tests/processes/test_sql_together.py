"""Statements sent together (one round trip on PostgreSQL, one by one on SQLite) give the same answers as
sent alone, and an error of a statement that waited is still raised and named."""

from __future__ import annotations

import pytest
from django.db import transaction

from potok.engine.errors import ConcurrentModification
from potok.engine.runtime.changes import ChangeSet
from potok.processes import store
from potok.processes.models import ProcessInstance
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start
from potok.processes.sql import Sql

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="simple" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="Work"/><bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_queries_sent_together_answer_as_they_would_alone() -> None:
    # given two instances
    process_publish_file(actor=None, data=MODEL, source_name="simple.bpmn")
    first = process_start(actor=None, process_key="simple")
    second = process_start(actor=None, process_key="simple")
    sql = Sql.current()
    queries = [
        ("SELECT id FROM processes_processinstance WHERE id = ?", [first.id]),
        ("SELECT node_id FROM processes_task WHERE instance_id = ? AND state = 'open'", [second.id]),
        ("SELECT id FROM processes_processinstance WHERE id = ?", ["no such instance"]),
    ]
    # when they are sent together, and one by one
    with transaction.atomic():
        together = sql.rows_together(queries)
    alone = [sql.rows(text, parameters) for text, parameters in queries]
    # then each has its own rows, in order
    assert together == alone == [[(first.id,)], [("work",)], []]


def test_writes_sent_together_count_their_rows_and_are_seen_after() -> None:
    process_publish_file(actor=None, data=MODEL, source_name="simple.bpmn")
    instance = process_start(actor=None, process_key="simple")
    sql = Sql.current()
    with transaction.atomic():
        # when two updates go together, the second matching nothing
        counts = sql.execute_together(
            [
                ("UPDATE processes_processinstance SET business_key = ? WHERE id = ?", ["B-1", instance.id]),
                ("UPDATE processes_processinstance SET business_key = ? WHERE id = ?", ["B-2", "nobody"]),
            ]
        )
        # and writes wait inside a together() block, then a count and a read need their answers
        with sql.together():
            sql.execute_many(
                "UPDATE processes_task SET name = ? WHERE instance_id = ?", [["Renamed", instance.id]]
            )
            changed = sql.execute(
                "UPDATE processes_task SET priority = 3 WHERE instance_id = ?", [instance.id]
            )
            names = sql.rows("SELECT name, priority FROM processes_task WHERE instance_id = ?", [instance.id])
    # then each count is its own and every write is there
    assert counts == [1, 0]
    assert changed == 1
    assert names == [("Renamed", 3)]
    assert ProcessInstance.objects.get(pk=instance.id).business_key == "B-1"


def test_a_failing_statement_sent_together_fails_its_transaction() -> None:
    process_publish_file(actor=None, data=MODEL, source_name="simple.bpmn")
    instance = process_start(actor=None, process_key="simple")
    sql = Sql.current()
    # when an update and a duplicate id go together
    with pytest.raises(sql.integrity_error), transaction.atomic():
        sql.execute_together(
            [
                ("UPDATE processes_processinstance SET business_key = ? WHERE id = ?", ["lost", instance.id]),
                (
                    "INSERT INTO processes_historyentry (id, instance_id, node_id, node_kind, started_at, "
                    "outcome, actor) SELECT id, instance_id, node_id, node_kind, started_at, outcome, actor "
                    "FROM processes_historyentry WHERE instance_id = ?",
                    [instance.id],
                ),
            ]
        )
    # then nothing of it stayed
    assert ProcessInstance.objects.get(pk=instance.id).business_key is None


def test_a_start_whose_instance_id_exists_already_is_a_concurrent_change() -> None:
    # given the rows a start wrote, captured from the store's hook
    process_publish_file(actor=None, data=MODEL, source_name="simple.bpmn")
    captured: list[ChangeSet] = []
    store.register_apply_hook(captured.append)
    try:
        process_start(actor=None, process_key="simple")
    finally:
        store._apply_hooks.remove(captured.append)
    # when the same rows are written again (their INSERTs wait on PostgreSQL until the block's end)
    with pytest.raises(ConcurrentModification, match="exists already"), transaction.atomic():
        store.DjangoStore().apply(captured[0])
    # then the first instance is untouched and alone
    assert ProcessInstance.objects.count() == 1
