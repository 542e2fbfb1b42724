"""Readers of the client base. Every list, page, API answer and export goes through these, and they go
through potok.access, so a user sees the same records everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from potok.access import registry
from potok.access.models import Action
from potok.access.selectors import can, get_record, scope_condition, user_access, visible_records
from potok.clients import normalize
from potok.clients.models import Contact, Counterparty, Interaction
from potok.core.errors import PermissionDenied, ValidationFailed
from potok.core.pagination import Page, keyset_page

COUNTERPARTY_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "newest": ("-id",),
    "oldest": ("id",),
}


@dataclass(frozen=True)
class CounterpartyFilters:
    q: str = ""
    segment: str = ""
    tag: str = ""
    responsible: int | None = None
    department: int | None = None
    kind: str = ""


def search(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    """Rows whose search column contains the query (or, for a phone, its digits).

    On PostgreSQL the GIN trigram index answers `LIKE '%…%'`; on SQLite it is a scan of one lower-cased
    column, which is what the embedded database is for."""
    terms = normalize.search_terms(query[:200])
    if not terms:
        return queryset
    condition = Q()
    for term in terms:
        condition |= Q(search_text__contains=term)
    return queryset.filter(condition)


def counterparties_visible(user: Any, action: str = Action.READ) -> QuerySet[Counterparty]:
    return visible_records(user, "counterparty", action).select_related("responsible", "department")


def counterparty_list(
    user: Any, filters: CounterpartyFilters, action: str = Action.READ
) -> QuerySet[Counterparty]:
    queryset = search(counterparties_visible(user, action), filters.q)
    if filters.segment:
        queryset = queryset.filter(segment=filters.segment)
    if filters.tag:
        queryset = queryset.filter(tag_keys__contains="," + filters.tag.strip().lower() + ",")
    if filters.responsible is not None:
        queryset = queryset.filter(responsible_id=filters.responsible or None)
    if filters.department is not None:
        queryset = queryset.filter(department_id=filters.department)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset


def counterparty_get(user: Any, pk: Any, action: str = Action.READ) -> Counterparty:
    return get_record(user, "counterparty", pk, action)  # type: ignore[no-any-return]


def merged_survivor(user: Any, pk: Any) -> Counterparty | None:
    """For the page of a merged counterparty: the survivor, when the user may read it (else None)."""
    try:
        merged_into = (
            Counterparty.objects.filter(pk=int(pk), merged_into__isnull=False)
            .values_list("merged_into", flat=True)
            .first()
        )
    except (TypeError, ValueError):
        return None
    seen: set[int] = set()
    while merged_into is not None and merged_into not in seen:
        seen.add(merged_into)
        survivor = Counterparty.objects.filter(pk=merged_into).first()
        if survivor is None:
            return None
        if survivor.deleted_at is None:
            return survivor if visible_records(user, "counterparty").filter(pk=survivor.pk).exists() else None
        merged_into = survivor.merged_into_id
    return None


def segments() -> list[str]:
    return list(
        Counterparty.objects.filter(deleted_at__isnull=True)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()[:100]
    )


def contact_list(user: Any, *, q: str = "", counterparty: int | None = None) -> QuerySet[Contact]:
    queryset = visible_records(user, "contact").select_related("counterparty")
    queryset = search(queryset, q)
    if counterparty is not None:
        queryset = queryset.filter(counterparty_id=counterparty)
    return queryset


def contact_get(user: Any, pk: Any, action: str = Action.READ) -> Contact:
    return get_record(user, "contact", pk, action)  # type: ignore[no-any-return]


def interaction_list(
    user: Any, *, counterparty: int | None = None, kind: str = "", q: str = ""
) -> QuerySet[Interaction]:
    queryset = visible_records(user, "interaction").select_related("counterparty", "author")
    if counterparty is not None:
        queryset = queryset.filter(counterparty_id=counterparty)
    if kind:
        queryset = queryset.filter(kind=kind)
    if q:
        queryset = queryset.filter(Q(subject__icontains=q[:200]) | Q(outcome__icontains=q[:200]))
    return queryset


def interaction_get(user: Any, pk: Any, action: str = Action.READ) -> Interaction:
    return get_record(user, "interaction", pk, action)  # type: ignore[no-any-return]


TIMELINE_ORDER = ("-occurred_at", "-id")


def timeline(
    user: Any, counterparty: Counterparty, *, after: str | None = None, size: int = 20
) -> Page[Interaction]:
    """One page of the counterparty's interactions the user may read, newest first.

    Keyset over the (counterparty, occurred_at desc, id desc) index: a page costs the same for a client
    with ten interactions and one with ten thousand."""
    queryset = (
        interaction_list(user, counterparty=counterparty.pk)
        .select_related("author")
        .prefetch_related("users", "contacts")
    )
    return keyset_page(queryset, order=TIMELINE_ORDER, after=after, size=size)


def counterparty_choices(user: Any, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The client picker of forms such as «Претензия клиента»: id, name and ИНН only.

    Who may use it: anyone who may read counterparties (within his scope), and anyone who may create
    some user-defined document (entity types "document.…") — a receptionist registering a complaint
    picks the client without being able to open the counterparty list or page. The latter must type at
    least 3 characters and gets at most `limit` rows, so the picker cannot be used to page through the
    client base."""
    query = (query or "").strip()
    if can(user, "counterparty", Action.READ):
        queryset = visible_records(user, "counterparty")
    elif may_create_documents(user):
        if len(query) < 3:
            raise ValidationFailed({"q": _("Type at least 3 characters of the name or ИНН.")})
        queryset = Counterparty.objects.filter(deleted_at__isnull=True)
    else:
        raise PermissionDenied("pick counterparty")
    rows = (
        search(queryset, query).order_by("name", "id").values("id", "name", "inn")[: max(1, min(limit, 50))]
    )
    return [{"id": row["id"], "name": row["name"], "inn": row["inn"]} for row in rows]


def may_create_documents(user: Any) -> bool:
    access = user_access(user)
    if access.is_administrator:
        return True
    return any(
        entity_type.startswith("document") and action == Action.CREATE
        for entity_type, action in access.scopes
    )


def may_create_child(user: Any, entity_type: str, counterparty: Counterparty) -> bool:
    """May the user add a contact or an interaction (`entity_type`) to this counterparty?

    The create right's scope is checked against the counterparty's own responsible manager and
    department — the fields through which contacts and interactions are scoped."""
    scope = user_access(user).scope(entity_type, Action.CREATE)
    if scope is None:
        return False
    condition = scope_condition(user, registry.get("counterparty"), scope)
    if condition is None:
        return False
    return visible_records(user, "counterparty").filter(condition, pk=counterparty.pk).exists()


def tags(limit: int = 100) -> list[str]:
    """Tags in use (for the list filter), from a bounded sample of tagged counterparties."""
    found: dict[str, str] = {}
    for row in (
        Counterparty.objects.filter(deleted_at__isnull=True)
        .exclude(tag_keys="")
        .values_list("tags", flat=True)[:2000]
    ):
        for tag in row or []:
            found.setdefault(tag.lower(), tag)
    return sorted(found.values(), key=str.lower)[:limit]
