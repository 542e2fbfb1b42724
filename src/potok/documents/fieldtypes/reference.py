"""The reference field type: a link to a counterparty, contact, user, department or another document."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _

from potok.documents import references
from potok.documents.fieldtypes.base import FieldKind, FieldValueError, FormOptions, IndexRow, register_kind
from potok.documents.models import FieldDefinition


class ReferenceWidget(forms.Widget):
    """A text box that looks records up as one types (htmx) and keeps the chosen id in a hidden input."""

    template_name = "documents/widgets/reference.html"

    def __init__(
        self,
        *,
        lookup_url: str,
        label_for: Callable[[Any], str],
        target: str = "",
        attrs: dict[str, Any] | None = None,
    ):
        super().__init__(attrs)
        self.lookup_url = lookup_url
        self.label_for = label_for
        self.target = target

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            lookup_url=self.lookup_url,
            target=self.target,
            label=self.label_for(value) if value not in (None, "") else "",
        )
        return context


class ReferenceKind(FieldKind):
    code: ClassVar[str] = "reference"
    index_column: ClassVar[str | None] = "value_number"
    operators: ClassVar[tuple[str, ...]] = ("eq", "ne", "in", "empty", "not_empty")
    setting_keys: ClassVar[tuple[str, ...]] = ("target",)

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        target = str(cleaned.get("target") or "").strip()
        if not target:
            errors["target"] = _("Choose what the field refers to.")
        elif not references.target_known(target):
            errors["target"] = _("%(target)s is not something a field can refer to.") % {"target": target}
        cleaned["target"] = target
        return cleaned, errors

    @staticmethod
    def target(definition: FieldDefinition) -> str:
        return str(definition.settings.get("target", ""))

    @staticmethod
    def parse_id(raw: Any) -> int:
        if isinstance(raw, Mapping):
            raw = raw.get("id")
        if isinstance(raw, bool):
            raise FieldValueError(_("Give the id of a record."))
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError) as error:
            raise FieldValueError(_("Give the id of a record.")) from error
        if value <= 0:
            raise FieldValueError(_("Give the id of a record."))
        return value

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        pk = self.parse_id(raw)
        target = self.target(definition)
        if context.held.get(definition.code) == pk:
            return pk
        try:
            found = references.pickable_records(context.actor, target).filter(pk=pk).exists()
        except KeyError as error:
            raise FieldValueError(
                _("Records of %(target)s are not available.") % {"target": target}
            ) from error
        if not found:
            raise FieldValueError(
                _("There is no %(target)s with the id %(id)s that you may see.")
                % {"target": references.target_label(target), "id": pk}
            )
        return pk

    def default_value(self, definition: FieldDefinition, context: Any) -> Any:
        return (
            None if definition.default in (None, "") else self.clean(definition, definition.default, context)
        )

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        if stored in (None, ""):
            return ""
        if labels is None:
            labels = references.reference_labels(self.target(definition), [stored])
        return labels.get(int(stored), f"#{stored}")

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        return [] if stored in (None, "") else [IndexRow(value_number=Decimal(int(stored)))]

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        url = options.lookup_url(definition) if options.lookup_url else ""

        def label_for(value: Any) -> str:
            try:
                pk = int(value)
            except (TypeError, ValueError):
                return ""
            if options.reference_label is not None:
                return options.reference_label(definition, pk)
            return self.display(definition, pk)

        return forms.CharField(
            required=False,
            widget=ReferenceWidget(
                lookup_url=url,
                label_for=label_for,
                target=self.target(definition),
                attrs={"class": "form-control"},
            ),
        )


register_kind(ReferenceKind())
