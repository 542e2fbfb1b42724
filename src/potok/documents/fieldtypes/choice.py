"""The choice field type: one option, or several, from a list with Russian and English labels."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from potok.documents.fieldtypes.base import FieldKind, FieldValueError, FormOptions, IndexRow, register_kind
from potok.documents.models import FieldDefinition
from potok.documents.text import normalise

OPTION_VALUE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MAX_OPTIONS = 200


def option_label(option: Mapping[str, Any]) -> str:
    russian = (get_language() or "ru").startswith("ru")
    label = option.get("label_ru") if russian else option.get("label_en")
    return str(label or option.get("label_ru") or option.get("label_en") or option["value"])


class ChoiceKind(FieldKind):
    code: ClassVar[str] = "choice"
    operators: ClassVar[tuple[str, ...]] = ("eq", "ne", "in", "not_in", "contains", "empty", "not_empty")
    setting_keys: ClassVar[tuple[str, ...]] = ("options", "multiple")

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        cleaned["multiple"] = bool(cleaned.get("multiple", False))
        raw_options = cleaned.get("options") or []
        if not isinstance(raw_options, list) or not raw_options:
            errors["options"] = _("List at least one option.")
            return cleaned, errors
        if len(raw_options) > MAX_OPTIONS:
            errors["options"] = _("At most %(limit)s options.") % {"limit": MAX_OPTIONS}
            return cleaned, errors
        options, seen = [], set()
        for position, option in enumerate(raw_options, start=1):
            if not isinstance(option, Mapping):
                errors["options"] = _("Option %(n)s: give its value and labels.") % {"n": position}
                break
            value = str(option.get("value", "")).strip()
            if not OPTION_VALUE.match(value):
                errors["options"] = _(
                    "Option %(n)s: the value must be 1–64 Latin letters, digits, _ or -."
                ) % {"n": position}
                break
            if value in seen:
                errors["options"] = _("The option %(value)s is listed twice.") % {"value": value}
                break
            seen.add(value)
            label_ru = str(option.get("label_ru") or "").strip()[:200]
            label_en = str(option.get("label_en") or "").strip()[:200]
            options.append(
                {"value": value, "label_ru": label_ru or value, "label_en": label_en or label_ru or value}
            )
        cleaned["options"] = options
        return cleaned, errors

    @staticmethod
    def options(definition: FieldDefinition) -> list[dict[str, Any]]:
        return list(definition.settings.get("options") or [])

    @staticmethod
    def multiple(definition: FieldDefinition) -> bool:
        return bool(definition.settings.get("multiple"))

    def _one(self, definition: FieldDefinition, raw: Any) -> str:
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            raise FieldValueError(_("Choose one of the listed options."))
        text = str(raw).strip()
        wanted = normalise(text)
        for option in self.options(definition):
            if option["value"] == text:
                return str(option["value"])
        # An import or an API client may send the label instead of the value.
        for option in self.options(definition):
            if wanted in (normalise(option["label_ru"]), normalise(option["label_en"])):
                return str(option["value"])
        allowed = ", ".join(str(option["value"]) for option in self.options(definition))
        raise FieldValueError(
            _("%(value)s is not one of the options (%(allowed)s).") % {"value": text, "allowed": allowed}
        )

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        if not self.multiple(definition):
            if isinstance(raw, list | tuple):
                if len(raw) != 1:
                    raise FieldValueError(_("Choose one option."))
                raw = raw[0]
            return self._one(definition, raw)
        items = (
            raw if isinstance(raw, list | tuple) else [part for part in str(raw).split(",") if part.strip()]
        )
        chosen = {self._one(definition, item) for item in items}
        return [option["value"] for option in self.options(definition) if option["value"] in chosen]

    def is_empty(self, raw: Any) -> bool:
        if isinstance(raw, list | tuple):
            return all(item in (None, "") for item in raw)
        return super().is_empty(raw)

    def default_value(self, definition: FieldDefinition, context: Any) -> Any:
        default = definition.default
        if default in (None, "", []):
            return None
        return self.clean(definition, default, context)

    def as_raw(self, definition: FieldDefinition, stored: Any) -> Any:
        if stored is None:
            return ""
        return list(stored) if isinstance(stored, list) else str(stored)

    def labels(self, definition: FieldDefinition, stored: Any) -> list[str]:
        values = stored if isinstance(stored, list) else [] if stored in (None, "") else [stored]
        by_value = {option["value"]: option for option in self.options(definition)}
        return [option_label(by_value[value]) if value in by_value else str(value) for value in values]

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        return ", ".join(self.labels(definition, stored))

    def search_words(self, definition: FieldDefinition, stored: Any) -> str:
        values = stored if isinstance(stored, list) else [] if stored in (None, "") else [stored]
        by_value = {option["value"]: option for option in self.options(definition)}
        words = []
        for value in values:
            option = by_value.get(value, {})
            words.extend([option.get("label_ru", ""), option.get("label_en", ""), str(value)])
        return " ".join(words)

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        values = stored if isinstance(stored, list) else [] if stored in (None, "") else [stored]
        return [IndexRow(value_text=str(value)) for value in values]

    def choices(self, definition: FieldDefinition) -> list[tuple[str, str]]:
        return [(option["value"], option_label(option)) for option in self.options(definition)]

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        if self.multiple(definition):
            return forms.Field(
                required=False,
                widget=forms.CheckboxSelectMultiple(
                    choices=self.choices(definition), attrs={"class": "form-check-input"}
                ),
            )
        return forms.CharField(
            required=False,
            widget=forms.Select(
                choices=[("", "—"), *self.choices(definition)], attrs={"class": "form-select"}
            ),
        )

    def form_raw(self, definition: FieldDefinition, data: Any, files: Any) -> Any:
        if self.multiple(definition):
            return [value for value in data.getlist(definition.code) if value]
        return data.get(definition.code)


register_kind(ChoiceKind())
