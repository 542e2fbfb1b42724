"""The engine's public operations. Each one is a unit of work: load, run until everything waits, apply."""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from potok.engine.errors import ConcurrentModification, InvalidTransition, MessageNotCorrelated, NotFound
from potok.engine.model.kinds import EventKind
from potok.engine.model.nodes import EventNode
from potok.engine.model.process import ProcessDefinition
from potok.engine.runtime import behaviours
from potok.engine.runtime.actions import ActionRegistry
from potok.engine.runtime.definitions import DecisionProvider, DefinitionsProvider
from potok.engine.runtime.operations import Operations
from potok.engine.runtime.rows import Instance, Job
from potok.engine.runtime.runner import Runner, Services
from potok.engine.runtime.starting import check_runnable, create_instance
from potok.engine.runtime.states import (
    INSTANCE_TRANSITIONS,
    InstanceStatus,
    JobKind,
    advance,
)
from potok.engine.runtime.timers import TimerError, WorkingCalendar, first_due
from potok.engine.runtime.unit import UnitOfWork
from potok.engine.store.port import Store

assert behaviours  # the import fills the dispatch table

T = TypeVar("T")


class IdFactory:
    """Ids as 32 hex digits (a valid UUID value): a prefix per factory plus a counter. Fast.

    The prefix is the factory's creation second followed by 32 random bits, so the ids of one factory
    follow each other and a later factory's come after an earlier one's: a new row's key lands at the
    right edge of every index on it (the instance's, its tasks', the foreign keys to them) instead of on a
    random page of a large index, which a database writes back page by page at each commit.

    Example::

        new_id = IdFactory()
        new_id()  # "6748a1c05f0c93e10000000000000001"
    """

    __slots__ = ("_counter", "_prefix")

    def __init__(self) -> None:
        self._prefix = f"{int(time.time()) & 0xFFFFFFFF:08x}{secrets.randbits(32):08x}"
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"

    @classmethod
    def shared(cls) -> IdFactory:
        """This process's factory: every engine of the process draws from one sequence (`next` on the
        counter is atomic under the GIL, so threads share it safely); a forked child gets a new one."""
        global _shared_ids
        if _shared_ids is None:
            _shared_ids = cls()
        return _shared_ids


_shared_ids: IdFactory | None = None


def _forget_shared_ids() -> None:
    global _shared_ids
    _shared_ids = None


os.register_at_fork(after_in_child=_forget_shared_ids)


def utc_now() -> datetime:
    return datetime.now(UTC)


def retrying(operation: Callable[[], T], attempts: int = 5) -> T:
    """Run an engine operation again when another one changed the instance meanwhile.

    Example::

        retrying(lambda: engine.complete_task(task_id, data, actor="ivanov"))
    """
    for _ in range(attempts - 1):
        try:
            return operation()
        except ConcurrentModification:
            continue
    return operation()


