"""Helpers of the task tests: publishing a process, making a complaint, starting a process for it as
automation would, and moving tasks on."""

from __future__ import annotations

from typing import Any

from potok.accounts.models import User
from potok.documents.models import Document, DocumentType
from potok.processes.models import ProcessInstance, ProcessVersion, Task
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:potok="https://potok.dev/schema/bpmn/1.0" id="d" targetNamespace="urn:potok:tests">"""

# «Рассмотрение претензии» as S1 and S3 tell it.
COMPLAINT_REVIEW = (
    HEADER
    + """
  <bpmn:process id="complaint_review_tasks" name="Рассмотрение претензии" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="assign"/>
    <bpmn:userTask id="assign" name="Назначить ответственного">
      <bpmn:extensionElements>
        <potok:performer kind="role" role="department_head" object="department:record.department"/>
        <potok:deadline duration="4 working hours"/>
        <potok:field code="investigator" type="user" label-ru="Исполнитель" label-en="Investigator" required="true"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="assign" targetRef="investigate"/>
    <bpmn:userTask id="investigate" name="Провести расследование">
      <bpmn:extensionElements>
        <potok:performer kind="expression" value="investigator"/>
        <potok:deadline duration="2 working days"/>
        <potok:reminder before="PT2H"/>
        <potok:escalation after="PT0S" action="notify" to="head"/>
        <potok:escalation after="1 working day" action="reassign" to="head"/>
        <potok:requires type="investigation_act" link="complaint"/>
        <potok:outcome code="done" label-ru="Расследование проведено" label-en="Investigated"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="investigate" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Согласовать компенсацию">
      <bpmn:extensionElements>
        <potok:performer kind="user" user="director"/>
        <potok:outcome code="approve" label-ru="Согласовать" label-en="Approve" style="success"/>
        <potok:outcome code="reject" label-ru="Отклонить" label-en="Reject" style="danger" comment="required" checks="false"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f_rejected"/>
    <bpmn:sequenceFlow id="f_approved" sourceRef="gw" targetRef="pay">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">approve_outcome = 'approve'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_rejected" sourceRef="gw" targetRef="end"/>
    <bpmn:userTask id="pay" name="Выплатить компенсацию">
      <bpmn:extensionElements>
        <potok:performer kind="performer-of" task="investigate"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="pay" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""
)


def process(key: str, task_xml: str, *, name: str = "Test") -> str:
    """A process of one user task (its XML given), for tests of one declaration."""
    return (
        HEADER
        + f"""
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    {task_xml}
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    )


def publish(xml: str) -> ProcessVersion:
    return process_publish_file(actor=None, data=xml.encode(), source_name="test.bpmn")[0]


def user(username: str) -> User:
    return User.objects.get(username=username)


def counterparty() -> Any:
    from potok.access import registry

    model = registry.get("counterparty").model
    return model._default_manager.filter(deleted_at__isnull=True).order_by("pk").first()


def make_complaint(**values: Any) -> Document:
    from potok.documents.services import document_create

    complaint_type = DocumentType.objects.get(code="complaint")
    fields = {"client": counterparty().pk, "subject": "Разбита витрина", "claimed_amount": "25000", **values}
    return document_create(actor=user("reception"), document_type=complaint_type, values=fields)


def make_act(complaint: Document, *, by: str = "investigator1", **values: Any) -> Document:
    from potok.documents.services import document_create

    act_type = DocumentType.objects.get(code="investigation_act")
    fields = {
        "complaint": complaint.pk,
        "findings": "Повреждение при перевозке",
        "cause": "carrier",
        **values,
    }
    return document_create(actor=user(by), document_type=act_type, values=fields)


def start(key: str, record: Document | None = None, **variables: Any) -> ProcessInstance:
    """Start a process for a record as automation does."""
    return process_start(
        actor=None,
        process_key=key,
        variables=variables,
        entity_type=record.entity_type if record is not None else "",
        record_id=record.pk if record is not None else None,
        reason="test",
    )


def open_task(instance: ProcessInstance, node_id: str) -> Task:
    return Task.objects.select_related("assignee", "addressed_to", "role", "instance").get(
        instance=instance, node_id=node_id, state="open"
    )
