"""Quotes and invoices: numbering per year without gaps or duplicates, PDF text, sending by email."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from pypdf import PdfReader

from potok.clients.models import Interaction
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.sales.models import SalesDocument, VatRate
from potok.sales.pdf import render_document
from potok.sales.services import (
    company_settings_update,
    deal_line_add,
    sales_document_issue,
    sales_document_send,
)
from potok.sales.words import amount_in_words

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("42000.50", "Сорок две тысячи рублей 50 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21.00", "Двадцать один рубль 00 копеек"),
        ("1001002.05", "Один миллион одна тысяча два рубля 05 копеек"),
        ("0.99", "Ноль рублей 99 копеек"),
    ],
)
def test_amounts_in_russian_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


def test_an_invoice_pdf_has_requisites_lines_vat_total_and_words(make_deal, product, person) -> None:
    deal = make_deal(vat_included=True)
    deal_line_add(
        actor=None,
        deal=deal,
        expected_version=None,
        fields={"product": product, "quantity": "100", "price": "400.00", "discount_percent": "0"},
    )
    deal_line_add(
        actor=None,
        deal=deal,
        expected_version=None,
        fields={
            "name": "Доставка по городу",
            "quantity": "1",
            "price": "2000.50",
            "vat_rate": VatRate.objects.get(code="vat20"),
        },
    )

    invoice = sales_document_issue(
        actor=person("sales1"), deal=deal, kind="invoice", issued_on=dt.date(2026, 3, 5)
    )
    text = pdf_text(render_document(invoice))

    # 40 000.00 (VAT 22 % inside: 7 213.11) + 2 000.50 (VAT 20 % inside: 333.42) = 42 000.50
    assert invoice.total == Decimal("42000.50")
    assert invoice.vat_amount == Decimal("7546.53")
    assert f"Счёт на оплату № {invoice.number} от 5 марта 2026 г." in text
    for requisite in (
        "ООО «Северный ветер»",
        "7707083893",
        "770701001",
        "044525225",
        "30101810400000000225",
        "40702810938000012345",
        "ПАО «Банк Пример»",
    ):
        assert requisite in text
    assert deal.counterparty.name in text and deal.counterparty.inn in text
    assert "Поддон деревянный 1200×800" in text and "Доставка по городу" in text
    assert "40 000,00" in text and "2 000,50" in text
    assert "В том числе НДС (22%): 7 213,11" in text
    assert "В том числе НДС (20%): 333,42" in text
    assert "Всего к оплате: 42 000,50" in text
    assert "Всего наименований 2, на сумму 42 000,50 руб." in text
    assert "Сорок две тысячи рублей 50 копеек" in text
    assert "Директор Е. Евгеньев" in text and "Главный бухгалтер М. Счётова" in text


def test_a_quote_with_vat_on_top_and_without_vat(make_deal, product) -> None:
    deal = make_deal(vat_included=False)
    deal_line_add(
        actor=None,
        deal=deal,
        expected_version=None,
        fields={
            "name": "Консультация",
            "quantity": "2",
            "price": "1000",
            "vat_rate": VatRate.objects.get(code="none"),
        },
    )
    deal_line_add(
        actor=None,
        deal=deal,
        expected_version=None,
        fields={
            "name": "Плёнка",
            "quantity": "1",
            "price": "1000",
            "vat_rate": VatRate.objects.get(code="vat22"),
        },
    )
    quote = sales_document_issue(actor=None, deal=deal, kind="quote", valid_until="2026-12-31")
    text = pdf_text(render_document(quote))
    assert "Коммерческое предложение №" in text
    assert "Предложение действительно до 31 декабря 2026 г." in text
    assert "Итого: 3 000,00" in text and "Без налога (НДС)" in text and "НДС (22%): 220,00" in text
    assert "Всего к оплате: 3 220,00" in text
    assert "Три тысячи двести двадцать рублей 00 копеек" in text


def test_numbers_run_per_kind_and_year_and_a_rollback_gives_the_number_back(make_deal, product) -> None:
    deal = make_deal()
    deal_line_add(actor=None, deal=deal, expected_version=None, fields={"product": product, "quantity": "1"})
    first = sales_document_issue(actor=None, deal=deal, kind="invoice", issued_on=dt.date(2026, 12, 30))
    quote = sales_document_issue(actor=None, deal=deal, kind="quote", issued_on=dt.date(2026, 12, 30))
    with pytest.raises(ValidationFailed):
        sales_document_issue(
            actor=None, deal=deal, kind="invoice", issued_on=dt.date(2026, 12, 31), valid_until="нет"
        )
    second = sales_document_issue(actor=None, deal=deal, kind="invoice", issued_on=dt.date(2026, 12, 31))
    next_year = sales_document_issue(actor=None, deal=deal, kind="invoice", issued_on=dt.date(2027, 1, 1))
    assert (first.number, quote.number, second.number, next_year.number) == (1, 1, 2, 1)


def test_an_invoice_needs_lines_and_a_buyer(make_deal) -> None:
    deal = make_deal(counterparty=None)
    with pytest.raises(ValidationFailed) as refused:
        sales_document_issue(actor=None, deal=deal, kind="invoice")
    assert {"lines", "counterparty"} <= set(refused.value.errors)


def test_sending_emails_the_pdf_after_commit_and_records_the_interaction(
    make_deal, product, person, django_capture_on_commit_callbacks
) -> None:
    deal = make_deal()
    deal_line_add(actor=None, deal=deal, expected_version=None, fields={"product": product, "quantity": "1"})
    invoice = sales_document_issue(actor=None, deal=deal, kind="invoice")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sales_document_send(
            actor=person("sales1"), document=invoice, to=["buyer@example.org"], message="Счёт во вложении"
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["buyer@example.org"]
    name, content, mimetype = sent.attachments[0]
    assert name == f"invoice-{invoice.year}-{invoice.number}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    interaction = Interaction.objects.get(counterparty=deal.counterparty, kind="email")
    assert interaction.author == person("sales1") and "buyer@example.org" in interaction.outcome
    invoice.refresh_from_db()
    assert invoice.sent_to == "buyer@example.org"


def test_requisites_are_for_administrators_and_checked(person) -> None:
    with pytest.raises(PermissionDenied):
        company_settings_update(actor=person("sales1"), fields={"name": "x"})
    with pytest.raises(ValidationFailed) as refused:
        company_settings_update(actor=person("admin"), fields={"bik": "12", "inn": "abc"})
    assert {"bik", "inn"} <= set(refused.value.errors)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks need PostgreSQL"
)
def test_concurrent_invoices_get_distinct_consecutive_numbers(make_deal, product) -> None:
    deal = make_deal()
    deal_line_add(actor=None, deal=deal, expected_version=None, fields={"product": product, "quantity": "1"})
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            start.wait()
            for _ in range(5):
                sales_document_issue(actor=None, deal=deal, kind="invoice", issued_on=dt.date(2026, 6, 1))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(SalesDocument.objects.filter(kind="invoice", year=2026).values_list("number", flat=True))
    assert numbers == list(range(1, 21))
