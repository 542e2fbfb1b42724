"""Every incident says what failed as a stable code with JSON-safe parameters, beside its English message,
so an adapter can word it in the reader's language; a save and reload keeps them."""

from __future__ import annotations

import json
from typing import Any

from potok.engine import ActionRegistry, Engine, InMemoryDefinitions, MemoryStore, read_bpmn
from potok.engine.runtime.actions import ActionContext
from potok.engine.runtime.rows import Incident
from potok.engine.runtime.serialization import deserialize_instance, serialize_instance
from tests.engine.support import Clock

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:potok="https://potok.dev/schema/bpmn/1.0" targetNamespace="https://potok.dev/tests" id="Defs">'
)
# One document per process: ids are unique per document.
PROCESSES = """
  <bpmn:process id="gateway" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="choose"/>
    <bpmn:exclusiveGateway id="choose" name="Amount?"/>
    <bpmn:sequenceFlow id="big" sourceRef="choose" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &gt; 10</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="negative" sourceRef="choose" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &lt; 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmn:error id="err_pay" name="Payment refused" errorCode="E_PAY"/>
  <bpmn:process id="thrower" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="refuse"/>
    <bpmn:endEvent id="refuse" name="Refuse"><bpmn:errorEventDefinition errorRef="err_pay"/></bpmn:endEvent>
  </bpmn:process>
  <bpmn:process id="many" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="each"/>
    <bpmn:userTask id="each" name="Each reviewer">
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="each" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmn:process id="service" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="charge"/>
    <bpmn:serviceTask id="charge" name="Charge">
      <bpmn:extensionElements><potok:action name="payments.charge"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f1" sourceRef="charge" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmn:process id="chain" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="a"/>
    <bpmn:intermediateThrowEvent id="a"/>
    <bpmn:sequenceFlow id="f1" sourceRef="a" targetRef="b"/>
    <bpmn:intermediateThrowEvent id="b"/>
    <bpmn:sequenceFlow id="f2" sourceRef="b" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
"""


def _engine(actions: ActionRegistry | None = None, max_steps: int = 100_000) -> tuple[Engine, MemoryStore]:
    definitions = InMemoryDefinitions()
    for number, body in enumerate(PROCESSES.split("</bpmn:process>")[:-1]):
        head = HEAD.replace('id="Defs"', f'id="Defs{number}"')
        document = f"{head}{body}</bpmn:process></bpmn:definitions>"
        definitions.add(read_bpmn(document.encode(), source_name=f"incidents{number}.bpmn"))
    store = MemoryStore()
    engine = Engine(store, definitions=definitions, actions=actions, clock=Clock(), max_steps=max_steps)
    return engine, store


def _incident(engine: Engine, store: MemoryStore, process_id: str, variables: dict[str, Any]) -> Incident:
    assert engine.services.definitions is not None
    process = engine.services.definitions.get(process_id)
    assert process is not None
    instance = engine.start(process, variables)
    (incident,) = store.open_incidents(instance.id)
    json.dumps(incident.params)  # JSON-safe, as the store writes it
    return incident


def test_a_gateway_with_no_true_condition_and_no_default() -> None:
    engine, store = _engine()
    incident = _incident(engine, store, "gateway", {"amount": 5})
    assert incident.code == "gateway.no_true_condition"
    assert incident.params == {"node": "Amount?", "node_id": "choose"}
    assert (
        incident.message
        == "exclusiveGateway 'choose' (Amount?): no condition is true and there is no default flow"
    )


def test_a_failing_condition_names_its_flow_expression_and_error() -> None:
    engine, store = _engine()
    incident = _incident(engine, store, "gateway", {"amount": "a lot"})
    assert incident.code == "expression.failed"
    params = incident.params
    assert (params["subject"], params["flow"], params["expression"]) == (
        "flow_condition",
        "big",
        "amount > 10",
    )
    assert params["error"] and params["error"] in incident.message
    assert params["node_id"] == "choose"


def test_an_uncaught_error_names_its_code() -> None:
    engine, store = _engine()
    incident = _incident(engine, store, "thrower", {})
    assert incident.code == "error.uncaught"
    assert incident.params == {"node": "Refuse", "node_id": "refuse", "error_code": "E_PAY"}
    assert "'E_PAY' is not caught anywhere" in incident.message


def test_a_multi_instance_whose_collection_is_missing_or_not_a_list() -> None:
    engine, store = _engine()
    missing = _incident(engine, store, "many", {})
    assert missing.code == "mi.not_a_collection" and missing.params["value"] == "None"
    text = _incident(engine, store, "many", {"reviewers": "Anna"})
    assert text.code == "mi.not_a_collection"
    assert text.params == {
        "node": "Each reviewer",
        "node_id": "each",
        "expression": "reviewers",
        "value": "'Anna'",
    }


def test_an_unknown_and_a_failing_action() -> None:
    actions = ActionRegistry()
    engine, store = _engine(actions)
    unknown = _incident(engine, store, "service", {})
    assert unknown.code == "action.unknown"
    assert unknown.params == {"node": "Charge", "node_id": "charge", "action": "payments.charge"}

    @actions.register("payments.charge")
    def charge(context: ActionContext) -> dict[str, object]:
        raise RuntimeError("the bank does not answer")

    failed = _incident(engine, store, "service", {})
    assert failed.code == "action.failed"
    assert failed.params["error"] == "the bank does not answer"
    assert (
        failed.message
        == "serviceTask 'charge' (Charge): action 'payments.charge' failed: the bank does not answer"
    )


def test_too_many_steps() -> None:
    engine, store = _engine(max_steps=2)
    incident = _incident(engine, store, "chain", {})
    assert incident.code == "steps.limit"
    assert incident.params["limit"] == "2" and incident.params["node_id"] == incident.node_id


def test_save_and_reload_keep_the_code_and_params() -> None:
    engine, store = _engine()
    incident = _incident(engine, store, "gateway", {"amount": 5})
    state, _ = deserialize_instance(
        json.loads(json.dumps(serialize_instance(store.load_instance_state(incident.instance_id))))
    )
    reloaded = state.incidents[incident.id]
    assert (reloaded.code, reloaded.params) == (incident.code, incident.params)
