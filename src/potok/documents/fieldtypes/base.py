"""What every field type knows: its settings, how to clean a value, store, show, index and edit it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from potok.documents.models import FieldDefinition


class FieldValueError(Exception):
    """A value does not fit its field; the message is shown next to the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ValueContext:
    """Who saves the value and into what, for the checks that depend on it (which records he may pick)."""

    actor: Any
    owner_code: str
    now: datetime | None = None
    # The values the record holds now: a reference it holds already stays valid for an editor who could
    # not pick it himself.
    held: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormOptions:
    """What the adapter tells the form builder: where a reference field looks up records, how to name them."""

    lookup_url: Callable[[FieldDefinition], str] | None = None
    reference_label: Callable[[FieldDefinition, Any], str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexRow:
    value_text: str | None = None
    value_number: Any = None
    value_date: Any = None


def as_int(value: Any, *, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise FieldValueError(_("%(name)s must be a whole number.") % {"name": name})
    try:
        return int(str(value).strip())
    except ValueError as error:
        raise FieldValueError(_("%(name)s must be a whole number.") % {"name": name}) from error


class FieldKind:
    """One field type. Subclasses say how a raw value (from a form, JSON or a file) becomes the stored
    JSON value, and how that value is shown, searched, indexed and edited.

    Example:
        >>> kind = FIELD_KINDS["integer"]
        >>> kind.clean(field, "42", context)
        42
    """

    code: ClassVar[str]
    # The DocumentIndexValue column this type compares in; None when it cannot be indexed.
    index_column: ClassVar[str | None] = "value_text"
    # Operators start-rule conditions may use on this type.
    operators: ClassVar[tuple[str, ...]] = ("eq", "ne", "empty", "not_empty")
    # Settings keys this type understands, with what they mean for the designer.
    setting_keys: ClassVar[tuple[str, ...]] = ()

    # --- definition time -------------------------------------------------------------------------
    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The settings cleaned (unknown keys dropped), and errors keyed by setting name."""
        return {key: settings[key] for key in self.setting_keys if key in settings}, {}

    # --- values ----------------------------------------------------------------------------------
    def is_empty(self, raw: Any) -> bool:
        if raw is None:
            return True
        if isinstance(raw, str):
            return raw.strip() == ""
        if isinstance(raw, list | tuple):
            return len(raw) == 0
        return False

    def clean(self, definition: FieldDefinition, raw: Any, context: ValueContext) -> Any:
        """The stored (JSON) value for a non-empty raw value; FieldValueError when it does not fit."""
        raise NotImplementedError

    def default_value(self, definition: FieldDefinition, context: ValueContext) -> Any:
        """The stored value a new record gets when the field was left empty."""
        return definition.default

    def typed(self, definition: FieldDefinition, stored: Any) -> Any:
        """The stored value as a Python value (Decimal, date…), for processes and conditions."""
        return stored

    def as_raw(self, definition: FieldDefinition, stored: Any) -> Any:
        """A raw form of the stored value that other types' `clean` understand (for type changes)."""
        return "" if stored is None else str(stored)

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        if stored is None or stored == "" or stored == []:
            return ""
        return str(stored)

    def search_words(self, definition: FieldDefinition, stored: Any) -> str:
        return self.display(definition, stored)

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        if stored is None or stored == "":
            return []
        return [IndexRow(value_text=str(stored)[:255])]

    # --- forms -----------------------------------------------------------------------------------
    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        return forms.CharField(widget=forms.TextInput(attrs={"class": "form-control"}))

    def form_initial(self, definition: FieldDefinition, stored: Any) -> Any:
        return stored

    def form_raw(self, definition: FieldDefinition, data: Any, files: Any) -> Any:
        """The raw value of this field in a submitted form (QueryDict data and files)."""
        return data.get(definition.code)


FIELD_KINDS: dict[str, FieldKind] = {}


def register_kind(kind: FieldKind) -> FieldKind:
    FIELD_KINDS[kind.code] = kind
    return kind


def kind_of(definition: FieldDefinition) -> FieldKind:
    return FIELD_KINDS[definition.field_type]
