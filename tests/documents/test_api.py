"""The documents API: types for administrators, documents for everyone within their rights, one error shape
that names the field, and nothing written for a bad request."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from potok.core.models import DomainEvent
from potok.documents.models import Document, DocumentType

pytestmark = pytest.mark.django_db


def post(client, url: str, body: dict) -> object:  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url: str, body: dict) -> object:  # type: ignore[no-untyped-def]
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_document_types_are_defined_through_the_api_by_administrators_only(api_as) -> None:
    body = {
        "code": "contract",
        "name_ru": "Договор",
        "name_en": "Contract",
        "number_prefix": "Д",
        "statuses": [
            {"code": "draft", "label_ru": "Проект", "is_initial": True, "next_statuses": ["signed"]},
            {"code": "signed", "label_ru": "Подписан", "is_final": True},
        ],
        "fields": [
            {"code": "amount", "label_ru": "Сумма", "field_type": "money", "required": True, "indexed": True},
            {
                "code": "counterparty",
                "label_ru": "Контрагент",
                "field_type": "reference",
                "settings": {"target": "counterparty"},
            },
        ],
    }
    assert post(api_as("director"), "/api/v1/document-types", body).status_code == 403

    admin = api_as("admin")
    response = post(admin, "/api/v1/document-types", body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert [f["code"] for f in data["fields"]] == ["amount", "counterparty"]
    assert [s["code"] for s in data["statuses"]] == ["draft", "signed"]
    assert admin.get("/api/v1/document-types/contract").json()["number_prefix"] == "Д"

    response = post(
        admin,
        "/api/v1/document-types/contract/fields",
        {"code": "note", "label_ru": "Заметка", "field_type": "text"},
    )
    assert response.status_code == 201
    response = patch(
        admin, "/api/v1/document-types/contract/fields/note", {"label_en": "Note", "required": True}
    )
    assert response.json()["label_en"] == "Note" and response.json()["required"] is True
    assert admin.delete("/api/v1/document-types/contract/fields/note").status_code == 204
    fields = {f["code"]: f for f in admin.get("/api/v1/document-types/contract").json()["fields"]}
    assert fields["note"]["archived"] is True
    assert admin.post("/api/v1/document-types/contract/fields/note/restore").json()["archived"] is False
    assert (
        patch(admin, "/api/v1/document-types/contract", {"name_en": "Agreement"}).json()["name_en"]
        == "Agreement"
    )
    assert admin.delete("/api/v1/document-types/contract").status_code == 204
    assert DocumentType.objects.get(code="contract").archived_at is not None


def test_a_bad_type_definition_names_the_field_and_writes_nothing(api_as) -> None:
    admin = api_as("admin")
    body = {
        "code": "memo",
        "name_ru": "Записка",
        "name_en": "Memo",
        "fields": [
            {"code": "ok", "label_ru": "Ок", "field_type": "string"},
            {"code": "bad", "label_ru": "Плохо", "field_type": "integer", "settings": {"min": "lots"}},
        ],
    }
    response = post(admin, "/api/v1/document-types", body)
    assert response.status_code == 400
    assert "fields.1.settings.min" in response.json()["errors"]
    assert not DocumentType.objects.filter(code="memo").exists()
    response = post(
        admin, "/api/v1/document-types", {"code": "memo", "name_ru": "З", "name_en": "M", "colour": "red"}
    )
    assert response.status_code == 400 and "colour" in response.json()["errors"]


def test_everyone_sees_the_types_they_may_use(api_as, complaint_type) -> None:
    assert [t["code"] for t in api_as("reception").get("/api/v1/document-types").json()] == ["complaint"]
    assert api_as("sales1").get("/api/v1/document-types").json() == []
    assert api_as("sales1").get("/api/v1/document-types/complaint").status_code == 403


def test_a_complaint_is_created_read_changed_and_moved_through_the_api(
    api_as, clients, complaint_type
) -> None:
    reception = api_as("reception")
    response = post(
        reception,
        "/api/v1/documents/complaint",
        {
            "values": {
                "client": clients[0].pk,
                "subject": "Через API",
                "claimed_amount": 15000.5,
                "severity": "high",
            }
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["number"].startswith("ПР-") and created["status"] == "registered"
    assert created["values"]["claimed_amount"] == "15000.50"
    url = f"/api/v1/documents/complaint/{created['id']}"
    assert reception.get(url).json()["values"]["subject"] == "Через API"

    head = api_as("service_head")
    changed = patch(head, url, {"version": 1, "values": {"claimed_amount": "20000"}})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = patch(head, url, {"version": 1, "values": {"subject": "Устаревшая правка"}})
    assert stale.status_code == 409 and stale.json()["message"]
    moved = post(head, f"{url}/status", {"status": "in_work", "version": 2})
    assert moved.json()["status"] == "in_work"
    refused = post(head, f"{url}/status", {"status": "registered"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]
    assert DomainEvent.objects.filter(entity_type="document.complaint", record_id=created["id"]).count() == 3


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"subject": "Без клиента"}, "client"),
        ({"client": "CLIENT", "subject": "x"}, "client"),
        ({"client": 0, "subject": "x", "claimed_amount": "сто рублей"}, "claimed_amount"),
        ({"subject": "x", "severity": "apocalyptic"}, "severity"),
        ({"subject": "x", "unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_written(
    api_as, complaint_type, values, field
) -> None:
    before = Document.objects.count()

    response = post(api_as("reception"), "/api/v1/documents/complaint", {"values": values})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert field in body["errors"]
    assert Document.objects.count() == before


def test_wrong_shapes_and_unknown_body_keys_are_400(api_as, complaint_type, clients) -> None:
    reception = api_as("reception")
    response = post(
        reception, "/api/v1/documents/complaint", {"values": {"client": clients[0].pk}, "status": "closed"}
    )
    assert response.status_code == 400 and "status" in response.json()["errors"]
    response = post(reception, "/api/v1/documents/complaint", {"values": "not an object"})
    assert response.status_code == 400 and "values" in response.json()["errors"]
    response = reception.post("/api/v1/documents/complaint", "{broken", content_type="application/json")
    assert response.status_code == 400


def test_an_integer_field_refuses_text(api_as, sampler) -> None:
    response = post(api_as("admin"), "/api/v1/documents/sampler", {"values": {"quantity": "seven"}})
    assert response.status_code == 400
    assert "quantity" in response.json()["errors"]


def test_reception_sees_only_her_own_complaints_in_the_api_and_404_for_another(
    api_as, make_complaint
) -> None:
    own = make_complaint(subject="Своя")
    other = make_complaint("admin", subject="Чужая")
    reception = api_as("reception")

    listed = reception.get("/api/v1/documents/complaint", {"limit": 500}).json()["items"]

    assert own.pk in [item["id"] for item in listed]
    assert other.pk not in [item["id"] for item in listed]
    assert all(item["author_id"] == own.author_id for item in listed)
    assert reception.get(f"/api/v1/documents/complaint/{other.pk}").status_code == 404
    assert (
        patch(reception, f"/api/v1/documents/complaint/{other.pk}", {"version": 1, "values": {}}).status_code
        == 404
    )
    assert (
        patch(
            reception, f"/api/v1/documents/complaint/{own.pk}", {"version": 1, "values": {"subject": "x"}}
        ).status_code
        == 403
    )
    assert reception.get(f"/api/v1/documents/investigation_act/{other.pk}").status_code == 404
    assert reception.get("/api/v1/documents/investigation_act").json()["items"] == []


def test_a_reference_to_a_complaint_the_caller_cannot_see_is_refused(
    api_as, make_complaint, demo_company
) -> None:
    from potok.access.models import Action, Scope
    from potok.access.services import access_rule_set
    from potok.accounts.models import Role

    complaint = make_complaint("admin")
    role = Role.objects.get(code="sales_manager")
    access_rule_set(
        actor=None, role=role, entity_type="document.investigation_act", action=Action.CREATE, scope=Scope.ALL
    )
    before = Document.objects.count()

    response = post(
        api_as("sales1"), "/api/v1/documents/investigation_act", {"values": {"complaint": complaint.pk}}
    )

    assert response.status_code == 400
    assert "complaint" in response.json()["errors"]
    assert Document.objects.count() == before


def test_list_filters_search_and_pages(api_as, make_complaint) -> None:
    cheap = make_complaint(subject="Мелочь", claimed_amount="10", severity="low")
    dear = make_complaint(subject="Крупная беда", claimed_amount="500000", severity="critical")
    director = api_as("director")

    def ids(params: dict) -> list[int]:
        response = director.get("/api/v1/documents/complaint", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert dear.pk in ids({"f.claimed_amount.gte": "100000"}) and cheap.pk not in ids(
        {"f.claimed_amount.gte": "100000"}
    )
    assert ids({"f.severity": "low", "q": "мелочь"}) == [cheap.pk]
    assert cheap.pk in ids({"status": "registered"})
    first = director.get("/api/v1/documents/complaint", {"limit": 1, "sort": "oldest"}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    bad = director.get("/api/v1/documents/complaint", {"f.subject": "x"})
    assert bad.status_code == 400 and "f.subject" in bad.json()["errors"]
    assert director.get("/api/v1/documents/complaint", {"sort": "sideways"}).status_code == 400


def test_files_are_uploaded_and_downloaded_within_the_rights(
    api_as, sampler, person, settings, tmp_path
) -> None:
    from potok.documents.services import document_create

    settings.MEDIA_ROOT = str(tmp_path)
    document = document_create(actor=person("admin"), document_type=sampler, values={"title": "С файлом"})
    admin = api_as("admin")
    url = f"/api/v1/documents/sampler/{document.pk}/files/scan"

    too_large = admin.post(url, {"file": SimpleUploadedFile("big.pdf", b"x" * 5000), "version": "1"})
    assert too_large.status_code == 400 and "scan" in too_large.json()["errors"]
    response = admin.post(
        url, {"file": SimpleUploadedFile("scan.pdf", b"%PDF", content_type="application/pdf"), "version": "1"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["values"]["scan"]["name"] == "scan.pdf"
    download = admin.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF"
    assert api_as("reception").get(url).status_code == 404


def test_links_of_a_complaint(api_as, make_complaint, person, act_type) -> None:
    from potok.documents.services import document_create

    complaint = make_complaint()
    act = document_create(
        actor=person("investigator1"), document_type=act_type, values={"complaint": complaint.pk}
    )

    links = api_as("lawyer").get(f"/api/v1/documents/complaint/{complaint.pk}/links").json()

    assert [item["id"] for item in links["referencing"]] == [act.pk]
    assert (
        api_as("lawyer")
        .get(f"/api/v1/documents/investigation_act/{act.pk}/links")
        .json()["referenced"][0]["id"]
        == complaint.pk
    )


def test_delete_through_the_api(api_as, make_complaint) -> None:
    complaint = make_complaint()
    assert api_as("director").delete(f"/api/v1/documents/complaint/{complaint.pk}").status_code == 403
    assert api_as("admin").delete(f"/api/v1/documents/complaint/{complaint.pk}?version=1").status_code == 204
    assert not Document.objects.filter(pk=complaint.pk).exists()


def test_the_openapi_document_lists_the_document_endpoints(api_as) -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/documents/{type_code}" in paths
    assert "/api/v1/document-types" in paths
