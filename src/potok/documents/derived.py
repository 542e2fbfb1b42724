"""What is derived from a document's values and kept beside them: the search text, the rows of indexed
fields and the references. Services call these in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from potok.documents.fieldtypes import kind_of
from potok.documents.models import (
    Document,
    DocumentIndexValue,
    DocumentReference,
    DocumentStatus,
    FieldDefinition,
    FieldType,
)
from potok.documents.text import normalise

SEARCH_TEXT_LIMIT = 20_000


def search_text_for(document: Document, definitions: Iterable[FieldDefinition]) -> str:
    """The number, the status and the searchable values; confidential fields stay out of search."""
    status = DocumentStatus.objects.filter(
        document_type_id=document.document_type_id, code=document.status
    ).first()
    parts = [document.number]
    if status is not None:
        parts += [status.label_ru, status.label_en]
    for definition in definitions:
        if definition.confidential:
            continue
        stored = document.data.get(definition.code)
        if stored is None:
            continue
        parts.append(kind_of(definition).search_words(definition, stored))
    return normalise(" ".join(part for part in parts if part))[:SEARCH_TEXT_LIMIT]


def rebuild_index(
    document: Document, definitions: Iterable[FieldDefinition], codes: Iterable[str] | None = None
) -> None:
    """Rewrite the index rows of the document's indexed fields (only `codes`, when given)."""
    indexed = [d for d in definitions if d.indexed and kind_of(d).index_column is not None]
    if codes is not None:
        wanted = set(codes)
        indexed = [d for d in indexed if d.code in wanted]
    if not indexed:
        return
    DocumentIndexValue.objects.filter(document=document, field_code__in=[d.code for d in indexed]).delete()
    rows = []
    for definition in indexed:
        stored = document.data.get(definition.code)
        if stored is None:
            continue
        for row in kind_of(definition).index_rows(definition, stored):
            rows.append(
                DocumentIndexValue(
                    document=document,
                    document_type_id=document.document_type_id,
                    field_code=definition.code,
                    value_text=row.value_text,
                    value_number=row.value_number,
                    value_date=row.value_date,
                )
            )
    DocumentIndexValue.objects.bulk_create(rows)


def reference_targets(
    document_data: dict[str, Any], definitions: Iterable[FieldDefinition]
) -> set[tuple[str, str, int]]:
    """(field code, target type, target id) of every reference the values hold."""
    found = set()
    for definition in definitions:
        if definition.field_type != FieldType.REFERENCE:
            continue
        stored = document_data.get(definition.code)
        if stored is None or stored == "":
            continue
        found.add((definition.code, str(definition.settings.get("target", "")), int(stored)))
    return found


def rebuild_references(
    document: Document, definitions: Sequence[FieldDefinition], before: dict[str, Any] | None
) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """Bring the reference rows in line with the values; returns the targets (type, id) added and removed."""
    old = reference_targets(before or {}, definitions)
    new = reference_targets(document.data, definitions)
    if old == new:
        return set(), set()
    for code, target_type, target_id in old - new:
        DocumentReference.objects.filter(
            source=document, field_code=code, target_type=target_type, target_id=target_id
        ).delete()
    DocumentReference.objects.bulk_create(
        DocumentReference(source=document, field_code=code, target_type=target_type, target_id=target_id)
        for code, target_type, target_id in new - old
    )
    old_targets = {(target_type, target_id) for _code, target_type, target_id in old}
    new_targets = {(target_type, target_id) for _code, target_type, target_id in new}
    return new_targets - old_targets, old_targets - new_targets


def refresh_derived(document: Document, definitions: Sequence[FieldDefinition]) -> None:
    """Recompute everything derived (after the field definitions changed under existing values)."""
    document.search_text = search_text_for(document, definitions)
    Document.objects.filter(pk=document.pk).update(search_text=document.search_text)
    rebuild_index(document, definitions)
    DocumentReference.objects.filter(source=document).delete()
    rebuild_references(document, definitions, None)
