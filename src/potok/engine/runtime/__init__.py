"""The executor: relational runtime rows, a unit of work per operation, the Engine's operations.

Example::

    from potok.engine.runtime import Engine
    from potok.engine.store import MemoryStore

    store = MemoryStore()
    engine = Engine(store)
    instance = engine.start(process, {"amount": 20000})
"""

from potok.engine.runtime.actions import Action, ActionContext, ActionError, ActionRegistry
from potok.engine.runtime.changes import ChangeSet, RowChanges
from potok.engine.runtime.definitions import DecisionProvider, DefinitionsProvider, InMemoryDefinitions
from potok.engine.runtime.engine import Engine, IdFactory, retrying, utc_now
from potok.engine.runtime.rows import (
    Execution,
    HistoryRow,
    Incident,
    Instance,
    InstanceState,
    Job,
    Subscription,
    Task,
)
from potok.engine.runtime.states import (
    ExecutionState,
    IncidentState,
    InstanceStatus,
    JobKind,
    Outcome,
    SubscriptionKind,
    TaskKind,
    TaskState,
)
from potok.engine.runtime.timers import TimerError, WorkingCalendar

__all__ = [
    "Action",
    "ActionContext",
    "ActionError",
    "ActionRegistry",
    "ChangeSet",
    "DecisionProvider",
    "DefinitionsProvider",
    "Engine",
    "Execution",
    "ExecutionState",
    "HistoryRow",
    "IdFactory",
    "InMemoryDefinitions",
    "Incident",
    "IncidentState",
    "Instance",
    "InstanceState",
    "InstanceStatus",
    "Job",
    "JobKind",
    "Outcome",
    "RowChanges",
    "Subscription",
    "SubscriptionKind",
    "Task",
    "TaskKind",
    "TaskState",
    "TimerError",
    "WorkingCalendar",
    "retrying",
    "utc_now",
]
