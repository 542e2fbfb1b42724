"""Run by the scale-out harness in a subprocess, against the harness's own database (DATABASE_URL):

python world.py WEBHOOK_URL REVIEWERS   build the small world the load needs, print its tokens as JSON

The world: a document type «Заявка» (subject, marker, vip), a start rule "created and vip" starting
«Обработка заявки» (review by the reviewers' queue → a 2-second timer → a webhook → confirmation by the
queue → end), a webhook endpoint at WEBHOOK_URL, an operator who creates requests and REVIEWERS people
who hold the reviewers' role. Everything is made through the domain services.
"""

from __future__ import annotations

import json
import os
import sys

POTOK_NS = "https://potok.dev/schema/bpmn/1.0"
PROCESS_KEY = "harness_request"
DOCUMENT_TYPE = "harness_request"
TIMER_NODE = "pause"
WEBHOOK_NODE = "announce"
WEBHOOK_EVENT = "process.notice"

PROCESS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:potok="{POTOK_NS}"
                  id="d_{PROCESS_KEY}" targetNamespace="urn:potok:harness">
  <bpmn:process id="{PROCESS_KEY}" name="Обработка заявки" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="Рассмотреть заявку">
      <bpmn:extensionElements><potok:performer kind="role" role="reviewer"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="review" targetRef="{TIMER_NODE}"/>
    <bpmn:intermediateCatchEvent id="{TIMER_NODE}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="{TIMER_NODE}" targetRef="{WEBHOOK_NODE}"/>
    <bpmn:serviceTask id="{WEBHOOK_NODE}" name="Сообщить во внешнюю систему">
      <bpmn:extensionElements>
        <potok:action name="webhook">
          <potok:parameter name="event">'{WEBHOOK_EVENT}'</potok:parameter>
        </potok:action>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="{WEBHOOK_NODE}" targetRef="confirm"/>
    <bpmn:userTask id="confirm" name="Подтвердить заявку">
      <bpmn:extensionElements><potok:performer kind="role" role="reviewer"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="confirm" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def build(webhook_url: str, reviewers: int) -> dict[str, object]:
    from django.db import transaction

    from potok.access.models import Action, Scope
    from potok.access.services import access_rule_set
    from potok.accounts.services import api_token_create, role_assign, role_create, user_create
    from potok.automation.services import rule_create
    from potok.documents.services.fields import field_create
    from potok.documents.services.types import document_type_create
    from potok.notifications.services.administration import webhook_endpoint_create
    from potok.processes.services.definitions import process_publish_file

    with transaction.atomic():
        admin = user_create(actor=None, username="harness_admin", password=None, is_superuser=True)
        request_type = document_type_create(
            actor=admin, code=DOCUMENT_TYPE, name_ru="Заявка", name_en="Request", number_prefix="З"
        )
        field_create(
            actor=admin,
            owner=request_type,
            code="subject",
            label_ru="Тема",
            label_en="Subject",
            field_type="string",
            required=True,
        )
        field_create(
            actor=admin,
            owner=request_type,
            code="marker",
            label_ru="Метка клиента",
            label_en="Client marker",
            field_type="string",
            indexed=True,
        )
        field_create(
            actor=admin, owner=request_type, code="vip", label_ru="VIP", label_en="VIP", field_type="boolean"
        )
        entity = f"document.{DOCUMENT_TYPE}"
        operators = role_create(actor=admin, code="operator", name_ru="Оператор", name_en="Operator")
        reviewer_role = role_create(actor=admin, code="reviewer", name_ru="Рассмотрение", name_en="Review")
        for action in (Action.CREATE, Action.READ):
            access_rule_set(actor=admin, role=operators, entity_type=entity, action=action, scope=Scope.ALL)
        access_rule_set(
            actor=admin, role=reviewer_role, entity_type=entity, action=Action.READ, scope=Scope.ALL
        )
        operator = user_create(actor=admin, username="harness_operator", password=None)
        role_assign(actor=admin, role=operators, user=operator)
        people = []
        for number in range(1, reviewers + 1):
            person = user_create(actor=admin, username=f"harness_reviewer{number}", password=None)
            role_assign(actor=admin, role=reviewer_role, user=person)
            people.append(person)
        process_publish_file(actor=admin, data=PROCESS, source_name=f"{PROCESS_KEY}.bpmn")
        rule_create(
            actor=admin,
            data={
                "name": "VIP request",
                "entity_type": entity,
                "event": "created",
                "condition": {"field": "vip", "op": "eq", "value": True},
                "process_key": PROCESS_KEY,
                "enabled": True,
            },
        )
        webhook_endpoint_create(actor=admin, name="harness", url=webhook_url, event_types=[WEBHOOK_EVENT])
    return {
        "admin": api_token_create(actor=None, user=admin, name="harness"),
        "operator": api_token_create(actor=None, user=operator, name="harness"),
        "reviewers": [api_token_create(actor=None, user=person, name="harness") for person in people],
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.settings")
    import django

    django.setup()
    print(json.dumps(build(sys.argv[1], int(sys.argv[2]))))


if __name__ == "__main__":
    main()
