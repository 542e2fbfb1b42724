"""The counterparty and contact exports carry the custom fields: one column per active field, headed by its
label in the reader's language, values as a person reads them (a choice's label, a date in the locale's
format, a reference by name, a file by its name, yes/no); a confidential field has no column for a reader
without the right and has one for a reader with it; ИНН keeps its leading zero in XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from potok.access.models import Action, Scope
from potok.access.services import access_rule_set
from potok.accounts.models import Role
from potok.clients.models import Counterparty
from potok.clients.services import contact_create, counterparty_create
from potok.documents.services import field_create

from .conftest import inn10

pytestmark = pytest.mark.django_db


def _fields(entity: str) -> None:
    """A choice, a date, a user reference, a file, a boolean and a confidential string, in that order;
    the head of sales may see confidential fields of his department tree."""
    field_create(
        actor=None,
        owner=entity,
        code="tier",
        label_ru="Уровень",
        label_en="Tier",
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
        owner=entity,
        code="since",
        label_ru="Клиент с",
        label_en="Client since",
        field_type="date",
    )
    field_create(
        actor=None,
        owner=entity,
        code="curator",
        label_ru="Куратор",
        label_en="Curator",
        field_type="reference",
        settings={"target": "user"},
    )
    field_create(
        actor=None, owner=entity, code="contract", label_ru="Договор", label_en="Contract", field_type="file"
    )
    field_create(
        actor=None, owner=entity, code="vip", label_ru="Особый", label_en="Special", field_type="boolean"
    )
    field_create(
        actor=None,
        owner=entity,
        code="credit_limit",
        label_ru="Кредитный лимит",
        label_en="Credit limit",
        field_type="string",
        confidential=True,
    )
    access_rule_set(
        actor=None,
        role=Role.objects.get(code="sales_head"),
        entity_type=entity,
        action=Action.CONFIDENTIAL,
        scope=Scope.DEPARTMENT_TREE,
    )


@pytest.fixture
def exported(demo_company, person) -> Counterparty:  # type: ignore[no-untyped-def]
    """sales1's counterparty, its ИНН starting with 0, every custom field filled, a contact likewise."""
    for entity in ("counterparty", "contact"):
        _fields(entity)
    curator = person("sales_head")
    custom = {
        "tier": "gold",
        "since": "2024-03-05",
        "curator": curator.pk,
        "vip": True,
        "credit_limit": "7500000",
    }
    counterparty = counterparty_create(
        actor=None,
        fields={
            "name": "ООО «Выгрузка полей»",
            "inn": inn10(3001, region="01"),
            "segment": "Поля",
            "responsible": person("sales1"),
            "custom_fields": custom,
        },
    )
    contact = contact_create(
        actor=None,
        counterparty=counterparty,
        fields={"first_name": "Ирина", "last_name": "Полева", "custom_fields": {**custom, "tier": "silver"}},
    )
    # A stored file as the file service keeps it: the export names it, it does not read it.
    stored_file = {"id": 1, "name": "договор-17.pdf", "size": 2048, "content_type": "application/pdf"}
    for record in (counterparty, contact):
        type(record).objects.filter(pk=record.pk).update(
            custom_fields={**record.custom_fields, "contract": stored_file}
        )
    return counterparty


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _xlsx(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [dict(zip(header, row, strict=True)) for row in rows]


def _export(client: Any, url_name: str, file_format: str, language: str) -> Any:
    """The export of the list filtered down to the fixture's records (its segment, its contact's name)."""
    query = {"segment": "Поля"} if url_name == "web:counterparty_export" else {"q": "Полева"}
    return client.get(reverse(url_name), {"format": file_format, **query}, HTTP_ACCEPT_LANGUAGE=language)


def test_the_counterparty_csv_has_the_custom_fields_as_a_person_reads_them_in_russian(  # type: ignore[no-untyped-def]
    client_as, exported, person
) -> None:
    rows = _csv(_export(client_as("sales_head"), "web:counterparty_export", "csv", "ru"))

    assert len(rows) == 1
    row = rows[0]
    assert list(row)[-6:] == ["Уровень", "Клиент с", "Куратор", "Договор", "Особый", "Кредитный лимит"]
    assert "ООО «Выгрузка полей»" in row.values() and row["ИНН"] == exported.inn
    assert row["Уровень"] == "Золото"
    assert row["Клиент с"] == "05.03.2024"
    assert row["Куратор"] == person("sales_head").display_name
    assert row["Договор"] == "договор-17.pdf"
    assert row["Особый"].lower() == "да"
    assert row["Кредитный лимит"] == "7500000"


def test_the_counterparty_xlsx_is_in_english_for_an_english_reader_and_keeps_the_inns_zero(  # type: ignore[no-untyped-def]
    client_as, exported, person
) -> None:
    rows = _xlsx(_export(client_as("sales_head"), "web:counterparty_export", "xlsx", "en"))

    assert len(rows) == 1
    row = rows[0]
    assert exported.inn.startswith("0") and row["ИНН"] == exported.inn
    assert row["Tier"] == "Gold"
    assert row["Client since"] == "03/05/2024"
    assert row["Curator"] == person("sales_head").display_name
    assert row["Contract"] == "договор-17.pdf"
    assert row["Special"].lower() == "yes"
    assert row["Credit limit"] == "7500000"


def test_a_confidential_field_has_no_column_for_a_colleague_without_the_right(client_as, exported) -> None:  # type: ignore[no-untyped-def]
    for url_name in ("web:counterparty_export", "web:contact_export"):
        head = _csv(_export(client_as("sales_head"), url_name, "csv", "ru"))
        manager = _csv(_export(client_as("sales1"), url_name, "csv", "ru"))

        assert "Кредитный лимит" in head[0] and "7500000" in head[0].values()
        assert manager, url_name
        assert "Кредитный лимит" not in manager[0], url_name
        assert "7500000" not in manager[0].values(), url_name
        assert manager[0]["Уровень"] in ("Золото", "Серебро")


def test_the_contact_export_carries_its_own_custom_fields(client_as, exported) -> None:  # type: ignore[no-untyped-def]
    mine = _xlsx(_export(client_as("sales_head"), "web:contact_export", "xlsx", "ru"))

    assert len(mine) == 1 and mine[0]["Фамилия"] == "Полева"
    assert mine[0]["Уровень"] == "Серебро" and mine[0]["Договор"] == "договор-17.pdf"
    assert mine[0]["Клиент с"] == "05.03.2024"
    assert mine[0]["ИНН контрагента"] == exported.inn


def test_the_api_export_carries_them_too(api_as, exported) -> None:  # type: ignore[no-untyped-def]
    response = api_as("sales1").get("/api/v1/counterparties/export", {"format": "csv", "segment": "Поля"})
    text = (
        b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    ).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))

    assert "Договор" in header or "Contract" in header
    assert "Кредитный лимит" not in header and "Credit limit" not in header
