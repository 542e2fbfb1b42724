"""A lead is converted with the deal's required custom fields (required, no default) asked for on its page;
one left empty refuses the conversion with the field named by its label next to its input, and nothing is
created; filled in, the new deal keeps it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from potok.documents.services import field_create
from potok.sales.models import Deal, Lead, Pipeline
from potok.sales.services import lead_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def required_tender(demo_company, person) -> Lead:  # type: ignore[no-untyped-def]
    """A required deal field «Номер тендера» with no default, and sales1's new lead."""
    field_create(
        actor=None,
        owner="deal",
        code="tender",
        label_ru="Номер тендера",
        label_en="Tender number",
        field_type="string",
        required=True,
    )
    return lead_create(
        actor=None,
        fields={
            "title": "Тендер на стеллажи",
            "source": "call",
            "company_name": "ООО «Тендерный Клиент 77»",
            "contact_name": "Олег Тендеров",
            "responsible": person("sales1"),
        },
    )


def _convert(client: Any, lead: Lead, **extra: Any) -> Any:
    return client.post(
        reverse("web:sales_lead_convert", args=[lead.pk]),
        {
            "version": lead.version,
            "pipeline": Pipeline.objects.order_by("pk").first().pk,
            "choice": "new",
            **extra,
        },
        HTTP_ACCEPT_LANGUAGE="ru",
    )


def test_the_lead_page_asks_for_the_required_deal_field(client_as, required_tender) -> None:  # type: ignore[no-untyped-def]
    page = (
        client_as("sales1").get(reverse("web:sales_lead_detail", args=[required_tender.pk])).content.decode()
    )

    assert 'data-testid="convert-custom-fields"' in page
    assert 'name="custom-tender"' in page and "Номер тендера" in page


def test_a_conversion_without_the_required_deal_field_names_it_and_creates_nothing(  # type: ignore[no-untyped-def]
    client_as, required_tender
) -> None:
    before = Deal.objects.count()

    refused = _convert(client_as("sales1"), required_tender, **{"custom-shown": "1", "custom-tender": ""})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'data-field-error="custom-tender"' in page
    error = page.split('data-field-error="custom-tender"')[1].split("</div>")[0]
    assert "Номер тендера" in error
    assert Deal.objects.count() == before
    required_tender.refresh_from_db()
    assert required_tender.status != "converted"


def test_a_conversion_from_an_old_form_without_the_field_names_it_in_the_form(  # type: ignore[no-untyped-def]
    client_as, required_tender
) -> None:
    refused = _convert(client_as("sales1"), required_tender)

    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'data-field-error="custom-tender"' in page or 'data-testid="convert-errors"' in page
    assert "Номер тендера" in page.split('data-testid="convert-custom-fields"')[1]


def test_a_conversion_with_the_field_creates_the_deal_with_it(client_as, required_tender) -> None:  # type: ignore[no-untyped-def]
    converted = _convert(
        client_as("sales1"), required_tender, **{"custom-shown": "1", "custom-tender": "Т-2026/7"}
    )

    assert converted.status_code == 302
    required_tender.refresh_from_db()
    assert required_tender.status == "converted"
    assert required_tender.deal.custom_fields["tender"] == "Т-2026/7"


def test_the_api_conversion_names_the_missing_field_and_takes_it(api_as, required_tender) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/leads/{required_tender.pk}/convert"
    body = {
        "version": required_tender.version,
        "pipeline_id": Pipeline.objects.order_by("pk").first().pk,
        "create_counterparty": True,
    }
    client = api_as("sales1")
    before = Deal.objects.count()

    refused = client.post(url, body, content_type="application/json")

    assert refused.status_code == 400 and "custom_fields.tender" in refused.json()["errors"]
    assert Deal.objects.count() == before

    converted = client.post(
        url, {**body, "deal_custom_fields": {"tender": "Т-9"}}, content_type="application/json"
    )

    assert converted.status_code == 201, converted.content
    assert Deal.objects.get(pk=converted.json()["deal_id"]).custom_fields["tender"] == "Т-9"


def test_a_required_counterparty_field_of_the_same_code_is_named_as_the_counterparty_s(  # type: ignore[no-untyped-def]
    client_as, required_tender
) -> None:
    # given the counterparty, too, has a required field coded "tender", with no default
    field_create(
        actor=None,
        owner="counterparty",
        code="tender",
        label_ru="Тендерный реестр",
        label_en="Tender register",
        field_type="string",
        required=True,
    )
    # when the lead is converted with the deal's field filled in and a new counterparty
    refused = _convert(
        client_as("sales1"), required_tender, **{"custom-shown": "1", "custom-tender": "Т-2026/7"}
    )
    # then the refusal names the new counterparty's field among the conversion's errors, not the deal's input
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'data-field-error="custom-tender"' not in page
    errors = page.split('data-testid="convert-errors"')[1].split("</ul>")[0]
    assert "Новый контрагент" in errors and "Тендерный реестр" in errors
    required_tender.refresh_from_db()
    assert required_tender.status != "converted"
