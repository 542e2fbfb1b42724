"""The sales pages: board with paged columns, moves as JSON, deal page, lead conversion, catalogue,
reports with export, settings for administrators."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from potok.core.models import DomainEvent
from potok.sales.models import Deal, Lead, Pipeline, SalesDocument

pytestmark = pytest.mark.django_db


def wholesale() -> Pipeline:
    return Pipeline.objects.get(code="wholesale")


def test_the_board_shows_every_stage_with_counts(client_as) -> None:
    response = client_as("sales_head").get(f"/sales/pipelines/{wholesale().pk}/board/")
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("Новая", "Квалификация", "Предложение", "Переговоры", "Выиграна", "Проиграна"):
        assert name in page
    deal = Deal.objects.filter(pipeline=wholesale()).first()
    assert f'data-deal="{deal.pk}"' in page


def test_board_home_opens_the_first_pipeline_and_nav_has_sales(client_as) -> None:
    client = client_as("sales1")
    response = client.get("/sales/board/")
    assert response.status_code == 302 and response["Location"] == f"/sales/pipelines/{wholesale().pk}/board/"
    home = client.get("/").content.decode()
    assert "/sales/board/" in home and "/sales/leads/" in home
    assert "/sales/board/" not in client_as("lawyer").get("/").content.decode()


def test_a_move_through_the_board_answers_json_and_refusals_carry_the_message(client_as) -> None:
    client = client_as("sales1")
    deal = Deal.objects.filter(
        pipeline=wholesale(), stage__code="new", responsible__username="sales1"
    ).first()
    qualification = wholesale().stages.get(code="qualification")
    proposal = wholesale().stages.get(code="proposal")
    moved = client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": qualification.pk, "version": deal.version},
        HTTP_ACCEPT="application/json",
    )
    assert moved.status_code == 200 and moved.json()["ok"] is True
    assert DomainEvent.objects.filter(entity_type="deal", record_id=deal.pk, origin="web").count() == 1

    deal.refresh_from_db()
    Deal.objects.filter(pk=deal.pk).update(checklist={})
    refused = client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": proposal.pk, "version": deal.version},
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 400
    assert "Выяснена потребность" in refused.json()["message"]
    stale = client.post(
        f"/sales/deals/{deal.pk}/move/", {"stage": proposal.pk, "version": 1}, HTTP_ACCEPT="application/json"
    )
    assert stale.status_code == 409


def test_columns_load_more_cards_by_keyset(client_as, person) -> None:
    from potok.sales.services import deal_create

    stage = wholesale().stages.get(code="new")
    for number in range(60):
        deal_create(
            actor=None,
            fields={"title": f"Массовая {number}", "pipeline": wholesale(), "responsible": person("admin")},
        )
    client = client_as("admin")
    board = client.get(f"/sales/pipelines/{wholesale().pk}/board/").content.decode()
    assert f"/sales/pipelines/{wholesale().pk}/board/{stage.pk}/?after=" in board
    start = board.index(f"/sales/pipelines/{wholesale().pk}/board/{stage.pk}/?after=")
    url = board[start : board.index('"', start)].replace("&amp;", "&")
    more = client.get(url, HTTP_HX_REQUEST="true")
    assert more.status_code == 200 and more.content.decode().count('class="potok-card"') > 0


def test_deal_page_lines_documents_and_pdf(client_as) -> None:
    client = client_as("sales1")
    deal = Deal.objects.filter(
        pipeline=wholesale(), stage__code="proposal", responsible__username="sales1"
    ).first()
    page = client.get(f"/sales/deals/{deal.pk}/")
    assert page.status_code == 200 and "Коммерческое предложение отправлено" in page.content.decode()
    added = client.post(
        f"/sales/deals/{deal.pk}/lines/",
        {
            "name": "Консультация",
            "quantity": "2",
            "price": "1500",
            "vat_rate": "vat22",
            "discount_percent": "0",
        },
    )
    assert added.status_code == 302
    issued = client.post(f"/sales/deals/{deal.pk}/documents/invoice/")
    assert issued.status_code == 302
    document = SalesDocument.objects.filter(deal=deal, kind="invoice").latest("id")
    pdf = client.get(f"/sales/documents/{document.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client_as("lawyer").get(f"/sales/documents/{document.pk}/pdf/").status_code == 404


def test_a_lead_is_converted_from_its_page_with_the_duplicate_choice(client_as) -> None:
    client = client_as("sales1")
    created = client.post(
        "/sales/leads/new/",
        {
            "title": "Нужны поддоны",
            "source": "call",
            "company_name": "ООО «Совсем Новый Клиент 42»",
            "contact_name": "Олег Иванов",
            "responsible": Lead.objects.first().responsible_id,
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    lead = Lead.objects.get(title="Нужны поддоны")
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert "Convert" in page or "Преобразовать" in page or "convert" in page
    converted = client.post(
        f"/sales/leads/{lead.pk}/convert/",
        {"version": lead.version, "pipeline": wholesale().pk, "choice": "new"},
    )
    assert converted.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "converted" and converted["Location"] == f"/sales/deals/{lead.deal_id}/"


def test_catalogue_reports_and_export(client_as) -> None:
    client = client_as("sales_head")
    assert "PAL-1208" in client.get("/sales/products/").content.decode()
    reports = client.get(f"/sales/reports/?pipeline={wholesale().pk}&date_from=2020-01-01")
    assert reports.status_code == 200
    page = reports.content.decode()
    assert 'data-testid="funnel-table"' in page and "sales-chart-data" in page
    export = client.get(f"/sales/reports/export/?pipeline={wholesale().pk}&date_from=2020-01-01")
    assert export.status_code == 200
    assert len(load_workbook(io.BytesIO(export.content)).worksheets) == 3


def test_settings_are_for_administrators(client_as) -> None:
    assert client_as("sales_head").get("/sales/settings/").status_code == 403
    admin = client_as("admin")
    assert admin.get("/sales/settings/").status_code == 200
    saved = admin.post("/sales/settings/", {"name": "ООО «Ветер»", "bik": "123", "version": 1})
    assert saved.status_code == 200 and 'data-field-error="bik"' in saved.content.decode()


def test_create_and_edit_a_deal_through_the_forms(client_as, person) -> None:
    from potok.clients.models import Counterparty

    client = client_as("sales1")
    counterparty = Counterparty.objects.filter(deleted_at__isnull=True).first()
    form = client.get(f"/sales/deals/new/?pipeline={wholesale().pk}")
    assert form.status_code == 200 and 'data-picker-url="/counterparties/choices/"' in form.content.decode()
    bad = client.post(
        "/sales/deals/new/",
        {"title": "", "pipeline": wholesale().pk, "currency": "RUB", "responsible": person("sales1").pk},
    )
    assert bad.status_code == 200 and 'data-field-error="title"' in bad.content.decode()
    created = client.post(
        "/sales/deals/new/",
        {
            "title": "Поставка через форму",
            "pipeline": wholesale().pk,
            "counterparty": counterparty.pk,
            "amount": "1000",
            "currency": "RUB",
            "vat_included": "on",
            "responsible": person("sales1").pk,
        },
    )
    assert created.status_code == 302
    deal = Deal.objects.get(title="Поставка через форму")
    assert deal.counterparty == counterparty and deal.stage.code == "new"
    edited = client.post(
        f"/sales/deals/{deal.pk}/edit/",
        {
            "title": "Переименована",
            "counterparty": counterparty.pk,
            "amount": "1500",
            "currency": "RUB",
            "responsible": person("sales1").pk,
            "version": deal.version,
        },
    )
    assert edited.status_code == 302
    stale = client.post(
        f"/sales/deals/{deal.pk}/edit/",
        {
            "title": "Ещё раз",
            "counterparty": counterparty.pk,
            "amount": "1",
            "currency": "RUB",
            "responsible": person("sales1").pk,
            "version": deal.version,
        },
    )
    assert stale.status_code == 200 and "alert-danger" in stale.content.decode()
    deal.refresh_from_db()
    assert (deal.title, str(deal.amount), deal.vat_included) == ("Переименована", "1500.00", False)
