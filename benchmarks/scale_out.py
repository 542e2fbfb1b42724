#!/usr/bin/env python3
"""Scale-out under faults on PostgreSQL, full size: 2 `potok serve` processes and 4 `potok worker` processes
against one PostgreSQL, concurrent API clients on loopback, and on a schedule: workers SIGKILLed (and
replaced), web processes SIGKILLed (and restarted), every database connection cut (pg_terminate_backend),
the webhook endpoint answering 500 for a while. Prints sustained load (requests/s, processes started/s),
the faults applied and the invariants checked afterwards (tests/reliability/harness.py does the work; the
reduced run is tests/reliability/test_scale_out.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/scale_out.py
    ... python benchmarks/scale_out.py --quick            # within a minute or so: 30 s of load
    ... python benchmarks/scale_out.py --no-faults        # the same load without faults, for comparison
    ... python benchmarks/scale_out.py --restart-postgres 15   # also `pg_ctlcluster 15 main restart`
                                                               # once per cycle (never on a shared server)

DATABASE_URL names the server; the benchmark makes its own database there and drops it at the end. Exits
non-zero when an invariant is broken.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.harness import Harness, Settings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=210.0, help="seconds of load (default 210)")
    parser.add_argument("--creators", type=int, default=8)
    parser.add_argument("--reviewers", type=int, default=8)
    parser.add_argument("--cycle", type=float, default=35.0, help="seconds per fault cycle")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="30 s of load, 4 + 4 clients")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument(
        "--restart-postgres", default="", metavar="VERSION", help="really restart the cluster"
    )
    parser.add_argument("--keep-database", action="store_true", help="leave the database for inspection")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "scale_out: set DATABASE_URL to a PostgreSQL server (postgres://user@host:port/db)",
            file=sys.stderr,
        )
        return 2
    quick = args.quick
    settings = Settings(
        load_seconds=30.0 if quick else args.seconds,
        cycle_seconds=30.0 if quick else args.cycle,
        creators=4 if quick else args.creators,
        reviewers=4 if quick else args.reviewers,
        faults=not args.no_faults,
        seed=args.seed,
        restart_postgres=args.restart_postgres,
        keep_database=args.keep_database,
    )
    with Harness(settings, server_url=url) as harness:
        report = harness.run()
    print(report.text())
    if args.keep_database:
        print(f"kept: database {harness.database}, processes' logs in {harness.directory}")
    return 0 if report.held else 1


if __name__ == "__main__":
    sys.exit(main())
