"""Operations on running instances: tasks, jobs, variables, incidents, moving tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from potok.engine.errors import DefinitionError, InvalidTransition, NotFound
from potok.engine.model.kinds import EventKind
from potok.engine.model.nodes import EventNode
from potok.engine.runtime.rows import Execution, Instance, InstanceState, Job
from potok.engine.runtime.runner import Runner
from potok.engine.runtime.starting import create_instance
from potok.engine.runtime.states import (
    EXECUTION_TRANSITIONS,
    INCIDENT_TRANSITIONS,
    TASK_TRANSITIONS,
    ExecutionState,
    IncidentState,
    InstanceStatus,
    JobKind,
    Outcome,
    TaskState,
    advance,
)
from potok.engine.runtime.timers import TimerError, next_cycle_due
from potok.engine.runtime.unit import UnitOfWork
from potok.engine.store.port import Store


def ensure_running(state: InstanceState) -> None:
    status = state.instance.state
    if status is not InstanceStatus.RUNNING:
        raise InvalidTransition(f"process instance {state.instance.id!r} is {status.value}")


class Operations:
    """The operations of `Engine` that act on a running instance (split out to keep modules small).

    Example::

        engine.complete_task(task.id, {"approved": True}, actor="ivanov")
        engine.fire_job(job.id)
        engine.retry_incident(incident.id)
    """

    store: Store

    def begin(self) -> tuple[UnitOfWork, Runner]:
        raise NotImplementedError

    def commit(self, unit: UnitOfWork, runner: Runner, *, depth: int = 0) -> None:
        raise NotImplementedError

    def complete_task(
        self, task_id: str, data: Mapping[str, Any] | None = None, *, actor: str | None = None
    ) -> Instance:
        """Complete an open task with its form data; the data becomes variables; the instance goes on.

        Example::

            engine.complete_task(task.id, {"amount": 5000}, actor="ivanov")
        """
        stored = self.store.load_task(task_id)
        advance(stored.state, TaskState.COMPLETED, TASK_TRANSITIONS)
        unit, runner = self.begin()
        state = unit.load(stored.instance_id)
        ensure_running(state)
        task = state.tasks.get(task_id)
        if task is None:
            raise InvalidTransition(f"task {task_id!r} is no longer open")
        execution = state.executions[task.execution_id]
        advance(execution.state, ExecutionState.ACTIVE, EXECUTION_TRANSITIONS)
        task.data = dict(data) if data else None
        unit.close_task(task, TaskState.COMPLETED, actor)
        if data:
            unit.set_variables(execution, state.instance.id, data)
        node = unit.processes[state.instance.id].nodes[execution.node_id]
        execution.state = ExecutionState.ACTIVE
        unit.changes.executions.update(execution)
        runner.complete(execution, node, actor=actor)
        self.commit(unit, runner)
        return state.instance.clone()

    def fire_job(self, job_id: str) -> Instance | None:
        """Fire a due job (timer or async continuation). Returns the instance it moved, if any.

        A job of a suspended instance stays and fires after `resume`.
        """
        from potok.engine.runtime.behaviours.waits import deliver

        job = self.store.load_job(job_id)
        unit, runner = self.begin()
        if job.kind is JobKind.START_TIMER:
            return self._fire_start_timer(unit, runner, job)
        assert job.instance_id is not None
        state = unit.load(job.instance_id)
        live = state.jobs.get(job_id)
        if live is None:
            raise NotFound(f"job {job_id!r} does not exist any more")
        if state.instance.state is InstanceStatus.SUSPENDED:
            return None
        ensure_running(state)
        nodes = unit.processes[state.instance.id].nodes
        execution = state.executions.get(live.execution_id) if live.execution_id else None
        if live.kind is JobKind.TIMER:
            node = nodes[live.node_id]
            if not self._reschedule(unit, live, node, state):
                unit.delete_job(live)
            deliver(runner, state, live.node_id, live.execution_id, None)
        else:
            unit.delete_job(live)
            if execution is None:
                raise NotFound(f"job {job_id!r}: its execution does not exist any more")
            execution.state = ExecutionState.ACTIVE
            unit.changes.executions.update(execution)
            if live.kind is JobKind.ASYNC_BEFORE:
                runner.enter(execution, skip_async=True)
            else:
                runner.after(execution, nodes[execution.node_id])
        self.commit(unit, runner)
        return state.instance.clone()

    def _reschedule(self, unit: UnitOfWork, job: Job, node: Any, state: InstanceState) -> bool:
        """A cycle timer on a non-interrupting boundary or event-subprocess start fires again."""
        if not isinstance(node, EventNode) or node.interrupting or node.definition.timer is None:
            return False
        try:
            following = next_cycle_due(
                node.definition.timer, state.instance.variables, job.due_at, job.repeat_count + 1
            )
        except TimerError:
            return False
        if following is None:
            return False
        job.due_at = following
        job.repeat_count += 1
        unit.changes.jobs.update(job)
        return True

    def _fire_start_timer(self, unit: UnitOfWork, runner: Runner, job: Job) -> Instance:
        assert job.process_id is not None
        process = unit.resolve(job.process_id, job.version_key)
        unit.changes.expected_jobs.add(job.id)
        node = process.nodes[job.node_id]
        following = None
        if (
            isinstance(node, EventNode)
            and node.definition.timer is not None
            and node.event_kind is EventKind.TIMER
        ):
            following = next_cycle_due(node.definition.timer, {}, job.due_at, job.repeat_count + 1)
        if following is None:
            unit.changes.jobs.delete(job)
        else:
            job.due_at = following
            job.repeat_count += 1
            unit.changes.jobs.update(job)
        state = create_instance(runner, process, None, None, job.node_id)
        self.commit(unit, runner)
        return state.instance.clone()

    def set_variables(self, instance_id: str, variables: Mapping[str, Any]) -> Instance:
        """Set instance variables (conditional events whose condition becomes true fire)."""
        unit, runner = self.begin()
        state = unit.load(instance_id)
        ensure_running(state)
        unit.set_variables(None, instance_id, variables)
        self.commit(unit, runner)
        return state.instance.clone()

    def retry_incident(self, incident_id: str) -> Instance:
        """Run the failed step again (after the administrator fixed its cause)."""
        stored = self.store.load_incident(incident_id)
        advance(stored.state, IncidentState.RESOLVED, INCIDENT_TRANSITIONS)
        unit, runner = self.begin()
        state = unit.load(stored.instance_id)
        ensure_running(state)
        incident = state.incidents.get(incident_id)
        if incident is None:
            raise InvalidTransition(f"incident {incident_id!r} is already resolved")
        unit.resolve_incident(incident)
        execution = state.executions.get(incident.execution_id) if incident.execution_id else None
        if execution is not None and execution.state is ExecutionState.FAILED:
            execution.state = ExecutionState.ACTIVE
            unit.changes.executions.update(execution)
            node = unit.processes[state.instance.id].nodes[execution.node_id]
            if incident.phase == "leave":
                runner.leave(execution, node)
            else:
                runner.enter(execution, skip_async=True)
        self.commit(unit, runner)
        return state.instance.clone()

    def _token_at(self, state: InstanceState, node_id: str) -> Execution:
        for execution in state.executions.values():
            if execution.node_id == node_id and execution.mi_role != "inner":
                return execution
        raise NotFound(f"no token of instance {state.instance.id!r} stands at '{node_id}'")

    def skip_node(self, instance_id: str, node_id: str, *, actor: str | None = None) -> Instance:
        """Treat the node a token waits at as done without doing it (outcome "skipped") and go on."""
        unit, runner = self.begin()
        state = unit.load(instance_id)
        ensure_running(state)
        execution = self._token_at(state, node_id)
        node = unit.processes[instance_id].nodes[node_id]
        for child in [e for e in state.executions.values() if e.parent_id == execution.id]:
            runner.cancel(child, Outcome.SKIPPED)
        self._release(unit, runner, execution)
        unit.history(execution, node, Outcome.SKIPPED, actor)
        execution.mi_role = None
        execution.variables = None
        runner.leave(execution, node)
        self.commit(unit, runner)
        return state.instance.clone()

    def move_token(self, instance_id: str, from_node_id: str, to_node_id: str) -> Instance:
        """Move the token at one node to another node of the same scope; `to == from` restarts it."""
        unit, runner = self.begin()
        state = unit.load(instance_id)
        ensure_running(state)
        nodes = unit.processes[instance_id].nodes
        target = nodes.get(to_node_id)
        if target is None:
            raise NotFound(f"'{to_node_id}' is not a node of process {state.instance.process_id!r}")
        execution = self._token_at(state, from_node_id)
        if nodes[from_node_id].scope_id != target.scope_id:
            raise DefinitionError(f"'{from_node_id}' and '{to_node_id}' are not in the same (sub)process")
        parent_id = execution.parent_id
        runner.cancel(execution, Outcome.MOVED)
        runner.agenda.append(unit.new_execution(instance_id, to_node_id, parent_id))
        self.commit(unit, runner)
        return state.instance.clone()

    def _release(self, unit: UnitOfWork, runner: Runner, execution: Execution) -> None:
        state = unit.states[execution.instance_id]
        unit.clear_waits(execution.id, execution.instance_id)
        for task in [t for t in state.tasks.values() if t.execution_id == execution.id]:
            unit.close_task(task, TaskState.CANCELLED)
        for incident in [i for i in state.incidents.values() if i.execution_id == execution.id]:
            unit.resolve_incident(incident)
        if execution.called_instance_id is not None:
            runner.cancel_instance(execution.called_instance_id)
            execution.called_instance_id = None
        execution.state = ExecutionState.ACTIVE
        unit.changes.executions.update(execution)