class Engine(Operations):
    """The process engine: starts instances and moves them on as tasks, messages, signals and timers arrive.

    Every operation loads only the rows it needs through the store, runs until every token
    waits, and applies one ChangeSet. Two operations on the same instance at the same moment:
    one of them gets ConcurrentModification and is retried by the caller (see `retrying`).

    Example::

        store = MemoryStore()
        engine = Engine(store)
        instance = engine.start(process, {"amount": 20000}, business_key="C-17")
        task = store.open_tasks(instance.id)[0]
        engine.complete_task(task.id, {"approved": True}, actor="ivanov")
    """

    def __init__(
        self,
        store: Store,
        *,
        definitions: DefinitionsProvider | None = None,
        actions: ActionRegistry | None = None,
        decisions: DecisionProvider | None = None,
        calendar: WorkingCalendar | None = None,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] | None = None,
        max_steps: int = 100_000,
    ) -> None:
        self.store = store
        self.definitions = definitions
        self.clock = clock
        self.new_id = new_id or IdFactory()
        self.services = Services(actions or ActionRegistry(), definitions, decisions, calendar, max_steps)
        self._known: dict[tuple[str, str], ProcessDefinition] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def remember(self, process: ProcessDefinition) -> None:
        """Make a definition known by (id, version) without a provider (tests, benchmarks)."""
        self._known[(process.id, process.version_key)] = process

    def resolve(self, process_id: str, version_key: str | None) -> ProcessDefinition:
        if version_key is not None:
            known = self._known.get((process_id, version_key))
            if known is not None:
                return known
        process = self.definitions.get(process_id, version_key) if self.definitions is not None else None
        if process is None and version_key is None:
            candidates = [p for (key, _), p in self._known.items() if key == process_id]
            process = candidates[-1] if candidates else None
        if process is None:
            version = f" version {version_key!r}" if version_key else ""
            raise NotFound(f"process {process_id!r}{version} is not published")
        self._known[(process.id, process.version_key)] = process
        return process

    def begin(self) -> tuple[UnitOfWork, Runner]:
        unit = UnitOfWork(self.store, self.clock(), self.new_id, self.resolve)
        return unit, Runner(unit, self.services)

    def commit(self, unit: UnitOfWork, runner: Runner, *, depth: int = 0) -> None:
        """Run to quiescence, apply, then deliver the messages and signals the unit threw."""
        runner.run()
        self.store.apply(unit.finish())
        if depth > 50:
            return
        for name, key, payload in unit.sent_messages:
            # A message nobody waits for is dropped, as BPMN says.
            with contextlib.suppress(MessageNotCorrelated):
                self._correlate(name, key, payload, depth + 1)
        for name, payload, reached in unit.sent_signals:
            self._broadcast(name, payload, depth + 1, skip=reached)

    # -- starting ---------------------------------------------------------------------------

    def start(
        self,
        process: ProcessDefinition,
        variables: Mapping[str, Any] | None = None,
        *,
        business_key: str | None = None,
        start_event_id: str | None = None,
    ) -> Instance:
        """Start an instance at the plain start event (or `start_event_id`) and run until it waits."""
        self.remember(process)
        unit, runner = self.begin()
        state = create_instance(runner, process, variables, business_key, start_event_id)
        self.commit(unit, runner)
        return state.instance.clone()

    def start_by_message(
        self, name: str, variables: Mapping[str, Any] | None = None, *, business_key: str | None = None
    ) -> Instance:
        """Start the (latest) process whose message start event has this message name."""
        if self.definitions is None:
            raise MessageNotCorrelated(f"no process starts with message {name!r} (no definitions provider)")
        starts = self.definitions.message_starts(name)
        if not starts:
            raise MessageNotCorrelated(f"no process starts with message {name!r}")
        process, start_id = starts[0]
        return self.start(process, variables, business_key=business_key, start_event_id=start_id)

    def schedule_start_timers(self, process: ProcessDefinition) -> list[Job]:
        """Create the jobs of a published process's timer start events (call once when publishing)."""
        check_runnable(process)
        self.remember(process)
        unit, _ = self.begin()
        jobs = []
        for node_id in process.scope.start_event_ids:
            node = process.nodes[node_id]
            if not isinstance(node, EventNode) or node.event_kind is not EventKind.TIMER:
                continue
            timer = node.definition.timer
            if timer is None:
                continue
            try:
                due = first_due(timer, {}, unit.now, self.services.calendar)
            except TimerError as error:
                raise InvalidTransition(f"{node.label}: {error}") from error
            job = Job(
                self.new_id(),
                None,
                None,
                JobKind.START_TIMER,
                node_id,
                due,
                process_id=process.id,
                version_key=process.version_key,
            )
            unit.changes.jobs.insert(job)
            jobs.append(job.clone())
        self.store.apply(unit.changes)
        return jobs

    # -- messages and signals ---------------------------------------------------------------

    def correlate_message(
        self, name: str, correlation_key: str | None = None, payload: Mapping[str, Any] | None = None
    ) -> Instance:
        """Deliver a message to the oldest instance waiting for it (with that key), else start one.

        Raises MessageNotCorrelated when nobody waits and no process starts with it.
        """
        return self._correlate(name, correlation_key, payload, 0)

    def _correlate(
        self, name: str, correlation_key: str | None, payload: Mapping[str, Any] | None, depth: int
    ) -> Instance:
        from potok.engine.runtime.behaviours.waits import deliver

        for subscription in self.store.find_message_subscriptions(name, correlation_key):
            unit, runner = self.begin()
            state = unit.load(subscription.instance_id)
            live = state.subscriptions.get(subscription.id)
            if live is None or state.instance.state is not InstanceStatus.RUNNING:
                continue
            if not deliver(runner, state, live.node_id, live.execution_id, payload):
                continue
            self.commit(unit, runner, depth=depth)
            return state.instance.clone()
        if self.definitions is not None:
            starts = self.definitions.message_starts(name)
            if starts:
                process, start_id = starts[0]
                self.remember(process)
                unit, runner = self.begin()
                state = create_instance(runner, process, payload, correlation_key, start_id)
                self.commit(unit, runner, depth=depth)
                return state.instance.clone()
        key = f" with key {correlation_key!r}" if correlation_key is not None else ""
        raise MessageNotCorrelated(f"nobody waits for message {name!r}{key}")

    def broadcast_signal(self, name: str, payload: Mapping[str, Any] | None = None) -> list[str]:
        """Deliver a signal to every instance that waits for it and start every process it starts.

        Each instance is its own unit of work (retried on conflicts). Returns the instance ids reached.
        """
        return self._broadcast(name, payload, 0)

    def _broadcast(
        self, name: str, payload: Mapping[str, Any] | None, depth: int, skip: frozenset[str] = frozenset()
    ) -> list[str]:
        from potok.engine.runtime.behaviours.waits import deliver

        by_instance: dict[str, list[str]] = {}
        for subscription in self.store.find_signal_subscriptions(name):
            if subscription.instance_id not in skip:
                by_instance.setdefault(subscription.instance_id, []).append(subscription.id)
        reached: list[str] = []
        for instance_id, subscription_ids in by_instance.items():

            def deliver_all(
                instance_id: str = instance_id, subscription_ids: list[str] = subscription_ids
            ) -> bool:
                unit, runner = self.begin()
                state = unit.load(instance_id)
                if state.instance.state is not InstanceStatus.RUNNING:
                    return False
                delivered = False
                for subscription_id in subscription_ids:
                    live = state.subscriptions.get(subscription_id)
                    if live is not None and deliver(runner, state, live.node_id, live.execution_id, payload):
                        delivered = True
                if delivered:
                    self.commit(unit, runner, depth=depth)
                return delivered

            if retrying(deliver_all):
                reached.append(instance_id)
        if self.definitions is not None:
            for process, start_id in self.definitions.signal_starts(name):
                self.remember(process)
                unit, runner = self.begin()
                state = create_instance(runner, process, payload, None, start_id)
                self.commit(unit, runner, depth=depth)
                reached.append(state.instance.id)
        return reached

    # -- instance lifecycle -----------------------------------------------------------------

    def _change_state(self, instance_id: str, new: InstanceStatus) -> Instance:
        unit, runner = self.begin()
        state = unit.load(instance_id)
        instance = state.instance
        instance.state = advance(instance.state, new, INSTANCE_TRANSITIONS)
        self.commit(unit, runner)
        return instance.clone()

    def suspend(self, instance_id: str) -> Instance:
        """Stop an instance from moving: tasks cannot be completed, timers wait, messages skip it."""
        return self._change_state(instance_id, InstanceStatus.SUSPENDED)

    def resume(self, instance_id: str) -> Instance:
        return self._change_state(instance_id, InstanceStatus.RUNNING)

    def cancel(self, instance_id: str) -> Instance:
        """Cancel an instance: every token, task, timer and subscription ends (called instances too)."""
        unit, runner = self.begin()
        runner.cancel_instance(instance_id)
        self.commit(unit, runner)
        return unit.states[instance_id].instance.clone()


__all__ = ["Engine", "IdFactory", "retrying", "utc_now"]
