"""The process designer in a real browser: a process drawn from an empty diagram with the palette and the
context pad, its user task given a name, a performer and a deadline in Potok's side panel, validated,
published and started; problems point at their elements; a file drawn in Camunda Modeler comes back out
with its diagram intact; the bpmn.io watermark stays visible."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from potok.processes.models import ProcessDefinition, ProcessVersion, Task
from tests.web_processes.bpmn import NAMESPACES, review_process

pytestmark = pytest.mark.django_db(transaction=True)

MIWG = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "bpmn" / "miwg" / "bpmn.io-exports"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"


def open_designer(page, path: str = "/process-designer/new/"):  # type: ignore[no-untyped-def]
    page.goto(page.base_url + path)
    page.wait_for_selector("#designer-canvas.potok-designer-ready")
    return page


def centre(page, element_id: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    box = page.locator(f'#designer-canvas .djs-element[data-element-id="{element_id}"]').first.bounding_box()
    assert box is not None, element_id
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def element_ids(page, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "kind => window.PotokDesigner.modeler.get('elementRegistry')"
        ".filter(e => e.type === kind).map(e => e.id)",
        kind,
    )


def test_an_administrator_draws_validates_publishes_and_starts_a_process(
    page_for, api_as, screenshot
) -> None:
    from potok.processes.services.definitions import process_draft_save

    process_draft_save(actor=None, data=review_process("approval_existing"), source_name="existing.bpmn")
    page = open_designer(page_for("admin", language="en"))
    assert page.locator("#designer-canvas .bjs-powered-by").is_visible()

    # when he takes a task from the palette and drops it right of the start event
    start_x, start_y = centre(page, "start")
    page.click('.djs-palette [data-action="create.task"]')
    page.mouse.move(start_x + 200, start_y)
    page.mouse.click(start_x + 200, start_y)
    page.keyboard.press("Escape")  # leave the label editing bpmn-js opens on a new task
    [task_id] = element_ids(page, "bpmn:Task")
    # makes it a user task with the context pad's wrench
    page.click(f'#designer-canvas .djs-element[data-element-id="{task_id}"]')
    page.click('.djs-context-pad [data-action="replace"]')
    page.click('.djs-popup [data-id="replace-with-user-task"]')
    [task_id] = element_ids(page, "bpmn:UserTask")
    # connects the start event to it
    page.click('#designer-canvas .djs-element[data-element-id="start"]')
    page.click('.djs-context-pad [data-action="connect"]')
    task_x, task_y = centre(page, task_id)
    page.mouse.move(task_x, task_y)
    page.mouse.click(task_x, task_y)
    # and appends an end event to the task
    page.locator("[data-testid=element-picker]").select_option(task_id)
    page.click('.djs-context-pad [data-action="append.end-event"]')
    page.keyboard.press("Escape")
    assert len(element_ids(page, "bpmn:SequenceFlow")) == 2

    # then in the side panel he picks the task, names it, gives its performer and deadline
    page.locator("[data-testid=element-picker]").select_option(task_id)
    page.fill("[data-testid=element-name]", "Check the request")
    page.click("[data-section=performer] [data-add]")
    page.select_option("[data-section=performer] [data-attribute=kind] select", "user")
    page.select_option("[data-section=performer] [data-attribute=user] select", "admin")
    page.click("[data-section=deadline] [data-add]")
    page.fill("[data-section=deadline] [data-attribute=duration] input", "2 working days")
    page.locator("[data-section=deadline] .potok-check.is-ok").wait_for()
    screenshot(page, "process-designer")
    page.locator("[data-testid=element-picker]").select_option("")
    page.fill("[data-testid=process-id]", "approval_existing")
    page.locator("[data-testid=process-id-taken]").filter(has_text="exists").wait_for()
    page.fill("[data-testid=process-id]", "check_request")
    page.wait_for_function("() => !document.querySelector('[data-testid=process-id-taken]').textContent")
    page.fill("[data-testid=process-name]", "Request check")
    page.locator("[data-testid=process-name]").blur()

    # validates: no problems
    page.click('[data-designer="validate"]')
    page.locator("[data-testid=problems] .list-group-item-success").wait_for()
    # and publishes
    page.click('[data-designer="publish"]')
    page.click("[data-testid=confirm-ok]")
    page.locator("[data-testid=designer-status] .text-success").wait_for()
    assert page.js_errors == []

    definition = ProcessDefinition.objects.get(key="check_request")
    version = ProcessVersion.objects.get(definition=definition)
    assert version.status == "published" and definition.name == "Request check"
    xml = etree.fromstring(version.bpmn_xml.encode())
    potok = {
        "potok": "https://potok.dev/schema/bpmn/1.0",
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    }
    [user_task] = xml.findall(".//bpmn:userTask", potok)
    assert user_task.get("name") == "Check the request"
    assert user_task.find(".//potok:performer", potok).attrib == {"kind": "user", "user": "admin"}
    assert user_task.find(".//potok:deadline", potok).get("duration") == "2 working days"

    # and the process starts from the API and waits at the task
    started = api_as("admin").post(
        "/api/v1/process-instances", {"process": "check_request"}, content_type="application/json"
    )
    assert started.status_code == 201, started.json()
    assert list(Task.objects.filter(instance_id=started.json()["id"]).values_list("node_id", flat=True)) == [
        task_id
    ]


PROBLEMS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="defs" targetNamespace="urn:test">
  <bpmn:process id="choices" name="Choices" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="choose"/>
    <bpmn:exclusiveGateway id="choose" name="Big?"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="choose" targetRef="big"/>
    <bpmn:sequenceFlow id="f_small" sourceRef="choose" targetRef="small"/>
    <bpmn:userTask id="big" name="Big"/>
    <bpmn:userTask id="small" name="Small"/>
    <bpmn:userTask id="orphan" name="Orphan"/>
    <bpmn:intermediateCatchEvent id="wait" name="Wait">
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="mail" name="Mail"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="choices">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="200" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="choose_di" bpmnElement="choose" isMarkerVisible="true"><dc:Bounds x="200" y="193" width="50" height="50"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="big_di" bpmnElement="big"><dc:Bounds x="320" y="100" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="small_di" bpmnElement="small"><dc:Bounds x="320" y="260" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="orphan_di" bpmnElement="orphan"><dc:Bounds x="1400" y="900" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="wait_di" bpmnElement="wait"><dc:Bounds x="500" y="200" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="mail_di" bpmnElement="mail"><dc:Bounds x="600" y="180" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="218"/><di:waypoint x="200" y="218"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f_big_di" bpmnElement="f_big"><di:waypoint x="225" y="193"/><di:waypoint x="225" y="140"/><di:waypoint x="320" y="140"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f_small_di" bpmnElement="f_small"><di:waypoint x="225" y="243"/><di:waypoint x="225" y="300"/><di:waypoint x="320" y="300"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_problems_name_their_elements_and_lead_to_them_and_conditions_are_checked_as_typed(
    page_for, tmp_path, screenshot
) -> None:
    from potok.processes.runtime import ACTIONS

    def mail(context):  # type: ignore[no-untyped-def]
        return None

    mail.parameters = [("to", "the address")]  # type: ignore[attr-defined]
    ACTIONS.add("tests.designer.mail", mail)
    try:
        check_problems_conditions_timers_and_actions(page_for, tmp_path, screenshot)
    finally:
        vars(ACTIONS)["_actions"].pop("tests.designer.mail", None)


def check_problems_conditions_timers_and_actions(page_for, tmp_path, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = open_designer(page_for("admin", language="en"))
    source = tmp_path / "choices.bpmn"
    source.write_text(PROBLEMS)
    page.set_input_files("#designer-import", str(source))
    page.wait_for_function("() => window.PotokDesigner.modeler.get('elementRegistry').get('orphan')")

    # when the administrator validates, every problem is listed with its element
    page.click('[data-designer="validate"]')
    problems = page.locator("[data-testid=problems] li")
    problems.first.wait_for()
    listed = problems.evaluate_all("items => items.map(item => item.querySelector('button').dataset.element)")
    assert "orphan" in listed and "choose" in listed
    # and a click on one selects that element (far off screen) and shows it in the side panel
    page.click('[data-testid=problems] button[data-element="orphan"]')
    assert page.evaluate("window.PotokDesigner.modeler.get('selection').get().map(e => e.id)") == ["orphan"]
    assert "orphan" in page.inner_text("[data-testid=panel-title]")
    assert page.locator('#designer-canvas .djs-element[data-element-id="orphan"]').is_visible()

    # a condition with a mistake is pointed at where it goes wrong, and accepted once corrected
    page.locator("[data-testid=element-picker]").select_option("f_big")
    page.fill("[data-testid=condition]", "amount >")
    error = page.locator("[data-testid=panel] .potok-check.is-error")
    error.wait_for()
    assert "8" in error.inner_text()
    page.fill("[data-testid=condition]", "amount > 10000")
    page.locator("[data-testid=panel] .potok-check.is-ok").wait_for()
    screenshot(page, "process-designer-problems")

    # a timer waits in working time
    page.locator("[data-testid=element-picker]").select_option("wait")
    assert page.input_value("[data-testid=timer-value]") == "PT1H"
    page.fill("[data-testid=timer-value]", "2 working days")
    page.locator("[data-testid=panel] .potok-check.is-ok").wait_for()
    # a service task runs a registered action with its parameters
    page.locator("[data-testid=element-picker]").select_option("mail")
    page.select_option("[data-testid=action-select]", "tests.designer.mail")
    parameter = page.locator("[data-testid=panel] .potok-panel-item").first
    assert parameter.locator("input").first.input_value() == "to"
    parameter.locator("input[data-check=expression]").fill("client.email")
    page.locator("[data-testid=panel] .potok-check.is-ok").wait_for()
    page.locator("[data-testid=element-picker]").select_option("")
    xml = page.evaluate("window.PotokDesigner.modeler.saveXML().then(result => result.xml)")
    tree = etree.fromstring(xml.encode())
    spaces = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "potok": "https://potok.dev/schema/bpmn/1.0",
    }
    assert tree.find(".//bpmn:timerEventDefinition/bpmn:timeDuration", spaces).text == "2 working days"
    action = tree.find(".//bpmn:serviceTask/bpmn:extensionElements/potok:action", spaces)
    assert action.get("name") == "tests.designer.mail"
    assert [(p.get("name"), p.text) for p in action] == [("to", "client.email")]
    assert (
        tree.find(".//bpmn:sequenceFlow[@id='f_big']/bpmn:conditionExpression", spaces).text
        == "amount > 10000"
    )
    # publishing is refused while errors remain, and nothing is stored
    page.click('[data-designer="publish"]')
    page.locator("[data-testid=designer-status] .text-danger").wait_for()
    assert not ProcessVersion.objects.filter(definition__key="choices").exists()
    assert page.js_errors == []


def shapes(xml: bytes) -> dict[str, tuple[str, ...]]:
    tree = etree.fromstring(xml)
    found = {}
    for shape in tree.iter(f"{{{BPMNDI}}}BPMNShape"):
        bounds = shape.find(f"{{{DC}}}Bounds")
        found[shape.get("id")] = tuple(
            str(round(float(bounds.get(name)), 2)) for name in ("x", "y", "width", "height")
        )
    return found


def test_a_camunda_modeler_file_comes_back_out_with_its_diagram_and_potok_elements_intact(
    page_for, tmp_path
) -> None:
    files = [MIWG / name for name in ("A.4.0-export.bpmn", "C.1.0-export.bpmn") if (MIWG / name).exists()]
    if not files:
        pytest.skip("../shared/corpora/bpmn/miwg/bpmn.io-exports is absent")
    own = tmp_path / "own.bpmn"
    own.write_bytes(
        review_process("own", action="mail.send").replace(
            b'<potok:deadline duration="2 working days"/>',
            b'<potok:deadline duration="2 working days"/>'
            b'<potok:field code="cause" type="choice"><potok:option value="carrier" label-ru="Carrier"/></potok:field>'
            b'<potok:requires type="investigation_act" link="complaint">'
            b'<potok:prefill field="findings" value="record.description"/></potok:requires>'
            b'<potok:future flag="kept"/>',
        )
    )
    page = open_designer(page_for("admin", language="en"))
    for index, path in enumerate([*files, own]):
        # when a file drawn elsewhere is imported and exported again
        page.set_input_files("#designer-import", str(path))
        if index:  # the previous import was not saved: the designer asks before replacing it
            page.click("[data-testid=confirm-ok]")
        page.locator("[data-testid=designer-status] .text-success").filter(has_text=path.name).wait_for()
        with page.expect_download() as download:
            page.click('[data-designer="export"]')
        exported = Path(download.value.path()).read_bytes()
        # then every shape keeps its id and bounds
        original = shapes(path.read_bytes())
        assert shapes(exported) == original, path.name
        assert len(original) > 3
    # and when the task's deadline is changed in the side panel, every other Potok element is kept
    page.locator("[data-testid=element-picker]").select_option("review")
    page.fill("[data-section=deadline] [data-attribute=duration] input", "3 working days")
    page.locator("[data-section=deadline] .potok-check.is-ok").wait_for()
    with page.expect_download() as download:
        page.click('[data-designer="export"]')
    tree = etree.fromstring(Path(download.value.path()).read_bytes())
    potok = {"potok": "https://potok.dev/schema/bpmn/1.0"}
    assert tree.find(".//potok:deadline", potok).get("duration") == "3 working days"
    assert tree.find(".//potok:performer", potok).attrib == {"kind": "user", "user": "admin"}
    assert tree.find(".//potok:field/potok:option", potok).get("value") == "carrier"
    assert tree.find(".//potok:requires/potok:prefill", potok).get("value") == "record.description"
    assert tree.find(".//potok:future", potok).get("flag") == "kept"
    assert tree.find(".//potok:action", potok).get("name") == "mail.send"
    assert len(tree.findall(".//potok:deadline", potok)) == 1
    assert page.js_errors == []


GATEWAY = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="defs_gw" targetNamespace="urn:test">
  <bpmn:process id="amounts" name="Amounts" isExecutable="true">
    <bpmn:extensionElements><potok:variable name="amount"/></bpmn:extensionElements>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="choose"/>
    <bpmn:exclusiveGateway id="choose" default="f_small"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="choose" targetRef="big"/>
    <bpmn:sequenceFlow id="f_small" sourceRef="choose" targetRef="small"/>
    <bpmn:userTask id="big" name="Big">
      <bpmn:extensionElements><potok:performer kind="user" user="admin"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="small" name="Small">
      <bpmn:extensionElements><potok:performer kind="user" user="admin"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="big" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="small" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d_gw">
    <bpmndi:BPMNPlane id="p_gw" bpmnElement="amounts">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="152" y="162" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="choose_di" bpmnElement="choose" isMarkerVisible="true"><dc:Bounds x="245" y="155" width="50" height="50"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="big_di" bpmnElement="big"><dc:Bounds x="350" y="60" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="small_di" bpmnElement="small"><dc:Bounds x="350" y="220" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="512" y="162" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="188" y="180"/><di:waypoint x="245" y="180"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_big_di" bpmnElement="f_big"><di:waypoint x="270" y="155"/><di:waypoint x="270" y="100"/><di:waypoint x="350" y="100"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_small_di" bpmnElement="f_small"><di:waypoint x="270" y="205"/><di:waypoint x="270" y="260"/><di:waypoint x="350" y="260"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="450" y="100"/><di:waypoint x="530" y="100"/><di:waypoint x="530" y="162"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="450" y="260"/><di:waypoint x="530" y="260"/><di:waypoint x="530" y="198"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_a_flow_condition_is_built_with_the_rule_editor_builder_published_and_run_both_ways(
    page_for, screenshot
) -> None:
    from potok.processes.services.definitions import process_draft_save
    from potok.processes.services.instances import process_start

    # given a drawn process: a gateway whose default flow goes to «Small», the other to «Big»
    process_draft_save(actor=None, data=GATEWAY.encode(), source_name="amounts.bpmn")
    page = open_designer(page_for("admin", language="en"), "/process-designer/edit/amounts/")

    # when the administrator selects the flow to «Big» and builds «amount greater than 10000»
    page.locator("[data-testid=element-picker]").select_option("f_big")
    builder = page.locator("[data-testid=flow-condition-builder]")
    builder.locator("button", has_text="Condition").first.click()
    leaf = builder.locator(".potok-condition-leaf")
    assert leaf.locator("select").first.input_value() == "amount"
    leaf.locator("select").nth(1).select_option("gt")
    leaf.locator("input").fill("10000")
    # then the builder's tree is compiled to the engine's expression and written to the flow
    page.wait_for_function(
        "() => document.querySelector('[data-testid=condition]').value === 'amount > 10000'"
    )
    screenshot(page, "process-designer-flow-condition")

    # and reopening the flow shows the tree again
    page.locator("[data-testid=element-picker]").select_option("f_small")
    page.locator("[data-testid=element-picker]").select_option("f_big")
    leaf = page.locator("[data-testid=flow-condition-builder] .potok-condition-leaf")
    assert leaf.locator("select").nth(1).input_value() == "gt"
    assert leaf.locator("input").input_value() == "10000"

    # when he publishes, the process runs each branch by the amount
    page.click('[data-designer="publish"]')
    page.click("[data-testid=confirm-ok]")
    page.locator("[data-testid=designer-status] .text-success").wait_for()
    version = ProcessVersion.objects.get(definition__key="amounts", status="published")
    xml = etree.fromstring(version.bpmn_xml.encode())
    spaces = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "potok": "https://potok.dev/schema/bpmn/1.0",
    }
    flow = xml.find(".//bpmn:sequenceFlow[@id='f_big']", spaces)
    assert flow.find("bpmn:conditionExpression", spaces).text == "amount > 10000"
    assert flow.find(".//potok:conditionTree", spaces) is not None
    big = process_start(actor=None, process_key="amounts", variables={"amount": 20000})
    small = process_start(actor=None, process_key="amounts", variables={"amount": 500})
    assert list(Task.objects.filter(instance=big).values_list("node_id", flat=True)) == ["big"]
    assert list(Task.objects.filter(instance=small).values_list("node_id", flat=True)) == ["small"]
    assert page.js_errors == []
