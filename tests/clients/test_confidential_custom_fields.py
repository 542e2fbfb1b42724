"""Confidential custom fields of counterparties and contacts: «Кредитный лимит» is seen by the head of
sales (the right «see confidential fields» on the entity type); a sales manager, who reads and changes his
own clients, never sees it — not in the API, the export or the history — and his saves keep it; a value he
sends for it is refused with the field named, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from potok.access.models import Action, Scope
from potok.access.services import access_rule_set
from potok.accounts.models import Role
from potok.clients.models import Contact, Counterparty
from potok.clients.services import contact_create, counterparty_create, counterparty_update
from potok.documents.services import field_create

from .conftest import inn10

pytestmark = pytest.mark.django_db

LIMIT = "7500000"
NOTE = "проверен службой безопасности"


@pytest.fixture
def secret_fields(demo_company) -> None:  # type: ignore[no-untyped-def]
    """A confidential and a plain custom field on counterparties and on contacts; the head of sales gets
    the right to see confidential fields of both, in his department tree."""
    for entity in ("counterparty", "contact"):
        field_create(
            actor=None,
            owner=entity,
            code="credit_limit",
            label_ru="Кредитный лимит",
            field_type="text",
            confidential=True,
        )
        field_create(actor=None, owner=entity, code="note", label_ru="Заметка", field_type="text")
        access_rule_set(
            actor=None,
            role=Role.objects.get(code="sales_head"),
            entity_type=entity,
            action=Action.CONFIDENTIAL,
            scope=Scope.DEPARTMENT_TREE,
        )


@pytest.fixture
def client_record(secret_fields, person) -> Counterparty:  # type: ignore[no-untyped-def]
    """sales1's counterparty; the limit was set by the system, then raised by the head of sales."""
    counterparty = counterparty_create(
        actor=None,
        fields={
            "name": "ООО «Лимит»",
            "inn": inn10(9101),
            "responsible": person("sales1"),
            "custom_fields": {"credit_limit": "100", "note": NOTE},
        },
    )
    return counterparty_update(
        actor=person("sales_head"),
        counterparty=counterparty,
        expected_version=None,
        fields={"custom_fields": {"credit_limit": LIMIT, "note": NOTE}},
    )


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return str(b"".join(response.streaming_content).decode("utf-8-sig"))
    return str(response.content.decode())


def test_the_api_answer_leaves_the_field_out_for_the_manager_only(api_as, client_record) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/counterparties/{client_record.pk}"

    head = api_as("sales_head").get(url).json()["custom_fields"]
    manager = api_as("sales1").get(url).json()["custom_fields"]
    listed = [
        row
        for row in api_as("sales1").get("/api/v1/counterparties", {"q": "Лимит"}).json()["items"]
        if row["id"] == client_record.pk
    ]

    assert head == {"credit_limit": LIMIT, "note": NOTE}
    assert manager == {"note": NOTE}
    assert listed and listed[0]["custom_fields"] == {"note": NOTE}


def test_an_api_write_of_the_field_is_refused_naming_it_and_changes_nothing(api_as, client_record) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/counterparties/{client_record.pk}"
    body = {"version": client_record.version, "comment": "новое", "custom_fields": {"credit_limit": "1"}}

    refused = api_as("sales1").patch(url, body, content_type="application/json")

    assert refused.status_code == 400
    assert "custom_fields.credit_limit" in refused.json()["errors"]
    stored = Counterparty.objects.get(pk=client_record.pk)
    assert stored.custom_fields == {"credit_limit": LIMIT, "note": NOTE}
    assert stored.comment == "" and stored.version == client_record.version


def test_a_new_record_from_the_manager_may_not_set_the_field(api_as, secret_fields, person) -> None:  # type: ignore[no-untyped-def]
    body = {
        "name": "ООО «Новый»",
        "inn": inn10(9102),
        "responsible_id": person("sales1").pk,
        "custom_fields": {"credit_limit": "1"},
    }

    refused = api_as("sales1").post("/api/v1/counterparties", body, content_type="application/json")

    assert refused.status_code == 400 and "custom_fields.credit_limit" in refused.json()["errors"]
    assert not Counterparty.objects.filter(inn=inn10(9102)).exists()


