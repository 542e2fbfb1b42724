"""The demo's processes are valid BPMN, publish on load, and address their first task as SCENARIOS.md says."""

from __future__ import annotations

from pathlib import Path

import pytest

from potok.engine.bpmn import read_bpmn, validate_definitions

BPMN = Path(__file__).resolve().parents[2] / "src" / "potok" / "demo" / "bpmn"


@pytest.mark.parametrize("path", sorted(BPMN.glob("*.bpmn")), ids=lambda p: p.stem)
def test_each_demo_process_is_valid_and_has_a_diagram(path: Path) -> None:
    definitions = read_bpmn(path.read_bytes(), source_name=path.name)
    assert [p for p in validate_definitions(definitions) if p.severity == "error"] == []
    process = definitions.processes[path.stem]
    shapes = {element.element_ref for element in definitions.diagram}
    assert set(process.nodes) <= shapes and set(process.flows) <= shapes


def test_the_files_are_what_the_build_script_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import sys

    script = BPMN.parents[3] / "scripts" / "build_demo_bpmn.py"
    spec = importlib.util.spec_from_file_location("build_demo_bpmn", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_demo_bpmn", module)
    spec.loader.exec_module(module)
    for process in module.PROCESSES:
        assert module.xml(process) == (BPMN / f"{process.key}.bpmn").read_text(encoding="utf-8"), process.key


@pytest.mark.django_db
def test_a_complaint_process_starts_with_the_service_head(demo_company) -> None:
    from potok.documents.models import Document
    from potok.processes.models import Task
    from potok.processes.services.instances import process_start

    complaint = Document.objects.filter(document_type__code="complaint").order_by("id").first()
    assert complaint is not None
    instance = process_start(
        actor=None,
        process_key="complaint_review",
        entity_type="document.complaint",
        record_id=complaint.pk,
        variables={"complaint_id": complaint.pk},
    )
    task = Task.objects.get(instance_id=instance.id, state="open")
    assert task.node_id == "assign"
    assert task.assignee is not None and task.assignee.username == "service_head"
    assert task.due_at is not None


@pytest.mark.django_db
def test_a_first_step_service_task_knows_its_document(demo_company) -> None:
    from potok.documents.models import Document
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start

    bpmn = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:potok="https://potok.dev/schema/bpmn/1.0" id="d" targetNamespace="urn:t">
  <bpmn:process id="take_in_work" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="status"/>
    <bpmn:serviceTask id="status"><bpmn:extensionElements><potok:action name="documents.set_status">
      <potok:parameter name="status">'in_work'</potok:parameter></potok:action></bpmn:extensionElements>
    </bpmn:serviceTask><bpmn:sequenceFlow id="f2" sourceRef="status" targetRef="end"/><bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    process_publish_file(actor=None, data=bpmn, source_name="take_in_work.bpmn")
    complaint = Document.objects.filter(document_type__code="complaint", status="registered").first()
    instance = process_start(
        actor=None, process_key="take_in_work", entity_type="document.complaint", record_id=complaint.pk
    )
    from potok.processes.models import Incident

    assert list(Incident.objects.filter(instance_id=instance.id).values_list("message", flat=True)) == []
    complaint.refresh_from_db()
    assert complaint.status == "in_work"
    assert instance.state == "completed"


@pytest.mark.django_db
def test_a_demo_rule_mapping_to_a_variable_its_process_does_not_take_is_refused(demo_company) -> None:
    """The demo's processes declare what they take, so the administrator's typo is caught when the rule is
    saved, with the row of the mapping named, and nothing is saved."""
    from potok.accounts.models import User
    from potok.automation.models import StartRule
    from potok.automation.services import rule_create
    from potok.core.errors import ValidationFailed

    before = StartRule.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        rule_create(
            actor=User.objects.get(username="admin"),
            data={
                "name": "Опечатка в переменной",
                "entity_type": "document.complaint",
                "event": "created",
                "process_key": "complaint_review",
                "variable_mapping": [
                    {"target": "complaint_id", "source": "id"},
                    {"target": "complaint_numbr", "source": "number"},
                ],
            },
        )
    assert "complaint_numbr" in str(refused.value.errors["variable_mapping[1].target"])
    assert StartRule.objects.count() == before
