"""Scale-out under faults, reduced size: 2 web processes and 4 workers on one PostgreSQL, 8 API clients for
about half a minute while workers and web processes are SIGKILLed, every database connection is cut and
the webhook endpoint fails; afterwards nothing was lost and nothing happened twice.

The full-size run is benchmarks/scale_out.py; docs/reliability.md says what was tried and what held."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.reliability.harness import Harness, Settings

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not url:
        pytest.skip("the scale-out harness runs web processes and workers against PostgreSQL (DATABASE_URL)")
    return url


def test_two_web_processes_and_four_workers_lose_nothing_and_double_nothing_under_faults(
    server_url: str,
) -> None:
    # given a fresh database with a start rule, a process (review → 2 s timer → webhook → confirmation),
    # 2 `potok serve` and 4 `potok worker` processes, 4 clients creating requests and 4 reviewers
    with Harness(Settings(load_seconds=35.0, cycle_seconds=35.0), server_url=server_url) as harness:
        # when they work while the faults are applied, then finish what is left and go quiet
        report = harness.run()
    print(report.text())
    # then every fault on the schedule was applied
    assert sorted(set(report.fault_kinds)) == [
        "cut database connections",
        "kill web",
        "kill worker",
        "webhook endpoint fails",
        "webhook endpoint recovers",
    ], report.text()
    # and every invariant held: documents and starts exactly once, timers and completions exactly once,
    # nothing stuck without a reason, every webhook sent, retried or a dead letter the administrators saw
    assert report.quiet, report.text()
    # and no worker or web process died by itself (a supervisor would have had to restart it)
    assert report.unexpected_exits == [], report.text()
    assert report.held, report.text()
