"""Fields marked confidential are seen only by people with the right «see confidential fields»
(`Action.CONFIDENTIAL`) on the entity type, within its scope; for anyone else they are left out of the
record's page, list columns, forms, exports, API answers, filters and history. No actor (a process, the
system) sees everything.

Example:
    >>> hidden = hidden_codes(user, complaint.entity_type, definitions, complaint.pk)
    >>> shown = without(complaint.data, hidden)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from potok.access.models import Action, Scope
from potok.access.selectors import user_access, visible_records
from potok.documents.models import FieldDefinition

# What a history row shows instead of a confidential value.
MASK = _("(confidential)")


def confidential_codes(definitions: Iterable[FieldDefinition]) -> set[str]:
    return {definition.code for definition in definitions if definition.confidential}


def scope_of(user: Any, entity_type: str) -> str | None:
    """The scope of the user's right to see confidential fields of `entity_type` (ALL for no actor)."""
    if user is None:
        return Scope.ALL
    return user_access(user).scope(entity_type, Action.CONFIDENTIAL)


def sees_any(user: Any, entity_type: str) -> bool:
    """Does the user see confidential fields on at least some records (columns, filters, new records)?"""
    return scope_of(user, entity_type) is not None


def revealed(user: Any, entity_type: str, pks: Iterable[Any]) -> set[Any]:
    """Of the records `pks`, those whose confidential fields the user sees (one query at most)."""
    wanted = {pk for pk in pks if pk is not None}
    scope = scope_of(user, entity_type)
    if scope is None or not wanted:
        return set()
    if scope == Scope.ALL:
        return wanted
    return set(
        visible_records(user, entity_type, Action.CONFIDENTIAL)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )


def hidden_codes(
    user: Any, entity_type: str, definitions: Iterable[FieldDefinition], record_pk: Any = None
) -> set[str]:
    """The confidential fields the user may not see on record `record_pk` (None: a record he is making,
    which is his own, so any scope of the right covers it)."""
    codes = confidential_codes(definitions)
    if not codes:
        return set()
    if record_pk is None:
        return set() if sees_any(user, entity_type) else codes
    return set() if revealed(user, entity_type, [record_pk]) else codes


def without(values: Mapping[str, Any], hidden: Iterable[str]) -> dict[str, Any]:
    """The values less the hidden fields."""
    hidden = set(hidden)
    return {code: value for code, value in values.items() if code not in hidden}
