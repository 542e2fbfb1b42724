"""The legacy import maps no custom columns: new counterparties take the custom fields' defaults, and a
required custom field without a default rejects each new row with a message naming it (a save without
it would be refused too); existing records keep their custom values."""

from __future__ import annotations

import pytest
from django.utils import translation

from potok.clients.models import Counterparty
from potok.clients.services import counterparty_create
from potok.documents.services import field_create
from potok.imports.models import ImportRow, RowStatus
from potok.imports.services import import_preview, import_start, import_upload
from tests.clients.conftest import inn10

pytestmark = pytest.mark.django_db


def _csv(*rows: tuple[str, str]) -> bytes:
    lines = ["Наименование;ИНН", *(f"{name};{inn}" for name, inn in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def test_new_counterparties_take_the_defaults(person, run_on_commit) -> None:
    field_create(
        actor=None,
        owner="counterparty",
        code="code_1c",
        label_ru="Код в 1С",
        label_en="1C code",
        field_type="string",
        required=True,
        default="К-0",
    )
    job = import_upload(
        actor=person("admin"),
        entity_type="counterparty",
        file_name="x.csv",
        content=_csv(("ООО «Импорт»", inn10(3020))),
    )
    job = run_on_commit(import_preview, actor=person("admin"), job=job)
    run_on_commit(import_start, actor=person("admin"), job=job)

    assert Counterparty.objects.get(inn=inn10(3020)).custom_fields == {"code_1c": "К-0"}


def test_a_required_custom_field_without_a_default_rejects_new_rows_only(person, run_on_commit) -> None:
    existing = counterparty_create(actor=None, fields={"name": "ООО «Было»", "inn": inn10(3022)})
    field_create(
        actor=None,
        owner="counterparty",
        code="contract",
        label_ru="Договор",
        label_en="Contract",
        field_type="string",
        required=True,
    )
    content = _csv(("ООО «Импорт»", inn10(3021)), ("ООО «Было и стало»", inn10(3022)))
    job = import_upload(actor=person("admin"), entity_type="counterparty", file_name="x.csv", content=content)

    with translation.override("en"):
        job = run_on_commit(import_preview, actor=person("admin"), job=job)

    rows = {row.row_number: row for row in ImportRow.objects.filter(job=job)}
    assert rows[2].status == RowStatus.REJECTED
    assert "Contract" in rows[2].messages[0] and "required" in rows[2].messages[0]
    assert rows[3].status == RowStatus.UPDATE and rows[3].record_id == existing.pk
