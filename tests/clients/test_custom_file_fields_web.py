"""File custom fields on the counterparty and contact forms: a file uploaded through the real form is
stored, the page links to its download, the download is refused to a user who may not read the record,
a new upload replaces the file and the «remove» box clears it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from potok.clients.models import Contact, Counterparty
from potok.clients.services import counterparty_create
from potok.documents.models import StoredFile
from potok.documents.services import field_create

from .conftest import inn10

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_fields(demo_company, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    field_create(
        actor=None,
        owner="counterparty",
        code="contract",
        label_ru="Скан договора",
        label_en="Contract scan",
        field_type="file",
        settings={"extensions": ["pdf"]},
    )
    field_create(
        actor=None, owner="contact", code="photo", label_ru="Фото", label_en="Photo", field_type="file"
    )


def _form(person: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "legal",
        "name": "ООО «Файлы»",
        "inn": inn10(4101),
        "responsible": person("sales1").pk,
        "custom-shown": "1",
        **extra,
    }


def _pdf(name: str = "договор.pdf", body: bytes = b"%PDF-1.4 scan") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_a_counterparty_file_is_uploaded_shown_downloaded_replaced_and_removed(
    client_as, person, file_fields
) -> None:  # type: ignore[no-untyped-def]
    client = client_as("sales1")
    form = client.get("/counterparties/new/").content.decode()
    assert 'enctype="multipart/form-data"' in form and 'name="custom-contract"' in form

    # a wrong type is named next to its input and nothing is saved
    refused = client.post("/counterparties/new/", _form(person, **{"custom-contract": _pdf("scan.exe")}))
    assert refused.status_code == 200 and 'data-field-error="custom-contract"' in refused.content.decode()
    assert not Counterparty.objects.filter(inn=inn10(4101)).exists()

    created = client.post("/counterparties/new/", _form(person, **{"custom-contract": _pdf()}))
    assert created.status_code == 302
    counterparty = Counterparty.objects.get(inn=inn10(4101))
    stored = counterparty.custom_fields["contract"]
    assert stored["name"] == "договор.pdf" and StoredFile.objects.filter(pk=stored["id"]).exists()

    detail = client.get(f"/counterparties/{counterparty.pk}/").content.decode()
    url = f"/records/counterparty/{counterparty.pk}/files/contract/"
    assert f'href="{url}"' in detail and "договор.pdf" in detail
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 scan"
    assert "attachment" in download["Content-Disposition"]
    assert client_as("reception").get(url).status_code == 404  # reception may not read the client

    # an edit without a new file keeps it; a new one replaces it
    edit = f"/counterparties/{counterparty.pk}/edit/"
    assert f'href="{url}"' in client.get(edit).content.decode()
    kept = client.post(edit, _form(person, version=counterparty.version, comment="ещё"))
    assert kept.status_code == 302
    counterparty.refresh_from_db()
    assert counterparty.custom_fields["contract"]["id"] == stored["id"]
    replaced = client.post(
        edit,
        _form(person, version=counterparty.version, **{"custom-contract": _pdf("новый.pdf", b"%PDF new")}),
    )
    assert replaced.status_code == 302
    counterparty.refresh_from_db()
    assert counterparty.custom_fields["contract"]["name"] == "новый.pdf"
    assert not StoredFile.objects.filter(pk=stored["id"]).exists()
    assert b"".join(client.get(url).streaming_content) == b"%PDF new"

    # the «remove» box clears the field
    removed = client.post(
        edit, _form(person, version=counterparty.version, **{"custom-contract__clear": "on"})
    )
    assert removed.status_code == 302
    counterparty.refresh_from_db()
    assert "contract" not in counterparty.custom_fields
    assert client.get(url).status_code == 404


def test_a_contact_photo_is_uploaded_through_its_form(client_as, person, file_fields) -> None:  # type: ignore[no-untyped-def]
    counterparty = counterparty_create(
        actor=None, fields={"name": "ООО «Люди»", "inn": inn10(4102), "responsible": person("sales1")}
    )
    client = client_as("sales1")

    created = client.post(
        f"/counterparties/{counterparty.pk}/contacts/new/",
        {
            "first_name": "Анна",
            "custom-shown": "1",
            "custom-photo": SimpleUploadedFile("anna.jpg", b"\xff\xd8\xff jpeg", content_type="image/jpeg"),
        },
    )

    assert created.status_code == 302
    contact = Contact.objects.get(counterparty=counterparty)
    url = f"/records/contact/{contact.pk}/files/photo/"
    assert f'href="{url}"' in client.get(f"/contacts/{contact.pk}/").content.decode()
    assert b"".join(client.get(url).streaming_content) == b"\xff\xd8\xff jpeg"
    assert client_as("reception").get(url).status_code == 404


def test_a_confidential_file_is_not_offered_nor_served_to_a_user_without_the_right(
    client_as, person, file_fields
) -> None:  # type: ignore[no-untyped-def]
    from potok.clients.services import counterparty_update

    field_create(
        actor=None,
        owner="counterparty",
        code="bank_letter",
        label_ru="Письмо банка",
        label_en="Bank letter",
        field_type="file",
        confidential=True,
    )
    counterparty = counterparty_create(
        actor=None, fields={"name": "ООО «Тайна»", "inn": inn10(4103), "responsible": person("sales1")}
    )
    counterparty_update(
        actor=None,
        counterparty=counterparty,
        expected_version=counterparty.version,
        fields={"custom_fields": {"bank_letter": _pdf("bank.pdf", b"%PDF bank")}},
    )
    url = f"/records/counterparty/{counterparty.pk}/files/bank_letter/"

    manager = client_as("sales1")
    assert (
        "custom-bank_letter" not in manager.get(f"/counterparties/{counterparty.pk}/edit/").content.decode()
    )
    assert url not in manager.get(f"/counterparties/{counterparty.pk}/").content.decode()
    assert manager.get(url).status_code == 404
    assert b"".join(client_as("admin").get(url).streaming_content) == b"%PDF bank"

    # and the manager's save, which does not show the field, keeps the file
    counterparty.refresh_from_db()
    saved = manager.post(
        f"/counterparties/{counterparty.pk}/edit/",
        _form(person, name="ООО «Тайна»", inn=inn10(4103), version=counterparty.version, comment="звонили"),
    )
    assert saved.status_code == 302
    counterparty.refresh_from_db()
    assert counterparty.custom_fields["bank_letter"]["name"] == "bank.pdf"
