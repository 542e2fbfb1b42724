"""Periodic work the worker runs between tasks: firing due timers, re-dispatching missed events,
retrying deliveries. Each domain registers its own function from its AppConfig.ready().

A periodic function claims its rows itself (leases, SKIP LOCKED) so any number of workers may run it
at once; it returns how much it did, and the worker sleeps only when every function did nothing.

Example:
    >>> register("processes.fire_due_jobs", fire_due_jobs, every=0.5)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class PeriodicWork:
    name: str
    function: Callable[[], int]
    every: float
    next_run: float = field(default=0.0)


_registry: dict[str, PeriodicWork] = {}


def register(name: str, function: Callable[[], int], *, every: float) -> None:
    _registry[name] = PeriodicWork(name, function, every)


def registered() -> list[PeriodicWork]:
    return list(_registry.values())


def run_due(now: float | None = None) -> int:
    """Run every periodic function whose time has come; returns the total work done."""
    from django.db import close_old_connections

    now = time.monotonic() if now is None else now
    done = 0
    for work in _registry.values():
        if work.next_run > now:
            continue
        try:
            count = work.function()
        except Exception:
            # One broken function must not stop the others; its rows stay due and are retried.
            logger.exception("periodic work %s failed", work.name)
            close_old_connections()
            count = 0
        done += count
        # Busy functions run again at once; idle ones wait their interval.
        work.next_run = now if count else now + work.every
    return done


def run_all_now() -> int:
    """Run every periodic function once, whatever its schedule (tests, `potok worker --once`)."""
    for work in _registry.values():
        work.next_run = 0.0
    total = 0
    while True:
        done = run_due(now=float("inf"))
        total += done
        if not done:
            return total
