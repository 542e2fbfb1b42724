"""Finding and replacing a person's values inside free text and JSON (audit changes, event snapshots,
process variables, task data).

A needle is a string that identifies the person on its own: a full name, a phone, an email, a personal
ИНН. Single name parts ("Петров") are too common to be replaced everywhere; they are replaced only in rows
that belong to the person's own records (see `Needles.own`).

Example:
    >>> needles = Needles(anywhere=("+79161234567",), own=())
    >>> scrub_value({"phone": "+79161234567"}, needles, "[erased]")
    ({'phone': '[erased]'}, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.functions import Cast

M = TypeVar("M", bound=Model)

MIN_NEEDLE = 4  # shorter values (initials, "Ан") would match unrelated text


@dataclass(frozen=True)
class Needles:
    """`anywhere`: replaced in any row; `own`: also replaced in rows of the person's own records."""

    anywhere: tuple[str, ...]
    own: tuple[str, ...] = ()

    def for_own_rows(self) -> Needles:
        return Needles(anywhere=self.anywhere + self.own)

    @property
    def empty(self) -> bool:
        return not self.anywhere


def clean_needles(values: Iterable[str]) -> tuple[str, ...]:
    found = {" ".join(str(value).split()) for value in values if value}
    # Longest first, so "Петров Иван Сергеевич" is replaced whole before "Петров Иван".
    return tuple(sorted((v for v in found if len(v) >= MIN_NEEDLE), key=lambda v: (-len(v), v)))


def _pattern(needles: Needles) -> re.Pattern[str] | None:
    if needles.empty:
        return None
    return re.compile("|".join(re.escape(needle) for needle in needles.anywhere), re.IGNORECASE)


def scrub_text(text: str, needles: Needles, placeholder: str) -> tuple[str, bool]:
    pattern = _pattern(needles)
    if pattern is None or not text:
        return text, False
    replaced = pattern.sub(placeholder, text)
    return replaced, replaced != text


def scrub_value(value: Any, needles: Needles, placeholder: str) -> tuple[Any, bool]:
    """The value with every needle replaced, walking lists and dicts (keys included); and whether it changed."""
    if isinstance(value, str):
        return scrub_text(value, needles, placeholder)
    if isinstance(value, list):
        changed = False
        items = []
        for item in value:
            new, item_changed = scrub_value(item, needles, placeholder)
            items.append(new)
            changed = changed or item_changed
        return items, changed
    if isinstance(value, dict):
        changed = False
        result: dict[str, Any] = {}
        for key, item in value.items():
            new_key, key_changed = scrub_text(str(key), needles, placeholder)
            new, item_changed = scrub_value(item, needles, placeholder)
            result[new_key] = new
            changed = changed or item_changed or key_changed
        return result, changed
    return value, False


def contains(value: Any, needles: Needles) -> bool:
    pattern = _pattern(needles)
    if pattern is None:
        return False
    if isinstance(value, str):
        return bool(pattern.search(value))
    return bool(pattern.search(json.dumps(value, ensure_ascii=False, default=str)))


def candidates(queryset: QuerySet[M], fields: Iterable[str], needles: Needles) -> QuerySet[M]:
    """Rows whose text or JSON columns may hold a needle; the caller checks each row in Python.

    JSON is compared as its text: PostgreSQL prints jsonb in Unicode, SQLite keeps Django's ASCII-escaped
    form, so each needle is looked for in both spellings."""
    if needles.empty:
        return queryset.none()
    casts = {f"privacy_text_{field}": Cast(field, output_field=TextField()) for field in fields}
    condition = Q(pk__in=[])
    for alias in casts:
        for needle in needles.anywhere:
            for spelling in {needle, json.dumps(needle)[1:-1]}:
                condition |= Q(**{f"{alias}__icontains": spelling})
    found: QuerySet[M] = queryset.annotate(**casts).filter(condition)
    return found
