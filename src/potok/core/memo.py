"""Values read once per batch of work: a worker that starts two hundred processes in one transaction
reads, say, the list of administrators once instead of two hundred times.

Outside a `batch()` block `once` calls its loader every time, so code that uses it behaves the same alone
and in a batch; inside, the first value of each key is kept until the block ends. Use it only for what
cannot change in a way that matters while the batch runs.

Example:
    >>> with batch():
    ...     for timer in timers:
    ...         people = once("tasks.administrators", lambda: list(administrators()))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_values: ContextVar[dict[str, Any] | None] = ContextVar("potok_batch_values", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Keep the values read with `once` until the block ends (a nested block shares the outer one's)."""
    if _values.get() is not None:
        yield
        return
    token = _values.set({})
    try:
        yield
    finally:
        _values.reset(token)


def once(key: str, load: Callable[[], T]) -> T:
    """`load()`, or inside a `batch()` block the value it gave the first time for `key`."""
    values = _values.get()
    if values is None:
        return load()
    if key not in values:
        values[key] = load()
    return values[key]  # type: ignore[no-any-return]
