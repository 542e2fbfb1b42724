"""Turn model objects into plain JSON-able values, for fingerprints and equality that ignore identity."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any

from potok.engine.model.specs import Condition

# Fields that describe where something came from, not what it is.
_IGNORED_FIELDS = frozenset({"line", "version_key", "source_name"})


def canonical(value: Any) -> Any:
    """A JSON-able, order-stable copy of a model value.

    Example::

        canonical(process.nodes["register"])["kind"]  # "userTask"
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Condition):
        # Compared by source text: the compiled form is an implementation detail.
        return {"expression": value.source}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result: dict[str, Any] = {"@type": type(value).__name__}
        for item in dataclasses.fields(value):
            if item.name in _IGNORED_FIELDS:
                continue
            result[item.name] = canonical(getattr(value, item.name))
        return result
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, frozenset | set):
        return sorted(canonical(item) for item in value)
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return repr(value)
