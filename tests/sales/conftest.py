"""Fixtures for the sales tests: a small pipeline of our own (so numbers are hand-computable), products,
and the demo company's people."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from potok.core import clock

_serial = itertools.count(1)


def inn10(seed: int, region: str = "77") -> str:
    body = f"{region}{seed % 10_000_000:07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    return body + str(check)


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[dt.datetime], None]]:
    def move(moment: dt.datetime) -> None:
        clock.freeze(moment)

    yield move
    clock.freeze(None)


@pytest.fixture
def pipeline(demo_company) -> Any:  # type: ignore[no-untyped-def]
    """«Тест»: Новая (10 %) → Квалификация (30 %, needs the close date and a ticked «need») → Предложение
    (60 %, needs lines) → Выиграна / Проиграна."""
    from potok.sales.services import pipeline_create, stage_create

    pipeline = pipeline_create(actor=None, code="test", name="Тест", sort=99)
    stage_create(
        actor=None, pipeline=pipeline, fields={"code": "new", "name": "Новая", "probability": 10, "order": 10}
    )
    stage_create(
        actor=None,
        pipeline=pipeline,
        fields={
            "code": "qualification",
            "name": "Квалификация",
            "probability": 30,
            "order": 20,
            "required_fields": ["expected_close_date"],
            "checklist": [{"code": "need", "text": "Выяснена потребность"}],
        },
    )
    stage_create(
        actor=None,
        pipeline=pipeline,
        fields={
            "code": "proposal",
            "name": "Предложение",
            "probability": 60,
            "order": 30,
            "required_fields": ["lines"],
        },
    )
    stage_create(
        actor=None, pipeline=pipeline, fields={"code": "won", "name": "Выиграна", "kind": "won", "order": 40}
    )
    stage_create(
        actor=None,
        pipeline=pipeline,
        fields={"code": "lost", "name": "Проиграна", "kind": "lost", "order": 50},
    )
    return pipeline


@pytest.fixture
def stage(pipeline) -> Callable[[str], Any]:  # type: ignore[no-untyped-def]
    return lambda code: pipeline.stages.get(code=code)


@pytest.fixture
def make_counterparty(demo_company) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    from potok.clients.services import counterparty_create

    def make(**fields: Any) -> Any:
        number = next(_serial)
        fields.setdefault("name", f"ООО «Покупатель {number}»")
        fields.setdefault("inn", inn10(5_000_000 + number))
        return counterparty_create(actor=None, fields=fields)

    return make


@pytest.fixture
def make_deal(pipeline, person, make_counterparty) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    from potok.sales.services import deal_create

    def make(owner: str = "sales1", **fields: Any) -> Any:
        fields.setdefault("title", f"Сделка {next(_serial)}")
        fields.setdefault("pipeline", pipeline)
        fields.setdefault("counterparty", make_counterparty())
        fields.setdefault("responsible", person(owner))
        return deal_create(actor=person(owner), fields=fields)

    return make


@pytest.fixture
def product(demo_company) -> Any:  # type: ignore[no-untyped-def]
    from potok.sales.models import Product

    return Product.objects.get(article="PAL-1208")


def money(value: str) -> Decimal:
    return Decimal(value)
