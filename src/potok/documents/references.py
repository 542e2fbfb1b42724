"""What a reference field may point at, which records a user may pick, and how they are named.

Directories (counterparties, contacts, users, departments) are picked by anyone who may save a record
that has a reference field to them — the receptionist picks the client of a complaint although she may
not list counterparties — and show only a name (and the ИНН). Documents are picked only among those the
user may read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from potok.access import registry
from potok.access.models import Action
from potok.access.selectors import visible_records
from potok.core.errors import PermissionDenied
from potok.documents.models import ENTITY_PREFIX, Document, DocumentType
from potok.documents.text import search_terms

DIRECTORY_TARGETS: dict[str, Any] = {
    "counterparty": _("counterparty"),
    "contact": _("contact"),
    "user": _("user"),
    "department": _("department"),
}
# Fields searched when the model's entity type does not name its own (EntityType.extra["search_fields"]).
_GUESSED_SEARCH_FIELDS = (
    "name",
    "full_name",
    "short_name",
    "inn",
    "last_name",
    "first_name",
    "middle_name",
    "username",
    "email",
)
LOOKUP_LIMIT = 20


def is_document_target(target: str) -> bool:
    return target.startswith(ENTITY_PREFIX)


def target_known(target: str) -> bool:
    """Can a reference field be made to point at `target`?"""
    if target in DIRECTORY_TARGETS:
        return True
    if is_document_target(target):
        return DocumentType.objects.filter(code=target.removeprefix(ENTITY_PREFIX)).exists()
    return False


def target_label(target: str) -> str:
    if target in DIRECTORY_TARGETS:
        return str(DIRECTORY_TARGETS[target])
    document_type = DocumentType.objects.filter(code=target.removeprefix(ENTITY_PREFIX)).first()
    return document_type.name if document_type else target


def target_model(target: str) -> type[Model] | None:
    try:
        return registry.get(target).model
    except KeyError:
        return None


def all_records(target: str) -> QuerySet[Any]:
    entity = registry.get(target)
    queryset = entity.model._default_manager.all()
    if entity.base_filter is not None:
        queryset = queryset.filter(entity.base_filter())
    if _has_field(entity.model, "is_active"):
        queryset = queryset.filter(is_active=True)
    return queryset


def pickable_records(actor: Any, target: str) -> QuerySet[Any]:
    """The records of `target` the actor may put into a reference field (KeyError: unknown target).

    No actor (a process, the system) may pick any record."""
    if actor is None:
        return all_records(target)
    if is_document_target(target):
        return visible_records(actor, target, Action.READ)
    return all_records(target)


def reference_labels(target: str, ids: Iterable[Any]) -> dict[int, str]:
    """Names of the records `ids` of `target`, for showing reference values (one query)."""
    wanted = {int(pk) for pk in ids if pk not in (None, "")}
    if not wanted:
        return {}
    try:
        entity = registry.get(target)
    except KeyError:
        return {}
    queryset = entity.model._default_manager.filter(pk__in=wanted)
    if entity.model is Document:
        return dict(queryset.values_list("pk", "number"))
    return {record.pk: str(record) for record in queryset}


def lookup_records(actor: Any, target: str, query: str, *, limit: int = LOOKUP_LIMIT) -> list[dict[str, Any]]:
    """Records to offer in a reference picker: id, label and a detail line (the ИНН of a counterparty)."""
    if target == "counterparty":
        return _counterparty_choices(actor, query, limit=limit)
    try:
        entity = registry.get(target)
    except KeyError:
        return []
    queryset = pickable_records(actor, target)
    terms = search_terms(query)
    if entity.model is Document:
        for term in terms:
            queryset = queryset.filter(search_text__contains=term)
        queryset = queryset.order_by("-created_at", "-id")
    elif target == "contact":
        # The client base keeps its own normalised search column for contacts.
        from potok.clients.selectors import search as clients_search

        queryset = clients_search(queryset, query).order_by("last_name", "first_name", "pk")
    else:
        fields = entity.extra.get("search_fields") or [
            name for name in _GUESSED_SEARCH_FIELDS if _has_field(entity.model, name)
        ]
        for term in terms:
            condition = Q()
            # SQLite compares only Latin letters without regard to case: try the usual spellings too.
            for variant in {term, term.capitalize(), term.upper()}:
                for name in fields:
                    condition |= Q(**{f"{name}__icontains": variant})
            queryset = queryset.filter(condition)
        ordering = [name for name in ("name", "last_name", "username") if _has_field(entity.model, name)]
        queryset = queryset.order_by(*ordering, "pk")
    results = []
    for record in queryset[:limit]:
        detail = ""
        inn = getattr(record, "inn", "")
        if inn:
            detail = f"ИНН {inn}"
        elif isinstance(record, Document):
            detail = record.created_at.date().isoformat()
        results.append({"id": record.pk, "label": str(record), "detail": detail})
    return results


def _counterparty_choices(actor: Any, query: str, *, limit: int) -> list[dict[str, Any]]:
    """The client base's own picker: name and ИНН only, and only after a few typed characters for those
    who may not list counterparties."""
    from potok.clients.selectors import counterparty_choices

    try:
        rows = counterparty_choices(actor, query, limit=limit)
    except PermissionDenied:
        return []
    return [
        {"id": row["id"], "label": row["name"], "detail": f"ИНН {row['inn']}" if row.get("inn") else ""}
        for row in rows
    ]


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
