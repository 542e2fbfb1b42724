"""Reference data the sales app ships: common ОКЕИ units and the VAT rates of the Russian Tax Code.

Read by the data migration (and by tests); an administrator may add more rows later. Russia's general VAT
rate is 20 % until the end of 2025 and 22 % from 1 January 2026: both are rows, so a price list or a
product picks the rate in force, and old documents keep theirs."""

from __future__ import annotations

from decimal import Decimal

# ОКЕИ code, name, symbol
UNITS: list[tuple[str, str, str]] = [
    ("796", "Штука", "шт"),
    ("166", "Килограмм", "кг"),
    ("163", "Грамм", "г"),
    ("168", "Тонна", "т"),
    ("006", "Метр", "м"),
    ("018", "Погонный метр", "пог. м"),
    ("055", "Квадратный метр", "м2"),
    ("113", "Кубический метр", "м3"),
    ("112", "Литр", "л"),
    ("111", "Миллилитр", "мл"),
    ("356", "Час", "ч"),
    ("359", "Сутки", "сут"),
    ("362", "Месяц", "мес"),
    ("839", "Комплект", "компл"),
    ("778", "Упаковка", "упак"),
    ("704", "Набор", "набор"),
    ("715", "Пара", "пар"),
    ("736", "Рулон", "рул"),
    ("625", "Лист", "л."),
    ("876", "Условная единица", "усл. ед"),
]

# code, name, percent, exempt, in use, sort
VAT_RATES: list[tuple[str, str, Decimal, bool, bool, int]] = [
    ("vat22", "22%", Decimal("22"), False, True, 10),
    ("vat20", "20%", Decimal("20"), False, True, 20),
    ("vat10", "10%", Decimal("10"), False, True, 30),
    ("vat5", "5%", Decimal("5"), False, True, 40),
    ("vat7", "7%", Decimal("7"), False, True, 50),
    ("vat0", "0%", Decimal("0"), False, True, 60),
    ("none", "Без НДС", Decimal("0"), True, True, 70),
]


def ensure_loaded() -> None:
    """Put the shipped rows back if they are missing (the migration loads them; a test database flushed
    between tests, or an administrator's deletion, may have removed them)."""
    from potok.sales.models import Unit, VatRate

    if not Unit.objects.filter(code="796").exists():
        for code, name, symbol in UNITS:
            Unit.objects.get_or_create(code=code, defaults={"name": name, "symbol": symbol})
    if not VatRate.objects.filter(code="vat22").exists():
        for code, name, percent, exempt, active, sort in VAT_RATES:
            VatRate.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "percent": percent,
                    "exempt": exempt,
                    "is_active": active,
                    "sort": sort,
                },
            )
