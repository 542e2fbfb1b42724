"""Printing quotes and invoices as PDF with ReportLab and the shipped DejaVu Sans (Cyrillic glyphs).

The printed forms are Russian accounting documents («Счёт на оплату», «Коммерческое предложение»): their
wording is fixed by custom and read by the buyer's accountant, so it is Russian whatever the user's
interface language is. Everything printed comes from the document's own copy of lines and requisites.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from potok.sales.models import SalesDocument, SalesDocumentKind
from potok.sales.words import CURRENCY_WORDS, amount_in_words, plural_form

NBSP = "\u00a0"
FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "PotokDejaVuSans", "PotokDejaVuSans-Bold"
MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
TITLES = {SalesDocumentKind.INVOICE: "Счёт на оплату", SalesDocumentKind.QUOTE: "Коммерческое предложение"}


def _register_fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


def money(value: Decimal | str) -> str:
    """42000.5 → «42 000,50» (a non-breaking space between thousands, a comma before kopecks)."""
    number = Decimal(value).quantize(Decimal("0.01"))
    whole, _, fraction = f"{abs(number):,.2f}".partition(".")
    sign = "-" if number < 0 else ""
    return f"{sign}{whole.replace(',', NBSP)},{fraction}"


def quantity(value: str) -> str:
    number = Decimal(value)
    text = f"{number.normalize():f}" if number == number.to_integral() else f"{number:f}".rstrip("0")
    return text.replace(".", ",")


def russian_date(value: object) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year} г."  # type: ignore[attr-defined]


def document_title(document: SalesDocument) -> str:
    return f"{TITLES[document.kind]} № {document.number} от {russian_date(document.issued_on)}"  # type: ignore[index]


def document_filename(document: SalesDocument) -> str:
    prefix = "invoice" if document.kind == SalesDocumentKind.INVOICE else "quote"
    return f"{prefix}-{document.year}-{document.number}.pdf"


def _party(label: str, party: dict[str, str]) -> str:
    parts = [party.get("name", "")]
    if party.get("inn"):
        parts.append(f"ИНН {party['inn']}")
    if party.get("kpp"):
        parts.append(f"КПП {party['kpp']}")
    if party.get("address"):
        parts.append(party["address"])
    if party.get("phone"):
        parts.append(f"тел. {party['phone']}")
    return f"<b>{escape(label)}</b> {escape(', '.join(part for part in parts if part))}"


def render_document(document: SalesDocument) -> bytes:
    _register_fonts()
    styles = {
        "normal": ParagraphStyle("normal", fontName=REGULAR, fontSize=9, leading=11.5),
        "small": ParagraphStyle("small", fontName=REGULAR, fontSize=8, leading=10),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18, spaceBefore=8, spaceAfter=6),
        "right": ParagraphStyle("right", fontName=REGULAR, fontSize=9, leading=11.5, alignment=TA_RIGHT),
        "bold": ParagraphStyle("bold", fontName=BOLD, fontSize=9, leading=11.5),
    }
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=document_title(document),
        author=document.seller.get("name", ""),
    )
    seller, buyer = document.seller, document.buyer
    story: list[object] = []
    if document.kind == SalesDocumentKind.INVOICE:
        story.append(_bank_table(seller, styles))
    story.append(Paragraph(escape(document_title(document)), styles["title"]))
    if document.kind == SalesDocumentKind.QUOTE and document.valid_until:
        story.append(
            Paragraph(f"Предложение действительно до {russian_date(document.valid_until)}", styles["normal"])
        )
    story.append(Spacer(1, 3 * mm))
    seller_label = "Поставщик (Исполнитель):" if document.kind == SalesDocumentKind.INVOICE else "От:"
    buyer_label = "Покупатель (Заказчик):" if document.kind == SalesDocumentKind.INVOICE else "Кому:"
    story.append(Paragraph(_party(seller_label, seller), styles["normal"]))
    story.append(Spacer(1, 2 * mm))
    story.append(
        Paragraph(_party(buyer_label, buyer) if buyer else f"<b>{buyer_label}</b> —", styles["normal"])
    )
    story.append(Spacer(1, 4 * mm))
    story.append(_lines_table(document, styles))
    story.append(Spacer(1, 2 * mm))
    story.append(_totals_table(document, styles))
    story.append(Spacer(1, 3 * mm))
    currency_forms = CURRENCY_WORDS.get(document.currency, CURRENCY_WORDS["RUB"])[0]
    count = len(document.lines)
    story.append(
        Paragraph(
            f"Всего наименований {count}, на сумму {money(document.total)} "
            f"{'руб.' if document.currency == 'RUB' else plural_form(int(Decimal(document.total)), currency_forms)}",
            styles["normal"],
        )
    )
    story.append(
        Paragraph(escape(amount_in_words(Decimal(document.total), document.currency)), styles["bold"])
    )
    if document.comment:
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(escape(document.comment).replace("\n", "<br/>"), styles["normal"]))
    story.append(Spacer(1, 10 * mm))
    story.append(_signatures(document, styles))
    pdf.build(story)
    return buffer.getvalue()


def _bank_table(seller: dict[str, str], styles: dict[str, ParagraphStyle]) -> Table:
    p = styles["small"]
    rows = [
        [
            Paragraph(escape(seller.get("bank_name", "")), p),
            Paragraph("БИК", p),
            Paragraph(escape(seller.get("bik", "")), p),
        ],
        [
            Paragraph("Банк получателя", p),
            Paragraph("Сч. №", p),
            Paragraph(escape(seller.get("correspondent_account", "")), p),
        ],
        [
            Paragraph(f"ИНН {escape(seller.get('inn', ''))}    КПП {escape(seller.get('kpp', ''))}", p),
            Paragraph("Сч. №", p),
            Paragraph(escape(seller.get("settlement_account", "")), p),
        ],
        [Paragraph(escape(seller.get("name", "")), p), "", ""],
        [Paragraph("Получатель", p), "", ""],
    ]
    table = Table(rows, colWidths=[105 * mm, 15 * mm, 63 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("SPAN", (0, 0), (0, 0)),
                ("LINEBELOW", (0, 0), (0, 0), 0, colors.white),
                ("LINEBELOW", (0, 3), (0, 3), 0, colors.white),
                ("SPAN", (1, 2), (1, 4)),
                ("SPAN", (2, 2), (2, 4)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _lines_table(document: SalesDocument, styles: dict[str, ParagraphStyle]) -> Table:
    p, right = styles["small"], ParagraphStyle("r", parent=styles["small"], alignment=TA_RIGHT)
    has_discount = any(Decimal(line["discount_amount"]) for line in document.lines)
    header = ["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена"]
    if has_discount:
        header.append("Скидка")
    header += ["НДС", "Сумма"]
    rows: list[list[object]] = [[Paragraph(f"<b>{text}</b>", p) for text in header]]
    for position, line in enumerate(document.lines, start=1):
        name = escape(line["name"]) + (f" (арт. {escape(line['article'])})" if line.get("article") else "")
        amount = line["total"] if document.vat_included else line["net_amount"]
        row: list[object] = [
            Paragraph(str(position), p),
            Paragraph(name, p),
            Paragraph(quantity(line["quantity"]), right),
            Paragraph(escape(line["unit"]), p),
            Paragraph(money(line["price"]), right),
        ]
        if has_discount:
            row.append(Paragraph(f"{money(line['discount_amount'])}", right))
        row += [Paragraph(escape(line["vat_rate"]), p), Paragraph(money(amount), right)]
        rows.append(row)
    widths = (
        [8 * mm, 64 * mm, 18 * mm, 12 * mm, 22 * mm]
        + ([18 * mm] if has_discount else [])
        + [16 * mm, 25 * mm]
    )
    if not has_discount:
        widths[1] += 18 * mm
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _vat_by_rate(document: SalesDocument) -> list[tuple[str, Decimal, bool]]:
    """(rate name, VAT amount, exempt) per rate, in the order the rates first appear."""
    found: dict[str, tuple[Decimal, bool]] = {}
    for line in document.lines:
        amount, exempt = found.get(line["vat_rate"], (Decimal(0), bool(line.get("vat_exempt"))))
        found[line["vat_rate"]] = (amount + Decimal(line["vat_amount"]), exempt)
    return [(name, amount, exempt) for name, (amount, exempt) in found.items()]


def _totals_table(document: SalesDocument, styles: dict[str, ParagraphStyle]) -> Table:
    bold_right = ParagraphStyle("tbr", parent=styles["bold"], alignment=TA_RIGHT)
    rows: list[list[object]] = []
    subtotal = document.total if document.vat_included else document.net_amount
    rows.append([Paragraph("Итого:", bold_right), Paragraph(money(subtotal), bold_right)])
    for name, amount, exempt in _vat_by_rate(document):
        if exempt:
            rows.append([Paragraph("Без налога (НДС)", bold_right), Paragraph("—", bold_right)])
            continue
        label = f"В том числе НДС ({name}):" if document.vat_included else f"НДС ({name}):"
        rows.append([Paragraph(escape(label), bold_right), Paragraph(money(amount), bold_right)])
    rows.append([Paragraph("Всего к оплате:", bold_right), Paragraph(money(document.total), bold_right)])
    table = Table(rows, colWidths=[150 * mm, 33 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _signatures(document: SalesDocument, styles: dict[str, ParagraphStyle]) -> Table:
    p = styles["normal"]
    seller = document.seller
    rows = [
        [
            Paragraph("<b>Руководитель</b>", p),
            "______________________",
            Paragraph(escape(seller.get("director", "")), p),
        ],
    ]
    if document.kind == SalesDocumentKind.INVOICE:
        rows.append(
            [
                Paragraph("<b>Бухгалтер</b>", p),
                "______________________",
                Paragraph(escape(seller.get("accountant", "")), p),
            ]
        )
    table = Table(rows, colWidths=[35 * mm, 60 * mm, 80 * mm])
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    )
    return table
