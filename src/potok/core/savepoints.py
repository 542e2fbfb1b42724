"""Batches that skip a savepoint per operation and are done again with them should one operation fail.

On PostgreSQL a savepoint and its release are two round trips; a batch of two hundred process starts in one
transaction paid four hundred of them for failures that almost never happen. Inside `without_savepoints()`
the operations that would open a savepoint (a process start, a task's addressing) check
`savepoints_skipped()` and run without one; should one of them fail, it raises `SavepointsNeeded`, the
caller rolls its whole block back and does it again outside the block, where each failure is undone alone
and reported as before.

Example:
    >>> try:
    ...     with transaction.atomic(), without_savepoints():
    ...         start_all(batch)
    ... except SavepointsNeeded:
    ...     with transaction.atomic():
    ...         start_all(batch)  # each start in its own savepoint
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SKIPPED: ContextVar[bool] = ContextVar("potok_without_savepoints", default=False)


class SavepointsNeeded(BaseException):
    """An operation inside `without_savepoints()` failed. Its writes cannot be undone alone, so the block
    that holds it must be rolled back whole (and done again with a savepoint per operation). A
    BaseException, so that no handler of ordinary failures on the way takes it for one of its own."""


@contextmanager
def without_savepoints() -> Iterator[None]:
    """Operations inside run in the enclosing transaction without a savepoint each; any failure of one of
    them raises `SavepointsNeeded`. For batches that rarely fail, such as the worker's time-based starts."""
    token = _SKIPPED.set(True)
    try:
        yield
    finally:
        _SKIPPED.reset(token)


def savepoints_skipped() -> bool:
    """Whether this code runs inside `without_savepoints()`."""
    return _SKIPPED.get()
