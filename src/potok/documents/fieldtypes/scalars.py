"""Field types of single values: string, text, integer, decimal, money, date, date and time, yes / no."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from django import forms
from django.utils import formats, timezone
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
from potok.documents.text import normalise

STRING_MAX_LENGTH = 1000
TEXT_MAX_LENGTH = 100_000
REGEX_MAX_LENGTH = 200
# A repeated group that itself repeats — (a+)+, (x*)* — can take exponential time on a crafted value.
_NESTED_REPETITION = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{?]")
JSON_SAFE_INTEGER = 9_007_199_254_740_991
MAX_DIGITS = 18


class TextKind(FieldKind):
    code: ClassVar[str] = "string"
    setting_keys: ClassVar[tuple[str, ...]] = ("max_length", "min_length", "regex")
    operators: ClassVar[tuple[str, ...]] = ("eq", "ne", "contains", "startswith", "empty", "not_empty")
    default_max_length: ClassVar[int] = 255
    hard_max_length: ClassVar[int] = STRING_MAX_LENGTH

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        for key in ("max_length", "min_length"):
            if key not in cleaned:
                continue
            try:
                value = as_int(cleaned[key], name=key)
            except FieldValueError as error:
                errors[key] = error.message
                continue
            if value is None:
                cleaned.pop(key)
            elif not 1 <= value <= self.hard_max_length:
                errors[key] = _("Use a length from 1 to %(limit)s.") % {"limit": self.hard_max_length}
            else:
                cleaned[key] = value
        lengths = cleaned.get("min_length"), cleaned.get("max_length")
        if lengths[0] and lengths[1] and not errors and lengths[0] > lengths[1]:
            errors["min_length"] = _("The minimum length is greater than the maximum.")
        pattern = cleaned.get("regex")
        if pattern in (None, ""):
            cleaned.pop("regex", None)
        elif not isinstance(pattern, str) or len(pattern) > REGEX_MAX_LENGTH:
            errors["regex"] = _("A pattern may be at most %(limit)s characters long.") % {
                "limit": REGEX_MAX_LENGTH
            }
        elif _NESTED_REPETITION.search(pattern):
            errors["regex"] = _(
                "Nested repetition such as (a+)+ can take very long to check; simplify the pattern."
            )
        else:
            try:
                re.compile(pattern)
            except re.error as error:
                errors["regex"] = _("The pattern is not a valid regular expression: %(error)s.") % {
                    "error": error
                }
        return cleaned, errors

    def max_length(self, definition: FieldDefinition) -> int:
        return int(definition.settings.get("max_length") or self.default_max_length)

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            raise FieldValueError(_("Enter text."))
        value = str(raw).strip()
        limit = self.max_length(definition)
        if len(value) > limit:
            raise FieldValueError(
                _("At most %(limit)s characters (now %(length)s).") % {"limit": limit, "length": len(value)}
            )
        minimum = definition.settings.get("min_length")
        if minimum and len(value) < minimum:
            raise FieldValueError(_("At least %(limit)s characters.") % {"limit": minimum})
        pattern = definition.settings.get("regex")
        if pattern and not re.fullmatch(pattern, value):
            raise FieldValueError(
                _("The value does not match the pattern %(pattern)s.") % {"pattern": pattern}
            )
        return value

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        if not stored:
            return []
        return [IndexRow(value_text=normalise(str(stored))[:255])]

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.CharField(
            required=False,
            strip=False,
            widget=forms.TextInput(attrs={"class": "form-control", "maxlength": self.max_length(definition)}),
        )


class LongTextKind(TextKind):
    code: ClassVar[str] = "text"
    setting_keys: ClassVar[tuple[str, ...]] = ("max_length", "min_length")
    operators: ClassVar[tuple[str, ...]] = ("contains", "empty", "not_empty")
    default_max_length: ClassVar[int] = 20_000
    hard_max_length: ClassVar[int] = TEXT_MAX_LENGTH

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        # Only the beginning fits an index; long texts are found through search instead.
        return super().index_rows(definition, stored)

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.CharField(
            required=False, strip=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 4})
        )


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


class DateKind(FieldKind):
    code: ClassVar[str] = "date"
    index_column: ClassVar[str | None] = "value_date"
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
    setting_keys: ClassVar[tuple[str, ...]] = ("min", "max")

    @staticmethod
    def parse(raw: Any) -> date:
        if isinstance(raw, datetime):
            raise FieldValueError(_("Enter a date without time."))
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            text = raw.strip()
            for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
                try:
                    return datetime.strptime(text, pattern).date()
                except ValueError:
                    continue
        raise FieldValueError(_("Enter a date as YYYY-MM-DD or DD.MM.YYYY."))

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        for key in ("min", "max"):
            if cleaned.get(key) in (None, ""):
                cleaned.pop(key, None)
                continue
            try:
                cleaned[key] = self.parse(cleaned[key]).isoformat()
            except FieldValueError as error:
                errors[key] = error.message
        return cleaned, errors

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        value = self.parse(raw)
        minimum, maximum = definition.settings.get("min"), definition.settings.get("max")
        if minimum and value.isoformat() < minimum:
            raise FieldValueError(_("Not earlier than %(limit)s.") % {"limit": minimum})
        if maximum and value.isoformat() > maximum:
            raise FieldValueError(_("Not later than %(limit)s.") % {"limit": maximum})
        return value.isoformat()

    def default_value(self, definition: FieldDefinition, context: Any) -> Any:
        if definition.default == "today":
            now = context.now or timezone.now()
            return timezone.localdate(now).isoformat()
        return definition.default

    def typed(self, definition: FieldDefinition, stored: Any) -> Any:
        return None if not stored else date.fromisoformat(stored)

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        return "" if not stored else formats.date_format(date.fromisoformat(stored), "SHORT_DATE_FORMAT")

    def search_words(self, definition: FieldDefinition, stored: Any) -> str:
        return "" if not stored else f"{stored} {self.display(definition, stored)}"

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        return [] if not stored else [IndexRow(value_date=date.fromisoformat(stored))]

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.CharField(
            required=False, widget=forms.DateInput(attrs={"class": "form-control", "type": "date"})
        )


class DateTimeKind(FieldKind):
    code: ClassVar[str] = "datetime"
    index_column: ClassVar[str | None] = "value_date"
    operators: ClassVar[tuple[str, ...]] = ("lt", "lte", "gt", "gte", "between", "empty", "not_empty")

    @staticmethod
    def parse(raw: Any) -> datetime:
        value: datetime | None = None
        if isinstance(raw, datetime):
            value = raw
        elif isinstance(raw, str):
            text = raw.strip()
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                for pattern in ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"):
                    try:
                        value = datetime.strptime(text, pattern)
                        break
                    except ValueError:
                        continue
        if value is None:
            raise FieldValueError(_("Enter a date and time as YYYY-MM-DDTHH:MM."))
        if timezone.is_naive(value):
            # Typed in a form: the user means his own (the company's) clock.
            value = timezone.make_aware(value, timezone.get_current_timezone())
        return value

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        return self.parse(raw).astimezone(UTC).isoformat()

    def default_value(self, definition: FieldDefinition, context: Any) -> Any:
        if definition.default == "now":
            return (context.now or timezone.now()).astimezone(UTC).replace(microsecond=0).isoformat()
        return definition.default

    def typed(self, definition: FieldDefinition, stored: Any) -> Any:
        return None if not stored else datetime.fromisoformat(stored)

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        if not stored:
            return ""
        return formats.date_format(
            timezone.localtime(datetime.fromisoformat(stored)), "SHORT_DATETIME_FORMAT"
        )

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        if not stored:
            return []
        moment = datetime.fromisoformat(stored)
        return [IndexRow(value_text=stored[:255], value_date=timezone.localdate(moment))]

    def form_initial(self, definition: FieldDefinition, stored: Any) -> Any:
        if not stored:
            return stored
        return timezone.localtime(datetime.fromisoformat(stored)).strftime("%Y-%m-%dT%H:%M")

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.CharField(
            required=False,
            widget=forms.DateTimeInput(attrs={"class": "form-control", "type": "datetime-local"}),
        )


TRUE_WORDS = {"1", "true", "yes", "on", "да"}
FALSE_WORDS = {"0", "false", "no", "off", "нет"}


class BooleanKind(FieldKind):
    code: ClassVar[str] = "boolean"
    index_column: ClassVar[str | None] = "value_number"
    operators: ClassVar[tuple[str, ...]] = ("is_true", "is_false")

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise FieldValueError(_("Choose yes or no."))

    def default_value(self, definition: FieldDefinition, context: Any) -> Any:
        return bool(definition.default)

    def as_raw(self, definition: FieldDefinition, stored: Any) -> Any:
        return "" if stored is None else ("true" if stored else "false")

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        if stored is None:
            return ""
        return _("yes") if stored else _("no")

    def search_words(self, definition: FieldDefinition, stored: Any) -> str:
        return ""

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        return [] if stored is None else [IndexRow(value_number=Decimal(1 if stored else 0))]

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.BooleanField(
            required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
        )

    def form_raw(self, definition: FieldDefinition, data: Any, files: Any) -> Any:
        return definition.code in data and data.get(definition.code) not in ("", "false", "0", "off")


for _kind in (
    TextKind(),
    LongTextKind(),
    IntegerKind(),
    NumberKind(),
    MoneyKind(),
    DateKind(),
    DateTimeKind(),
    BooleanKind(),
):
    register_kind(_kind)
