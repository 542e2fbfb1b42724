"""Confidential fields: the complaint's «Реквизиты для возврата» is seen by the heads, the lawyer and the
director (the right «see confidential fields»); an investigator, who reads and changes complaints, never
sees it — not on the page, in the list, the form, the export, the API, the search, the history or the
rule explain pages — and his saves keep it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from potok.access.models import Action, Scope
from potok.access.selectors import forget_user_access
from potok.access.services import access_rule_set
from potok.accounts.models import Role
from potok.documents.models import Document, FieldDefinition
from potok.documents.services import document_create, document_update, field_create, field_update

pytestmark = pytest.mark.django_db

SECRET = "40702810900000012345"


@pytest.fixture
def secret_complaint(make_complaint, complaint_type) -> Document:  # type: ignore[no-untyped-def]
    """A complaint registered by the receptionist; the head of service then fills in the refund account."""
    complaint = make_complaint(subject="Сломан замок")
    return document_update(
        actor=None, document=complaint, values={"refund_account": SECRET}, expected_version=None
    )


def _field(complaint_type: Any, **changes: Any) -> None:
    definition = FieldDefinition.objects.get(document_type=complaint_type, code="refund_account")
    field_update(actor=None, definition=definition, **changes)


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return str(b"".join(response.streaming_content).decode("utf-8-sig"))
    return str(response.content.decode())


def test_the_demo_marks_the_field_and_grants_the_right(complaint_type, person) -> None:  # type: ignore[no-untyped-def]
    from potok.access.selectors import can

    assert FieldDefinition.objects.get(document_type=complaint_type, code="refund_account").confidential
    entity = complaint_type.entity_type
    assert [
        u for u in ("admin", "service_head", "lawyer", "director") if can(person(u), entity, "confidential")
    ]
    assert not can(person("investigator1"), entity, Action.CONFIDENTIAL)
    assert not can(person("reception"), entity, Action.CONFIDENTIAL)


def test_the_page_shows_it_to_the_lawyer_only(client_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    url = reverse("web:document_detail", args=["complaint", secret_complaint.pk])

    lawyer = _text(client_as("lawyer").get(url))
    investigator = client_as("investigator1").get(url)

    assert SECRET in lawyer and "Реквизиты для возврата" in lawyer
    assert investigator.status_code == 200
    assert SECRET not in _text(investigator)
    assert (
        "Реквизиты для возврата" in lawyer
        and "Реквизиты для возврата" not in _text(investigator).split("История")[0]
    )


def test_the_history_masks_the_value(client_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    url = reverse("web:document_detail", args=["complaint", secret_complaint.pk])

    page = _text(client_as("investigator1").get(url))

    assert SECRET not in page
    assert "(конфиденциально)" in page


def test_the_list_has_no_column_for_him(client_as, secret_complaint, complaint_type) -> None:  # type: ignore[no-untyped-def]
    _field(complaint_type, in_list=True)
    url = reverse("web:document_list", args=["complaint"])

    lawyer = _text(client_as("lawyer").get(url))
    investigator = _text(client_as("investigator1").get(url))

    assert SECRET in lawyer and "Реквизиты для возврата" in lawyer
    assert secret_complaint.number in investigator
    assert SECRET not in investigator and "Реквизиты для возврата" not in investigator


def test_a_scoped_right_shows_the_value_only_on_records_in_scope(  # type: ignore[no-untyped-def]
    client_as, api_as, secret_complaint, complaint_type
) -> None:
    """The receptionist sees confidential fields of her own complaints only (here a second, not hers)."""
    _field(complaint_type, in_list=True)
    role = Role.objects.get(code="complaint_registrar")
    access_rule_set(
        actor=None, role=role, entity_type="document.complaint", action=Action.READ, scope=Scope.ALL
    )
    access_rule_set(
        actor=None, role=role, entity_type="document.complaint", action=Action.CONFIDENTIAL, scope=Scope.OWN
    )
    others = document_create(
        actor=None,
        document_type=complaint_type,
        values={"client": secret_complaint.data["client"], "subject": "Чужая", "refund_account": "99999"},
    )

    api = api_as("reception")
    own = api.get(f"/api/v1/documents/complaint/{secret_complaint.pk}")
    not_own = api.get(f"/api/v1/documents/complaint/{others.pk}")
    listing = _text(client_as("reception").get(reverse("web:document_list", args=["complaint"])))

    assert own.json()["values"]["refund_account"] == SECRET
    assert "refund_account" not in not_own.json()["values"]
    assert SECRET in listing and "99999" not in listing


def test_the_edit_form_leaves_it_out_and_a_save_keeps_it(client_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    browser = client_as("investigator1")
    url = reverse("web:document_edit", args=["complaint", secret_complaint.pk])

    form = _text(browser.get(url))
    assert 'name="refund_account"' not in form and SECRET not in form

    response = browser.post(
        url,
        {
            "version": secret_complaint.version,
            "client": secret_complaint.data["client"],
            "subject": "Сломан замок и ручка",
            "channel": "phone",
            "severity": "high",
            "refund_account": "подменённые реквизиты",
        },
    )

    assert response.status_code == 302
    saved = Document.objects.get(pk=secret_complaint.pk)
    assert saved.data["subject"] == "Сломан замок и ручка"
    assert saved.data["refund_account"] == SECRET


def test_the_api_leaves_it_out_and_refuses_to_overwrite_it(api_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/documents/complaint/{secret_complaint.pk}"
    investigator, lawyer = api_as("investigator1"), api_as("lawyer")

    assert lawyer.get(url).json()["values"]["refund_account"] == SECRET
    one = investigator.get(url).json()
    listed = investigator.get("/api/v1/documents/complaint").json()["items"]
    assert "refund_account" not in one["values"] and SECRET not in str(one)
    assert SECRET not in str(listed)

    refused = investigator.patch(
        url,
        {"version": one["version"], "values": {"refund_account": "подмена"}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "refund_account" in refused.json()["errors"]
    kept = Document.objects.get(pk=secret_complaint.pk)
    assert kept.data["refund_account"] == SECRET and kept.version == one["version"]

    # Sending back what he read (without the field) changes what he may change and keeps the rest.
    echoed = investigator.patch(
        url,
        {"version": one["version"], "values": {**one["values"], "subject": "Новая тема"}},
        content_type="application/json",
    )
    assert echoed.status_code == 200
    assert Document.objects.get(pk=secret_complaint.pk).data["refund_account"] == SECRET


def test_he_cannot_fill_it_in_on_a_new_complaint(api_as, clients) -> None:  # type: ignore[no-untyped-def]
    response = api_as("reception").post(
        "/api/v1/documents/complaint",
        {"values": {"client": clients[0].pk, "subject": "Тест", "refund_account": "123"}},
        content_type="application/json",
    )

    assert response.status_code == 400 and "refund_account" in response.json()["errors"]
    assert not Document.objects.filter(data__subject="Тест").exists()


def test_the_export_has_no_column_for_him(client_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    role = Role.objects.get(code="service_specialist")
    access_rule_set(
        actor=None, role=role, entity_type="document.complaint", action=Action.EXPORT, scope=Scope.ALL
    )
    url = reverse("web:document_export", args=["complaint"])

    director = _text(client_as("director").get(url))
    investigator = _text(client_as("investigator1").get(url))

    assert SECRET in director and "Реквизиты для возврата" in director
    header = next(csv.reader(io.StringIO(investigator), delimiter=";"))
    assert "Реквизиты для возврата" not in header
    assert secret_complaint.number in investigator and SECRET not in investigator


def test_search_and_filters_do_not_reach_it(client_as, api_as, secret_complaint, complaint_type) -> None:  # type: ignore[no-untyped-def]
    _field(complaint_type, indexed=True)

    for username in ("lawyer", "investigator1"):
        found = api_as(username).get("/api/v1/documents/complaint", {"q": SECRET}).json()["items"]
        assert found == []  # confidential values are kept out of the full-text search for everyone
    refused = api_as("investigator1").get("/api/v1/documents/complaint", {"f.refund_account": SECRET})
    assert refused.status_code == 400
    assert SECRET not in _text(refused)
    filtered = api_as("lawyer").get("/api/v1/documents/complaint", {"f.refund_account": SECRET}).json()
    assert [item["id"] for item in filtered["items"]] == [secret_complaint.pk]
    page = _text(client_as("investigator1").get(reverse("web:document_list", args=["complaint"])))
    assert 'name="f.refund_account' not in page


def test_a_confidential_file_is_not_handed_out(client_as, secret_complaint, complaint_type) -> None:  # type: ignore[no-untyped-def]
    field_create(
        actor=None,
        owner=complaint_type,
        code="passport_scan",
        label_ru="Скан паспорта",
        label_en="Passport scan",
        field_type="file",
        confidential=True,
    )
    document_update(
        actor=None,
        document=secret_complaint,
        values={"passport_scan": SimpleUploadedFile("passport.txt", b"scan", content_type="text/plain")},
        expected_version=None,
    )
    url = reverse("web:document_file", args=["complaint", secret_complaint.pk, "passport_scan"])

    assert client_as("lawyer").get(url).status_code == 200
    assert client_as("investigator1").get(url).status_code == 404


def test_rule_explain_pages_are_for_administrators_only(client_as, api_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    """The explain trace records the values a rule's clauses read (the event's payload); only those who see
    every field may open it."""
    why = reverse("web:start_rule_why")
    query = {"entity_type": "document.complaint", "record": secret_complaint.pk}

    assert client_as("investigator1").get(why, query).status_code == 403
    assert api_as("investigator1").get(
        "/api/v1/rule-evaluations", {"record": secret_complaint.pk}
    ).status_code in (
        403,
        404,
    )
    panel = client_as("investigator1").get(
        reverse("web:automation_record_panel"),
        {"entity_type": "document.complaint", "record_id": secret_complaint.pk},
    )
    assert SECRET not in _text(panel)


def test_the_role_editor_offers_the_right(client_as) -> None:  # type: ignore[no-untyped-def]
    page = _text(client_as("admin").get(reverse("web:role_rights", args=["lawyer"])))

    assert 'name="document.complaint:confidential"' in page
    assert "видеть конфиденциальные реквизиты" in page


def test_granting_the_right_shows_the_field(client_as, secret_complaint) -> None:  # type: ignore[no-untyped-def]
    role = Role.objects.get(code="service_specialist")
    url = reverse("web:document_detail", args=["complaint", secret_complaint.pk])
    assert SECRET not in _text(client_as("investigator1").get(url))

    access_rule_set(
        actor=None, role=role, entity_type="document.complaint", action=Action.CONFIDENTIAL, scope=Scope.ALL
    )
    from potok.accounts.models import User

    forget_user_access(User.objects.get(username="investigator1"))

    assert SECRET in _text(client_as("investigator1").get(url))
