"""The codes of incidents and their parameters.

An incident keeps its English `message` (the API and logs show it as it is) and says the same as a stable
`code` with `params`, so that an adapter can word it in the reader's language. Every parameter is a string;
most incidents carry the failed node as `node` (its name, or its id when it has none) and `node_id`.

| code | what failed | params besides node and node_id |
|---|---|---|
| steps.limit | too many steps in one operation (an endless loop?) | limit |
| expression.failed | a user's expression raised | subject, expression, error (+ flow, parameter) |
| flow.condition_invalid | a sequence flow's condition does not compile | flow |
| flow.none_taken | an activity's conditional flows are all false, no default | |
| gateway.no_outgoing_flow | a gateway has no outgoing flow | |
| gateway.no_true_condition | no condition of a gateway is true and there is no default flow | |
| node.unsupported | a node or event kind the executor does not run | kind |
| mi.no_collection | a multi-instance without a cardinality or a collection | |
| mi.not_a_collection | the collection gave something else than a number or a list | expression, value |
| message.correlation_failed | a message's correlation key could not be evaluated | error |
| script.invalid / script.failed | a script task does not compile / raised | (error) |
| action.missing / action.unknown / action.failed | a service task names no action / an unregistered one / it raised | action, error |
| error.uncaught | a BPMN error nobody catches | error_code (+ error: the action's text) |
| decision.unavailable / decision.failed | a business rule task's decision is missing / raised | decision, error |
| subprocess.no_start | a subprocess without a plain start event | |
| event_subprocess.entered | a flow leads into an event subprocess | |
| call.no_called_element / call.unresolved / call.start_failed | a call activity names no process / one that cannot be found / cannot start | error |
| call.too_deep | call activities nested too deep (a call cycle?) | depth |
| call.mapping_failed | a call activity's input or output mapping raised | target, error |
| timer.no_value / timer.invalid | a timer without a value / one that gives no due time | error |

`expression.failed` names what was evaluated in `subject`: flow_condition (with `flow`), mi_collection,
loop_cardinality, loop_condition, event_condition, action_parameter (with `parameter`), completion_condition.

Example::

    about(node, error="boom")  # {"node": "Notify", "node_id": "notify", "error": "boom"}
"""

from __future__ import annotations

from potok.engine.model.nodes import Node

STEPS_LIMIT = "steps.limit"
EXPRESSION_FAILED = "expression.failed"
FLOW_CONDITION_INVALID = "flow.condition_invalid"
FLOW_NONE_TAKEN = "flow.none_taken"
GATEWAY_NO_OUTGOING_FLOW = "gateway.no_outgoing_flow"
GATEWAY_NO_TRUE_CONDITION = "gateway.no_true_condition"
NODE_UNSUPPORTED = "node.unsupported"
MI_NO_COLLECTION = "mi.no_collection"
MI_NOT_A_COLLECTION = "mi.not_a_collection"
CORRELATION_FAILED = "message.correlation_failed"
SCRIPT_INVALID = "script.invalid"
SCRIPT_FAILED = "script.failed"
ACTION_MISSING = "action.missing"
ACTION_UNKNOWN = "action.unknown"
ACTION_FAILED = "action.failed"
ERROR_UNCAUGHT = "error.uncaught"
DECISION_UNAVAILABLE = "decision.unavailable"
DECISION_FAILED = "decision.failed"
SUBPROCESS_NO_START = "subprocess.no_start"
EVENT_SUBPROCESS_ENTERED = "event_subprocess.entered"
CALL_NO_CALLED_ELEMENT = "call.no_called_element"
CALL_UNRESOLVED = "call.unresolved"
CALL_START_FAILED = "call.start_failed"
CALL_TOO_DEEP = "call.too_deep"
CALL_MAPPING_FAILED = "call.mapping_failed"
TIMER_NO_VALUE = "timer.no_value"
TIMER_INVALID = "timer.invalid"


def about(node: Node, **more: object) -> dict[str, str]:
    """The parameters of an incident at `node`: its name (or id), its id, and `more` as strings."""
    params = {"node": node.name or node.id, "node_id": node.id}
    params.update({key: str(value) for key, value in more.items()})
    return params
