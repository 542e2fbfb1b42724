"""Export of everything about a person: one JSON with every place, for those with the right, audited;
offered on the contact page and through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation

from potok.audit.models import AuditEvent
from potok.core.errors import PermissionDenied
from potok.privacy.export import EXPORT_ACTION, person_export
from tests.platform.test_page_walk import english_msgids, untranslated
from tests.privacy.helpers import EMAIL, FULL_NAME, OLD_PHONE, PHONE, make_person, user

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_place_and_is_audited(demo_company: None) -> None:
    world = make_person()
    data = person_export(
        actor=user("admin"), entity_type="contact", record_id=world.contact.pk, reason="Запрос 3"
    )

    assert data["person"]["phones"] == [PHONE] and data["person"]["emails"] == [EMAIL]
    assert data["consents"][0]["consent_purpose"] == "исполнение договора поставки"
    assert [i["subject"] for i in data["interactions"]] == ["Звонок о претензии"]
    [document] = data["documents"]
    assert document["number"] == world.complaint.number and document["referencing_fields"] == ["contact"]
    assert [f["original_name"] for f in data["files"]] == ["soglasie.pdf"]
    [process] = data["processes"]
    assert process["variables"]["caller_name"] == FULL_NAME and process["tasks"]
    assert any(OLD_PHONE in json.dumps(row["changes"], ensure_ascii=False) for row in data["audit"])
    assert data["summary"]["processes"] == 1
    [row] = AuditEvent.objects.filter(action=EXPORT_ACTION)
    assert row.actor == user("admin") and row.record_id == str(world.contact.pk) and row.message == "Запрос 3"

    with pytest.raises(PermissionDenied):
        person_export(actor=user("sales1"), entity_type="contact", record_id=world.contact.pk)
    assert AuditEvent.objects.filter(action=EXPORT_ACTION).count() == 1


def test_the_contact_page_offers_export_and_erasure_to_the_officer_only(
    demo_company: None, client_as: Any
) -> None:
    world = make_person()
    contact_url = f"/contacts/{world.contact.pk}/"
    page_url = f"/personal-data/contact/{world.contact.pk}/"
    admin = client_as("admin")
    with translation.override("ru"):
        assert page_url.encode() in admin.get(contact_url).content
        assert page_url.encode() not in client_as("sales_head").get(contact_url).content
        assert client_as("sales_head").get(page_url).status_code == 403

        page = admin.get(page_url)
        assert page.status_code == 200 and "процесс" in page.content.decode()
        assert untranslated(page.content.decode(), english_msgids()) == set()

        download = admin.post(page_url + "export/", {"reason": "Запрос 4"})
        assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
        assert json.loads(download.content)["person"]["phones"] == [PHONE]

        # without the confirmation nothing is erased
        admin.post(page_url + "erase/", {"reason": "Заявление 9", "force": "yes"})
        assert world.contact.__class__.objects.get(pk=world.contact.pk).phones == [PHONE]
        # refused while the process runs, with the reason on the page
        refused = admin.post(page_url + "erase/", {"reason": "Заявление 9", "confirm": "yes"}, follow=True)
        assert "ещё идёт" in refused.content.decode() or "идут" in refused.content.decode()
        done = admin.post(
            page_url + "erase/", {"reason": "Заявление 9", "confirm": "yes", "force": "yes"}, follow=True
        )
    assert done.status_code == 200
    assert world.contact.__class__.objects.get(pk=world.contact.pk).phones == []


def test_the_api_exports_and_erases(demo_company: None, api_as: Any) -> None:
    world = make_person()
    url = f"/api/v1/personal-data/contacts/{world.contact.pk}"
    assert api_as("sales1").get(url).status_code == 403
    exported = api_as("admin").get(url, {"reason": "Запрос 5"})
    assert exported.status_code == 200 and exported.json()["person"]["emails"] == [EMAIL]

    refused = api_as("admin").post(
        url + "/erasure", {"reason": "Заявление 10"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "force" in refused.json()["errors"]
    erased = api_as("admin").post(
        url + "/erasure", {"reason": "Заявление 10", "force": True}, content_type="application/json"
    )
    assert erased.status_code == 200 and erased.json()["changed"]["contacts"] == 1
    again = api_as("admin").post(
        url + "/erasure", {"reason": "Заявление 10"}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["already_erased"] is True
    assert api_as("admin").get("/api/v1/personal-data/deals/1").status_code == 404
