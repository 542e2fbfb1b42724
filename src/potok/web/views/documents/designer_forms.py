"""The designer's forms: a document type, a field (with the settings of its type), a status. They parse what
the administrator typed into the arguments of potok.documents.services; the checks are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from potok.core.errors import ValidationFailed
from potok.documents.fieldtypes import FIELD_KINDS
from potok.documents.fieldtypes.files import DEFAULT_MAX_SIZE
from potok.documents.forms import add_errors
from potok.documents.models import DocumentType, FieldDefinition, FieldType, StatusColor
from potok.documents.references import DIRECTORY_TARGETS
from potok.documents.selectors import document_types, statuses_of


class DocumentTypeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=48,
        help_text=gettext_lazy(
            "Latin letters, digits and _; it names the type in the API and cannot change."
        ),
    )
    name_ru = forms.CharField(label=gettext_lazy("Name (Russian)"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    number_prefix = forms.CharField(
        label=gettext_lazy("Number prefix"),
        max_length=16,
        required=False,
        help_text=gettext_lazy("Numbers look like PREFIX-2026-00042 and restart every year."),
    )
    number_digits = forms.IntegerField(
        label=gettext_lazy("Digits of the number"), min_value=1, max_value=9, initial=5
    )


SETTING_FIELDS_FOR = {
    "max_length": ("string", "text"),
    "min_length": ("string", "text"),
    "regex": ("string",),
    "min": ("integer", "decimal", "money", "date"),
    "max": ("integer", "decimal", "money", "date"),
    "decimal_places": ("decimal",),
    "currency": ("money",),
    "options": ("choice",),
    "multiple": ("choice",),
    "target": ("reference",),
    "max_size_kb": ("file",),
    "extensions": ("file",),
}


def target_choices() -> list[tuple[str, str]]:
    choices = [(code, str(label)) for code, label in DIRECTORY_TARGETS.items()]
    choices += [(t.entity_type, _("document «%(name)s»") % {"name": t.name}) for t in document_types()]
    return choices


class FieldForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=48,
        help_text=gettext_lazy("Latin letters, digits and _; the key of the value in the API and in rules."),
    )
    label_ru = forms.CharField(label=gettext_lazy("Label (Russian)"), max_length=200)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=200, required=False)
    field_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=FieldType.choices)
    help_ru = forms.CharField(label=gettext_lazy("Help text (Russian)"), max_length=500, required=False)
    help_en = forms.CharField(label=gettext_lazy("Help text (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    default = forms.CharField(
        label=gettext_lazy("Default value"),
        required=False,
        help_text=gettext_lazy(
            "For a date «today», for a date and time «now»; options of a multiple choice separated by commas."
        ),
    )
    indexed = forms.BooleanField(
        label=gettext_lazy("Indexed"),
        required=False,
        help_text=gettext_lazy("Lists and rules filter on it quickly."),
    )
    in_list = forms.BooleanField(label=gettext_lazy("Shown as a column in lists"), required=False)
    confidential = forms.BooleanField(
        label=gettext_lazy("Confidential"),
        required=False,
        help_text=gettext_lazy("Shown only to people with the right to see it."),
    )
    max_length = forms.IntegerField(label=gettext_lazy("Maximum length"), required=False, min_value=1)
    min_length = forms.IntegerField(label=gettext_lazy("Minimum length"), required=False, min_value=1)
    regex = forms.CharField(
        label=gettext_lazy("Pattern (regular expression)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The whole value must match, e.g. [0-9]{10}."),
    )
    min = forms.CharField(label=gettext_lazy("Minimum"), required=False)
    max = forms.CharField(label=gettext_lazy("Maximum"), required=False)
    decimal_places = forms.IntegerField(
        label=gettext_lazy("Decimal places"), required=False, min_value=0, max_value=6
    )
    currency = forms.CharField(label=gettext_lazy("Currency"), required=False, max_length=3, initial="RUB")
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One per line: value | Russian label | English label."),
    )
    multiple = forms.BooleanField(label=gettext_lazy("Several options may be chosen"), required=False)
    target = forms.ChoiceField(label=gettext_lazy("Refers to"), required=False, choices=())
    max_size_kb = forms.IntegerField(label=gettext_lazy("Largest file, KB"), required=False, min_value=1)
    extensions = forms.CharField(
        label=gettext_lazy("Accepted file types"),
        required=False,
        help_text=gettext_lazy("Extensions separated by spaces, e.g. pdf jpg png; empty: any."),
    )

    def __init__(self, *args: Any, editing: FieldDefinition | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [("", "—"), *target_choices()]
        if editing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
        for name, types in SETTING_FIELDS_FOR.items():
            self.fields[name].widget.attrs["data-field-types"] = " ".join(types)

    def settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        field_type = data["field_type"]
        keys = FIELD_KINDS[field_type].setting_keys
        settings: dict[str, Any] = {}
        for key in keys:
            if key == "options":
                settings["options"] = parse_options(data.get("options") or "")
            elif key == "max_size":
                settings["max_size"] = (data.get("max_size_kb") or DEFAULT_MAX_SIZE // 1024) * 1024
            elif key == "extensions":
                settings["extensions"] = data.get("extensions") or ""
            elif key == "multiple":
                settings["multiple"] = bool(data.get("multiple"))
            elif data.get(key) not in (None, ""):
                settings[key] = data[key]
        return settings

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label_ru": data["label_ru"],
            "label_en": data.get("label_en") or "",
            "help_ru": data.get("help_ru") or "",
            "help_en": data.get("help_en") or "",
            "field_type": data["field_type"],
            "required": bool(data.get("required")),
            "default": parse_default(
                data["field_type"], data.get("default") or "", bool(data.get("multiple"))
            ),
            "settings": self.settings(),
            "indexed": bool(data.get("indexed")),
            "in_list": bool(data.get("in_list")),
            "confidential": bool(data.get("confidential")),
        }


def parse_options(text: str) -> list[dict[str, str]]:
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        value = parts[0]
        label_ru = parts[1] if len(parts) > 1 else value
        label_en = parts[2] if len(parts) > 2 else label_ru
        options.append({"value": value, "label_ru": label_ru, "label_en": label_en})
    return options


def options_text(options: list[dict[str, Any]]) -> str:
    return "\n".join(f"{o['value']} | {o.get('label_ru', '')} | {o.get('label_en', '')}" for o in options)


def parse_default(field_type: str, text: str, multiple: bool) -> Any:
    text = text.strip()
    if not text:
        return None
    if field_type == FieldType.CHOICE and multiple:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def field_initial(definition: FieldDefinition) -> dict[str, Any]:
    settings = definition.settings
    default = definition.default
    if isinstance(default, list):
        default = ", ".join(str(item) for item in default)
    elif isinstance(default, bool):
        default = "true" if default else "false"
    return {
        "code": definition.code,
        "label_ru": definition.label_ru,
        "label_en": definition.label_en,
        "help_ru": definition.help_ru,
        "help_en": definition.help_en,
        "field_type": definition.field_type,
        "required": definition.required,
        "default": "" if default is None else default,
        "indexed": definition.indexed,
        "in_list": definition.in_list,
        "confidential": definition.confidential,
        "max_length": settings.get("max_length"),
        "min_length": settings.get("min_length"),
        "regex": settings.get("regex", ""),
        "min": settings.get("min", ""),
        "max": settings.get("max", ""),
        "decimal_places": settings.get("decimal_places"),
        "currency": settings.get("currency", "RUB"),
        "options": options_text(settings.get("options") or []),
        "multiple": settings.get("multiple", False),
        "target": settings.get("target", ""),
        "max_size_kb": (settings.get("max_size") or DEFAULT_MAX_SIZE) // 1024,
        "extensions": " ".join(settings.get("extensions") or []),
    }


def field_errors(form: forms.Form, error: ValidationFailed) -> None:
    renamed = {"settings.max_size": "max_size_kb"}
    add_errors(
        form,
        ValidationFailed({renamed.get(key, key): messages_ for key, messages_ in error.errors.items()}),
    )


class StatusForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=48)
    label_ru = forms.CharField(label=gettext_lazy("Label (Russian)"), max_length=100)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=100, required=False)
    color = forms.ChoiceField(
        label=gettext_lazy("Colour"), choices=StatusColor.choices, initial=StatusColor.GREY
    )
    is_initial = forms.BooleanField(
        label=gettext_lazy("Initial"), required=False, help_text=gettext_lazy("New documents start here.")
    )
    is_final = forms.BooleanField(
        label=gettext_lazy("Final"), required=False, help_text=gettext_lazy("The document's work is over.")
    )
    next_statuses = forms.MultipleChoiceField(
        label=gettext_lazy("May move on to"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, document_type: DocumentType, editing: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        next_statuses = self.fields["next_statuses"]
        assert isinstance(next_statuses, forms.MultipleChoiceField)
        next_statuses.choices = [
            (status.code, status.label) for status in statuses_of(document_type) if status.code != editing
        ]
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
