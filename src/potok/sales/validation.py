"""Small checks shared by the sales services: money, quantities, percentages, dates and text.

Each writes a message into `errors` under the field's name and returns the cleaned value (or a default),
so a service can collect every problem of a request before refusing it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

MAX_MONEY = Decimal("99999999999999.99")


def text(field: str, value: Any, errors: dict[str, str], *, limit: int, required: bool = False) -> str:
    cleaned = "" if value is None else str(value).strip()
    if required and not cleaned:
        errors[field] = _("Fill in this field.")
    elif len(cleaned) > limit:
        errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    return cleaned


def decimal(
    field: str,
    value: Any,
    errors: dict[str, str],
    *,
    places: int = 2,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = MAX_MONEY,
    required: bool = True,
) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors[field] = _("Enter a number.")
        return None
    try:
        number = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a number.")
        return None
    if not number.is_finite():
        errors[field] = _("Enter a number.")
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        errors[field] = _("At most %(places)d digits after the decimal point.") % {"places": places}
        return None
    if minimum is not None and number < minimum:
        errors[field] = _("At least %(minimum)s.") % {"minimum": minimum}
        return None
    if maximum is not None and number > maximum:
        errors[field] = _("At most %(maximum)s.") % {"maximum": maximum}
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def date(field: str, value: Any, errors: dict[str, str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip()
    parsed: dt.date | None
    try:
        parsed = parse_date(raw)
        if parsed is None:
            parsed = dt.datetime.strptime(raw, "%d.%m.%Y").date()
    except ValueError:
        parsed = None
    if parsed is None:
        errors[field] = _("Enter a date as YYYY-MM-DD or DD.MM.YYYY.")
    return parsed


def unknown_fields(fields: Any, allowed: tuple[str, ...]) -> dict[str, str]:
    return {name: _("Unknown field.") for name in sorted(set(fields) - set(allowed))}
