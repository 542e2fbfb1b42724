"""Custom fields of counterparties and contacts are checked by their services, whatever sends them (the API,
the web, the import, a process): a bad value is refused naming custom_fields.<code> and nothing is written;
defaults fill a new record; a PATCH changes only the codes it gives, and the history and the domain event
name only the custom fields that changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from potok.audit.models import AuditEvent
from potok.clients.models import Contact, Counterparty
from potok.clients.services import contact_create, contact_update, counterparty_create, counterparty_update
from potok.core.errors import ValidationFailed
from potok.core.models import DomainEvent
from potok.documents.services import field_create
from tests.clients.conftest import inn10

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(demo_company) -> None:  # type: ignore[no-untyped-def]
    """On counterparties: «Уровень» (gold / silver, default silver), «Лимит» (integer), «Партнёр» (a
    reference to a counterparty), «Код в 1С» (required, with a default); on contacts: «Хобби» (text)."""
    field_create(
        actor=None,
        owner="counterparty",
        code="level",
        label_ru="Уровень",
        label_en="Level",
        field_type="choice",
        default="silver",
        settings={
            "options": [
                {"value": "gold", "label_ru": "Золото", "label_en": "Gold"},
                {"value": "silver", "label_ru": "Серебро", "label_en": "Silver"},
            ]
        },
    )
    field_create(
        actor=None,
        owner="counterparty",
        code="credit",
        label_ru="Лимит",
        label_en="Limit",
        field_type="integer",
    )
    field_create(
        actor=None,
        owner="counterparty",
        code="partner",
        label_ru="Партнёр",
        label_en="Partner",
        field_type="reference",
        settings={"target": "counterparty"},
    )
    field_create(
        actor=None,
        owner="counterparty",
        code="code_1c",
        label_ru="Код в 1С",
        label_en="1C code",
        field_type="string",
        required=True,
        default="К-0",
    )
    field_create(
        actor=None, owner="contact", code="hobby", label_ru="Хобби", label_en="Hobby", field_type="string"
    )


def _create(actor: Any = None, seed: int = 3001, **custom: Any) -> Counterparty:
    return counterparty_create(
        actor=actor, fields={"name": f"ООО «Поле {seed}»", "inn": inn10(seed), "custom_fields": custom}
    )


def _refusal(call: Any) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        call()
    return error.value.errors


def test_a_new_counterparty_takes_the_defaults(fields) -> None:
    counterparty = _create(credit="500")

    assert counterparty.custom_fields == {"level": "silver", "credit": 500, "code_1c": "К-0"}


@pytest.mark.parametrize(
    ("custom", "code", "words"),
    [
        ({"colour": "red"}, "colour", "There is no field colour"),
        ({"credit": "много"}, "credit", "Limit"),
        ({"level": "bronze"}, "level", "Level"),
        ({"partner": 999_999}, "partner", "999999"),
    ],
)
def test_a_bad_custom_value_is_refused_by_the_service_and_nothing_is_written(
    fields, custom, code, words
) -> None:
    before = (Counterparty.objects.count(), DomainEvent.objects.count(), AuditEvent.objects.count())

    errors = _refusal(lambda: _create(**custom))

    assert list(errors) == [f"custom_fields.{code}"] and words in errors[f"custom_fields.{code}"][0]
    assert (Counterparty.objects.count(), DomainEvent.objects.count(), AuditEvent.objects.count()) == before


def test_a_reference_to_a_record_the_actor_may_not_read_is_refused(fields, person) -> None:
    # given a document type sales managers have no right on, with one document, and a counterparty field
    # referring to documents of that type
    from potok.documents.services import document_create, document_type_create

    memos = document_type_create(actor=None, code="memo", name_ru="Служебка", name_en="Memo")
    field_create(
        actor=None, owner=memos, code="subject", label_ru="Тема", label_en="Subject", field_type="string"
    )
    memo = document_create(actor=None, document_type=memos, values={"subject": "секрет"})
    field_create(
        actor=None,
        owner="counterparty",
        code="memo",
        label_ru="Служебка",
        label_en="Memo",
        field_type="reference",
        settings={"target": "document.memo"},
    )
    own = counterparty_create(
        actor=None, fields={"name": "ООО «Свой»", "inn": inn10(3003), "responsible": person("sales1")}
    )

    # when sales1 names that document on his client
    errors = _refusal(
        lambda: counterparty_update(
            actor=person("sales1"),
            counterparty=own,
            expected_version=own.version,
            fields={"custom_fields": {"memo": memo.pk}},
        )
    )

    # then it is refused, as a record that does not exist would be, and nothing changes
    assert "custom_fields.memo" in errors and "that you may see" in errors["custom_fields.memo"][0]
    own.refresh_from_db()
    assert "memo" not in own.custom_fields and own.version == 1


def test_a_required_custom_field_may_not_be_cleared(fields) -> None:
    counterparty = _create()

    errors = _refusal(
        lambda: counterparty_update(
            actor=None,
            counterparty=counterparty,
            expected_version=counterparty.version,
            fields={"name": "ООО «Новое имя»", "custom_fields": {"code_1c": ""}},
        )
    )

    assert list(errors) == ["custom_fields.code_1c"] and "required" in errors["custom_fields.code_1c"][0]
    counterparty.refresh_from_db()
    assert counterparty.name == "ООО «Поле 3001»" and counterparty.custom_fields["code_1c"] == "К-0"


def test_a_patch_changes_only_the_codes_given_and_records_only_them(fields) -> None:
    counterparty = _create(level="gold", credit=100)
    events = DomainEvent.objects.filter(entity_type="counterparty", record_id=counterparty.pk)
    created = events.get()
    assert created.changes["custom_fields.level"] == [None, "gold"]
    assert created.changes["custom_fields.credit"] == [None, 100]

    # when one code is set and one cleared
    changed = counterparty_update(
        actor=None,
        counterparty=counterparty,
        expected_version=counterparty.version,
        fields={"custom_fields": {"credit": 250, "level": None}},
    )

    # then the code not given keeps its value, the cleared one is gone
    assert changed.custom_fields == {"credit": 250, "code_1c": "К-0"}
    event = events.order_by("-id").first()
    assert event is not None and event.kind == "updated"
    assert event.changes == {"custom_fields.level": ["gold", None], "custom_fields.credit": [100, 250]}
    audit = AuditEvent.objects.filter(entity_type="counterparty", record_id=str(counterparty.pk)).latest("id")
    assert set(audit.changes) == {"custom_fields.level", "custom_fields.credit"}

    # and a PATCH giving the stored values again changes nothing
    again = counterparty_update(
        actor=None,
        counterparty=changed,
        expected_version=changed.version,
        fields={"custom_fields": {"credit": 250}},
    )
    assert again.version == changed.version


def test_contacts_are_checked_and_merged_the_same_way(fields) -> None:
    counterparty = _create()
    errors = _refusal(
        lambda: contact_create(
            actor=None, counterparty=counterparty, fields={"first_name": "Анна", "custom_fields": {"age": 3}}
        )
    )
    assert list(errors) == ["custom_fields.age"]
    assert not Contact.objects.filter(counterparty=counterparty).exists()

    contact = contact_create(
        actor=None,
        counterparty=counterparty,
        fields={"first_name": "Анна", "custom_fields": {"hobby": "шахматы"}},
    )
    updated = contact_update(
        actor=None, contact=contact, expected_version=contact.version, fields={"position": "директор"}
    )
    assert updated.custom_fields == {"hobby": "шахматы"}
    updated = contact_update(
        actor=None, contact=updated, expected_version=updated.version, fields={"custom_fields": {"hobby": []}}
    )
    assert updated.custom_fields == {}


def test_the_api_answers_400_naming_the_custom_field_and_patch_merges(fields, api_as, person) -> None:
    client = api_as("sales1")
    body = {
        "name": "ООО «API-поля»",
        "inn": inn10(3010),
        "responsible_id": person("sales1").pk,
        "custom_fields": {"level": "bronze"},
    }

    refused = client.post("/api/v1/counterparties", body, content_type="application/json")

    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["custom_fields.level"]
    assert not Counterparty.objects.filter(inn=inn10(3010)).exists()

    body["custom_fields"] = {"level": "gold", "credit": 10}
    created = client.post("/api/v1/counterparties", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    patched = client.patch(
        f"/api/v1/counterparties/{pk}",
        {"version": 1, "custom_fields": {"credit": 20}},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["custom_fields"] == {"level": "gold", "credit": 20, "code_1c": "К-0"}
    unknown = client.patch(
        f"/api/v1/counterparties/{pk}",
        {"version": 2, "custom_fields": {"credit": 30, "colour": "red"}},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["custom_fields.colour"]
    assert Counterparty.objects.get(pk=pk).custom_fields["credit"] == 20
