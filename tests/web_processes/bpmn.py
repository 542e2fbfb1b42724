"""Small diagrams with their layout (BPMNDI), so that the pages have something to draw."""

from __future__ import annotations

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
    'xmlns:potok="https://potok.dev/schema/bpmn/1.0"'
)


def review_process(key: str = "approval", *, task_name: str = "Review", action: str = "") -> bytes:
    """start → user task «review» → (service task «notify» running `action`, when given) → end."""
    service = ""
    service_shape = ""
    after_review = "end"
    if action:
        after_review = "notify"
        service = f"""
    <bpmn:serviceTask id="notify" name="Notify">
      <bpmn:extensionElements><potok:action name="{action}"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="end"/>"""
        service_shape = """
      <bpmndi:BPMNShape id="notify_di" bpmnElement="notify"><dc:Bounds x="420" y="80" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="520" y="120"/><di:waypoint x="582" y="120"/></bpmndi:BPMNEdge>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="defs_{key}" targetNamespace="urn:test">
  <bpmn:process id="{key}" name="Approval {key}" isExecutable="true">
    <bpmn:startEvent id="start" name="Start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="{task_name}">
      <bpmn:extensionElements>
        <potok:performer kind="user" user="admin"/>
        <potok:deadline duration="2 working days"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="{after_review}"/>{service}
    <bpmn:endEvent id="end" name="Done"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="152" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="260" y="80" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="582" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="188" y="120"/><di:waypoint x="260" y="120"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="360" y="120"/><di:waypoint x="{"420" if action else "582"}" y="120"/></bpmndi:BPMNEdge>{service_shape}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
""".encode()


BROKEN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="defs_broken" targetNamespace="urn:test">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="choose"/>
    <bpmn:exclusiveGateway id="choose"/>
    <bpmn:sequenceFlow id="f_a" sourceRef="choose" targetRef="a"/>
    <bpmn:sequenceFlow id="f_b" sourceRef="choose" targetRef="b"/>
    <bpmn:userTask id="a"/>
    <bpmn:userTask id="b"/>
    <bpmn:userTask id="orphan" name="Orphan"/>
    <bpmn:serviceTask id="silent" name="Does nothing"/>
    <bpmn:sequenceFlow id="f_c" sourceRef="a" targetRef="silent"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()
