"""The Potok process engine: pure Python, no Django (BPMN model, runtime, expressions, calendars).

Example::

    from potok.engine import Engine, MemoryStore, read_bpmn

    definitions = read_bpmn(data, source_name="complaint_review.bpmn")
    store = MemoryStore()
    engine = Engine(store)
    instance = engine.start(definitions.process("complaint_review"), {"amount": 20000})
    task = store.open_tasks(instance.id)[0]
    engine.complete_task(task.id, {"approved": True}, actor="ivanov")
"""

from potok.engine.bpmn import (
    DefinitionsEditor,
    ReadLimits,
    read_bpmn,
    validate_definitions,
    validate_process,
    write_bpmn,
)
from potok.engine.errors import (
    BpmnError,
    ConcurrentModification,
    DefinitionError,
    EngineError,
    InvalidTransition,
    MessageNotCorrelated,
    NotFound,
    ScriptError,
)
from potok.engine.model import Definitions, NodeKind, Problem, ProcessDefinition
from potok.engine.runtime import (
    ActionContext,
    ActionError,
    ActionRegistry,
    ChangeSet,
    DecisionProvider,
    DefinitionsProvider,
    Engine,
    Execution,
    ExecutionState,
    HistoryRow,
    Incident,
    IncidentState,
    InMemoryDefinitions,
    Instance,
    InstanceState,
    InstanceStatus,
    Job,
    JobKind,
    Outcome,
    Subscription,
    SubscriptionKind,
    Task,
    TaskKind,
    TaskState,
    retrying,
)
from potok.engine.runtime.definitions import InMemoryDecisions
from potok.engine.runtime.serialization import deserialize_instance, restore_changes, serialize_instance
from potok.engine.store import MemoryStore, Store

__all__ = [
    "ActionContext",
    "ActionError",
    "ActionRegistry",
    "BpmnError",
    "ChangeSet",
    "ConcurrentModification",
    "DecisionProvider",
    "DefinitionError",
    "Definitions",
    "DefinitionsEditor",
    "DefinitionsProvider",
    "Engine",
    "EngineError",
    "Execution",
    "ExecutionState",
    "HistoryRow",
    "InMemoryDecisions",
    "InMemoryDefinitions",
    "Incident",
    "IncidentState",
    "Instance",
    "InstanceState",
    "InstanceStatus",
    "InvalidTransition",
    "Job",
    "JobKind",
    "MemoryStore",
    "MessageNotCorrelated",
    "NodeKind",
    "NotFound",
    "Outcome",
    "Problem",
    "ProcessDefinition",
    "ReadLimits",
    "ScriptError",
    "Store",
    "Subscription",
    "SubscriptionKind",
    "Task",
    "TaskKind",
    "TaskState",
    "deserialize_instance",
    "read_bpmn",
    "restore_changes",
    "retrying",
    "serialize_instance",
    "validate_definitions",
    "validate_process",
    "write_bpmn",
]
