"""The deal list exports to CSV and XLSX like the counterparty list: its buttons carry the page's filters,
the file holds the deal's columns and its custom fields, and only the deals the reader may read and export."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from potok.documents.services import field_create
from potok.sales.models import Deal, Pipeline
from potok.sales.services import deal_create

pytestmark = pytest.mark.django_db

TITLE = "Выгрузка сделок"


@pytest.fixture
def deals(demo_company, person) -> dict[str, Deal]:  # type: ignore[no-untyped-def]
    """Three deals titled «Выгрузка сделок …» with a custom choice and date: two of sales1 in two pipelines,
    one of sales2 (sales1 reads his department's deals but may export only his own)."""
    field_create(
        actor=None,
        owner="deal",
        code="budget_source",
        label_ru="Источник бюджета",
        label_en="Budget source",
        field_type="choice",
        settings={
            "options": [
                {"value": "own", "label_ru": "Собственные", "label_en": "Own funds"},
                {"value": "grant", "label_ru": "Грант", "label_en": "Grant"},
            ]
        },
    )
    field_create(
        actor=None, owner="deal", code="signed", label_ru="Подписан", label_en="Signed", field_type="date"
    )
    pipelines = list(Pipeline.objects.order_by("pk")[:2])
    made = {}
    for key, owner, pipeline, source in (
        ("own_first", "sales1", pipelines[0], "grant"),
        ("own_second", "sales1", pipelines[1], "own"),
        ("colleague", "sales2", pipelines[0], "own"),
    ):
        made[key] = deal_create(
            actor=None,
            fields={
                "title": f"{TITLE} {key}",
                "pipeline": pipeline,
                "amount": "1500.50",
                "responsible": person(owner),
                "custom_fields": {"budget_source": source, "signed": "2025-01-31"},
            },
        )
    return made


def _rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.status_code
    if response["Content-Type"].startswith("text/csv"):
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_list_page_offers_csv_and_xlsx_with_its_filters(client_as, deals) -> None:  # type: ignore[no-untyped-def]
    page = client_as("sales_head").get("/sales/deals/", {"q": TITLE}).content.decode()
    links = html.unescape(page)

    assert f"{reverse('web:sales_deal_export')}?q=" in links
    assert "format=csv" in links and "format=xlsx" in links
    assert reverse("web:sales_deal_export") not in client_as("lawyer").get("/").content.decode()


def test_the_csv_has_the_deals_columns_and_custom_fields_in_russian(client_as, deals) -> None:  # type: ignore[no-untyped-def]
    response = client_as("sales_head").get(
        reverse("web:sales_deal_export"),
        {"format": "csv", "q": TITLE, "sort": "title"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    rows = _rows(response)

    assert [row["Сделка"] for row in rows] == [
        f"{TITLE} colleague",
        f"{TITLE} own_first",
        f"{TITLE} own_second",
    ]
    first = rows[1]
    assert first["Воронка"] == deals["own_first"].pipeline.name
    assert first["Стадия"] == deals["own_first"].stage.name
    assert first["Сумма"] == "1500.50"
    assert first["Источник бюджета"] == "Грант" and first["Подписан"] == "31.01.2025"


def test_the_xlsx_is_in_english_for_an_english_reader(client_as, deals) -> None:  # type: ignore[no-untyped-def]
    response = client_as("sales_head").get(
        reverse("web:sales_deal_export"), {"format": "xlsx", "q": TITLE}, HTTP_ACCEPT_LANGUAGE="en"
    )
    rows = _rows(response)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert {row["Deal"] for row in rows} == {f"{TITLE} {key}" for key in deals}
    by_title = {row["Deal"]: row for row in rows}
    assert by_title[f"{TITLE} own_first"]["Budget source"] == "Grant"
    assert by_title[f"{TITLE} own_second"]["Budget source"] == "Own funds"
    assert by_title[f"{TITLE} own_first"]["Signed"] == "01/31/2025"


def test_the_export_honours_the_pages_filter(client_as, deals) -> None:  # type: ignore[no-untyped-def]
    pipeline = deals["own_second"].pipeline
    rows = _rows(
        client_as("sales_head").get(
            reverse("web:sales_deal_export"), {"format": "csv", "q": TITLE, "pipeline": pipeline.pk}
        )
    )

    assert [row["ID"] for row in rows] == [str(deals["own_second"].pk)]


def test_a_manager_exports_only_his_own_deals_and_a_stranger_none(client_as, deals) -> None:  # type: ignore[no-untyped-def]
    manager = client_as("sales1")
    listed = manager.get("/sales/deals/", {"q": TITLE}).content.decode()
    rows = _rows(manager.get(reverse("web:sales_deal_export"), {"format": "csv", "q": TITLE}))

    assert f"{TITLE} colleague" in listed  # he reads his department's deals…
    assert {row["ID"] for row in rows} == {
        str(deals["own_first"].pk),
        str(deals["own_second"].pk),
    }  # …exports his own
    assert client_as("lawyer").get(reverse("web:sales_deal_export"), {"format": "csv"}).status_code in (
        403,
        404,
    )
