"""The executor on plain processes: user tasks, exclusive and parallel gateways, history, lifecycle."""

from __future__ import annotations

import pytest

from potok.engine import (
    ActionContext,
    ActionRegistry,
    ConcurrentModification,
    DefinitionError,
    Engine,
    InMemoryDefinitions,
    InstanceStatus,
    InvalidTransition,
    MemoryStore,
    Outcome,
    read_bpmn,
)
from tests.engine.support import BENCH, MODELS, Harness


@pytest.fixture
def complaint():  # type: ignore[no-untyped-def]
    source = BENCH / "complaint_review.bpmn"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    return read_bpmn(source.read_bytes(), source_name="complaint_review.bpmn").process("complaint_review")


def _harness_with(process):  # type: ignore[no-untyped-def]
    harness = Harness()
    harness.definitions.add(process)
    return harness


def test_small_amount_skips_the_director_and_joins_once(complaint) -> None:  # type: ignore[no-untyped-def]
    # given a complaint review started by the receptionist
    given = _harness_with(complaint)
    instance = given.start("complaint_review", business_key="C-1")
    assert given.tasks(instance) == ["register"]
    # when the complaint is registered under 10000 and both parallel tasks are done
    given.complete(instance, "register", {"amount": 5000}, actor="receptionist")
    assert given.tasks(instance) == ["investigate", "notify"]
    given.complete(instance, "investigate", {"findings": "carrier damage"})
    given.complete(instance, "notify", {"notified": True})
    # then the instance is completed, the director never saw it, the end was reached once
    done = given.refresh(instance)
    assert done.state is InstanceStatus.COMPLETED
    assert done.variables == {"amount": 5000, "findings": "carrier damage", "notified": True}
    history = given.history(instance)
    assert "director" not in history
    assert history.count("end") == 1
    rows = {row.node_id: row for row in given.store.history(instance.id)}
    assert rows["register"].actor == "receptionist"
    assert given.store.executions(instance.id) == []


def test_big_amount_goes_to_the_director(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    given.complete(instance, "register", {"amount": 20000})
    assert given.tasks(instance) == ["director"]


def test_a_completed_task_cannot_be_completed_again(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    task = given.task(instance, "register")
    given.engine.complete_task(task.id, {"amount": 1})
    with pytest.raises(InvalidTransition):
        given.engine.complete_task(task.id, {"amount": 1})


def test_suspended_instances_do_not_move_and_resume_later(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    given.engine.suspend(instance.id)
    with pytest.raises(InvalidTransition, match="suspended"):
        given.complete(instance, "register", {"amount": 1})
    given.engine.resume(instance.id)
    given.complete(instance, "register", {"amount": 1})
    assert given.tasks(instance) == ["investigate", "notify"]


def test_cancel_closes_tasks_and_writes_history(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    given.complete(instance, "register", {"amount": 1})
    given.engine.cancel(instance.id)
    assert given.refresh(instance).state is InstanceStatus.CANCELLED
    assert given.tasks(instance) == []
    assert given.outcomes(instance)["investigate"] == Outcome.CANCELLED.value
    with pytest.raises(InvalidTransition):
        given.engine.resume(instance.id)


def test_skip_and_move_a_token(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    # when the administrator skips registration (amount is unknown: the exclusive gateway fails)
    given.engine.set_variables(instance.id, {"amount": 50000})
    given.engine.skip_node(instance.id, "register", actor="admin")
    assert given.tasks(instance) == ["director"]
    assert given.outcomes(instance)["register"] == "skipped"
    # and moves the token from the director back to registration
    given.engine.move_token(instance.id, "director", "register")
    assert given.tasks(instance) == ["register"]
    assert given.outcomes(instance)["director"] == "moved"


def test_a_failing_condition_is_an_incident_that_can_be_retried(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    # when registration puts text into the amount, the condition `amount > 10000` cannot be evaluated
    given.complete(instance, "register", {"amount": "a lot"})
    incidents = given.store.open_incidents(instance.id)
    assert len(incidents) == 1
    assert incidents[0].node_id == "gw_amount"
    assert "amount > 10000" in incidents[0].message
    # then the administrator fixes the data and retries
    given.engine.set_variables(instance.id, {"amount": 20000})
    given.engine.retry_incident(incidents[0].id)
    assert given.store.open_incidents(instance.id) == []
    assert given.tasks(instance) == ["director"]


def test_unknown_action_is_an_incident_not_a_crash() -> None:
    # given a service task whose action is not registered
    actions = ActionRegistry()
    given = Harness("error_boundary.bpmn", actions=actions)
    instance = given.start("error_boundary")
    given.complete(instance, "collect", {"documents_complete": True, "amount": 5})
    # then the step waits as an incident
    (incident,) = given.store.open_incidents(instance.id)
    assert incident.node_id == "charge"
    assert "payments.charge" in incident.message
    # when the action is registered and the incident retried, the process goes on
    seen = {}

    @actions.register("payments.charge")
    def charge(context: ActionContext) -> dict[str, object]:
        seen.update(context.parameters)
        return {"charged": True}

    given.engine.retry_incident(incident.id)
    assert seen == {"amount": 500}
    done = given.refresh(instance)
    assert done.state is InstanceStatus.COMPLETED
    assert done.variables["charged"] is True


def test_optimistic_locking_refuses_a_stale_unit_of_work(complaint) -> None:  # type: ignore[no-untyped-def]
    given = _harness_with(complaint)
    instance = given.start("complaint_review")
    given.complete(instance, "register", {"amount": 1})
    # given two workers that loaded the same version
    first_unit, first_runner = given.engine.begin()
    second_unit, second_runner = given.engine.begin()
    first_unit.load(instance.id)
    second_unit.load(instance.id)
    given.engine.commit(first_unit, first_runner)
    # then the second one must retry
    with pytest.raises(ConcurrentModification):
        given.engine.commit(second_unit, second_runner)


def test_a_process_with_compile_errors_does_not_start() -> None:
    # given a condition that tries to import Python's os module
    definitions = read_bpmn((MODELS / "hostile_condition.bpmn").read_bytes(), source_name="hostile.bpmn")
    engine = Engine(MemoryStore(), definitions=InMemoryDefinitions([definitions]))
    # then nothing runs, and the message names the flow and the position
    with pytest.raises(DefinitionError, match=r"f_evil.*names starting with '_' are not allowed"):
        engine.start(definitions.process("hostile"))
