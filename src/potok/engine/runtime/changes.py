"""ChangeSet: the rows one unit of work inserted, updated and deleted, applied by a store at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from potok.engine.runtime.rows import Execution as ExecutionRow
from potok.engine.runtime.rows import HistoryRow, Incident, Instance, Job, Subscription, Task


class _Row(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Row)


@dataclass(slots=True)
class RowChanges(Generic[R]):
    """Changes to one table. A row inserted then deleted in the same unit of work never shows up.

    Example::

        changes.tasks.insert(task)
        changes.tasks.delete(task)
        bool(changes.tasks)  # False
    """

    inserted: dict[str, R] = field(default_factory=dict)
    updated: dict[str, R] = field(default_factory=dict)
    deleted: dict[str, R] = field(default_factory=dict)

    def insert(self, row: R) -> None:
        self.inserted[row.id] = row

    def update(self, row: R) -> None:
        key = row.id
        if key not in self.inserted:
            self.updated[key] = row

    def delete(self, row: R) -> None:
        key = row.id
        if self.inserted.pop(key, None) is None:
            self.updated.pop(key, None)
            self.deleted[key] = row

    def __bool__(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


@dataclass(slots=True)
class ChangeSet:
    """All row changes of one operation, plus the instance versions it read (optimistic locking).

    `expected_versions[instance_id]` is the version the unit of work loaded (0 for a new
    instance). A store applies everything in one transaction, or raises ConcurrentModification
    without applying anything when a stored version differs.

    Example::

        changes.instances.updated["i1"].version == changes.expected_versions["i1"] + 1
    """

    instances: RowChanges[Instance] = field(default_factory=RowChanges)
    executions: RowChanges[ExecutionRow] = field(default_factory=RowChanges)
    tasks: RowChanges[Task] = field(default_factory=RowChanges)
    jobs: RowChanges[Job] = field(default_factory=RowChanges)
    subscriptions: RowChanges[Subscription] = field(default_factory=RowChanges)
    incidents: RowChanges[Incident] = field(default_factory=RowChanges)
    history: list[HistoryRow] = field(default_factory=list)
    expected_versions: dict[str, int] = field(default_factory=dict)
    # Jobs without an instance (start timers) that this unit of work fired and expects to exist.
    expected_jobs: set[str] = field(default_factory=set)
