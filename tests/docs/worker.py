"""Doing the worker's work in a test, as `potok worker` would within a second: queued tasks (start rules
after a commit, imports), then periodic work (process timers, escalations, notifications)."""

from __future__ import annotations


def settle(rounds: int = 20) -> int:
    """Run the worker until it finds nothing to do (at most `rounds` times); returns the work done."""
    from potok.cli.worker import PotokWorker
    from potok.core import periodic

    worker = PotokWorker(interval=0)
    total = 0
    for _ in range(rounds):
        done = worker.run_once() + periodic.run_all_now()
        total += done
        if not done:
            break
    return total