def test_the_managers_save_of_other_custom_fields_keeps_the_value(api_as, client_record) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/counterparties/{client_record.pk}"
    body = {"version": client_record.version, "custom_fields": {"note": "другая"}}

    saved = api_as("sales1").patch(url, body, content_type="application/json")

    assert saved.status_code == 200 and saved.json()["custom_fields"] == {"note": "другая"}
    stored = Counterparty.objects.get(pk=client_record.pk).custom_fields
    assert stored == {"credit_limit": LIMIT, "note": "другая"}


def test_the_head_of_sales_changes_it_through_the_api(api_as, client_record) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/counterparties/{client_record.pk}"
    body = {"version": client_record.version, "custom_fields": {"credit_limit": "1", "note": NOTE}}

    saved = api_as("sales_head").patch(url, body, content_type="application/json")

    assert saved.status_code == 200, saved.json()
    assert Counterparty.objects.get(pk=client_record.pk).custom_fields["credit_limit"] == "1"


def test_the_web_form_save_keeps_the_value(client_as, client_record, person) -> None:  # type: ignore[no-untyped-def]
    form = {
        "kind": "legal",
        "name": "ООО «Лимит 2»",
        "inn": client_record.inn,
        "version": client_record.version,
        "responsible": person("sales1").pk,
    }
    edit_url = f"/counterparties/{client_record.pk}/edit/"

    assert LIMIT not in _text(client_as("sales1").get(edit_url))
    assert client_as("sales1").post(edit_url, form).status_code == 302

    stored = Counterparty.objects.get(pk=client_record.pk)
    assert stored.name == "ООО «Лимит 2»"
    assert stored.custom_fields == {"credit_limit": LIMIT, "note": NOTE}


def test_the_page_history_masks_the_value_for_the_manager(client_as, client_record) -> None:  # type: ignore[no-untyped-def]
    url = f"/counterparties/{client_record.pk}/"

    head = _text(client_as("sales_head").get(url))
    manager = _text(client_as("sales1").get(url))

    assert LIMIT in head
    assert LIMIT not in manager and "100" not in manager.split("potok-audit")[1]
    assert "(конфиденциально)" in manager and NOTE in manager


def test_the_export_has_no_confidential_value(client_as, api_as, client_record) -> None:  # type: ignore[no-untyped-def]
    web = _text(client_as("sales1").get(reverse("web:counterparty_export"), {"format": "csv"}))
    api = _text(api_as("sales1").get("/api/v1/counterparties/export", {"format": "csv"}))

    assert "ООО «Лимит»" in web and "ООО «Лимит»" in api
    assert LIMIT not in web and LIMIT not in api


def test_a_contacts_confidential_field_is_hidden_and_kept_the_same_way(  # type: ignore[no-untyped-def]
    api_as, client_as, client_record
) -> None:
    contact = contact_create(
        actor=None,
        counterparty=client_record,
        fields={"first_name": "Ирина", "custom_fields": {"credit_limit": LIMIT, "note": NOTE}},
    )
    url = f"/api/v1/contacts/{contact.pk}"
    manager = api_as("sales1")

    assert api_as("sales_head").get(url).json()["custom_fields"] == {"credit_limit": LIMIT, "note": NOTE}
    assert manager.get(url).json()["custom_fields"] == {"note": NOTE}
    refused = manager.patch(
        url,
        {"version": contact.version, "custom_fields": {"credit_limit": "1"}},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "custom_fields.credit_limit" in refused.json()["errors"]
    kept = manager.patch(
        url, {"version": contact.version, "custom_fields": {"note": "x"}}, content_type="application/json"
    )
    assert kept.status_code == 200
    assert Contact.objects.get(pk=contact.pk).custom_fields == {"credit_limit": LIMIT, "note": "x"}
    page = _text(client_as("sales1").get(f"/contacts/{contact.pk}/"))
    assert LIMIT not in page and "(конфиденциально)" in page
