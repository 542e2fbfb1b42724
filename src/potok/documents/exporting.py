"""How user-defined fields are written into an exported file, for document lists and for the custom fields
of counterparties, contacts and deals alike: one column per field, headed by its label in the reader's
language, a value as a person reads it (a choice's label, a date in the locale's format, a reference as the
record's name, a file as its name, yes/no), confidential fields only for a reader who may see them.

Example:
    >>> definitions = exported_definitions(user, "counterparty", custom_field_definitions("counterparty"))
    >>> cells = export_cells(user, "counterparty", definitions, batch, typed=False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from potok.documents import confidential
from potok.documents.fieldtypes import kind_of
from potok.documents.models import FieldDefinition, FieldType
from potok.documents.selectors import reference_labels_for

NUMBER_TYPES = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY)


def exported_definitions(
    user: Any, entity_type: str, definitions: Iterable[FieldDefinition]
) -> list[FieldDefinition]:
    """The fields exported: confidential ones only for a user who sees them on some records (a reader
    without the right gets no column for them at all)."""
    definitions = list(definitions)
    if confidential.sees_any(user, entity_type):
        return definitions
    return [d for d in definitions if not d.confidential]


def export_value(
    definition: FieldDefinition, stored: Any, labels: Mapping[Any, str] | None, *, typed: bool
) -> Any:
    """One cell. `typed` keeps numbers and dates as such (for XLSX); else the cell is text."""
    if stored is None or stored == "" or stored == []:
        return ""
    if definition.field_type in NUMBER_TYPES:
        return Decimal(str(stored)) if typed else str(stored)
    if typed and definition.field_type == FieldType.DATE:
        return kind_of(definition).typed(definition, stored)
    if definition.field_type == FieldType.FILE:
        # The file's name is what a reader needs in a spreadsheet; the file itself stays in Potok.
        return str(stored.get("name", "")) if isinstance(stored, Mapping) else ""
    return kind_of(definition).display(definition, stored, labels)


def export_cells(
    user: Any,
    entity_type: str,
    definitions: Sequence[FieldDefinition],
    batch: Sequence[tuple[Any, Mapping[str, Any]]],
    *,
    typed: bool,
) -> list[list[Any]]:
    """The cells of `definitions` for a batch of (record id, stored values), one list per record. The values
    of confidential fields are empty on the records whose confidential fields `user` does not see; the
    references of the whole batch are named with one query per target."""
    if not definitions:
        return [[] for _ in batch]
    labels = reference_labels_for(definitions, [values for _, values in batch])
    secret = confidential.confidential_codes(definitions)
    seen = confidential.revealed(user, entity_type, [pk for pk, _ in batch]) if secret else set()
    result = []
    for pk, values in batch:
        row = []
        for definition in definitions:
            stored = values.get(definition.code)
            if definition.code in secret and pk not in seen:
                stored = None
            row.append(export_value(definition, stored, labels.get(definition.code), typed=typed))
        result.append(row)
    return result
