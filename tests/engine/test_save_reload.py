"""Save an instance mid-process, load it into a new store and a new engine, continue: same end."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from potok.engine import (
    Engine,
    Instance,
    InstanceStatus,
    MemoryStore,
    deserialize_instance,
    restore_changes,
    serialize_instance,
)
from potok.engine.runtime.serialization import SerializationError
from tests.engine.support import Harness

Step = Callable[[Harness, Instance], None]


def _complete(node_id: str, data: dict[str, Any] | None = None) -> Step:
    return lambda harness, instance: harness.complete(instance, node_id, data) and None


def _later(**delta: float) -> Step:
    def step(harness: Harness, instance: Instance) -> None:
        harness.clock.advance(**delta)
        harness.fire_due()

    return step


SCENARIOS: dict[str, tuple[str, str, dict[str, Any], list[Step]]] = {
    "multi-instance and loops": (
        "multi_instance.bpmn",
        "multi_instance",
        {"voters": ["a", "b", "c"], "signatures": 2, "attempts": 0},
        [_complete("vote", {"vote_value": "yes"}), _complete("vote"), _complete("sign"), _complete("sign")],
    ),
    "timers": (
        "boundary_timer.bpmn",
        "boundary_timer",
        {"reminders": 0},
        [_later(minutes=10), _later(minutes=50), _complete("escalated"), _complete("approve")],
    ),
    "escalation in a subprocess": (
        "boundary_escalation.bpmn",
        "boundary_escalation",
        {},
        [_complete("check", {"escalate": "soft"}), _complete("notify_boss"), _complete("finish")],
    ),
    "inclusive join": (
        "inclusive_join.bpmn",
        "inclusive_join",
        {"take_b": True, "take_c": True, "b_to_join": False},
        [_complete("task_a"), _complete("task_c"), _complete("task_b"), _complete("after")],
    ),
}


def _run(harness: Harness, instance: Instance, steps: list[Step]) -> None:
    for step in steps:
        step(harness, instance)


def _reload(harness: Harness, instance: Instance) -> Harness:
    """Serialize to JSON text, then build a new store and a new engine from it."""
    text = json.dumps(
        serialize_instance(harness.store.load_instance_state(instance.id), harness.store.history(instance.id))
    )
    state, history = deserialize_instance(json.loads(text))
    fresh = Harness()
    fresh.clock.now = harness.clock.now
    fresh.definitions = harness.definitions
    fresh.store = MemoryStore()
    fresh.store.apply(restore_changes(state, history))
    fresh.engine = Engine(fresh.store, definitions=fresh.definitions, clock=fresh.clock)
    return fresh


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("cut", [1, 2])
def test_save_and_reload_mid_process_gives_the_same_end(name: str, cut: int) -> None:
    model_name, process_id, variables, steps = SCENARIOS[name]
    # given the same process run straight through
    straight = Harness(model_name)
    reference = straight.start(process_id, dict(variables))
    _run(straight, reference, steps)
    # when another run is saved after `cut` steps and continued in a new engine
    first = Harness(model_name)
    instance = first.start(process_id, dict(variables))
    _run(first, instance, steps[:cut])
    second = _reload(first, instance)
    _run(second, instance, steps[cut:])
    # then both end the same way
    expected = straight.refresh(reference)
    got = second.refresh(instance)
    assert expected.state is InstanceStatus.COMPLETED
    assert got.state is expected.state
    assert got.variables == expected.variables
    assert sorted(second.history(instance)) == sorted(straight.history(reference))


def test_unknown_format_versions_are_refused() -> None:
    with pytest.raises(SerializationError, match="format version"):
        deserialize_instance({"format_version": 99})


def test_dates_decimals_and_durations_survive_json() -> None:
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    given = Harness("multi_instance.bpmn")
    values = {
        "voters": ["a"],
        "signatures": 1,
        "attempts": 0,
        "price": Decimal("10.50"),
        "due": datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        "day": date(2026, 5, 1),
        "wait": timedelta(hours=4),
        "nested": {"items": [Decimal("1.5"), None, True]},
    }
    instance = given.start("multi_instance", values)
    data = json.loads(json.dumps(serialize_instance(given.store.load_instance_state(instance.id))))
    state, _ = deserialize_instance(data)
    assert state.instance.variables == given.refresh(instance).variables
    assert state.tasks.keys() == given.store.load_instance_state(instance.id).tasks.keys()
