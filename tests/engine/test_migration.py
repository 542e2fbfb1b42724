"""Migrating a running instance to a newer version: identity by element id, a mapping, a dry run, conflicts."""

from __future__ import annotations

import pytest

from potok.engine.bpmn import read_bpmn
from potok.engine.errors import DefinitionError
from potok.engine.runtime.engine import Engine
from potok.engine.runtime.migration import migrate_instance
from potok.engine.store.memory import MemoryStore

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
<bpmn:process id="p" isExecutable="true">"""
TAIL = "</bpmn:process></bpmn:definitions>"

V1 = (
    HEAD
    + """
  <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
  <bpmn:userTask id="check" name="Check"/>
  <bpmn:boundaryEvent id="late" attachedToRef="check" cancelActivity="false">
    <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:boundaryEvent>
  <bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="late_end"/><bpmn:endEvent id="late_end"/>
  <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/><bpmn:endEvent id="end"/>"""
    + TAIL
)

V2_SAME_IDS = V1.replace('name="Check"', 'name="Check again"').replace(
    '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>',
    '<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="approve"/><bpmn:userTask id="approve" name="Approve"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>',
)

V3_RENAMED = (
    HEAD
    + """
  <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
  <bpmn:userTask id="review" name="Review"/>
  <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/><bpmn:endEvent id="end"/>"""
    + TAIL
)

V4_KIND_CHANGED = (
    V3_RENAMED.replace(
        '<bpmn:userTask id="review" name="Review"/>', '<bpmn:manualTask id="check" name="Check"/>'
    )
    .replace('targetRef="review"', 'targetRef="check"')
    .replace('sourceRef="review"', 'sourceRef="check"')
)


def process(xml: str, version: str):  # type: ignore[no-untyped-def]
    return read_bpmn(xml.encode(), source_name=f"p{version}.bpmn").processes["p"].with_version(version)


@pytest.fixture
def running():  # type: ignore[no-untyped-def]
    store = MemoryStore()
    engine = Engine(store)
    instance = engine.start(process(V1, "p:1"))
    return engine, store, instance


def test_same_ids_move_and_the_instance_continues_on_the_new_version(running) -> None:
    engine, store, instance = running
    # when the instance is migrated to a version that adds a step after "check"
    plan = migrate_instance(engine, instance.id, process(V2_SAME_IDS, "p:2"))
    # then its task and timer stay put, the task takes the new name, and it finishes on the new path
    assert plan.applied and plan.conflicts == ()
    assert store.instance(instance.id).version_key == "p:2"
    task = store.open_tasks(instance.id)[0]
    assert (task.node_id, task.name) == ("check", "Check again")
    assert [job.node_id for job in store.instance_jobs(instance.id)] == ["late"]
    engine.complete_task(task.id, {})
    assert [t.node_id for t in store.open_tasks(instance.id)] == ["approve"]


def test_a_dry_run_lists_the_moves_and_changes_nothing(running) -> None:
    engine, store, instance = running
    plan = migrate_instance(
        engine, instance.id, process(V3_RENAMED, "p:3"), {"check": "review"}, dry_run=True
    )
    assert not plan.applied
    assert {(m.row, m.from_node, m.to_node) for m in plan.moves} >= {
        ("task", "check", "review"),
        ("token", "check", "review"),
    }
    assert [(m.row, m.from_node) for m in plan.dropped] == [("timer", "late")]
    assert store.instance(instance.id).version_key == "p:1"


def test_a_mapping_renames_and_removed_boundary_timers_are_dropped(running) -> None:
    engine, store, instance = running
    plan = migrate_instance(engine, instance.id, process(V3_RENAMED, "p:3"), {"check": "review"})
    assert plan.applied
    assert [t.node_id for t in store.open_tasks(instance.id)] == ["review"]
    assert store.instance_jobs(instance.id) == []


def test_conflicts_are_named_and_nothing_moves(running) -> None:
    engine, store, instance = running
    missing = migrate_instance(engine, instance.id, process(V3_RENAMED, "p:3"))
    assert not missing.applied
    assert any(c.node_id == "check" and "no node 'check'" in c.message for c in missing.conflicts)
    kind = migrate_instance(engine, instance.id, process(V4_KIND_CHANGED, "p:4"))
    assert any("userTask" in c.message and "manualTask" in c.message for c in kind.conflicts)
    assert store.instance(instance.id).version_key == "p:1"
    other = read_bpmn(V1.replace('id="p"', 'id="other"').encode(), source_name="o").processes["other"]
    with pytest.raises(DefinitionError):
        migrate_instance(engine, instance.id, other.with_version("other:1"))
