"""The catalogue: products and services, price lists and prices, and the list of loss reasons."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.access.selectors import is_administrator
from potok.audit.services import audit_record
from potok.core import clock
from potok.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from potok.core.models import EventKind
from potok.sales import validation
from potok.sales.models import LossReason, PriceList, PriceListItem, Product, ProductKind, Unit, VatRate
from potok.sales.services.common import creation_changes, diff, product_snapshot, record_change

PRODUCT_FIELDS = ("name", "article", "kind", "unit", "vat_rate", "description", "is_active")


def check_product(fields: Mapping[str, Any], *, current: Product | None = None) -> dict[str, Any]:
    errors = validation.unknown_fields(fields, PRODUCT_FIELDS)
    if errors:
        raise ValidationFailed(errors)
    cleaned: dict[str, Any] = {}
    creating = current is None
    if "name" in fields or creating:
        cleaned["name"] = validation.text("name", fields.get("name"), errors, limit=300, required=True)
    if "article" in fields or creating:
        article = validation.text("article", fields.get("article"), errors, limit=64)
        clash = Product.objects.filter(article=article).exclude(pk=current.pk if current else 0)
        if article and clash.exists():
            errors["article"] = _("Another product has the article %(article)s.") % {"article": article}
        cleaned["article"] = article
    if "kind" in fields or creating:
        kind = str(fields.get("kind") or ProductKind.GOODS)
        if kind not in ProductKind.values:
            errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(ProductKind.values)}
        cleaned["kind"] = kind
    if "unit" in fields or creating:
        unit = fields.get("unit")
        if isinstance(unit, str):
            unit = Unit.objects.filter(code=unit).first()
        if not isinstance(unit, Unit):
            errors["unit"] = _("Choose a unit of measure (an ОКЕИ code such as 796).")
        cleaned["unit"] = unit
    if "vat_rate" in fields or creating:
        rate = fields.get("vat_rate")
        if isinstance(rate, str):
            rate = VatRate.objects.filter(code=rate).first()
        if not isinstance(rate, VatRate):
            errors["vat_rate"] = _("Choose a VAT rate.")
        cleaned["vat_rate"] = rate
    if "description" in fields or creating:
        cleaned["description"] = validation.text("description", fields.get("description"), errors, limit=5000)
    if "is_active" in fields:
        cleaned["is_active"] = bool(fields.get("is_active"))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@transaction.atomic
def product_create(*, actor: Any, fields: Mapping[str, Any]) -> Product:
    cleaned = check_product(fields)
    now = clock.now()
    product = Product.objects.create(**cleaned, created_at=now, updated_at=now)
    snapshot = product_snapshot(product)
    record_change(
        actor=actor,
        entity_type="product",
        record_id=product.pk,
        kind=EventKind.CREATED,
        changes=creation_changes(snapshot),
        snapshot=snapshot,
    )
    return product


@transaction.atomic
def product_update(
    *, actor: Any, product: Product, expected_version: int | None, fields: Mapping[str, Any]
) -> Product:
    locked = (
        Product.objects.select_for_update().select_related("unit", "vat_rate").filter(pk=product.pk).first()
    )
    if locked is None:
        raise NotFound(f"product {product.pk}")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(_("The product was changed by someone else meanwhile; reload it and try again."))
    cleaned = check_product(fields, current=locked)
    before = product_snapshot(locked)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    after = product_snapshot(locked)
    changes = diff(before, after)
    if not changes:
        return locked
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save()
    after["version"] = locked.version
    record_change(
        actor=actor,
        entity_type="product",
        record_id=locked.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
    )
    return locked


@transaction.atomic
def price_list_create(
    *, actor: Any, name: str, vat_included: bool = True, is_default: bool = False
) -> PriceList:
    errors: dict[str, str] = {}
    cleaned = validation.text("name", name, errors, limit=200, required=True)
    if cleaned and PriceList.objects.filter(name=cleaned).exists():
        errors["name"] = _("A price list with this name exists already.")
    if errors:
        raise ValidationFailed(errors)
    if is_default:
        PriceList.objects.filter(is_default=True).update(is_default=False)
    price_list = PriceList.objects.create(name=cleaned, vat_included=vat_included, is_default=is_default)
    audit_record(
        actor=actor,
        entity_type="price_list",
        record_id=price_list.pk,
        action=EventKind.CREATED,
        changes={"name": (None, cleaned), "vat_included": (None, vat_included)},
    )
    return price_list


@transaction.atomic
def price_set(*, actor: Any, price_list: PriceList, product: Product, price: Any) -> PriceListItem | None:
    """Set the product's price in the list; an empty price removes the product from the list."""
    errors: dict[str, str] = {}
    value = validation.decimal("price", price, errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    item = PriceListItem.objects.select_for_update().filter(price_list=price_list, product=product).first()
    old = item.price if item else None
    if value is None:
        if item is not None:
            item.delete()
        result = None
    elif item is None:
        result = PriceListItem.objects.create(price_list=price_list, product=product, price=value)
    else:
        item.price = value
        item.save(update_fields=["price"])
        result = item
    if old != value:
        audit_record(
            actor=actor,
            entity_type="price_list",
            record_id=price_list.pk,
            action="price_set",
            changes={str(product): (old, value)},
        )
    return result


def _require_administrator(actor: Any) -> None:
    if actor is not None and not is_administrator(actor):
        raise PermissionDenied("only administrators keep this list")


@transaction.atomic
def loss_reason_create(*, actor: Any, name: str, sort: int = 0) -> LossReason:
    _require_administrator(actor)
    errors: dict[str, str] = {}
    cleaned = validation.text("name", name, errors, limit=200, required=True)
    if cleaned and LossReason.objects.filter(name__iexact=cleaned).exists():
        errors["name"] = _("This reason is in the list already.")
    if errors:
        raise ValidationFailed(errors)
    reason = LossReason.objects.create(name=cleaned, sort=sort)
    audit_record(
        actor=actor,
        entity_type="loss_reason",
        record_id=reason.pk,
        action="created",
        changes={"name": (None, cleaned)},
    )
    return reason


@transaction.atomic
def loss_reason_update(
    *, actor: Any, reason: LossReason, name: str | None = None, is_active: bool | None = None
) -> LossReason:
    _require_administrator(actor)
    errors: dict[str, str] = {}
    changes: dict[str, tuple[Any, Any]] = {}
    if name is not None:
        cleaned = validation.text("name", name, errors, limit=200, required=True)
        if cleaned and LossReason.objects.filter(name__iexact=cleaned).exclude(pk=reason.pk).exists():
            errors["name"] = _("This reason is in the list already.")
        if cleaned != reason.name:
            changes["name"] = (reason.name, cleaned)
            reason.name = cleaned
    if errors:
        raise ValidationFailed(errors)
    if is_active is not None and is_active != reason.is_active:
        changes["is_active"] = (reason.is_active, is_active)
        reason.is_active = is_active
    if changes:
        reason.save()
        audit_record(
            actor=actor, entity_type="loss_reason", record_id=reason.pk, action="updated", changes=changes
        )
    return reason


def default_price(product: Product, price_list: PriceList | None) -> tuple[Decimal, bool] | None:
    """The product's price in the given list, else in the default list, with the list's VAT mode."""
    lists = [price_list] if price_list is not None else []
    default = PriceList.objects.filter(is_default=True).first()
    if default is not None and default not in lists:
        lists.append(default)
    for candidate in lists:
        item = PriceListItem.objects.filter(price_list=candidate, product=product).first()
        if item is not None:
            return item.price, candidate.vat_included
    return None
