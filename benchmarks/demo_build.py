#!/usr/bin/env python3
"""How long building the demo company takes: `potok migrate` then `potok seed-demo` into a fresh embedded
database, as `potok demo` does on its first start. Median of --runs runs; the last lines print the figures.

    python benchmarks/demo_build.py            # 3 runs
    python benchmarks/demo_build.py --quick    # 1 run (within a minute)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def build_once() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))
        }
        environ.update({"POTOK_DATA_DIR": folder, "POTOK_DEBUG": "1"})
        subprocess.run(
            [sys.executable, "-m", "potok.cli.main", "migrate"], env=environ, check=True, capture_output=True
        )
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "potok.cli.main", "seed-demo"],
            env=environ,
            check=True,
            capture_output=True,
        )
        seed = time.perf_counter() - started
        return seed, os.path.getsize(os.path.join(folder, "potok.sqlite3")) / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else max(1, args.runs)
    results = [build_once() for _ in range(runs)]
    seconds = statistics.median(seconds for seconds, _ in results)
    size = results[-1][1]
    print(f"demo build (seed-demo after migrate), {runs} run(s): {[round(s, 1) for s, _ in results]} s")
    print(
        f"median {seconds:.1f} s; database {size:.1f} MiB; target under 60 s: {'met' if seconds < 60 else 'not met'}"
    )


if __name__ == "__main__":
    main()
