"""Field types of numbers: integer, decimal (with its places) and money (two places and a currency)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _

from potok.documents.fieldtypes.base import (
    FieldKind,
    FieldValueError,
    FormOptions,
    IndexRow,
    as_int,
    register_kind,
)
from potok.documents.models import FieldDefinition

JSON_SAFE_INTEGER = 9_007_199_254_740_991
MAX_DIGITS = 18


def parse_decimal(raw: Any) -> Decimal:
    """A Decimal from a number or from text written «12 500,50» or «12500.50»."""
    if isinstance(raw, bool):
        raise FieldValueError(_("Enter a number."))
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise FieldValueError(_("Enter a number."))
        try:
            value = Decimal(text)
        except InvalidOperation as error:
            raise FieldValueError(_("Enter a number.")) from error
    else:
        raise FieldValueError(_("Enter a number."))
    if not value.is_finite():
        raise FieldValueError(_("Enter a number."))
    return value


class NumberKind(FieldKind):
    """Numbers share the checks of min / max; subclasses fix how many decimal places they keep."""

    code: ClassVar[str] = "decimal"
    index_column: ClassVar[str | None] = "value_number"
    operators: ClassVar[tuple[str, ...]] = (
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "between",
        "empty",
        "not_empty",
    )
    setting_keys: ClassVar[tuple[str, ...]] = ("min", "max", "decimal_places")

    def places(self, definition: FieldDefinition) -> int:
        return int(definition.settings.get("decimal_places", 2))

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        if "decimal_places" in cleaned:
            try:
                places = as_int(cleaned["decimal_places"], name="decimal_places")
            except FieldValueError as error:
                errors["decimal_places"] = error.message
            else:
                if places is None:
                    cleaned.pop("decimal_places")
                elif not 0 <= places <= 6:
                    errors["decimal_places"] = _("Use from 0 to 6 decimal places.")
                else:
                    cleaned["decimal_places"] = places
        for key in ("min", "max"):
            if cleaned.get(key) in (None, ""):
                cleaned.pop(key, None)
                continue
            try:
                cleaned[key] = self._number_to_json(parse_decimal(cleaned[key]))
            except FieldValueError as error:
                errors[key] = error.message
        bounded = "min" in cleaned and "max" in cleaned and not errors
        if bounded and Decimal(str(cleaned["min"])) > Decimal(str(cleaned["max"])):
            errors["min"] = _("The minimum is greater than the maximum.")
        return cleaned, errors

    def _number_to_json(self, value: Decimal) -> Any:
        return str(value)

    def to_number(self, definition: FieldDefinition, raw: Any) -> Decimal:
        value = parse_decimal(raw)
        places = self.places(definition)
        if len(value.as_tuple().digits) > MAX_DIGITS + 6:
            raise FieldValueError(_("The number is too large."))
        quantum = Decimal(1).scaleb(-places)
        if value != value.quantize(quantum, rounding=ROUND_HALF_UP):
            if places == 0:
                raise FieldValueError(_("Enter a whole number."))
            raise FieldValueError(
                _("At most %(places)s digits after the decimal point.") % {"places": places}
            )
        value = value.quantize(quantum)
        if len(value.as_tuple().digits) > MAX_DIGITS:
            raise FieldValueError(_("The number is too large."))
        return value

    def check_range(self, definition: FieldDefinition, value: Decimal) -> None:
        minimum, maximum = definition.settings.get("min"), definition.settings.get("max")
        if minimum is not None and value < Decimal(str(minimum)):
            raise FieldValueError(_("At least %(limit)s.") % {"limit": minimum})
        if maximum is not None and value > Decimal(str(maximum)):
            raise FieldValueError(_("At most %(limit)s.") % {"limit": maximum})

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        value = self.to_number(definition, raw)
        self.check_range(definition, value)
        return str(value)

    def typed(self, definition: FieldDefinition, stored: Any) -> Any:
        return None if stored is None else Decimal(str(stored))

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        if stored is None or stored == "":
            return ""
        return formats.number_format(Decimal(str(stored)), self.places(definition), force_grouping=True)

    def search_words(self, definition: FieldDefinition, stored: Any) -> str:
        return "" if stored is None else str(stored)

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        if stored is None or stored == "":
            return []
        return [IndexRow(value_number=Decimal(str(stored)))]

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        places = self.places(definition)
        step = "1" if places == 0 else str(Decimal(1).scaleb(-places))
        return forms.CharField(
            required=False,
            widget=forms.TextInput(
                attrs={"class": "form-control", "inputmode": "decimal", "data-step": step}
            ),
        )


class IntegerKind(NumberKind):
    code: ClassVar[str] = "integer"
    setting_keys: ClassVar[tuple[str, ...]] = ("min", "max")

    def places(self, definition: FieldDefinition) -> int:
        return 0

    def _number_to_json(self, value: Decimal) -> Any:
        if value != value.to_integral_value():
            raise FieldValueError(_("Enter a whole number."))
        return int(value)

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        if isinstance(raw, float) and not raw.is_integer():
            raise FieldValueError(_("Enter a whole number."))
        try:
            value = self.to_number(definition, raw)
        except FieldValueError as error:
            raise FieldValueError(_("Enter a whole number.")) from error
        if abs(value) > JSON_SAFE_INTEGER:
            raise FieldValueError(_("The number is too large."))
        self.check_range(definition, value)
        return int(value)

    def typed(self, definition: FieldDefinition, stored: Any) -> Any:
        return None if stored is None else int(stored)

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.CharField(
            required=False, widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"})
        )


class MoneyKind(NumberKind):
    code: ClassVar[str] = "money"
    setting_keys: ClassVar[tuple[str, ...]] = ("min", "max", "currency")

    def places(self, definition: FieldDefinition) -> int:
        return 2

    def currency(self, definition: FieldDefinition) -> str:
        return str(definition.settings.get("currency") or "RUB")

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        currency = str(cleaned.get("currency") or "RUB").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            errors["currency"] = _("Use a three-letter currency code such as RUB.")
        cleaned["currency"] = currency
        return cleaned, errors

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        amount = super().display(definition, stored)
        if not amount:
            return ""
        currency = self.currency(definition)
        return f"{amount} ₽" if currency == "RUB" else f"{amount} {currency}"


register_kind(NumberKind())
register_kind(IntegerKind())
register_kind(MoneyKind())
