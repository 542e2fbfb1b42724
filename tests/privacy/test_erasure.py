"""Erasure on request: the person's values are gone from every table — audit and event payloads and
process variables included — while the records accounting needs stay; the audit keeps that it happened."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from potok.audit.models import AuditEvent
from potok.clients.models import Contact
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.documents.models import Document, DocumentReference, StoredFile
from potok.privacy.erasure import ERASE_ACTION, person_erase
from potok.processes.models import ProcessInstance
from tests.privacy.helpers import (
    EMAIL,
    FULL_NAME,
    LAST_NAME,
    OLD_PHONE,
    PHONE,
    find_everywhere,
    make_person,
    user,
)

pytestmark = pytest.mark.django_db


def test_erasure_is_refused_while_the_person_s_process_runs_unless_an_administrator_forces_it(
    demo_company: None,
) -> None:
    # given a person whose complaint is being reviewed by a running process
    world = make_person()
    assert find_everywhere(PHONE), "the test data reach the database"
    # when the erasure is asked without force, then it is refused naming the field, and nothing changes
    with pytest.raises(ValidationFailed) as refused:
        person_erase(
            actor=user("admin"), entity_type="contact", record_id=world.contact.pk, reason="Заявление 7"
        )
    assert "force" in refused.value.errors and "1" in refused.value.errors["force"][0]
    assert Contact.objects.get(pk=world.contact.pk).phones == [PHONE]
    # an empty reason is refused too
    with pytest.raises(ValidationFailed) as no_reason:
        person_erase(
            actor=user("admin"), entity_type="contact", record_id=world.contact.pk, reason=" ", force=True
        )
    assert "reason" in no_reason.value.errors
    # people without the personal data right may not erase at all
    with pytest.raises(PermissionDenied):
        person_erase(
            actor=user("sales1"), entity_type="contact", record_id=world.contact.pk, reason="x", force=True
        )
    assert not AuditEvent.objects.filter(action=ERASE_ACTION).exists()


def test_after_erasure_no_table_holds_the_person_s_values_and_the_audit_keeps_the_fact(
    demo_company: None, django_capture_on_commit_callbacks: Any
) -> None:
    world = make_person()
    consent_file = StoredFile.objects.get(entity_type="contact", record_id=world.contact.pk)
    assert default_storage.exists(str(consent_file.file.name))
    values = (PHONE, OLD_PHONE, EMAIL, FULL_NAME, LAST_NAME, "Зябликова Серафима", "soglasie.pdf")
    held = {value: find_everywhere(value) for value in values}
    assert all(held.values()), held
    assert any(place.startswith("audit.AuditEvent") for place in held[OLD_PHONE])
    assert any(place.startswith("core.DomainEvent") for place in held[PHONE])
    assert any(place.startswith("processes.ProcessInstance") for place in held[FULL_NAME])
    assert any(place.startswith("tasks.TaskComment") for place in held[PHONE])

    # when an administrator erases the person on request, knowing the process goes on
    with django_capture_on_commit_callbacks(execute=True):
        report = person_erase(
            actor=user("admin"),
            entity_type="contact",
            record_id=world.contact.pk,
            reason=f"Заявление № 7 от {FULL_NAME}",
            force=True,
        )

    # then the old and the current phone, the email and the name are nowhere: not in the contact, the
    # interaction, the complaint, the process variables, the audit, the domain events
    for value in values:
        assert find_everywhere(value) == [], value
    assert report.running_processes == 1 and report.changed["audit"] >= 3
    # the consent file is gone from the storage and from the database
    assert not StoredFile.objects.filter(pk=consent_file.pk).exists()
    assert not default_storage.exists(str(consent_file.file.name))
    # records accounting needs stay and still point at the (now anonymous) contact
    contact = Contact.objects.get(pk=world.contact.pk)
    assert contact.first_name == report.placeholder and contact.phones == [] and contact.emails == []
    assert contact.consent_given_on is not None and contact.consent_withdrawn_on is not None
    assert Document.objects.filter(pk=world.complaint.pk).exists()
    assert DocumentReference.objects.filter(source=world.complaint, target_type="contact").exists()
    instance = ProcessInstance.objects.get(pk=world.instance.pk)
    assert instance.state == "running" and instance.variables["caller_phone"] == report.placeholder
    # the audit keeps who erased, when and on which request — without the erased values
    [row] = AuditEvent.objects.filter(action=ERASE_ACTION)
    assert row.actor == user("admin") and row.entity_type == "contact" and row.record_id == str(contact.pk)
    assert row.message == f"Заявление № 7 от {report.placeholder}"
    assert row.changes["forced"] == [None, True]


def test_erasure_is_idempotent(demo_company: None) -> None:
    world = make_person()
    first = person_erase(
        actor=user("admin"),
        entity_type="contact",
        record_id=world.contact.pk,
        reason="Заявление 7",
        force=True,
    )
    # a second request changes nothing, needs no force, and writes no second audit row
    second = person_erase(
        actor=user("admin"), entity_type="contact", record_id=world.contact.pk, reason="повторно"
    )
    assert first.total > 0
    assert second.already_erased and second.changed == {}
    assert AuditEvent.objects.filter(action=ERASE_ACTION).count() == 1


def test_a_person_counterparty_is_erased_but_stays_for_accounting(demo_company: None) -> None:
    from potok.clients.models import Counterparty, CounterpartyKey
    from potok.clients.services import counterparty_create

    entrepreneur = counterparty_create(
        actor=user("admin"),
        fields={
            "kind": "entrepreneur",
            "name": "ИП Кукушкин Аркадий Петрович",
            "inn": "500100732259",
            "phones": ["+79267770001"],
            "emails": ["kukushkin@example.ru"],
            "legal_address": "г. Тверь, ул. Садовая, д. 9",
        },
    )
    values = ("Кукушкин Аркадий Петрович", "500100732259", "+79267770001", "kukushkin@example.ru", "Садовая")
    assert all(find_everywhere(value) for value in values)
    report = person_erase(
        actor=user("admin"), entity_type="counterparty", record_id=entrepreneur.pk, reason="Заявление 8"
    )
    for value in values:
        assert find_everywhere(value) == [], value
    kept = Counterparty.objects.get(pk=entrepreneur.pk)
    assert kept.name == report.placeholder and kept.deleted_at is None and kept.inn == ""
    assert not CounterpartyKey.objects.filter(counterparty=kept).exists()


def test_a_legal_entity_is_not_a_person(demo_company: None) -> None:
    from potok.clients.models import Counterparty

    company = Counterparty.objects.filter(kind="legal").first()
    assert company is not None
    with pytest.raises(ValidationFailed) as refused:
        person_erase(actor=user("admin"), entity_type="counterparty", record_id=company.pk, reason="x")
    assert "kind" in refused.value.errors


def test_an_incident_quoting_the_person_loses_the_value_from_its_message_and_its_params(
    demo_company: None,
) -> None:
    from potok.core import clock
    from potok.processes.models import Incident

    # given an incident whose error quotes the person's phone, in its message and in its params
    world = make_person()
    error = f"the gateway could not call {PHONE}"
    Incident.objects.create(
        id="incident-phone",
        instance_id=world.instance.pk,
        node_id="call",
        message=f"serviceTask 'call': action 'phone.call' failed: {error}",
        created_at=clock.now(),
        state="open",
        code="action.failed",
        params={"node": "call", "node_id": "call", "action": "phone.call", "error": error},
    )
    # when the person is erased
    report = person_erase(
        actor=user("admin"),
        entity_type="contact",
        record_id=world.contact.pk,
        reason="Заявление 8",
        force=True,
    )
    # then neither the message nor the params hold the phone any more
    incident = Incident.objects.get(pk="incident-phone")
    assert PHONE not in incident.message and PHONE not in str(incident.params)
    assert incident.params["error"] == f"the gateway could not call {report.placeholder}"
    assert incident.params["action"] == "phone.call"
