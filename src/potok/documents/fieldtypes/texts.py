"""Field types of text: a string (one line, with an optional pattern) and a long text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
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


register_kind(TextKind())
register_kind(LongTextKind())
