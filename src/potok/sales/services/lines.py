"""The products and services of a deal: lines with quantity, price, discount and VAT; the deal's amount
is the sum of its lines once it has any."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from potok.core.errors import NotFound, ValidationFailed
from potok.sales import validation
from potok.sales.models import Deal, DealLine, Product, VatRate
from potok.sales.services.catalogue import default_price
from potok.sales.services.common import deal_snapshot
from potok.sales.services.deals import locked_deal, save_and_record
from potok.sales.totals import HUNDRED, compute_line, sum_lines, to_kopecks

LINE_FIELDS = ("product", "name", "quantity", "price", "discount_percent", "vat_rate")


def _apply_amounts(line: DealLine, *, vat_included: bool) -> None:
    amounts = compute_line(
        quantity=line.quantity,
        price=line.price,
        discount_percent=line.discount_percent,
        vat_percent=line.vat_rate.percent,
        vat_included=vat_included,
    )
    line.discount_amount = amounts.discount_amount
    line.net_amount = amounts.net_amount
    line.vat_amount = amounts.vat_amount
    line.total = amounts.total


def recompute_lines(deal: Deal) -> None:
    """Recompute every line (after the VAT mode changed) and the deal's amount; the caller saves the deal."""
    lines = list(deal.lines.select_related("vat_rate"))
    for line in lines:
        _apply_amounts(line, vat_included=deal.vat_included)
    DealLine.objects.bulk_update(lines, ["discount_amount", "net_amount", "vat_amount", "total"])
    _set_amount(deal, lines)


def _set_amount(deal: Deal, lines: list[DealLine]) -> None:
    if lines:
        deal.amount = sum_lines(lines).total  # type: ignore[arg-type]


def check_line(fields: Mapping[str, Any], *, deal: Deal, current: DealLine | None = None) -> dict[str, Any]:
    errors = validation.unknown_fields(fields, LINE_FIELDS)
    if errors:
        raise ValidationFailed(errors)
    creating = current is None
    cleaned: dict[str, Any] = {}
    product = fields.get("product") if "product" in fields else (current.product if current else None)
    if product is not None and (not isinstance(product, Product) or not product.is_active):
        errors["product"] = _("Choose a product of the catalogue that is in use.")
        product = None
    if "product" in fields or creating:
        cleaned["product"] = product
    if "name" in fields or creating:
        name = fields.get("name") or (product.name if product else "")
        cleaned["name"] = validation.text("name", name, errors, limit=300, required=True)
    if product is not None and ("product" in fields or creating):
        cleaned["unit"], cleaned["unit_code"] = product.unit.symbol, product.unit.code
    if "quantity" in fields or creating:
        quantity = validation.decimal(
            "quantity", fields.get("quantity", 1), errors, places=3, maximum=Decimal("999999999")
        )
        if quantity is not None and quantity <= 0:
            errors["quantity"] = _("The quantity must be more than zero.")
        cleaned["quantity"] = quantity
    if "price" in fields or creating:
        price = fields.get("price")
        if price in (None, "") and product is not None:
            found = default_price(product, deal.price_list)
            if found is None:
                errors["price"] = _("The product has no price in the price list: enter the price.")
            else:
                value, list_vat_included = found
                cleaned["price"] = _convert_price(
                    value, product.vat_rate, list_vat_included, deal.vat_included
                )
        else:
            cleaned["price"] = validation.decimal("price", price, errors)
    if "discount_percent" in fields or creating:
        cleaned["discount_percent"] = validation.decimal(
            "discount_percent", fields.get("discount_percent") or 0, errors, maximum=HUNDRED
        )
    if "vat_rate" in fields or creating:
        rate = fields.get("vat_rate") or (product.vat_rate if product else None)
        if isinstance(rate, str):
            rate = VatRate.objects.filter(code=rate).first()
        if not isinstance(rate, VatRate):
            errors["vat_rate"] = _("Choose a VAT rate.")
        cleaned["vat_rate"] = rate
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _convert_price(
    price: Decimal, rate: VatRate, list_vat_included: bool, deal_vat_included: bool
) -> Decimal:
    """A price-list price in the deal's VAT mode: a list with VAT gives net prices to a deal that adds VAT."""
    if list_vat_included == deal_vat_included:
        return price
    factor = (HUNDRED + rate.percent) / HUNDRED
    return to_kopecks(price / factor if list_vat_included else price * factor)


@transaction.atomic
def deal_line_add(
    *, actor: Any, deal: Deal, expected_version: int | None, fields: Mapping[str, Any]
) -> DealLine:
    locked = locked_deal(deal, expected_version)
    cleaned = check_line(fields, deal=locked)
    before = deal_snapshot(locked)
    position = (locked.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = DealLine(deal=locked, position=position, **cleaned)
    _apply_amounts(line, vat_included=locked.vat_included)
    line.save()
    _set_amount(locked, list(locked.lines.all()))
    save_and_record(actor=actor, deal=locked, before=before, extra={"lines": (None, _line_text(line))})
    return line


@transaction.atomic
def deal_line_update(
    *, actor: Any, line: DealLine, expected_version: int | None, fields: Mapping[str, Any]
) -> DealLine:
    locked = locked_deal(line.deal, expected_version)
    current = locked.lines.select_related("vat_rate", "product__unit").filter(pk=line.pk).first()
    if current is None:
        raise NotFound(f"deal line {line.pk}")
    cleaned = check_line(fields, deal=locked, current=current)
    before, old_text = deal_snapshot(locked), _line_text(current)
    for field, value in cleaned.items():
        setattr(current, field, value)
    _apply_amounts(current, vat_included=locked.vat_included)
    current.save()
    _set_amount(locked, list(locked.lines.all()))
    save_and_record(actor=actor, deal=locked, before=before, extra={"lines": (old_text, _line_text(current))})
    return current


@transaction.atomic
def deal_line_remove(*, actor: Any, line: DealLine, expected_version: int | None) -> Deal:
    locked = locked_deal(line.deal, expected_version)
    current = locked.lines.filter(pk=line.pk).first()
    if current is None:
        raise NotFound(f"deal line {line.pk}")
    before, old_text = deal_snapshot(locked), _line_text(current)
    current.delete()
    remaining = list(locked.lines.all())
    locked.amount = sum_lines(remaining).total if remaining else Decimal("0.00")  # type: ignore[arg-type]
    return save_and_record(actor=actor, deal=locked, before=before, extra={"lines": (old_text, None)})


def _line_text(line: DealLine) -> str:
    return (
        f"{line.name}: {line.quantity.normalize():f} × {line.price} − {line.discount_percent}% = {line.total}"
    )
