"""Sales pages in a real browser: the deal page's checklist ticks without a reload, the reports draw their
charts beside the tables, a lead is converted after choosing among possible duplicates."""

from __future__ import annotations

import pytest

from potok.sales.models import Deal, Lead, Pipeline

pytestmark = pytest.mark.django_db(transaction=True)


def test_deal_page_ticks_the_checklist_in_place(page_for, screenshot) -> None:
    deal = Deal.objects.filter(
        pipeline__code="wholesale", stage__code="qualification", responsible__username="sales1"
    ).first()
    Deal.objects.filter(pk=deal.pk).update(checklist={})
    page = page_for("sales1")
    page.goto(f"{page.base_url}/sales/deals/{deal.pk}/")
    with page.expect_response(lambda response: "/checklist/" in response.url):
        page.get_by_label("Выяснена потребность").check()
    page.locator("#checklists input:checked").wait_for()
    deal.refresh_from_db()
    assert deal.checklist == {str(deal.stage_id): ["need"]}
    assert page.js_errors == []
    screenshot(page, "sales-deal")


def test_reports_draw_charts_beside_the_numbers(page_for, screenshot) -> None:
    pipeline = Pipeline.objects.get(code="wholesale")
    page = page_for("sales_head", viewport=(1366, 900))
    page.goto(f"{page.base_url}/sales/reports/?pipeline={pipeline.pk}&date_from=2020-01-01")
    page.locator("[data-testid=funnel-table]").wait_for()
    charts = page.evaluate(
        "() => ['funnel-chart', 'forecast-chart', 'reasons-chart'].map(id => !!Chart.getChart(id))"
    )
    assert charts == [True, True, True]
    assert page.js_errors == []
    screenshot(page, "sales-reports")


def test_a_lead_is_converted_into_an_existing_client_chosen_among_duplicates(page_for, screenshot) -> None:
    lead = Lead.objects.get(title="Повторный запрос от клиента")
    page = page_for(lead.responsible.username)
    page.goto(f"{page.base_url}/sales/leads/{lead.pk}/")
    candidates = page.locator("[data-testid=lead-candidates]")
    candidates.wait_for()
    screenshot(page, "sales-lead")
    candidates.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Преобразовать").click()
    page.wait_for_url("**/sales/deals/*/")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.deal is not None
    assert lead.counterparty.name == lead.company_name
