"""Values read once per batch of work: a worker that starts two hundred processes in one transaction
reads, say, the list of administrators once instead of two hundred times.

Outside a `batch()` block `once` calls its loader every time, so code that uses it behaves the same alone
and in a batch; inside, the first value of each key is kept until the block ends. Use it only for what
cannot change in a way that matters while the batch runs, or for what the batch itself changes and keeps
up to date with `put` (a round-robin cursor). A value read or put inside a savepoint that is rolled back
must go with it: take `mark()` when the savepoint begins and `rewind(mark)` after it rolled back.

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
_MISSING = object()


class _Values(dict[str, Any]):
    """The batch's values, with what each `once` or `put` replaced, for `rewind`."""

    def __init__(self) -> None:
        super().__init__()
        self.undo: list[tuple[str, Any]] = []

    def set(self, key: str, value: Any) -> None:
        self.undo.append((key, self.get(key, _MISSING)))
        self[key] = value


_values: ContextVar[_Values | None] = ContextVar("potok_batch_values", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Keep the values read with `once` until the block ends (a nested block shares the outer one's)."""
    if _values.get() is not None:
        yield
        return
    token = _values.set(_Values())
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
        values.set(key, load())
    return values[key]  # type: ignore[no-any-return]


def put(key: str, value: Any) -> None:
    """Replace the value kept for `key` in the current batch (nothing outside one)."""
    values = _values.get()
    if values is not None:
        values.set(key, value)


def mark() -> int:
    """Where the batch's values stand now, for `rewind` (0 outside a batch)."""
    values = _values.get()
    return len(values.undo) if values is not None else 0


def rewind(mark: int) -> None:
    """Forget what was read or put since `mark`: the savepoint that did it was rolled back."""
    values = _values.get()
    if values is None:
        return
    while len(values.undo) > mark:
        key, previous = values.undo.pop()
        if previous is _MISSING:
            values.pop(key, None)
        else:
            values[key] = previous
