"""The API's deal export, `GET /api/v1/deals/export`: the deal list's filters and sort plus `format` (csv or
xlsx); the file holds the deals the caller may export, with the deal's columns and custom fields less the
confidential ones he may not see, as the web's deal export does. Without the export right it is a 403, and
an unknown format a 400 naming `format`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from potok.access.models import Action
from potok.access.services import access_rule_set
from potok.accounts.models import Role
from potok.core.models import DomainEvent
from potok.documents.services import field_create
from potok.sales.models import Deal, Pipeline
from potok.sales.services import deal_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/deals/export"
TITLE = "Выгрузка API"
COLUMNS = [
    "ID",
    "Deal",
    "Counterparty",
    "Pipeline",
    "Stage",
    "Amount",
    "Currency",
    "Expected close date",
    "Responsible manager",
    "Created",
    "Closed",
    "Description",
]


@pytest.fixture
def deals(pipeline, stage, person, make_counterparty) -> dict[str, Deal]:  # type: ignore[no-untyped-def]
    """Three deals titled «Выгрузка API …» with a plain custom field «Note» and a confidential one
    «Discount limit»: two of sales1 (at «Новая» of «Тест», and in «Опт»), one of sales2 (at «Квалификация»
    of «Тест»). sales1 reads his department's deals but exports only his own and sees the confidential
    field of his own; the director exports every deal and sees no confidential field."""
    field_create(
        actor=None, owner="deal", code="note", label_ru="Заметка", label_en="Note", field_type="string"
    )
    field_create(
        actor=None,
        owner="deal",
        code="discount_limit",
        label_ru="Предел скидки",
        label_en="Discount limit",
        field_type="string",
        confidential=True,
    )
    made = {}
    for key, owner, deal_pipeline, deal_stage, amount in (
        ("own_new", "sales1", pipeline, stage("new"), "1500.50"),
        ("own_wholesale", "sales1", Pipeline.objects.get(code="wholesale"), None, "300"),
        ("colleague", "sales2", pipeline, stage("qualification"), "700"),
    ):
        fields: dict[str, Any] = {
            "title": f"{TITLE} {key}",
            "pipeline": deal_pipeline,
            "counterparty": make_counterparty(name=f"ООО «Клиент {key}»"),
            "amount": amount,
            "responsible": person(owner),
            "custom_fields": {"note": f"заметка {key}", "discount_limit": f"лимит {key}"},
        }
        if deal_stage is not None:
            fields["stage"] = deal_stage
        made[key] = deal_create(actor=None, fields=fields)
    return made


def _export(client: Any, **query: Any) -> Any:
    return client.get(URL, {"q": TITLE, **query}, HTTP_ACCEPT_LANGUAGE="en")


def _csv(response: Any) -> list[list[str]]:
    """The file's rows, the header first, as a spreadsheet opened on a Russian Windows reads them."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _records(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def test_the_csv_has_the_deal_columns_and_only_the_callers_own_deals(api_as, deals, person) -> None:  # type: ignore[no-untyped-def]
    manager = api_as("sales1")
    listed = manager.get("/api/v1/deals", {"q": TITLE}).json()["items"]

    response = _export(manager, format="csv", sort="title")
    rows = _csv(response)

    assert {item["id"] for item in listed} == {deal.pk for deal in deals.values()}  # he reads all three…
    assert rows[0] == [*COLUMNS, "Note", "Discount limit"]
    records = _records(rows)
    assert [record["ID"] for record in records] == [
        str(deals["own_new"].pk),
        str(deals["own_wholesale"].pk),
    ]  # …and exports his own
    first = records[0]
    assert first["Deal"] == f"{TITLE} own_new"
    assert first["Counterparty"] == "ООО «Клиент own_new»"
    assert first["Pipeline"] == "Тест" and first["Stage"] == "Новая"
    assert first["Amount"] == "1500.50" and first["Currency"] == "RUB"
    assert first["Responsible manager"] == person("sales1").display_name
    assert first["Note"] == "заметка own_new" and first["Discount limit"] == "лимит own_new"
    assert response["Content-Disposition"].startswith('attachment; filename="deal-')
    assert response["Content-Disposition"].endswith('.csv"')


