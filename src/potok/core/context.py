"""Who is acting and through what (web, API, import, process), for the length of one unit of work.

Adapters set it once at their edge; services read it when they write audit rows and domain events, so an
import or a process step is recorded as such without every call passing it along.

Example:
    >>> with acting(origin="import", actor=user):
    ...     counterparty_create(...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Acting:
    origin: str = "system"
    actor: Any = None
    depth: int = 0


_current: ContextVar[Acting] = ContextVar("potok_acting", default=Acting())  # noqa: B039 - immutable default


def current() -> Acting:
    return _current.get()


@contextmanager
def acting(*, origin: str, actor: Any = None, depth: int | None = None) -> Iterator[Acting]:
    outer = _current.get()
    value = Acting(origin=origin, actor=actor, depth=outer.depth if depth is None else depth)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
