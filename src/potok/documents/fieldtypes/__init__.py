"""The registry of field types. Each type knows its settings, validation, storage, index column, form
widget and the operators conditions may use on it; a new type is one class registered here.

Example:
    >>> from potok.documents.fieldtypes import kind_of
    >>> kind_of(field).clean(field, "12 500,50", context)
    '12500.50'
"""

from potok.documents.fieldtypes import choice, files, moments, numbers, reference, texts  # noqa: F401 - they register
from potok.documents.fieldtypes.base import (
    FIELD_KINDS,
    FieldKind,
    FieldValueError,
    FormOptions,
    IndexRow,
    ValueContext,
    kind_of,
)
from potok.documents.fieldtypes.files import KEEP, PendingUpload

__all__ = [
    "FIELD_KINDS",
    "KEEP",
    "FieldKind",
    "FieldValueError",
    "FormOptions",
    "IndexRow",
    "PendingUpload",
    "ValueContext",
    "kind_of",
]
