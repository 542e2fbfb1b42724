"""The model keeps what later layers interpret (extensions, vendor attributes, lanes, docs), and edits
made through the editor come back in the written XML while everything else stays as drawn."""

from __future__ import annotations

from potok.engine import DefinitionsEditor, NodeKind, read_bpmn, validate_definitions, write_bpmn
from potok.engine.model import CallBinding, EventKind, GatewayNode, TaskNode

FILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- drawn in the Camunda Modeler -->
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:potok="https://potok.dev/schema/bpmn/1.0" xmlns:acme="urn:acme" id="defs" targetNamespace="x"
    acme:stamp="kept">
  <bpmn:process id="complaint" name="Complaint" isExecutable="true">
    <bpmn:documentation>How complaints are reviewed</bpmn:documentation>
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_office" name="Office">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>register</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register"/>
    <bpmn:userTask id="register" name="Register" camunda:assignee="ivanov" camunda:candidateGroups="office"
        camunda:formKey="embedded:app:forms/register.html" acme:color="red">
      <bpmn:documentation>Fill the client and the substance</bpmn:documentation>
      <bpmn:extensionElements>
        <potok:performer role="receptionist" object="department"/>
        <potok:deadline duration="2 working days"/>
        <potok:form>
          <potok:field name="amount" type="decimal" required="true"/>
          <potok:field name="comment" type="text"/>
        </potok:form>
        <zeebe:assignmentDefinition assignee="ivanov"/>
        <acme:anything deep="yes"><acme:inner>text</acme:inner></acme:anything>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f_small"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression>${amount > 10000}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_small" sourceRef="gw" targetRef="end"/>
    <bpmn:serviceTask id="big" name="Notify the director">
      <bpmn:extensionElements>
        <potok:action name="mail.send"><potok:parameter name="to">"director@example.com"</potok:parameter></potok:action>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="call"/>
    <bpmn:callActivity id="call" calledElement="invoice" camunda:calledElementBinding="version"
        camunda:calledElementVersion="3"/>
    <bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="complaint">
    <bpmndi:BPMNShape id="register_di" bpmnElement="register"><dc:Bounds x="100" y="80" width="100" height="80"/>
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_extensions_vendor_attributes_lanes_and_documentation_are_kept() -> None:
    process = read_bpmn(FILE, source_name="complaint.bpmn").processes["complaint"]
    register = process.nodes["register"]
    assert register.kind is NodeKind.USER_TASK
    assert register.extensions == {
        "performer": [{"role": "receptionist", "object": "department"}],
        "deadline": [{"duration": "2 working days"}],
        "form": [
            {
                "field": [
                    {"name": "amount", "type": "decimal", "required": "true"},
                    {"name": "comment", "type": "text"},
                ]
            }
        ],
    }
    assert register.vendor_attributes["camunda:assignee"] == "ivanov"
    assert register.vendor_attributes["camunda:candidateGroups"] == "office"
    assert register.vendor_attributes["camunda:formKey"] == "embedded:app:forms/register.html"
    assert register.vendor_attributes["acme:color"] == "red"
    assert register.vendor_extensions["zeebe:assignmentDefinition"] == [{"assignee": "ivanov"}]
    assert register.lane == "Office"
    assert register.documentation == "Fill the client and the substance"
    assert process.documentation == "How complaints are reviewed"
    big = process.nodes["big"]
    assert isinstance(big, TaskNode) and big.action == "mail.send"
    assert big.action_parameters["to"].evaluate({}) == "director@example.com"
    call = process.nodes["call"]
    assert call.call.binding is CallBinding.PINNED and call.call.version == "3"  # type: ignore[attr-defined]


def test_precomputed_flows_and_compiled_conditions() -> None:
    process = read_bpmn(FILE, source_name="complaint.bpmn").processes["complaint"]
    gateway = process.nodes["gw"]
    assert isinstance(gateway, GatewayNode)
    assert [flow.id for flow in gateway.outgoing] == ["f_big", "f_small"]
    assert gateway.default_flow is process.flows["f_small"] or gateway.default_flow.id == "f_small"  # type: ignore[union-attr]
    condition = process.flows["f_big"].condition
    assert condition is not None and condition.evaluate({"amount": 20000}) is True
    assert process.nodes["end"].incoming_ids == ("f_small", "f4")
    assert EventKind.NONE is process.nodes["start"].event_kind  # type: ignore[attr-defined]


def test_edits_are_written_back_and_the_rest_is_untouched() -> None:
    original = read_bpmn(FILE, source_name="complaint.bpmn")
    # when an administrator renames a task, changes a condition and the deadline
    edited = (
        DefinitionsEditor(original)
        .rename("register", "Register the complaint")
        .set_condition("f_big", "amount > 50000")
        .set_potok_extensions("register", {"deadline": [{"duration": "1 working day"}]})
        .set_potok_extensions("end", {"notify": [{"role": "director"}]})
        .commit()
    )
    written = write_bpmn(edited)
    again = read_bpmn(written, source_name="complaint.bpmn")
    process = again.processes["complaint"]
    # then the edits are in the model read back from the written file
    assert process.nodes["register"].name == "Register the complaint"
    assert process.flows["f_big"].condition.source == "amount > 50000"  # type: ignore[union-attr]
    assert process.nodes["register"].extensions == {"deadline": [{"duration": "1 working day"}]}
    assert process.nodes["end"].extensions == {"notify": [{"role": "director"}]}
    # and everything else is as drawn: vendor data, unknown attributes, comments, the diagram
    assert (
        process.nodes["register"].vendor_extensions
        == original.processes["complaint"].nodes["register"].vendor_extensions
    )
    assert b'acme:stamp="kept"' in written and b"<!-- drawn in the Camunda Modeler -->" in written
    assert b'camunda:formKey="embedded:app:forms/register.html"' in written
    assert again.diagram == original.diagram
    # the original definitions (a published version) did not change
    assert original.processes["complaint"].nodes["register"].name == "Register"
    assert again.fingerprint() != original.fingerprint()
    assert read_bpmn(write_bpmn(again), source_name="x").fingerprint() == again.fingerprint()


def test_the_potok_namespace_is_declared_when_a_file_did_not_have_it() -> None:
    plain = (
        FILE.replace(b' xmlns:potok="https://potok.dev/schema/bpmn/1.0"', b"")
        .replace(b"<potok:", b"<acme:")
        .replace(b"</potok:", b"</acme:")
    )
    edited = (
        DefinitionsEditor(read_bpmn(plain, source_name="x"))
        .set_potok_attribute("call", "binding", "latest")
        .commit()
    )
    written = write_bpmn(edited)
    assert b'xmlns:potok="https://potok.dev/schema/bpmn/1.0"' in written
    assert (
        read_bpmn(written, source_name="x").processes["complaint"].nodes["call"].call.binding
        is CallBinding.LATEST
    )  # type: ignore[attr-defined]


def test_validation_names_elements() -> None:
    broken = FILE.replace(
        b'<bpmn:exclusiveGateway id="gw" default="f_small"/>', b'<bpmn:exclusiveGateway id="gw"/>'
    )
    broken = broken.replace(b"${amount > 10000}", b"")
    broken = broken.replace(
        b'<bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="end"/>',
        b'<bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="nowhere"/>',
    )
    problems = {
        (p.element_id, p.severity): p.message
        for p in validate_definitions(read_bpmn(broken, source_name="x"))
    }
    assert "several outgoing flows without a condition" in problems[("gw", "error")]
    assert "'nowhere' is not a node" in problems[("f4", "error")]
    assert "cannot be reached" not in " ".join(problems.values())
