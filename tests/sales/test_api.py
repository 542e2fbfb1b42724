"""The sales API: deals moved to «Выиграна» with exactly one event, checklist refusals with the message,
409 on stale versions, access scopes, leads, products, documents and reports."""

from __future__ import annotations

import json

import pytest

from potok.core.models import DomainEvent
from potok.sales.models import Deal, Pipeline, SalesDocument

pytestmark = pytest.mark.django_db


def post(client, url: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url: str, body: object):  # type: ignore[no-untyped-def]
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def wholesale() -> Pipeline:
    return Pipeline.objects.get(code="wholesale")


def own_deal_at(username: str, stage_code: str) -> Deal:
    return (
        Deal.objects.filter(pipeline=wholesale(), stage__code=stage_code, responsible__username=username)
        .order_by("id")
        .first()
    )


def test_moving_to_won_emits_exactly_one_event_and_a_checklist_refusal_names_the_item(api_as) -> None:
    api = api_as("sales1")
    deal = own_deal_at("sales1", "negotiation")
    stage = deal.pipeline.stages.get(code="negotiation")
    deal.checklist = {}
    deal.save(update_fields=["checklist"])

    refused = post(api, f"/api/v1/deals/{deal.pk}/move", {"version": deal.version, "stage_code": "won"})
    assert refused.status_code == 400
    assert "Согласованы цена и условия поставки" in refused.json()["errors"]["checklist"][0]

    ticked = post(api, f"/api/v1/deals/{deal.pk}/checklist", {"stage_id": stage.pk, "item": "terms-agreed"})
    assert ticked.status_code == 200
    before = DomainEvent.objects.filter(entity_type="deal", record_id=deal.pk).count()

    moved = post(
        api, f"/api/v1/deals/{deal.pk}/move", {"version": ticked.json()["version"], "stage_code": "won"}
    )

    assert moved.status_code == 200, moved.content
    assert moved.json()["stage_kind"] == "won"
    events = list(DomainEvent.objects.filter(entity_type="deal", record_id=deal.pk).order_by("id"))
    assert len(events) == before + 1
    event = events[-1]
    assert event.kind == "updated" and event.origin == "api"
    assert event.changes["stage"] == ["negotiation", "won"]
    assert event.snapshot["stage_name"] == "Выиграна" and event.snapshot["pipeline"] == "wholesale"
    assert event.snapshot["stage_kind"] == "won"


def test_a_stale_version_is_409(api_as) -> None:
    api = api_as("sales1")
    deal = own_deal_at("sales1", "new")
    first = patch(api, f"/api/v1/deals/{deal.pk}", {"version": deal.version, "title": "Первая правка"})
    assert first.status_code == 200
    second = patch(api, f"/api/v1/deals/{deal.pk}", {"version": deal.version, "title": "Вторая правка"})
    assert second.status_code == 409
    assert "message" in second.json()


def test_lost_without_a_reason_is_refused_and_with_one_accepted(api_as) -> None:
    api = api_as("sales1")
    deal = own_deal_at("sales1", "new")
    refused = post(api, f"/api/v1/deals/{deal.pk}/move", {"version": deal.version, "stage_code": "lost"})
    assert refused.status_code == 400 and "loss_reason" in refused.json()["errors"]
    reasons = api.get("/api/v1/loss-reasons").json()
    moved = post(
        api,
        f"/api/v1/deals/{deal.pk}/move",
        {"version": deal.version, "stage_code": "lost", "loss_reason_id": reasons[0]["id"]},
    )
    assert moved.status_code == 200 and moved.json()["loss_reason_id"] == reasons[0]["id"]


def test_scopes_sales_manager_reads_department_changes_own_lawyer_sees_nothing(api_as) -> None:
    other = own_deal_at("sales2", "new")
    api = api_as("sales1")
    assert api.get(f"/api/v1/deals/{other.pk}").status_code == 200
    assert (
        patch(api, f"/api/v1/deals/{other.pk}", {"version": other.version, "title": "x"}).status_code == 403
    )
    assert api_as("lawyer").get(f"/api/v1/deals/{other.pk}").status_code in (403, 404)
    assert api_as("lawyer").get("/api/v1/deals").status_code == 200
    assert api_as("lawyer").get("/api/v1/deals").json()["items"] == []
    director = api_as("director")
    assert director.get(f"/api/v1/deals/{other.pk}").status_code == 200
    assert (
        patch(director, f"/api/v1/deals/{other.pk}", {"version": other.version, "title": "x"}).status_code
        == 403
    )


