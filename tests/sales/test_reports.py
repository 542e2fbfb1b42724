"""Funnel, forecast and won/lost numbers against a small hand-computed set, and the XLSX export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from potok.core import clock
from potok.sales import reports
from potok.sales.exports import reports_workbook
from potok.sales.models import LossReason
from potok.sales.services import deal_create, deal_move, pipeline_create, stage_create

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


@pytest.fixture
def data(demo_company, person):  # type: ignore[no-untyped-def]
    """Stages a (10 %), b (50 %), won, lost; five deals created on T0 and moved as in the comments,
    two more created in April (outside the funnel's March cohort) for the forecast."""
    pipeline = pipeline_create(actor=None, code="plain", name="Простая", sort=50)
    stages = {
        code: stage_create(actor=None, pipeline=pipeline, fields=fields)
        for code, fields in {
            "a": {"code": "a", "name": "А", "probability": 10, "order": 10},
            "b": {"code": "b", "name": "Б", "probability": 50, "order": 20},
            "won": {"code": "won", "name": "Выиграна", "kind": "won", "order": 30},
            "lost": {"code": "lost", "name": "Проиграна", "kind": "lost", "order": 40},
        }.items()
    }
    sales1, sales2 = person("sales1"), person("sales2")
    reason = LossReason.objects.get(name="Дорого")

    def deal(amount: str, owner, close: str | None = None, currency: str = "RUB"):  # type: ignore[no-untyped-def]
        return deal_create(
            actor=owner,
            fields={
                "title": f"Сделка {amount}",
                "pipeline": pipeline,
                "amount": amount,
                "responsible": owner,
                "expected_close_date": close,
                "currency": currency,
            },
        )

    def move(record, code: str, when: dt.datetime, **extra):  # type: ignore[no-untyped-def]
        clock.freeze(when)
        return deal_move(actor=None, deal=record, stage=stages[code], expected_version=None, **extra)

    try:
        clock.freeze(T0)
        d1, d2, d3 = deal("1000", sales1), deal("2000", sales1, "2026-04-15"), deal("500", sales2)
        _d4, d5 = deal("3000", sales2, "2026-04-20"), deal("4000", sales1)
        move(d1, "b", at(2))
        move(d1, "won", at(5))
        move(d2, "b", at(4))
        move(d3, "lost", at(1), loss_reason=reason)
        move(d5, "won", at(3))
        clock.freeze(dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC))
        d6 = deal("999.99", sales1, "2026-05-10")
        move(d6, "b", dt.datetime(2026, 4, 1, 13, tzinfo=dt.UTC))
        deal("5000", sales1, "2026-04-10", currency="EUR")
        clock.freeze(at(10))
        yield pipeline
    finally:
        clock.freeze(None)


def test_funnel(data, person) -> None:
    funnel = reports.funnel(person("admin"), data, dt.date(2026, 3, 1), dt.date(2026, 3, 31))

    assert (funnel.cohort, funnel.won, funnel.lost, funnel.won_amount) == (5, 2, 1, Decimal("5000"))
    rows = {row.code: row for row in funnel.rows}
    assert [row.code for row in funnel.rows] == ["a", "b", "won", "lost"]
    assert (rows["a"].reached, rows["b"].reached, rows["won"].reached, rows["lost"].reached) == (5, 3, 2, 1)
    assert rows["a"].conversion_from_previous is None
    assert rows["b"].conversion_from_previous == Decimal("60.0")
    assert rows["won"].conversion_from_previous == Decimal("66.7")
    assert rows["won"].conversion_from_first == Decimal("40.0")
    # a: 2 + 4 + 1 + 10 (still there) + 3 = 20 days over 5 visits; b: 3 + 6 (still there) over 2
    assert rows["a"].average_days == Decimal("4.0")
    assert rows["b"].average_days == Decimal("4.5")
    assert (rows["a"].now_count, rows["a"].now_amount) == (1, Decimal("3000"))
    assert (rows["won"].now_count, rows["won"].now_amount) == (2, Decimal("5000"))


def test_forecast_weights_by_probability_per_month_and_manager(data, person) -> None:
    forecast = reports.forecast(person("admin"), dt.date(2026, 4, 1), dt.date(2026, 5, 31), pipeline=data)

    assert [(r.month, r.responsible, r.count, r.amount, r.weighted) for r in forecast.rows] == [
        ("2026-04", "Зоя Менеджер", 1, Decimal("2000.00"), Decimal("1000.00")),
        ("2026-04", "Игорь Менеджер", 1, Decimal("3000.00"), Decimal("300.00")),
        ("2026-05", "Зоя Менеджер", 1, Decimal("999.99"), Decimal("500.00")),
    ]
    assert forecast.by_month == {"2026-04": Decimal("1300.00"), "2026-05": Decimal("500.00")}
    assert forecast.total_weighted == Decimal("1800.00")


def test_forecast_shows_only_what_the_user_may_see(data, person) -> None:
    forecast = reports.forecast(person("sales2"), dt.date(2026, 4, 1), dt.date(2026, 5, 31), pipeline=data)
    # sales2 reads the department's deals (all three are in «Отдел продаж»)
    assert len(forecast.rows) == 3
    forecast = reports.forecast(person("lawyer"), dt.date(2026, 4, 1), dt.date(2026, 5, 31), pipeline=data)
    assert forecast.rows == []


def test_won_and_lost_by_reason(data, person) -> None:
    result = reports.won_lost(person("admin"), dt.date(2026, 3, 1), dt.date(2026, 3, 31), pipeline=data)

    assert (result.won, result.won_amount, result.lost, result.lost_amount) == (
        2,
        Decimal("5000"),
        1,
        Decimal("500"),
    )
    assert result.win_rate == Decimal("66.7")
    assert [(r.reason, r.count, r.amount, r.share) for r in result.reasons] == [
        ("Дорого", 1, Decimal("500"), Decimal("100.0"))
    ]


def test_xlsx_export_has_the_numbers_and_neutralises_formulas(data, person) -> None:
    funnel = reports.funnel(person("admin"), data, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    funnel.rows[0].name = '=HYPERLINK("http://evil")'
    forecast = reports.forecast(person("admin"), dt.date(2026, 4, 1), dt.date(2026, 5, 31), pipeline=data)
    won_lost = reports.won_lost(person("admin"), dt.date(2026, 3, 1), dt.date(2026, 3, 31), pipeline=data)

    workbook = load_workbook(io.BytesIO(reports_workbook(funnel, forecast, won_lost)))

    funnel_sheet, forecast_sheet, won_lost_sheet = workbook.worksheets
    assert funnel_sheet["A2"].value == '\'=HYPERLINK("http://evil")'
    assert funnel_sheet["A2"].data_type == "s"
    assert [cell.value for cell in funnel_sheet[3]][:3] == ["Б", 3, 60.0]
    assert forecast_sheet["E2"].value == 1000.0
    assert won_lost_sheet["A2"].value == "Дорого"
