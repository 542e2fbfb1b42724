"""Documents as entity types of the access model: "document.<code>" resolved from the data.

Also the built-in entities that may carry custom fields defined here.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from potok.access.registry import EntityType
from potok.documents.models import ENTITY_PREFIX, Document, DocumentType

# Built-in entities whose records keep custom field values (their model has a `custom_fields` JSONField).
CUSTOM_FIELD_ENTITIES = {
    "counterparty": _("Counterparties"),
    "contact": _("Contacts"),
    "deal": _("Deals"),
}
OWNER_FIELDS = ("author", "responsible")
DEPARTMENT_FIELD = "department"


def document_entity_code(type_code: str) -> str:
    return ENTITY_PREFIX + type_code


def type_code_of(entity_type: str) -> str | None:
    return entity_type.removeprefix(ENTITY_PREFIX) if entity_type.startswith(ENTITY_PREFIX) else None


def entity_for(document_type: DocumentType) -> EntityType:
    code = document_type.code
    return EntityType(
        code=document_type.entity_type,
        label=document_type.name,
        model=Document,
        owner_fields=OWNER_FIELDS,
        department_field=DEPARTMENT_FIELD,
        base_filter=lambda: Q(document_type__code=code),
        extra={"document_type_code": code, "search_fields": ["search_text"]},
    )


def resolve_document_entity(code: str) -> EntityType | None:
    """The access registry's resolver for "document.<code>" (registered from the app's ready())."""
    type_code = type_code_of(code)
    if not type_code:
        return None
    document_type = DocumentType.objects.filter(code=type_code).only("code", "name_ru", "name_en").first()
    if document_type is None:
        return None
    return entity_for(document_type)


def document_type_names() -> dict[str, str]:
    """Entity code → the type's name in the current language, for pages that list entity types."""
    russian = (get_language() or "ru").startswith("ru")
    return {
        document_entity_code(code): (name_ru if russian else name_en)
        for code, name_ru, name_en in DocumentType.objects.values_list("code", "name_ru", "name_en")
    }
