"""Keyset pagination: pages stay fast at a million rows because no OFFSET is scanned.

Example:
    >>> page = keyset_page(Counterparty.objects.all(), order=("name", "id"), after=None, size=50)
    >>> page.items, page.next_cursor
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q, QuerySet

from potok.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed(
            {"cursor": "The page cursor is not valid; start from the first page."}
        ) from error
    if not isinstance(values, list) or len(values) != length:
        raise ValidationFailed({"cursor": "The page cursor is not valid; start from the first page."})
    return values


def keyset_page(queryset: QuerySet[M], *, order: tuple[str, ...], after: str | None, size: int) -> Page[M]:
    """One page of `queryset` ordered by `order` (field names, '-' for descending; the last must be unique)."""
    fields = [name.lstrip("-") for name in order]
    queryset = queryset.order_by(*order)
    if after:
        values = decode_cursor(after, len(fields))
        condition = Q()
        for position, name in enumerate(order):
            field = fields[position]
            lookup = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{field}__{lookup}": values[position]})
            for previous in range(position):
                step &= Q(**{fields[previous]: values[previous]})
            condition |= step
        queryset = queryset.filter(condition)
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor([_value(last, field) for field in fields])
    return Page(items=rows, next_cursor=next_cursor)


def _value(row: Model, field: str) -> Any:
    value: Any = row
    for part in field.split("__"):
        value = getattr(value, part, None)
        if isinstance(value, Model):
            value = value.pk
    return value
