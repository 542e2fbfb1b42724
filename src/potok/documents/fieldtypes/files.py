"""The file field type: one uploaded file, kept by Django's storage, handed out only after an access check."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, ClassVar

from django import forms
from django.template.defaultfilters import filesizeformat
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

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
HARD_MAX_SIZE = 100 * 1024 * 1024


class Keep:
    """The raw value "leave the stored file as it is" (a form submitted without a new upload)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


@dataclass(frozen=True)
class PendingUpload:
    """A checked upload, written to storage by the service once the record has an id."""

    file: Any
    name: str
    size: int
    content_type: str


def file_name(name: str) -> str:
    """The last part of an uploaded file's name, without directories or control characters."""
    base = PurePath(str(name).replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return cleaned.strip()[:200] or "file"


class FileKind(FieldKind):
    code: ClassVar[str] = "file"
    index_column: ClassVar[str | None] = None
    operators: ClassVar[tuple[str, ...]] = ("empty", "not_empty")
    setting_keys: ClassVar[tuple[str, ...]] = ("max_size", "extensions")

    def check_settings(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned, errors = super().check_settings(settings)
        try:
            size = as_int(cleaned.get("max_size"), name="max_size")
        except FieldValueError as error:
            errors["max_size"] = error.message
            size = None
        if size is not None and not 1 <= size <= HARD_MAX_SIZE:
            errors["max_size"] = _("Use a size from 1 byte to %(limit)s.") % {
                "limit": filesizeformat(HARD_MAX_SIZE)
            }
        cleaned["max_size"] = size or DEFAULT_MAX_SIZE
        extensions = cleaned.get("extensions") or []
        if isinstance(extensions, str):
            extensions = [part for part in extensions.replace(",", " ").split() if part]
        cleaned["extensions"] = sorted({str(part).lower().lstrip(".")[:10] for part in extensions})
        return cleaned, errors

    @staticmethod
    def max_size(definition: FieldDefinition) -> int:
        return int(definition.settings.get("max_size") or DEFAULT_MAX_SIZE)

    def is_empty(self, raw: Any) -> bool:
        return raw is None or raw == "" or (isinstance(raw, Mapping) and not raw)

    def clean(self, definition: FieldDefinition, raw: Any, context: Any) -> Any:
        if isinstance(raw, Mapping) and "id" in raw:
            # The stored value itself, sent back unchanged (an API client echoing what it read).
            return {key: raw[key] for key in ("id", "name", "size", "content_type") if key in raw}
        if not hasattr(raw, "read") or not hasattr(raw, "size"):
            raise FieldValueError(_("Upload a file."))
        name = file_name(getattr(raw, "name", "") or "file")
        limit = self.max_size(definition)
        if raw.size > limit:
            raise FieldValueError(
                _("The file is %(size)s; at most %(limit)s is allowed.")
                % {"size": filesizeformat(raw.size), "limit": filesizeformat(limit)}
            )
        if raw.size == 0:
            raise FieldValueError(_("The file is empty."))
        extensions = definition.settings.get("extensions") or []
        suffix = PurePath(name).suffix.lower().lstrip(".")
        if extensions and suffix not in extensions:
            raise FieldValueError(
                _("Files of type %(suffix)s are not accepted; use %(allowed)s.")
                % {"suffix": suffix or "?", "allowed": ", ".join(extensions)}
            )
        content_type = str(getattr(raw, "content_type", "") or "") or (
            mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        return PendingUpload(file=raw, name=name, size=int(raw.size), content_type=content_type[:100])

    def default_value(self, definition: FieldDefinition, context: Any) -> Any:
        return None

    def as_raw(self, definition: FieldDefinition, stored: Any) -> Any:
        return stored

    def display(
        self, definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None = None
    ) -> str:
        if not stored:
            return ""
        return f"{stored.get('name', '')} ({filesizeformat(stored.get('size', 0))})"

    def search_words(self, definition: FieldDefinition, stored: Any) -> str:
        return str(stored.get("name", "")) if stored else ""

    def index_rows(self, definition: FieldDefinition, stored: Any) -> list[IndexRow]:
        return []

    def form_field(self, definition: FieldDefinition, options: FormOptions) -> forms.Field:
        extensions = definition.settings.get("extensions") or []
        attrs = {"class": "form-control"}
        if extensions:
            attrs["accept"] = ",".join(f".{suffix}" for suffix in extensions)
        return forms.FileField(required=False, allow_empty_file=True, widget=forms.FileInput(attrs=attrs))

    def form_initial(self, definition: FieldDefinition, stored: Any) -> Any:
        return None

    def form_raw(self, definition: FieldDefinition, data: Any, files: Any) -> Any:
        upload = files.get(definition.code) if files is not None else None
        if upload is not None:
            return upload
        if data.get(f"{definition.code}__clear"):
            return None
        return KEEP


register_kind(FileKind())
