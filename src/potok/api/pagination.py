from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema

from potok.core.errors import ValidationFailed
from potok.core.pagination import keyset_page

T = TypeVar("T")


class PageOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_of(
    queryset: QuerySet[Any], *, order: tuple[str, ...], cursor: str | None, limit: int
) -> dict[str, Any]:
    if not 1 <= limit <= 500:
        raise ValidationFailed({"limit": "Use a limit from 1 to 500."})
    page = keyset_page(queryset, order=order, after=cursor, size=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}
