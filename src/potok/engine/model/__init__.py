"""The BPMN model: immutable node specs with everything the executor needs precomputed.

Example::

    from potok.engine.model import NodeKind
    process = definitions.processes["complaint_review"]
    [node.id for node in process.nodes.values() if node.kind is NodeKind.USER_TASK]
"""

from potok.engine.model.kinds import CallBinding, EventKind, NodeKind, TimerKind
from potok.engine.model.nodes import (
    ActivityNode,
    CallActivityNode,
    EventNode,
    GatewayNode,
    Node,
    Problem,
    Scope,
    SequenceFlow,
    SubProcessNode,
    TaskNode,
)
from potok.engine.model.process import Bounds, Definitions, DiagramElement, ProcessDefinition
from potok.engine.model.scripts import compile_script
from potok.engine.model.specs import (
    Assignment,
    CallSpec,
    Condition,
    EventDefinition,
    ItemSpec,
    MultiInstanceSpec,
    Script,
    StandardLoopSpec,
    TimerSpec,
    VariableMapping,
)

__all__ = [
    "ActivityNode",
    "Assignment",
    "Bounds",
    "CallActivityNode",
    "CallBinding",
    "CallSpec",
    "Condition",
    "Definitions",
    "DiagramElement",
    "EventDefinition",
    "EventKind",
    "EventNode",
    "GatewayNode",
    "ItemSpec",
    "MultiInstanceSpec",
    "Node",
    "NodeKind",
    "Problem",
    "ProcessDefinition",
    "Scope",
    "Script",
    "SequenceFlow",
    "StandardLoopSpec",
    "SubProcessNode",
    "TaskNode",
    "TimerKind",
    "TimerSpec",
    "VariableMapping",
    "compile_script",
]
