"""The demo builds its sales: pipelines, products, deals over stages with history, leads."""

from __future__ import annotations

import pytest

from potok.sales.models import Deal, Lead, Pipeline, StageVisit

pytestmark = pytest.mark.django_db


def test_demo_has_two_pipelines_a_hundred_deals_and_leads(demo_company) -> None:
    assert set(Pipeline.objects.values_list("name", flat=True)) == {"Оптовые продажи", "Сервисные контракты"}
    assert Deal.objects.count() == 100
    assert Deal.objects.filter(stage__kind="won").exists()
    assert Deal.objects.filter(stage__kind="lost", loss_reason__isnull=False).exists()
    assert StageVisit.objects.filter(left_at__isnull=True).count() == 100
    assert Lead.objects.count() == 5
    assert set(Deal.objects.values_list("responsible__username", flat=True)) == {
        "sales1",
        "sales2",
        "sales_head",
    }
