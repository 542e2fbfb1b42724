"""What the sales pages share: form styling, domain errors into form errors, small parsers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, JsonResponse

from potok.core.errors import ValidationFailed


def styled(form: forms.Form) -> forms.Form:
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def add_errors(form: forms.Form, error: ValidationFailed) -> None:
    for field, texts in error.errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def error_text(error: ValidationFailed) -> str:
    return " ".join(text for texts in error.errors.values() for text in texts)


def number(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


def json_error(message: str, status: int, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, "errors": errors or {}}, status=status)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
