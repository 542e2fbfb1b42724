"""Custom fields of counterparties and contacts on the web pages: the forms show them as inputs, a save
stores the values, the record's page shows them; a required field left empty is named next to its input
and nothing is saved; a confidential field stays off the pages of a user without the right."""

from __future__ import annotations

from typing import Any

import pytest

from potok.clients.models import Contact, Counterparty
from potok.clients.services import counterparty_create
from potok.documents.services import field_create

from .conftest import inn10

pytestmark = pytest.mark.django_db


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


@pytest.fixture
def fields(demo_company) -> None:  # type: ignore[no-untyped-def]
    """On counterparties: a required text field «Код в 1С» and a choice «Уровень» (gold / silver), and a
    confidential «Кредитный лимит»; on contacts: a required text field «Хобби»."""
    field_create(
        actor=None,
        owner="counterparty",
        code="code_1c",
        label_ru="Код в 1С",
        label_en="1C code",
        field_type="text",
        required=True,
    )
    field_create(
        actor=None,
        owner="counterparty",
        code="level",
        label_ru="Уровень",
        label_en="Level",
        field_type="choice",
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
        code="credit_limit",
        label_ru="Кредитный лимит",
        label_en="Credit limit",
        field_type="text",
        confidential=True,
    )
    field_create(
        actor=None,
        owner="contact",
        code="hobby",
        label_ru="Хобби",
        label_en="Hobby",
        field_type="text",
        required=True,
    )


def _counterparty_form(person: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "legal",
        "name": "ООО «Поля»",
        "inn": inn10(2101),
        "responsible": person("sales1").pk,
        "custom-shown": "1",  # the form drew the custom fields
        **extra,
    }


def test_a_counterparty_is_created_with_custom_values_and_shows_them(client_as, person, fields) -> None:  # type: ignore[no-untyped-def]
    client = client_as("sales1")

    form = page(client.get("/counterparties/new/", HTTP_ACCEPT_LANGUAGE="ru"))
    assert 'name="custom-code_1c"' in form and 'name="custom-level"' in form and "Код в 1С" in form
    assert "custom-credit_limit" not in form  # confidential: sales1 has no right to it
    assert 'name="custom-shown"' in form

    created = client.post(
        "/counterparties/new/",
        _counterparty_form(person, **{"custom-code_1c": "К-0042", "custom-level": "gold"}),
    )

    assert created.status_code == 302
    counterparty = Counterparty.objects.get(inn=inn10(2101))
    assert counterparty.custom_fields == {"code_1c": "К-0042", "level": "gold"}
    detail = page(client.get(f"/counterparties/{counterparty.pk}/", HTTP_ACCEPT_LANGUAGE="ru"))
    assert 'data-testid="custom-values"' in detail
    assert "Код в 1С" in detail and "К-0042" in detail
    assert "Уровень" in detail and "Золото" in detail


def test_an_edit_changes_one_value_and_keeps_the_confidential_one(client_as, person, fields) -> None:  # type: ignore[no-untyped-def]
    counterparty = counterparty_create(
        actor=None,
        fields={
            "name": "ООО «Поля»",
            "inn": inn10(2102),
            "responsible": person("sales1"),
            "custom_fields": {"code_1c": "К-1", "level": "gold", "credit_limit": "7500000"},
        },
    )
    client = client_as("sales1")

    form = page(client.get(f"/counterparties/{counterparty.pk}/edit/"))
    assert 'name="custom-code_1c"' in form and "К-1" in form and "7500000" not in form
    detail = page(client.get(f"/counterparties/{counterparty.pk}/"))
    assert "7500000" not in detail and "Credit limit" not in detail and "Кредитный лимит" not in detail

    saved = client.post(
        f"/counterparties/{counterparty.pk}/edit/",
        _counterparty_form(
            person,
            inn=inn10(2102),
            version=counterparty.version,
            **{"custom-code_1c": "К-1", "custom-level": "silver"},
        ),
    )

    assert saved.status_code == 302
    counterparty.refresh_from_db()
    assert counterparty.custom_fields == {"code_1c": "К-1", "level": "silver", "credit_limit": "7500000"}
    assert "Серебро" in page(client.get(f"/counterparties/{counterparty.pk}/", HTTP_ACCEPT_LANGUAGE="ru"))
    head_sees = page(client_as("admin").get(f"/counterparties/{counterparty.pk}/"))
    assert "7500000" in head_sees


def test_a_required_field_left_empty_is_named_and_nothing_is_saved(client_as, person, fields) -> None:  # type: ignore[no-untyped-def]
    client = client_as("sales1")

    refused = page(
        client.post(
            "/counterparties/new/",
            _counterparty_form(person, **{"custom-code_1c": "", "custom-level": "gold"}),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    )

    assert 'data-field-error="custom-code_1c"' in refused and "1C code" in refused
    assert not Counterparty.objects.filter(inn=inn10(2101)).exists()

    counterparty = counterparty_create(
        actor=None,
        fields={
            "name": "ООО «Поля»",
            "inn": inn10(2103),
            "responsible": person("sales1"),
            "custom_fields": {"code_1c": "К-2"},
        },
    )
    edit = page(
        client.post(
            f"/counterparties/{counterparty.pk}/edit/",
            _counterparty_form(
                person,
                name="ООО «Другое имя»",
                inn=inn10(2103),
                version=counterparty.version,
                **{"custom-code_1c": ""},
            ),
        )
    )
    assert 'data-field-error="custom-code_1c"' in edit
    stored = Counterparty.objects.get(pk=counterparty.pk)
    assert stored.name == "ООО «Поля»" and stored.custom_fields == {"code_1c": "К-2"}
    assert stored.version == counterparty.version


def test_a_contact_takes_its_custom_values_on_the_web(client_as, person, fields) -> None:  # type: ignore[no-untyped-def]
    counterparty = counterparty_create(
        actor=None,
        fields={
            "name": "ООО «Люди»",
            "inn": inn10(2104),
            "responsible": person("sales1"),
            # The service refuses a counterparty without the required «Код в 1С», as the form does.
            "custom_fields": {"code_1c": "К-3"},
        },
    )
    client = client_as("sales1")
    url = f"/counterparties/{counterparty.pk}/contacts/new/"
    new_form = page(client.get(url))
    assert 'name="custom-hobby"' in new_form and 'name="custom-shown"' in new_form

    refused = page(client.post(url, {"first_name": "Анна", "custom-shown": "1", "custom-hobby": ""}))
    assert 'data-field-error="custom-hobby"' in refused
    assert not Contact.objects.filter(counterparty=counterparty).exists()

    assert (
        client.post(url, {"first_name": "Анна", "custom-shown": "1", "custom-hobby": "шахматы"}).status_code
        == 302
    )
    contact = Contact.objects.get(counterparty=counterparty)
    assert contact.custom_fields == {"hobby": "шахматы"}
    shown = page(client.get(f"/contacts/{contact.pk}/"))
    assert 'name="custom-hobby"' in shown and "шахматы" in shown

    edited = client.post(
        f"/contacts/{contact.pk}/",
        {"first_name": "Анна", "version": contact.version, "custom-shown": "1", "custom-hobby": "теннис"},
    )
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert contact.custom_fields == {"hobby": "теннис"}
