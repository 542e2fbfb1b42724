"""The entity types that access rules speak of: built-in models and, later, user-defined document types.

Example:
    >>> register(EntityType(code="counterparty", label=_("Counterparties"), model=Counterparty,
    ...                     owner_fields=("responsible",), department_field="department"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q


@dataclass(frozen=True)
class EntityType:
    code: str
    label: Any
    model: type[Model]
    owner_fields: tuple[str, ...] = ()
    department_field: str | None = None
    # Narrows the model's rows to this entity type (user-defined documents share one table).
    base_filter: Callable[[], Q] | None = None
    # Shown in navigation and rule editors only when true; organisation tables are not "records".
    listed: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


_types: dict[str, EntityType] = {}
_dynamic_resolvers: list[Callable[[str], EntityType | None]] = []


def register(entity_type: EntityType) -> None:
    _types[entity_type.code] = entity_type


def register_resolver(resolver: Callable[[str], EntityType | None]) -> None:
    """Resolve codes that are data, not code (e.g. "document.complaint")."""
    _dynamic_resolvers.append(resolver)


def get(code: str) -> EntityType:
    if code in _types:
        return _types[code]
    for resolver in _dynamic_resolvers:
        found = resolver(code)
        if found is not None:
            return found
    raise KeyError(code)


def all_types() -> list[EntityType]:
    return list(_types.values())
