"""The history block of a record's page speaks the reader's language: what happened and which fields
changed are shown by their labels, not by the codes the audit rows keep."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

DOCUMENT_URL = "/documents/{type}/{pk}/"


def _history(html: str) -> str:
    start = html.index('id="audit-title"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</section>", start)]))


def test_a_counterparty_history_in_russian_and_english(client_as, person) -> None:  # type: ignore[no-untyped-def]
    from potok.clients.models import Counterparty
    from potok.clients.services import counterparty_update

    counterparty = Counterparty.objects.filter(merged_into__isnull=True).order_by("id").first()
    assert counterparty is not None
    counterparty_update(
        actor=person("admin"),
        counterparty=counterparty,
        expected_version=counterparty.version,
        fields={"segment": "VIP" if counterparty.segment != "VIP" else "regular"},
    )
    admin = client_as("admin")

    admin.cookies["django_language"] = "ru"
    russian = _history(admin.get(f"/counterparties/{counterparty.pk}/").content.decode())
    assert "изменено" in russian and "сегмент" in russian.lower()
    assert " updated " not in russian and " segment " not in russian

    admin.cookies["django_language"] = "en"
    english = _history(admin.get(f"/counterparties/{counterparty.pk}/").content.decode())
    assert "changed" in english and "segment" in english.lower()


def test_a_document_field_shows_its_own_label(client_as, person) -> None:  # type: ignore[no-untyped-def]
    from potok.documents.models import Document, FieldDefinition
    from potok.documents.services import document_update

    document = Document.objects.filter(document_type__code="complaint").order_by("id").first()
    if document is None:
        pytest.skip("the demo has no complaint without its history")
    definition = FieldDefinition.objects.get(document_type__code="complaint", code="subject")
    document_update(
        actor=person("admin"), document=document, values={"subject": "Новая тема"}, expected_version=None
    )
    admin = client_as("admin")
    admin.cookies["django_language"] = "ru"
    page = _history(admin.get(DOCUMENT_URL.format(type="complaint", pk=document.pk)).content.decode())
    assert definition.label_ru in page and " subject " not in page
