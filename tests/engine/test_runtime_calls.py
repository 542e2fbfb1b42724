"""Errors and escalations thrown in a called process reach the call activity's boundary events;
conditional boundary events fire when the variables change."""

from __future__ import annotations

from potok.engine import InstanceStatus, Outcome
from tests.engine.support import Harness


def _child(given: Harness, parent_id: str):  # type: ignore[no-untyped-def]
    return next(i for i in given.store.instances.values() if i.parent_instance_id == parent_id)


def test_an_error_end_in_the_called_process_is_caught_on_the_call_activity() -> None:
    given = Harness("call_errors.bpmn")
    contract = given.start("contract")
    child = _child(given, contract.id)
    given.complete(child, "review", {"verdict": "no"})
    assert given.refresh(child).state is InstanceStatus.CANCELLED
    assert given.tasks(contract) == ["renegotiate"]
    assert given.outcomes(contract)["approval"] == Outcome.INTERRUPTED.value


def test_an_escalation_in_the_called_process_informs_without_interrupting() -> None:
    given = Harness("call_errors.bpmn")
    contract = given.start("contract")
    child = _child(given, contract.id)
    given.complete(child, "review", {"verdict": "later"})
    assert given.tasks(contract) == ["hurry"]
    assert given.tasks(child) == ["review_again"]
    given.complete(child, "review_again")
    given.complete(contract, "hurry")
    assert given.tasks(contract) == ["sign"]
    # the called process's variables came back to the caller (no mappings: everything in and out)
    assert given.refresh(contract).variables["verdict"] == "later"


def test_a_conditional_boundary_fires_when_its_condition_becomes_true() -> None:
    given = Harness("call_errors.bpmn")
    contract = given.start("contract", {"priority": "low"})
    given.engine.set_variables(contract.id, {"priority": "high"})
    assert given.tasks(contract) == ["tell_director"]
    # it fires once: setting it again does not start another branch
    given.engine.set_variables(contract.id, {"priority": "high", "note": "x"})
    assert given.tasks(contract) == ["tell_director"]
    child = _child(given, contract.id)
    given.complete(child, "review", {"verdict": "yes"})
    given.complete(contract, "sign")
    given.complete(contract, "tell_director")
    assert given.refresh(contract).state is InstanceStatus.COMPLETED
