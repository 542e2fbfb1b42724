"""A small world for the automation tests, made through the domain services: an administrator, the demo's
complaint type, a few counterparties, a sales pipeline with «Выиграна», and the S2 processes published
from minimal BPMN files (the demo's own BPMN may not exist yet); helpers to let the worker do its work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from potok.core import clock

POTOK_NS = "https://potok.dev/schema/bpmn/1.0"
S2_PROCESSES = {
    "complaint_review": "Рассмотрение претензии",
    "complaint_review_vip": "Рассмотрение претензии (VIP)",
    "legal_review": "Юридическая проверка",
    "overdue_complaint_control": "Контроль просроченной претензии",
    "client_distribution": "Распределение клиента",
    "deal_handover": "Передача в исполнение",
}


def bpmn(key: str, name: str, *, variables: tuple[str, ...] = (), service: str = "") -> bytes:
    """A process: start → (a service task) → a user task → end; `variables` declared at process level."""
    declared = "".join(f'<potok:variable name="{variable}"/>' for variable in variables)
    extension = f"<bpmn:extensionElements>{declared}</bpmn:extensionElements>" if declared else ""
    task = "work"
    steps = ""
    flows = ""
    if service:
        steps = f'<bpmn:serviceTask id="act"><bpmn:extensionElements>{service}</bpmn:extensionElements></bpmn:serviceTask>'
        flows = '<bpmn:sequenceFlow id="f_act" sourceRef="act" targetRef="work"/>'
        first = "act"
    else:
        first = task
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:potok="{POTOK_NS}"
                  id="d_{key}" targetNamespace="urn:potok:test">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">{extension}
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="{first}"/>{steps}{flows}
    <bpmn:userTask id="work" name="{name}"/>
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def publish(key: str, name: str = "", **extra: Any) -> None:
    from potok.processes.services.definitions import process_publish_file

    process_publish_file(actor=None, data=bpmn(key, name or key, **extra), source_name=f"{key}.bpmn")


@pytest.fixture(autouse=True)
def fresh_rule_cache() -> Iterator[None]:
    from potok.automation.ruleset import forget_cache

    forget_cache()
    yield
    forget_cache()


@pytest.fixture
def admin(db) -> Any:  # type: ignore[no-untyped-def]
    from potok.accounts.services import user_create

    return user_create(actor=None, username="boss", password=None, first_name="Босс", is_superuser=True)


@pytest.fixture
def s2_processes(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    for key, name in S2_PROCESSES.items():
        publish(key, name)
    return S2_PROCESSES


@pytest.fixture
def complaint_type(db) -> Any:  # type: ignore[no-untyped-def]
    """The demo's «Претензия клиента», made with the demo's own field and status lists."""
    from potok.demo.documents import COMPLAINT_FIELDS, COMPLAINT_STATUSES
    from potok.documents.services import document_type_create, field_create

    document_type = document_type_create(
        actor=None,
        code="complaint",
        name_ru="Претензия клиента",
        name_en="Customer complaint",
        number_prefix="ПР",
        statuses=COMPLAINT_STATUSES,
    )
    for spec in COMPLAINT_FIELDS:
        field_create(actor=None, owner=document_type, **spec)
    return document_type


@pytest.fixture
def make_counterparty(db) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    from potok.clients.services.counterparties import counterparty_create

    def make(name: str = "ООО «Ромашка»", **fields: Any) -> Any:
        fields.setdefault("kind", "legal")
        return counterparty_create(actor=None, fields={"name": name, **fields})

    return make


@pytest.fixture
def make_complaint(complaint_type, make_counterparty) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    from potok.documents.services import document_create

    default_client: list[Any] = []

    def make(**values: Any) -> Any:
        if "client" not in values:
            if not default_client:
                default_client.append(make_counterparty("ООО «Обычный»", segment="SMB"))
            values["client"] = default_client[0].pk
        values.setdefault("subject", "Разбита витрина")
        return document_create(actor=None, document_type=complaint_type, values=values)

    return make


@pytest.fixture
def frozen() -> Iterator[Callable[..., datetime]]:
    """Potok's clock stopped at a whole second; call it with a timedelta to move it on."""
    start = timezone.now().replace(microsecond=0)
    state = {"now": start}
    clock.freeze(start)

    def move(delta: timedelta | None = None) -> datetime:
        if delta is not None:
            state["now"] = state["now"] + delta
            clock.freeze(state["now"])
        return state["now"]

    yield move
    clock.freeze(None)


def settle() -> int:
    """What the worker would do: dispatch every outbox row, fire due timers, run applications."""
    from potok.automation.dispatch import dispatch_pending
    from potok.automation.services.applications import application_run
    from potok.automation.timers import fire_due_timers

    done = 0
    while True:
        step = dispatch_pending(min_age=timedelta(0)) + fire_due_timers() + application_run()
        done += step
        if not step:
            return done


@pytest.fixture
def worker() -> Callable[[], int]:
    return settle


def started(process_key: str, **filters: Any) -> int:
    from potok.processes.models import ProcessInstance

    return ProcessInstance.objects.filter(process_id=process_key, **filters).count()