FILTERS: list[tuple[str, Callable[[dict[str, Deal]], Any], list[str]]] = [
    ("pipeline", lambda deals: deals["own_new"].pipeline_id, ["colleague", "own_new"]),
    ("stage", lambda deals: deals["colleague"].stage_id, ["colleague"]),
    ("responsible", lambda deals: deals["colleague"].responsible_id, ["colleague"]),
    ("counterparty", lambda deals: deals["own_wholesale"].counterparty_id, ["own_wholesale"]),
    ("kind", lambda deals: "won", []),
    ("kind", lambda deals: "open", ["colleague", "own_new", "own_wholesale"]),
]


@pytest.mark.parametrize(("name", "value", "expected"), FILTERS, ids=[f"{f[0]}-{f[2]}" for f in FILTERS])
def test_the_list_filters_apply_to_the_file(api_as, deals, name, value, expected) -> None:  # type: ignore[no-untyped-def]
    director = api_as("director")
    query = {name: value(deals), "sort": "title"}

    records = _records(_csv(_export(director, format="csv", **query)))
    listed = director.get("/api/v1/deals", {"q": TITLE, **query}).json()["items"]

    assert [record["Deal"] for record in records] == [f"{TITLE} {key}" for key in expected]
    assert [int(record["ID"]) for record in records] == [item["id"] for item in listed]


def test_the_file_follows_the_lists_sort(api_as, deals) -> None:  # type: ignore[no-untyped-def]
    director = api_as("director")

    by_title = _records(_csv(_export(director, format="csv", sort="title")))
    newest = _records(_csv(_export(director, format="csv")))

    assert [record["Deal"] for record in by_title] == [
        f"{TITLE} colleague",
        f"{TITLE} own_new",
        f"{TITLE} own_wholesale",
    ]
    assert [record["ID"] for record in newest] == [
        str(deals[key].pk) for key in ("colleague", "own_wholesale", "own_new")
    ]


def test_the_xlsx_opens_with_the_same_rows(api_as, deals) -> None:  # type: ignore[no-untyped-def]
    response = _export(api_as("director"), format="xlsx", sort="title")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert header == [*COLUMNS, "Note"]
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [record["ID"] for record in records] == [
        str(deals[key].pk) for key in ("colleague", "own_new", "own_wholesale")
    ]
    assert records[0]["Stage"] == "Квалификация" and records[0]["Amount"] == "700.00"
    assert records[0]["Note"] == "заметка colleague"


def test_a_confidential_field_has_no_column_for_a_reader_who_may_not_see_it(api_as, deals) -> None:  # type: ignore[no-untyped-def]
    rows = _csv(_export(api_as("director"), format="csv"))

    assert "Discount limit" not in rows[0] and "Note" in rows[0]
    assert len(rows) == 4
    assert not any(cell.startswith("лимит") for row in rows for cell in row)


def test_a_person_without_the_export_right_is_refused(api_as, deals) -> None:  # type: ignore[no-untyped-def]
    access_rule_set(
        actor=None,
        role=Role.objects.get(code="sales_manager"),
        entity_type="deal",
        action=Action.EXPORT,
        scope=None,
    )
    manager = api_as("sales1")

    assert manager.get("/api/v1/deals", {"q": TITLE}).status_code == 200  # he still reads the list
    for file_format in ("csv", "xlsx"):
        refused = _export(manager, format=file_format)
        assert refused.status_code == 403
        assert refused.json() == {"message": "You may not do this.", "errors": {}}
    assert _export(api_as("lawyer"), format="csv").status_code == 403


def test_an_unknown_format_or_sort_is_a_400_naming_the_field_and_changes_nothing(api_as, deals) -> None:  # type: ignore[no-untyped-def]
    manager = api_as("sales1")
    events = DomainEvent.objects.count()

    bad_format = _export(manager, format="pdf")
    bad_sort = _export(manager, format="csv", sort="cheapest")

    assert bad_format.status_code == 400
    assert bad_format["Content-Type"].startswith("application/json")
    assert set(bad_format.json()) == {"message", "errors"}
    assert list(bad_format.json()["errors"]) == ["format"]
    assert bad_sort.status_code == 400 and list(bad_sort.json()["errors"]) == ["sort"]
    assert DomainEvent.objects.count() == events
