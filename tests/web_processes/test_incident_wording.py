"""A process incident reads in the reader's language: the instance page and the monitor word the engine's
code and params in Russian for a Russian user and in English for an English one, the API keeps the English
message and adds the code and params, the administrators' notification is written in each one's language,
and an incident older than the codes still shows its stored message."""

from __future__ import annotations

from typing import Any

import pytest

from potok.notifications import kinds
from potok.notifications.models import Notification
from potok.processes.models import Incident, ProcessInstance
from tests.web_processes.bpmn import NAMESPACES

pytestmark = pytest.mark.django_db


def _diagram(key: str, body: str, errors: str = "") -> bytes:
    """start → `body` (its node is «step») → end, unless the body ends the process itself."""
    end = "" if '<bpmn:endEvent id="step"' in body else '\n    <bpmn:endEvent id="end"/>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs_{key}" targetNamespace="urn:test">{errors}
  <bpmn:process id="{key}" name="Сбой {key}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="step"/>{body}{end}
  </bpmn:process>
</bpmn:definitions>
""".encode()


GATEWAY = """
    <bpmn:exclusiveGateway id="step" name="Сумма большая?"/>
    <bpmn:sequenceFlow id="big" sourceRef="step" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &gt; 100</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="step" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &lt; 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
THROWER = """
    <bpmn:endEvent id="step" name="Отказ"><bpmn:errorEventDefinition errorRef="refused"/></bpmn:endEvent>"""
SERVICE = """
    <bpmn:serviceTask id="step" name="Оплата">
      <bpmn:extensionElements><potok:action name="tests.payments.charge"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f1" sourceRef="step" targetRef="end"/>"""
MANY = """
    <bpmn:userTask id="step" name="Согласование">
      <bpmn:extensionElements><potok:performer kind="user" user="admin"/></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="step" targetRef="end"/>"""

# (process key, diagram, variables, code, Russian wording, English wording)
CASES: list[tuple[str, bytes, dict[str, Any], str, str, str]] = [
    (
        "no_branch",
        _diagram("no_branch", GATEWAY),
        {"amount": 5},
        "gateway.no_true_condition",
        "Развилка «Сумма большая?»: ни одно условие не выполнено, а потока по умолчанию нет",
        "Gateway «Сумма большая?»: no condition is true and there is no default flow",
    ),
    (
        "bad_amount",
        _diagram("bad_amount", GATEWAY),
        {"amount": "много"},
        "expression.failed",
        "Шаг «Сумма большая?»: не удалось вычислить условие потока «big» «amount &gt; 100»",
        "Step «Сумма большая?»: could not evaluate the condition of flow «big» «amount &gt; 100»",
    ),
    (
        "uncaught",
        _diagram("uncaught", THROWER, '<bpmn:error id="refused" name="Refused" errorCode="E_REFUSED"/>'),
        {},
        "error.uncaught",
        "Шаг «Отказ»: ошибку «E_REFUSED» нигде не перехватывают",
        "Step «Отказ»: nothing catches the error «E_REFUSED»",
    ),
    (
        "no_action",
        _diagram("no_action", SERVICE),
        {},
        "action.unknown",
        "Шаг «Оплата»: действия «tests.payments.charge» нет",
        "Step «Оплата»: there is no action «tests.payments.charge»",
    ),
    (
        "not_a_list",
        _diagram("not_a_list", MANY),
        {"reviewers": "Анна"},
        "mi.not_a_collection",
        "Шаг «Согласование»: «reviewers» дало &#x27;Анна&#x27; — это не число и не список",
        "Step «Согласование»: «reviewers» gave &#x27;Анна&#x27;, which is neither a number nor a list",
    ),
]


@pytest.fixture
def failed(demo_company) -> dict[str, ProcessInstance]:  # type: ignore[no-untyped-def]
    """One instance stopped by an incident per case, keyed by its process."""
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start

    instances = {}
    for key, data, variables, *_ in CASES:
        process_publish_file(actor=None, data=data, source_name=f"{key}.bpmn")
        instances[key] = process_start(actor=None, process_key=key, variables=variables)
    return instances


