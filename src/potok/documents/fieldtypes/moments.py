"""Field types of time and truth: a date, a date and time (kept in UTC), yes / no."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from potok.documents.fieldtypes.base import (
    FieldKind,
    FieldValueError,
    FormOptions,
    IndexRow,
    register_kind,
)
from potok.documents.models import FieldDefinition


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


register_kind(DateKind())
register_kind(DateTimeKind())
register_kind(BooleanKind())
