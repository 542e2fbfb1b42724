"""Drive SpiffWorkflow 3.2 (the test oracle) and Potok in lock-step on the same model with the same data.

Both engines start with the same variables; at every step the user/manual tasks ready in both must
be the same; the task with the smallest node id is completed in both with the same form data.
What each step completed (node ids) and the final variables are compared by the tests.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from potok.engine import (
    Engine,
    InMemoryDefinitions,
    InstanceStatus,
    JobKind,
    MemoryStore,
    Outcome,
    TaskKind,
    read_bpmn,
)
from potok.engine.model import ActivityNode

MAX_STEPS = 60


@dataclass(frozen=True)
class Case:
    """How to run one corpus file in both engines."""

    process_id: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    # form data given when the task at that node is completed
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    # other corpus files holding processes that call activities call
    also: tuple[str, ...] = ()
    parser: str = "bpmn"


@dataclass
class Trace:
    """What happened: per step, the nodes each engine completed; at the end, state and variables."""

    spiff_steps: list[collections.Counter[str]] = field(default_factory=list)
    potok_steps: list[collections.Counter[str]] = field(default_factory=list)
    ready_mismatch: str | None = None
    spiff_completed: bool = False
    potok_completed: bool = False
    spiff_variables: dict[str, Any] = field(default_factory=dict)
    potok_variables: dict[str, Any] = field(default_factory=dict)
    multi_instance_nodes: frozenset[str] = frozenset()
    potok_incidents: list[str] = field(default_factory=list)

    def step_sets(self) -> list[tuple[set[str], set[str]]]:
        """Per step, the completed node ids. Looping and multi-instance activities are left out:
        SpiffWorkflow records their passes under internal names and the activity once at the end,
        Potok records every pass under the activity's id."""
        ignored = self.multi_instance_nodes
        return [
            ({n for n in spiff if n not in ignored}, {n for n in potok if n not in ignored})
            for spiff, potok in zip(self.spiff_steps, self.potok_steps, strict=True)
        ]


def _spiff_parser(kind: str) -> Any:
    if kind == "camunda":
        from SpiffWorkflow.camunda.parser import CamundaParser

        return CamundaParser()
    if kind == "spiff":
        from SpiffWorkflow.spiff.parser import SpiffBpmnParser

        return SpiffBpmnParser()
    from SpiffWorkflow.bpmn.parser import BpmnParser

    return BpmnParser()


def run_both(corpora: Path, relative: str, case: Case) -> Trace:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    files = [corpora / relative, *(corpora / other for other in case.also)]
    # Potok
    definitions = [read_bpmn(path.read_bytes(), source_name=path.name) for path in files]
    provider = InMemoryDefinitions(definitions)
    process = definitions[0].process(case.process_id)
    store = MemoryStore()
    engine = Engine(store, definitions=provider)
    root = engine.start(process, dict(case.variables))
    # SpiffWorkflow
    parser = _spiff_parser(case.parser)
    for path in files:
        parser.add_bpmn_file(str(path))
    workflow = BpmnWorkflow(parser.get_spec(process.id), parser.get_subprocess_specs(process.id))
    workflow.get_tasks(state=TaskState.READY)[0].data.update(case.variables)
    workflow.do_engine_steps()

    trace = Trace(
        multi_instance_nodes=frozenset(
            node.id
            for definitions_file in definitions
            for p in definitions_file
            for node in p.nodes.values()
            if isinstance(node, ActivityNode) and node.loop is not None
        )
    )
    seen_spiff: set[Any] = set()
    seen_history: dict[str, int] = {}

    def fire_async() -> None:
        # Spiff runs through camunda:async; Potok makes jobs that a worker fires right away.
        while True:
            jobs = [
                job
                for job in store.due_jobs(datetime.now(UTC), 100)
                if job.kind in (JobKind.ASYNC_BEFORE, JobKind.ASYNC_AFTER)
            ]
            if not jobs:
                return
            for job in jobs:
                engine.fire_job(job.id)

    def spiff_step() -> collections.Counter[str]:
        done: collections.Counter[str] = collections.Counter()
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            if task.id in seen_spiff:
                continue
            seen_spiff.add(task.id)
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id:
                done[bpmn_id] += 1
        return done

    def potok_step() -> collections.Counter[str]:
        done: collections.Counter[str] = collections.Counter()
        for instance_id in list(store.instances):
            rows = store.history(instance_id)
            for row in rows[seen_history.get(instance_id, 0) :]:
                if row.outcome is Outcome.COMPLETED:
                    done[row.node_id] += 1
            seen_history[instance_id] = len(rows)
        return done

    fire_async()
    trace.spiff_steps.append(spiff_step())
    trace.potok_steps.append(potok_step())
    for _ in range(MAX_STEPS):
        spiff_ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        potok_ready = [t for t in store.open_tasks() if t.kind in (TaskKind.USER, TaskKind.MANUAL)]
        spiff_ids = sorted(task.task_spec.bpmn_id for task in spiff_ready)
        potok_ids = sorted(task.node_id for task in potok_ready)
        if spiff_ids != potok_ids:
            trace.ready_mismatch = f"ready in SpiffWorkflow {spiff_ids}, in Potok {potok_ids}"
            break
        if not spiff_ids:
            break
        node_id = spiff_ids[0]
        data = case.data.get(node_id, {})
        spiff_task = next(task for task in spiff_ready if task.task_spec.bpmn_id == node_id)
        spiff_task.data.update(data)
        spiff_task.run()
        workflow.do_engine_steps()
        potok_task = next(task for task in potok_ready if task.node_id == node_id)
        engine.complete_task(potok_task.id, data)
        fire_async()
        trace.spiff_steps.append(spiff_step())
        trace.potok_steps.append(potok_step())
    trace.spiff_completed = workflow.is_completed()
    final = store.instance(root.id)
    trace.potok_completed = final.state in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
    trace.spiff_variables = dict(workflow.data)
    trace.potok_variables = dict(final.variables)
    trace.potok_incidents = [incident.message for incident in store.open_incidents()]
    return trace
