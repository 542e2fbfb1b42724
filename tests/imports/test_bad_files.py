"""Bad input: each file gets a clear message and the database stays as it was (no job, no record)."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from potok.clients.models import Contact, Counterparty
from potok.core.errors import ValidationFailed
from potok.imports.models import ImportJob, ImportRow, JobStatus, RowStatus
from potok.imports.reading import MAX_FILE_BYTES, cell_text
from potok.imports.services import import_preview, import_start, import_upload
from tests.clients.conftest import inn10

pytestmark = pytest.mark.django_db

GOOD_CSV = "Наименование;ИНН;Телефон\r\nООО «Ромашка»;{inn};8 (916) 123-45-67\r\n"


def refused(person, content: bytes, **options) -> str:  # type: ignore[no-untyped-def]
    before = Counterparty.objects.count()
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        import_upload(
            actor=person("admin"), entity_type="counterparty", file_name="x.csv", content=content, **options
        )
    assert ImportJob.objects.count() == 0 and Counterparty.objects.count() == before
    return error.value.errors["file"][0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "This is not a CSV or XLSX file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV or XLSX file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "old Excel file (.xls)"),
        (b"PK\x03\x04 a zip that is no workbook", "not a valid XLSX file"),
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n  \r\n", "The file is empty."),
        ("Наименование;ИНН\r\n".encode("cp1251"), "header but no rows"),
    ],
)
def test_files_that_are_not_tables_are_refused(person, content, message) -> None:
    assert message in refused(person, content)


def test_a_forced_wrong_encoding_is_refused(person) -> None:
    cp1251 = GOOD_CSV.format(inn=inn10(1)).encode("cp1251")
    utf8 = GOOD_CSV.format(inn=inn10(1)).encode("utf-8")

    assert "not valid UTF-8 (byte 0xCD at position 0)" in refused(person, cp1251, encoding="utf-8")
    assert "The file is UTF-8 text, not Windows-1251" in refused(person, utf8, encoding="cp1251")


def test_a_row_ten_times_wider_than_the_header_is_refused(person) -> None:
    content = (GOOD_CSV.format(inn=inn10(1)) + ";".join(["x"] * 30) + "\r\n").encode("cp1251")

    message = refused(person, content)

    assert "Row 3 has 30 cells where the header has 3" in message


def test_a_50_mb_file_is_refused_before_it_is_read(person) -> None:
    content = GOOD_CSV.format(inn=inn10(1)).encode() + b"x" * (50 * 1024 * 1024)

    message = refused(person, content)

    assert f"the limit is {MAX_FILE_BYTES // 1024 // 1024} MB" in message


def test_a_broken_csv_field_is_refused_with_its_line(person) -> None:
    content = b'name;inn\r\n"' + b"x" * 200_000 + b'";1\r\n'
    assert "cannot be read as CSV near line" in refused(person, content)


def test_a_few_extra_cells_reject_only_that_row(person, run_on_commit) -> None:
    content = (GOOD_CSV.format(inn=inn10(1)) + f"ООО «Вторая»;{inn10(2)};8 916 000-00-02;лишнее\r\n").encode(
        "cp1251"
    )
    job = import_upload(actor=person("admin"), entity_type="counterparty", file_name="x.csv", content=content)

    with translation.override("en"):
        job = run_on_commit(import_preview, actor=person("admin"), job=job)

    row = ImportRow.objects.get(job=job, status=RowStatus.REJECTED)
    assert row.row_number == 3 and "4 cells where the header has 3" in row.messages[0]


def test_the_user_chooses_the_delimiter_and_encoding(person) -> None:
    content = f"Наименование,ИНН\r\nРомашка,{inn10(1)}\r\n".encode("cp1251")
    job = import_upload(
        actor=person("admin"),
        entity_type="counterparty",
        file_name="x.csv",
        content=content,
        encoding="cp1251",
        delimiter=",",
    )
    assert (job.headers, job.encoding, job.delimiter) == (["Наименование", "ИНН"], "cp1251", ",")


def test_reception_may_not_import(person) -> None:
    with pytest.raises(Exception, match="create counterparty"):
        import_upload(
            actor=person("reception"),
            entity_type="counterparty",
            file_name="x.csv",
            content=GOOD_CSV.format(inn=inn10(1)).encode(),
        )


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_are_read_as_text_so_numbers_keep_their_digits(person, run_on_commit) -> None:
    inn_zero = inn10(5, region="02")
    content = workbook(
        [
            ["Наименование", "ИНН", "КПП", "Телефон", "Сегмент"],
            ["ООО «Число»", int(inn10(3)), "773001001", 89161234567, "VIP"],
            ["ООО «Дробь»", float(inn10(4)), 773001001.0, "8 (916) 765-43-21", None],
            ["АО «Ноль»", int(inn_zero), "027401001", None, None],  # Excel dropped the leading zero
        ]
    )
    job = import_upload(
        actor=person("admin"), entity_type="counterparty", file_name="clients.xlsx", content=content
    )
    assert job.file_format == "xlsx"

    job = run_on_commit(import_preview, actor=person("admin"), job=job)
    job = run_on_commit(import_start, actor=person("admin"), job=job)

    assert job.status == JobStatus.DONE, job.message
    assert Counterparty.objects.filter(inn__in=[inn10(3), inn10(4), inn_zero]).count() == 3
    assert Counterparty.objects.get(inn=inn10(3)).phones == ["+79161234567"]
    assert Counterparty.objects.get(inn=inn10(4)).kpp == "773001001"


def test_cell_text() -> None:
    assert [cell_text(v) for v in (None, 12.0, 12.5, 7707083893, True, "027")] == [
        "",
        "12",
        "12.5",
        "7707083893",
        "1",
        "027",
    ]


def test_contacts_are_imported_to_their_counterparties(person, run_on_commit) -> None:
    from potok.clients.services import counterparty_create

    client = counterparty_create(actor=None, fields={"name": "ООО «Ромашка»", "inn": inn10(9)})
    content = (
        "ИНН контрагента;ФИО;Должность;Телефон;Email;Дата согласия;Цель обработки\r\n"
        f"{inn10(9)};Иванова Мария Петровна;бухгалтер;8 916 111-11-11;m@r.ru;01.02.2025;договор\r\n"
        f"{inn10(9)};Иванова Мария Петровна;бухгалтер;8 916 111-11-11;m@r.ru;01.02.2025;договор\r\n"
        f"{inn10(8)};Петров Пётр;директор;;;;\r\n"
        f"{inn10(9)};Сидоров Олег;;;;01.02.2025;\r\n"
    ).encode("cp1251")
    job = import_upload(
        actor=person("admin"), entity_type="contact", file_name="contacts.csv", content=content
    )

    with translation.override("en"):
        job = run_on_commit(import_preview, actor=person("admin"), job=job)
    assert job.counts == {"create": 1, "duplicate": 1, "rejected": 2}
    reasons = dict(ImportRow.objects.filter(job=job, status="rejected").values_list("row_number", "messages"))
    assert "no counterparty" in reasons[4][0]
    assert "Дата согласия" not in reasons[5][0] and "Say for what purpose" in reasons[5][0]

    job = run_on_commit(import_start, actor=person("admin"), job=job)

    contact = Contact.objects.get(counterparty=client)
    assert (contact.counterparty, contact.last_name, contact.middle_name) == (client, "Иванова", "Петровна")
    assert contact.phones == ["+79161111111"] and contact.has_consent
