"""Custom fields of deals: an administrator defines them (entity "deal"), the sales service checks the values
as the client base's does (a bad one refused naming custom_fields.<code>, nothing written; defaults on
create; a PATCH merges), the deal's form and page show them, the API reads and writes them, a confidential
one stays hidden, and the history and the domain event name only the custom fields that changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from potok.core.errors import ValidationFailed
from potok.core.models import DomainEvent
from potok.documents.services import field_create
from potok.sales.models import Deal, Pipeline
from potok.sales.services import deal_create, deal_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal_fields(demo_company) -> None:  # type: ignore[no-untyped-def]
    """«Источник бюджета» (a choice, default «own»), «Номер тендера» (string), a confidential «Маржа»."""
    field_create(
        actor=None,
        owner="deal",
        code="budget_source",
        label_ru="Источник бюджета",
        label_en="Budget source",
        field_type="choice",
        default="own",
        settings={
            "options": [
                {"value": "own", "label_ru": "Собственные", "label_en": "Own funds"},
                {"value": "grant", "label_ru": "Грант", "label_en": "Grant"},
            ]
        },
    )
    field_create(
        actor=None,
        owner="deal",
        code="tender",
        label_ru="Номер тендера",
        label_en="Tender number",
        field_type="string",
    )
    field_create(
        actor=None,
        owner="deal",
        code="margin",
        label_ru="Маржа",
        label_en="Margin",
        field_type="string",
        confidential=True,
    )


def wholesale() -> Pipeline:
    return Pipeline.objects.get(code="wholesale")


def _new(person: Any, **custom: Any) -> Deal:
    return deal_create(
        actor=person("sales1"),
        fields={"title": "Поставка стеллажей", "pipeline": wholesale(), "custom_fields": custom},
    )


def test_a_new_deal_takes_defaults_and_bad_values_are_refused(deal_fields, person) -> None:
    deal = _new(person, tender="Т-77")
    assert deal.custom_fields == {"budget_source": "own", "tender": "Т-77"}

    before = (Deal.objects.count(), DomainEvent.objects.count())
    for custom, code in (({"budget_source": "loan"}, "budget_source"), ({"colour": "red"}, "colour")):
        with translation.override("en"), pytest.raises(ValidationFailed) as error:
            _new(person, **custom)
        assert list(error.value.errors) == [f"custom_fields.{code}"]
    assert (Deal.objects.count(), DomainEvent.objects.count()) == before


def test_an_update_merges_and_records_only_the_changed_codes(deal_fields, person) -> None:
    deal = deal_create(
        actor=None,
        fields={
            "title": "Сделка",
            "pipeline": wholesale(),
            "custom_fields": {"tender": "Т-1", "margin": "12%"},
        },
    )

    changed = deal_update(
        actor=person("admin"),
        deal=deal,
        expected_version=deal.version,
        fields={"custom_fields": {"budget_source": "grant", "tender": None}},
    )

    assert changed.custom_fields == {"budget_source": "grant", "margin": "12%"}
    event = DomainEvent.objects.filter(entity_type="deal", record_id=deal.pk).latest("id")
    assert event.changes == {
        "custom_fields.budget_source": ["own", "grant"],
        "custom_fields.tender": ["Т-1", None],
    }
    assert event.snapshot["custom_fields"] == {"budget_source": "grant", "margin": "12%"}


def test_the_api_reads_writes_and_merges_custom_fields_and_hides_the_confidential_one(
    deal_fields, api_as, person
) -> None:
    api = api_as("sales1")
    created = api.post(
        "/api/v1/deals",
        {"title": "API", "pipeline_id": wholesale().pk, "custom_fields": {"tender": "Т-9"}},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["custom_fields"] == {"budget_source": "own", "tender": "Т-9"}
    Deal.objects.filter(pk=body["id"]).update(custom_fields={**body["custom_fields"], "margin": "40%"})

    patched = api.patch(
        f"/api/v1/deals/{body['id']}",
        {"version": body["version"], "custom_fields": {"budget_source": "grant"}},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["custom_fields"] == {"budget_source": "grant", "tender": "Т-9", "margin": "40%"}
    # sales2 reads the department's deals but sees confidential fields on his own only
    seen = api_as("sales2").get(f"/api/v1/deals/{body['id']}")
    assert seen.status_code == 200 and seen.json()["custom_fields"] == {
        "budget_source": "grant",
        "tender": "Т-9",
    }

    refused = api.patch(
        f"/api/v1/deals/{body['id']}",
        {"version": patched.json()["version"], "custom_fields": {"budget_source": "loan"}},
        content_type="application/json",
    )
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["custom_fields.budget_source"]


def test_the_deal_form_and_page_show_custom_fields_with_a_file(
    deal_fields, client_as, person, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    field_create(
        actor=None,
        owner="deal",
        code="spec",
        label_ru="Спецификация",
        label_en="Specification",
        field_type="file",
    )
    deal = _new(person)
    client = client_as("sales1")
    edit = f"/sales/deals/{deal.pk}/edit/"
    form = client.get(edit, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'name="custom-budget_source"' in form and 'name="custom-spec"' in form
    assert 'enctype="multipart/form-data"' in form

    data = {
        "title": deal.title,
        "currency": "RUB",
        "vat_included": "on",
        "responsible": person("sales1").pk,
        "version": deal.version,
        "custom-shown": "1",
        "custom-budget_source": "loan",
    }
    refused = client.post(edit, data)
    assert (
        refused.status_code == 200 and 'data-field-error="custom-budget_source"' in refused.content.decode()
    )

    data.update(
        {
            "custom-budget_source": "grant",
            "custom-tender": "Т-5",
            "custom-spec": SimpleUploadedFile("spec.pdf", b"%PDF spec", content_type="application/pdf"),
        }
    )
    saved = client.post(edit, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    deal.refresh_from_db()
    assert deal.custom_fields["budget_source"] == "grant" and deal.custom_fields["tender"] == "Т-5"

    page = client.get(f"/sales/deals/{deal.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    url = f"/records/deal/{deal.pk}/files/spec/"
    assert "Источник бюджета" in page and "Грант" in page and "Т-5" in page and f'href="{url}"' in page
    assert b"".join(client.get(url).streaming_content) == b"%PDF spec"
    assert client_as("lawyer").get(url).status_code == 404
    Deal.objects.filter(pk=deal.pk).update(custom_fields={**deal.custom_fields, "margin": "40%"})
    colleague = (
        client_as("sales2").get(f"/sales/deals/{deal.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    )
    assert "Т-5" in colleague and "Маржа" not in colleague and "40%" not in colleague
