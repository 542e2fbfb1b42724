"""Inclusive joins, multi-instance, loops, call activities, business rules, scripts."""

from __future__ import annotations

from decimal import Decimal

from potok.engine import InMemoryDecisions, InstanceStatus
from potok.engine.dmn import parse_dmn
from tests.engine.support import MODELS, Harness


def test_inclusive_join_does_not_wait_for_a_branch_that_was_not_taken() -> None:
    given = Harness("inclusive_join.bpmn")
    instance = given.start("inclusive_join", {"take_b": False, "take_c": True})
    assert given.tasks(instance) == ["task_a", "task_c"]
    given.complete(instance, "task_a")
    assert given.tasks(instance) == ["task_c"]
    given.complete(instance, "task_c")
    assert given.tasks(instance) == ["after"]


def test_inclusive_join_fires_when_the_last_upstream_branch_goes_elsewhere() -> None:
    # given A and B taken; B will be routed away from the join
    given = Harness("inclusive_join.bpmn")
    instance = given.start("inclusive_join", {"take_b": True, "take_c": False, "b_to_join": False})
    given.complete(instance, "task_a")
    # then the join waits while B can still arrive
    assert given.tasks(instance) == ["task_b"]
    # when B goes to its own end event, the join has nothing more to wait for
    given.complete(instance, "task_b")
    assert given.tasks(instance) == ["after"]
    assert given.history(instance).count("join") == 1


def test_inclusive_join_waits_for_a_branch_that_does_arrive() -> None:
    given = Harness("inclusive_join.bpmn")
    instance = given.start("inclusive_join", {"take_b": True, "take_c": False, "b_to_join": True})
    given.complete(instance, "task_b")
    assert given.tasks(instance) == ["task_a"]
    given.complete(instance, "task_a")
    assert given.tasks(instance) == ["after"]
    assert given.history(instance).count("join") == 2  # one row per arriving token, one token goes on


def test_parallel_multi_instance_stops_at_the_completion_condition() -> None:
    given = Harness("multi_instance.bpmn")
    instance = given.start(
        "multi_instance", {"voters": ["anna", "boris", "vera"], "signatures": 2, "attempts": 0}
    )
    votes = given.store.open_tasks(instance.id)
    assert [task.node_id for task in votes] == ["vote"] * 3
    # each instance sees its own element variable
    executions = {e.id: e for e in given.store.executions(instance.id)}
    assert sorted(executions[t.execution_id].variables["voter"] for t in votes) == ["anna", "boris", "vera"]
    given.engine.complete_task(votes[0].id, {"vote_value": "yes"})
    given.engine.complete_task(votes[2].id, {"vote_value": "no"})
    # then two votes are enough: the third is cancelled, outputs are kept by index
    assert given.tasks(instance) == ["sign"]
    variables = given.refresh(instance).variables
    assert variables["votes"] == ["yes", None, "no"]
    assert "voter" not in variables
    # sequential multi-instance: one signature after the other
    given.complete(instance, "sign")
    assert given.tasks(instance) == ["sign"]
    given.complete(instance, "sign")
    # the standard loop ran its script until attempts reached 3
    done = given.refresh(instance)
    assert done.state is InstanceStatus.COMPLETED
    assert done.variables["attempts"] == 3
    assert given.history(instance).count("retry") == 3


def test_call_activity_latest_and_pinned_versions() -> None:
    # given version 1 and version 2 of the child process, published in that order
    given = Harness("call_parent.bpmn")
    given.definitions.add(_read("child_v1.bpmn"), version_key="1")
    given.definitions.add(_read("child_v2.bpmn"), version_key="2")
    parent = given.start("parent", {"amount": 10})
    # then the first call takes the latest version (all variables in and out)
    children = [i for i in given.store.instances.values() if i.parent_instance_id == parent.id]
    assert [child.version_key for child in children] == ["2"]
    given.complete(children[0], "child_task")
    assert given.refresh(parent).variables["latest_version"] == 2
    assert given.refresh(parent).variables["doubled"] == 20
    # and the second call is pinned to version 1 with explicit mappings
    children = [i for i in given.store.instances.values() if i.parent_instance_id == parent.id]
    pinned = next(child for child in children if child.state is InstanceStatus.RUNNING)
    assert pinned.version_key == "1"
    assert pinned.variables["amount"] == 11
    assert "latest_version" not in pinned.variables  # declared mappings pass only what they name
    given.complete(pinned, "child_task")
    done = given.refresh(parent)
    assert done.state is InstanceStatus.COMPLETED
    assert done.variables["pinned_version"] == 1
    assert done.variables["doubled"] == 20  # the pinned call maps only child_version back


def test_cancelling_the_parent_cancels_the_called_instance() -> None:
    given = Harness("call_parent.bpmn", "child_v1.bpmn")
    parent = given.start("parent", {"amount": 1})
    (child,) = [i for i in given.store.instances.values() if i.parent_instance_id == parent.id]
    given.engine.cancel(parent.id)
    assert given.refresh(child).state is InstanceStatus.CANCELLED
    assert given.store.open_tasks() == []


def test_a_missing_called_process_is_an_incident() -> None:
    given = Harness("call_parent.bpmn")
    parent = given.start("parent", {"amount": 1})
    (incident,) = given.store.open_incidents(parent.id)
    assert incident.node_id == "call_latest"
    assert "'child' is not published" in incident.message


def test_business_rule_task_uses_a_dmn_decision_and_the_script_uses_its_result() -> None:
    decisions = InMemoryDecisions(
        parse_dmn((MODELS / "discounts.dmn").read_bytes(), source_name="discounts.dmn")
    )
    given = Harness("rules.bpmn", decisions=decisions)
    instance = given.start("rules", {"segment": "VIP", "amount": 2000})
    done = given.refresh(instance)
    assert done.state is InstanceStatus.COMPLETED
    assert done.variables["discount"] == Decimal("0.1")
    assert done.variables["total"] == 1800
    assert done.variables["big"] is True


def test_a_missing_decision_is_an_incident() -> None:
    given = Harness("rules.bpmn")
    instance = given.start("rules", {"segment": "VIP", "amount": 2000})
    (incident,) = given.store.open_incidents(instance.id)
    assert "discounts" in incident.message


def _read(name: str):  # type: ignore[no-untyped-def]
    from tests.engine.support import read_model

    return read_model(name)