def test_create_a_deal_with_lines_and_issue_an_invoice_pdf(api_as) -> None:
    api = api_as("sales1")
    pipelines = api.get("/api/v1/pipelines").json()
    assert [p["code"] for p in pipelines] == ["wholesale", "service"]
    assert [s["code"] for s in pipelines[0]["stages"]][:2] == ["new", "qualification"]
    counterparty = api.get("/api/v1/counterparties?limit=1").json()["items"][0]
    created = post(
        api,
        "/api/v1/deals",
        {
            "title": "Поставка по API",
            "pipeline_id": pipelines[0]["id"],
            "counterparty_id": counterparty["id"],
        },
    )
    assert created.status_code == 201, created.content
    deal = created.json()
    assert deal["responsible_id"] is not None and deal["stage_code"] == "new"
    product = api.get("/api/v1/products?q=PAL-1208").json()["items"][0]
    line = post(api, f"/api/v1/deals/{deal['id']}/lines", {"product_id": product["id"], "quantity": "10"})
    assert line.status_code == 201 and line.json()["total"] == "4500.00"
    bad = post(api, f"/api/v1/deals/{deal['id']}/lines", {"name": "", "quantity": "-2", "price": "1"})
    assert bad.status_code == 400 and {"quantity", "name"} <= set(bad.json()["errors"])

    invoice = post(api, f"/api/v1/deals/{deal['id']}/invoices", {})
    assert invoice.status_code == 201, invoice.content
    assert invoice.json()["total"] == "4500.00" and invoice.json()["number"] >= 1
    pdf = api.get(f"/api/v1/invoices/{invoice.json()['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    sent = post(api, f"/api/v1/invoices/{invoice.json()['id']}/send", {"to": ["buyer@example.org"]})
    assert sent.status_code == 200 and sent.json()["sent_to"] == "buyer@example.org"
    assert SalesDocument.objects.get(pk=invoice.json()["id"]).sent_at is not None
    assert api_as("lawyer").get(f"/api/v1/invoices/{invoice.json()['id']}").status_code in (403, 404)


def test_unknown_ids_and_bad_values_are_named(api_as) -> None:
    api = api_as("sales1")
    response = post(api, "/api/v1/deals", {"title": "", "pipeline_id": 999999, "counterparty_id": 999999})
    assert response.status_code == 400
    assert {"pipeline_id", "counterparty_id"} <= set(response.json()["errors"])


def test_lead_duplicates_then_conversion(api_as) -> None:
    api = api_as("sales1")
    counterparty = api.get("/api/v1/counterparties?limit=1").json()["items"][0]
    lead = post(
        api,
        "/api/v1/leads",
        {
            "title": "Звонок",
            "source": "call",
            "company_name": counterparty["name"],
            "contact_name": "Иван Петров",
        },
    )
    assert lead.status_code == 201, lead.content
    lead_id = lead.json()["id"]
    candidates = api.get(f"/api/v1/leads/{lead_id}/duplicates").json()
    assert counterparty["id"] in [c["id"] for c in candidates]
    pipeline = wholesale()
    refused = post(api, f"/api/v1/leads/{lead_id}/convert", {"version": 1, "pipeline_id": pipeline.pk})
    assert refused.status_code == 400 and "counterparty" in refused.json()["errors"]
    converted = post(
        api,
        f"/api/v1/leads/{lead_id}/convert",
        {"version": 1, "pipeline_id": pipeline.pk, "counterparty_id": counterparty["id"]},
    )
    assert converted.status_code == 201, converted.content
    body = converted.json()
    assert body["counterparty_id"] == counterparty["id"]
    deal = api.get(f"/api/v1/deals/{body['deal_id']}").json()
    assert deal["counterparty_id"] == counterparty["id"] and body["contact_id"] in deal["contact_ids"]
    assert api.get(f"/api/v1/leads/{lead_id}").json()["status"] == "converted"


def test_reports_and_xlsx_export(api_as) -> None:
    api = api_as("sales_head")
    pipeline = wholesale()
    funnel = api.get(f"/api/v1/reports/funnel?pipeline={pipeline.pk}&date_from=2020-01-01")
    assert funnel.status_code == 200, funnel.content
    assert funnel.json()["rows"][0]["code"] == "new" and funnel.json()["cohort"] > 0
    assert api.get("/api/v1/reports/forecast?date_from=2020-01-01&date_to=2030-12-31").status_code == 200
    assert api.get("/api/v1/reports/won-lost?date_from=2020-01-01").json()["won"] > 0
    export = api.get(f"/api/v1/reports/export?pipeline={pipeline.pk}&date_from=2020-01-01")
    assert export.status_code == 200 and export.content.startswith(b"PK")


def test_requisites_are_read_by_sales_and_changed_by_admins(api_as) -> None:
    assert api_as("sales1").get("/api/v1/company-requisites").json()["bik"] == "044525225"
    assert patch(api_as("sales1"), "/api/v1/company-requisites", {"name": "x"}).status_code == 403
    changed = patch(api_as("admin"), "/api/v1/company-requisites", {"director": "Новый Директор"})
    assert changed.status_code == 200 and changed.json()["director"] == "Новый Директор"


def test_openapi_lists_the_sales_resources(api_as) -> None:
    paths = api_as("admin").get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/deals",
        "/api/v1/pipelines",
        "/api/v1/leads",
        "/api/v1/products",
        "/api/v1/price-lists",
        "/api/v1/quotes",
        "/api/v1/invoices",
        "/api/v1/reports/funnel",
    ):
        assert path in paths
