"""Migrating running instances to another version of their process.

Every live row of the instance (tokens, open tasks, timers, subscriptions, incidents) is moved to the node
of the new version with the same id, or to the node a mapping names. A plan lists each move and each
conflict before anything changes; an instance with conflicts is not migrated.

Example::

    plan = migrate_instance(engine, instance_id, new_version, mapping={"check": "review"}, dry_run=True)
    plan.moves        # [Move("task", "…", "check", "review"), …]
    plan.conflicts    # [] → migrate_instance(engine, instance_id, new_version) applies it
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from potok.engine.errors import DefinitionError, InvalidTransition
from potok.engine.model.nodes import EventNode, Node
from potok.engine.model.process import ProcessDefinition
from potok.engine.runtime.rows import InstanceState
from potok.engine.runtime.states import InstanceStatus

if TYPE_CHECKING:
    from potok.engine.runtime.engine import Engine


@dataclass(frozen=True, slots=True)
class Move:
    """One live row moving from a node of the old version to a node of the new one."""

    row: str
    row_id: str
    from_node: str
    to_node: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why the instance cannot move as asked; names the node of the old version."""

    node_id: str
    message: str
    # What went wrong, for an adapter that words it in the reader's language: "no_node" (row, target),
    # "kind_changed" (target, old_kind, new_kind), "other_scope" (target), "boundary_moved" (target),
    # "unknown_node" (the mapping names a node the old version lacks).
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MigrationPlan:
    """What a migration does (or would do) to one instance.

    `dropped` are waits of boundary events that the new version no longer has: they are removed.
    """

    instance_id: str
    from_version: str
    to_version: str
    moves: tuple[Move, ...] = ()
    dropped: tuple[Move, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    applied: bool = False

    @property
    def possible(self) -> bool:
        return not self.conflicts


@dataclass
class _Planner:
    source: ProcessDefinition
    target: ProcessDefinition
    mapping: Mapping[str, str]
    moves: list[Move] = field(default_factory=list)
    dropped: list[Move] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def target_of(self, node_id: str) -> str:
        return self.mapping.get(node_id, node_id)

    @staticmethod
    def scope(scope_id: str, process: ProcessDefinition) -> str:
        return "" if scope_id in ("", process.id) else scope_id

    def check(self, row: str, row_id: str, node_id: str, *, droppable: bool = False) -> str | None:
        """The node the row moves to, or None (a conflict or a dropped wait has been recorded)."""
        new_id = self.target_of(node_id)
        old: Node | None = self.source.nodes.get(node_id)
        new: Node | None = self.target.nodes.get(new_id)
        if new is None:
            if droppable:
                self.dropped.append(Move(row, row_id, node_id, ""))
                return None
            self.conflicts.append(
                Conflict(
                    node_id,
                    f"'{node_id}' has a live {row} but version {self.target.version_key or 'new'} "
                    f"has no node '{new_id}'; map it to a node of the new version",
                    "no_node",
                    (("row", row), ("target", new_id)),
                )
            )
            return None
        if old is not None and old.kind is not new.kind:
            self.conflicts.append(
                Conflict(
                    node_id,
                    f"'{node_id}' is a {old.kind.value} but '{new_id}' is a {new.kind.value} "
                    "in the new version",
                    "kind_changed",
                    (("target", new_id), ("old_kind", old.kind.value), ("new_kind", new.kind.value)),
                )
            )
            return None
        if old is not None and self.scope(self.target_of(old.scope_id), self.target) != self.scope(
            new.scope_id, self.target
        ):
            self.conflicts.append(
                Conflict(
                    node_id,
                    f"'{new_id}' lies in another (sub)process in the new version than '{node_id}'",
                    "other_scope",
                    (("target", new_id),),
                )
            )
            return None
        if (
            isinstance(old, EventNode)
            and isinstance(new, EventNode)
            and old.attached_to is not None
            and new.attached_to != self.target_of(old.attached_to)
        ):
            self.conflicts.append(
                Conflict(
                    node_id,
                    f"boundary event '{new_id}' is attached to another activity in the new version",
                    "boundary_moved",
                    (("target", new_id),),
                )
            )
            return None
        if new_id != node_id or self.source.version_key != self.target.version_key:
            self.moves.append(Move(row, row_id, node_id, new_id))
        return new_id


def _boundary(process: ProcessDefinition, node_id: str) -> bool:
    node = process.nodes.get(node_id)
    return isinstance(node, EventNode) and node.attached_to is not None


def plan(
    state: InstanceState,
    source: ProcessDefinition,
    target: ProcessDefinition,
    mapping: Mapping[str, str] | None = None,
) -> tuple[MigrationPlan, dict[tuple[str, str], str]]:
    """The plan, and (row kind, row id) → new node id for the rows that move."""
    planner = _Planner(source, target, dict(mapping or {}))
    for key in planner.mapping:
        if key not in source.nodes:
            planner.conflicts.append(
                Conflict(
                    key, f"the mapping names '{key}', which the old version does not have", "unknown_node"
                )
            )
    targets: dict[tuple[str, str], str] = {}
    for execution in state.executions.values():
        new_id = planner.check("token", execution.id, execution.node_id)
        if new_id is not None:
            targets[("execution", execution.id)] = new_id
    for task in state.tasks.values():
        new_id = planner.check("task", task.id, task.node_id)
        if new_id is not None:
            targets[("task", task.id)] = new_id
    for job in state.jobs.values():
        new_id = planner.check("timer", job.id, job.node_id, droppable=_boundary(source, job.node_id))
        if new_id is not None:
            targets[("job", job.id)] = new_id
    for subscription in state.subscriptions.values():
        new_id = planner.check(
            "subscription",
            subscription.id,
            subscription.node_id,
            droppable=_boundary(source, subscription.node_id),
        )
        if new_id is not None:
            targets[("subscription", subscription.id)] = new_id
    for incident in state.incidents.values():
        new_id = planner.check("incident", incident.id, incident.node_id)
        if new_id is not None:
            targets[("incident", incident.id)] = new_id
    result = MigrationPlan(
        instance_id=state.instance.id,
        from_version=source.version_key,
        to_version=target.version_key,
        moves=tuple(planner.moves),
        dropped=tuple(planner.dropped),
        conflicts=tuple(planner.conflicts),
    )
    return result, targets


def migrate_instance(
    engine: Engine,
    instance_id: str,
    target: ProcessDefinition,
    mapping: Mapping[str, str] | None = None,
    *,
    dry_run: bool = False,
) -> MigrationPlan:
    """Plan, and unless `dry_run` or a conflict, move the instance to `target` in one unit of work."""
    unit, runner = engine.begin()
    state = unit.load(instance_id)
    if state.instance.state not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
        raise InvalidTransition(f"process instance {instance_id!r} is {state.instance.state.value}")
    source = unit.processes[instance_id]
    if target.id != source.id:
        raise DefinitionError(f"'{target.id}' is another process than '{source.id}'")
    result, targets = plan(state, source, target, mapping)
    if dry_run or not result.possible:
        return result
    engine.remember(target)
    for execution in state.executions.values():
        execution.node_id = targets.get(("execution", execution.id), execution.node_id)
        unit.changes.executions.update(execution)
    for task in state.tasks.values():
        task.node_id = targets.get(("task", task.id), task.node_id)
        task.name = target.nodes[task.node_id].name or task.name
        unit.changes.tasks.update(task)
    for job in list(state.jobs.values()):
        if ("job", job.id) in targets:
            job.node_id = targets[("job", job.id)]
            unit.changes.jobs.update(job)
        else:
            unit.delete_job(job)
    for subscription in list(state.subscriptions.values()):
        if ("subscription", subscription.id) in targets:
            subscription.node_id = targets[("subscription", subscription.id)]
            unit.changes.subscriptions.update(subscription)
        else:
            unit.delete_subscription(subscription)
    for incident in state.incidents.values():
        incident.node_id = targets.get(("incident", incident.id), incident.node_id)
        unit.changes.incidents.update(incident)
    state.instance.version_key = target.version_key
    state.instance.process_id = target.id
    unit.processes[instance_id] = target
    engine.commit(unit, runner)
    return MigrationPlan(
        result.instance_id,
        result.from_version,
        result.to_version,
        result.moves,
        result.dropped,
        result.conflicts,
        applied=True,
    )
