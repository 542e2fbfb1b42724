"""Helpers for engine tests: models, corpora paths, a fake clock and a small harness around Engine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from potok.engine import (
    ActionRegistry,
    Definitions,
    Engine,
    InMemoryDefinitions,
    Instance,
    MemoryStore,
    ProcessDefinition,
    Task,
    read_bpmn,
)
from potok.engine.runtime.definitions import DecisionProvider
from potok.engine.runtime.timers import WorkingCalendar

MODELS = Path(__file__).resolve().parent / "models"
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
CORPORA = SHARED / "corpora" / "bpmn"
BENCH = SHARED / "bench"


def corpus(relative: str) -> Path:
    """A folder of the shared corpora; the test is skipped (with the reason) when it is absent."""
    folder = CORPORA / relative
    if not folder.is_dir():
        pytest.skip(f"corpus folder {folder} is absent (the shared corpora are not checked out here)")
    return folder


def read_model(name: str) -> Definitions:
    path = MODELS / name
    return read_bpmn(path.read_bytes(), source_name=name)


def model(name: str, process_id: str | None = None) -> ProcessDefinition:
    return read_model(name).process(process_id)


class Clock:
    """A clock the test moves by hand. Example: `clock.advance(hours=1)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Harness:
    """An engine over a MemoryStore with a fake clock; models are registered by file name.

    Example::

        given = Harness("complaint.bpmn")
        instance = given.start("complaint_review", {"amount": 1})
        given.complete(instance, "register", {"amount": 20000})
    """

    def __init__(
        self,
        *model_names: str,
        actions: ActionRegistry | None = None,
        decisions: DecisionProvider | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.clock = Clock()
        self.store = MemoryStore()
        self.definitions = InMemoryDefinitions()
        for name in model_names:
            self.definitions.add(read_model(name))
        self.engine = Engine(
            self.store,
            definitions=self.definitions,
            actions=actions,
            decisions=decisions,
            calendar=calendar,
            clock=self.clock,
        )

    def process(self, process_id: str) -> ProcessDefinition:
        process = self.definitions.get(process_id)
        assert process is not None, process_id
        return process

    def start(self, process_id: str, variables: Mapping[str, Any] | None = None, **options: Any) -> Instance:
        return self.engine.start(self.process(process_id), variables, **options)

    def refresh(self, instance: Instance) -> Instance:
        return self.store.instance(instance.id)

    def tasks(self, instance: Instance) -> list[str]:
        return sorted(task.node_id for task in self.store.open_tasks(instance.id))

    def task(self, instance: Instance, node_id: str) -> Task:
        found = [task for task in self.store.open_tasks(instance.id) if task.node_id == node_id]
        assert found, f"no open task at {node_id!r}; open: {self.tasks(instance)}"
        return found[0]

    def complete(
        self,
        instance: Instance,
        node_id: str,
        data: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> Instance:
        return self.engine.complete_task(self.task(instance, node_id).id, data, actor=actor)

    def history(self, instance: Instance) -> list[str]:
        return [row.node_id for row in self.store.history(instance.id)]

    def outcomes(self, instance: Instance) -> dict[str, str]:
        return {row.node_id: row.outcome.value for row in self.store.history(instance.id)}

    def fire_due(self) -> int:
        """Fire every job due at the clock's time, earliest first; the number fired."""
        fired = 0
        while True:
            due = self.store.due_jobs(self.clock.now, 100)
            if not due:
                return fired
            for job in due:
                self.engine.fire_job(job.id)
                fired += 1
