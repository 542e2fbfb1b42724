"""States of runtime rows, declared as enums with their allowed transitions.

Example::

    advance(ExecutionState.WAITING, ExecutionState.ACTIVE, EXECUTION_TRANSITIONS)  # fine
    advance(TaskState.COMPLETED, TaskState.OPEN, TASK_TRANSITIONS)  # raises InvalidTransition
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from potok.engine.errors import InvalidTransition


class InstanceStatus(StrEnum):
    """Lifecycle of a process instance."""

    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ExecutionState(StrEnum):
    """Where a token (execution) stands. Finished executions are deleted, not kept."""

    ACTIVE = "active"  # being moved by the executor right now
    WAITING = "waiting"  # at a task, catch event, receive task, call activity
    JOINING = "joining"  # arrived at a join gateway, waiting for the other branches
    SCOPE = "scope"  # holds child executions: subprocess, multi-instance body, event subprocess
    ASYNC = "async"  # waits for an async-continuation job
    FAILED = "failed"  # stopped by an incident
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskKind(StrEnum):
    USER = "user"
    MANUAL = "manual"
    RECEIVE = "receive"


class JobKind(StrEnum):
    TIMER = "timer"  # a timer event of an instance (catch, boundary, event subprocess start)
    START_TIMER = "start_timer"  # a timer start event: fires a new instance
    ASYNC_BEFORE = "async_before"  # continue into a node in a later transaction
    ASYNC_AFTER = "async_after"  # leave a node in a later transaction


class SubscriptionKind(StrEnum):
    MESSAGE = "message"
    SIGNAL = "signal"
    CONDITIONAL = "conditional"


class IncidentState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    """How a node instance ended, in its history row."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    TERMINATED = "terminated"
    SKIPPED = "skipped"
    MOVED = "moved"
    ERROR = "error"


INSTANCE_TRANSITIONS: Mapping[InstanceStatus, frozenset[InstanceStatus]] = {
    InstanceStatus.RUNNING: frozenset(
        {
            InstanceStatus.SUSPENDED,
            InstanceStatus.COMPLETED,
            InstanceStatus.TERMINATED,
            InstanceStatus.CANCELLED,
            InstanceStatus.FAILED,
        }
    ),
    InstanceStatus.SUSPENDED: frozenset({InstanceStatus.RUNNING, InstanceStatus.CANCELLED}),
    InstanceStatus.COMPLETED: frozenset(),
    InstanceStatus.TERMINATED: frozenset(),
    InstanceStatus.CANCELLED: frozenset(),
    InstanceStatus.FAILED: frozenset({InstanceStatus.CANCELLED}),
}

_LIVE = frozenset(
    {
        ExecutionState.ACTIVE,
        ExecutionState.WAITING,
        ExecutionState.JOINING,
        ExecutionState.SCOPE,
        ExecutionState.ASYNC,
        ExecutionState.FAILED,
        ExecutionState.COMPLETED,
        ExecutionState.CANCELLED,
    }
)
EXECUTION_TRANSITIONS: Mapping[ExecutionState, frozenset[ExecutionState]] = {
    ExecutionState.ACTIVE: _LIVE,
    ExecutionState.WAITING: frozenset(
        {ExecutionState.ACTIVE, ExecutionState.CANCELLED, ExecutionState.FAILED, ExecutionState.COMPLETED}
    ),
    ExecutionState.JOINING: frozenset(
        {ExecutionState.ACTIVE, ExecutionState.CANCELLED, ExecutionState.COMPLETED}
    ),
    ExecutionState.SCOPE: frozenset(
        {ExecutionState.ACTIVE, ExecutionState.CANCELLED, ExecutionState.COMPLETED, ExecutionState.FAILED}
    ),
    ExecutionState.ASYNC: frozenset({ExecutionState.ACTIVE, ExecutionState.CANCELLED}),
    ExecutionState.FAILED: frozenset({ExecutionState.ACTIVE, ExecutionState.CANCELLED}),
    ExecutionState.COMPLETED: frozenset(),
    ExecutionState.CANCELLED: frozenset(),
}

TASK_TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    TaskState.OPEN: frozenset({TaskState.COMPLETED, TaskState.CANCELLED}),
    TaskState.COMPLETED: frozenset(),
    TaskState.CANCELLED: frozenset(),
}

INCIDENT_TRANSITIONS: Mapping[IncidentState, frozenset[IncidentState]] = {
    IncidentState.OPEN: frozenset({IncidentState.RESOLVED}),
    IncidentState.RESOLVED: frozenset(),
}

S = TypeVar("S", bound=StrEnum)


def advance(current: S, new: S, transitions: Mapping[S, frozenset[S]]) -> S:
    """Return `new` if the declared transitions allow current → new, else raise InvalidTransition."""
    if new not in transitions[current]:
        raise InvalidTransition(f"cannot go from {current.value} to {new.value}")
    return new
