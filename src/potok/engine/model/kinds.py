"""Enumerations of the BPMN element kinds the model knows, and groupings the executor dispatches on."""

from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    """The kind of a flow node; the value is the BPMN tag (event subprocesses get their own kind)."""

    START_EVENT = "startEvent"
    END_EVENT = "endEvent"
    INTERMEDIATE_CATCH_EVENT = "intermediateCatchEvent"
    INTERMEDIATE_THROW_EVENT = "intermediateThrowEvent"
    BOUNDARY_EVENT = "boundaryEvent"
    TASK = "task"
    USER_TASK = "userTask"
    MANUAL_TASK = "manualTask"
    RECEIVE_TASK = "receiveTask"
    SEND_TASK = "sendTask"
    SERVICE_TASK = "serviceTask"
    BUSINESS_RULE_TASK = "businessRuleTask"
    SCRIPT_TASK = "scriptTask"
    EXCLUSIVE_GATEWAY = "exclusiveGateway"
    PARALLEL_GATEWAY = "parallelGateway"
    INCLUSIVE_GATEWAY = "inclusiveGateway"
    EVENT_BASED_GATEWAY = "eventBasedGateway"
    COMPLEX_GATEWAY = "complexGateway"
    SUB_PROCESS = "subProcess"
    EVENT_SUB_PROCESS = "eventSubProcess"
    TRANSACTION = "transaction"
    AD_HOC_SUB_PROCESS = "adHocSubProcess"
    CALL_ACTIVITY = "callActivity"


class EventKind(StrEnum):
    """The kind of an event definition (`none` when an event has no definition)."""

    NONE = "none"
    MESSAGE = "message"
    TIMER = "timer"
    SIGNAL = "signal"
    ERROR = "error"
    ESCALATION = "escalation"
    TERMINATE = "terminate"
    LINK = "link"
    CONDITIONAL = "conditional"
    CANCEL = "cancel"
    COMPENSATE = "compensate"


class TimerKind(StrEnum):
    """Which of timeDate, timeDuration or timeCycle a timer uses."""

    DATE = "timeDate"
    DURATION = "timeDuration"
    CYCLE = "timeCycle"


class CallBinding(StrEnum):
    """How a call activity picks the version of the called process."""

    LATEST = "latest"
    PINNED = "pinned"


EVENT_KINDS = frozenset(
    {
        NodeKind.START_EVENT,
        NodeKind.END_EVENT,
        NodeKind.INTERMEDIATE_CATCH_EVENT,
        NodeKind.INTERMEDIATE_THROW_EVENT,
        NodeKind.BOUNDARY_EVENT,
    }
)
TASK_KINDS = frozenset(
    {
        NodeKind.TASK,
        NodeKind.USER_TASK,
        NodeKind.MANUAL_TASK,
        NodeKind.RECEIVE_TASK,
        NodeKind.SEND_TASK,
        NodeKind.SERVICE_TASK,
        NodeKind.BUSINESS_RULE_TASK,
        NodeKind.SCRIPT_TASK,
    }
)
GATEWAY_KINDS = frozenset(
    {
        NodeKind.EXCLUSIVE_GATEWAY,
        NodeKind.PARALLEL_GATEWAY,
        NodeKind.INCLUSIVE_GATEWAY,
        NodeKind.EVENT_BASED_GATEWAY,
        NodeKind.COMPLEX_GATEWAY,
    }
)
SUB_PROCESS_KINDS = frozenset(
    {NodeKind.SUB_PROCESS, NodeKind.EVENT_SUB_PROCESS, NodeKind.TRANSACTION, NodeKind.AD_HOC_SUB_PROCESS}
)
ACTIVITY_KINDS = TASK_KINDS | SUB_PROCESS_KINDS | {NodeKind.CALL_ACTIVITY}
# Tasks that wait for a person; they become Task rows in the inbox.
HUMAN_TASK_KINDS = frozenset({NodeKind.USER_TASK, NodeKind.MANUAL_TASK})
# Kinds Potok reads and writes back but does not execute.
UNSUPPORTED_KINDS = frozenset({NodeKind.COMPLEX_GATEWAY, NodeKind.AD_HOC_SUB_PROCESS})
UNSUPPORTED_EVENT_KINDS = frozenset({EventKind.CANCEL, EventKind.COMPENSATE})