def _reader(client_as, language: str):  # type: ignore[no-untyped-def]
    client = client_as("admin")
    client.cookies["django_language"] = language
    return client


def test_the_instance_page_words_each_incident_in_the_readers_language(client_as, failed) -> None:  # type: ignore[no-untyped-def]
    russian, english = _reader(client_as, "ru"), _reader(client_as, "en")
    for key, _data, _variables, code, in_russian, in_english in CASES:
        incident = Incident.objects.get(instance=failed[key], state="open")
        assert incident.code == code, key
        url = f"/processes/instances/{failed[key].pk}/"
        # a Russian administrator reads Russian, with the engine's message kept under «Техническое сообщение»
        page = russian.get(url).content.decode()
        assert in_russian in page, key
        assert "Техническое сообщение" in page
        # an English one reads English
        assert in_english in english.get(url).content.decode(), key


def test_the_monitor_lists_open_incidents_in_the_readers_language(client_as, failed) -> None:  # type: ignore[no-untyped-def]
    russian = _reader(client_as, "ru").get("/processes/").content.decode()
    english = _reader(client_as, "en").get("/processes/").content.decode()
    for _key, _data, _variables, _code, in_russian, in_english in CASES:
        assert in_russian in russian
        assert in_english in english


def test_the_api_keeps_the_english_message_and_adds_code_and_params(api_as, failed) -> None:  # type: ignore[no-untyped-def]
    admin = api_as("admin")
    instance = failed["no_action"]
    detail = admin.get(f"/api/v1/process-instances/{instance.pk}").json()
    (incident,) = detail["incidents"]
    assert (
        incident["message"] == "serviceTask 'step' (Оплата): no action 'tests.payments.charge' is registered"
    )
    assert incident["code"] == "action.unknown"
    assert incident["params"] == {"node": "Оплата", "node_id": "step", "action": "tests.payments.charge"}
    listed = admin.get("/api/v1/incidents").json()["items"]
    assert {item["code"] for item in listed} == {code for *_, code, _ru, _en in CASES}
    assert all(item["params"]["node_id"] == "step" for item in listed)


def test_each_administrator_is_told_in_his_language(person, failed) -> None:  # type: ignore[no-untyped-def]
    from potok.processes.services.instances import process_start

    # given an English-speaking administrator beside the Russian-speaking one
    admin = person("admin")
    admin.language = "ru"
    admin.save(update_fields=["language"])
    director = person("director")
    director.is_superuser, director.language = True, "en"
    director.save(update_fields=["is_superuser", "language"])
    Notification.objects.all().delete()
    # when a step fails
    process_start(actor=None, process_key="uncaught")
    # then each reads the incident in his own language
    told = {n.recipient.username: n for n in Notification.objects.filter(kind=kinds.PROCESS_INCIDENT)}
    assert told["admin"].body == "Шаг «Отказ»: ошибку «E_REFUSED» нигде не перехватывают"
    assert told["admin"].title.startswith("Инцидент")
    assert told["director"].body == "Step «Отказ»: nothing catches the error «E_REFUSED»"
    assert told["director"].title.startswith("Incident")
    assert told["director"].data["code"] == "error.uncaught"


def test_an_incident_older_than_the_codes_shows_its_message(client_as, failed) -> None:  # type: ignore[no-untyped-def]
    # given an incident stored before incidents had codes
    instance = failed["no_branch"]
    Incident.objects.filter(instance=instance).update(code="", params={})
    stored = Incident.objects.get(instance=instance).message
    # then both readers see its message as it was stored, and nothing is offered twice
    for language in ("ru", "en"):
        page = _reader(client_as, language).get(f"/processes/instances/{instance.pk}/").content.decode()
        assert stored.replace("'", "&#x27;") in page
        assert page.count(stored.replace("'", "&#x27;")) == 1
