"""Money arithmetic of deal lines and documents: Decimal only, each line rounded to kopecks half up.

A line's VAT is computed on the line and the document's VAT is the sum of the lines' (as 1C and the
invoice forms do), so the printed lines always add up to the printed totals.

Example:
    >>> line = compute_line(quantity=Decimal("3"), price=Decimal("100.00"), discount_percent=Decimal("10"),
    ...                     vat_percent=Decimal("20"), vat_included=True)
    >>> line.total, line.vat_amount
    (Decimal('270.00'), Decimal('45.00'))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
HUNDRED = Decimal(100)


def to_kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    discount_amount: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    total: Decimal


def compute_line(
    *, quantity: Decimal, price: Decimal, discount_percent: Decimal, vat_percent: Decimal, vat_included: bool
) -> LineAmounts:
    """One line: price × quantity less the discount; VAT taken out of it (included) or added on top."""
    gross = to_kopecks(quantity * price)
    discount = to_kopecks(gross * discount_percent / HUNDRED)
    amount = gross - discount
    if vat_included:
        vat = to_kopecks(amount * vat_percent / (HUNDRED + vat_percent))
        return LineAmounts(discount_amount=discount, net_amount=amount - vat, vat_amount=vat, total=amount)
    vat = to_kopecks(amount * vat_percent / HUNDRED)
    return LineAmounts(discount_amount=discount, net_amount=amount, vat_amount=vat, total=amount + vat)


@dataclass(frozen=True)
class Totals:
    net_amount: Decimal
    vat_amount: Decimal
    total: Decimal
    discount_amount: Decimal


def sum_lines(lines: Iterable[LineAmounts]) -> Totals:
    net = vat = total = discount = Decimal("0.00")
    for line in lines:
        net += line.net_amount
        vat += line.vat_amount
        total += line.total
        discount += line.discount_amount
    return Totals(net_amount=net, vat_amount=vat, total=total, discount_amount=discount)
