#!/usr/bin/env python3
"""How fast part (c) of the engine benchmark could be if Potok's Python cost nothing: the SQL of full
instances on SQLite, recorded and replayed alone, against SpiffWorkflow's save-and-reload figure.

Part (c) (benchmarks/engine_persistence.py) runs ../shared/bench/complaint_review.bpmn through the product's
persistence path, one committed transaction per step. This script runs the same instances once while
SQLite's trace callback records every statement the connection executes (BEGIN and COMMIT included, with
their values), then replays that statement stream with the plain sqlite3 module on a copy of the database
taken just before — the same reads, the same rows written, the same commits, in the same order, with no
Django, no engine and no tasks layer. What the replay takes per step is a floor under what any Python on
top of this schema can reach; the COMMITs' share of it is the cost of the pages each step dirties.

    python benchmarks/engine_sql_floor.py             # 300 instances, median of 3 runs
    python benchmarks/engine_sql_floor.py --count 100 --runs 1

The replayed statements carry their values as literals, so SQLite compiles each one again (the product's
statements are prepared once and cached): the replay's reads and writes are an upper bound of their cost,
its COMMITs are exact.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from engine_persistence import MODEL, full_instance, spiff_persist  # noqa: E402

# The connection settings of potok.config.env for an embedded SQLite database.
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-32000",
    "PRAGMA wal_autocheckpoint=10000",
)


def child(count: int) -> None:
    """One run in a fresh process and data folder: record, replay, print the figures as JSON."""
    data_dir = tempfile.mkdtemp(prefix="potok-floor-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "potok.config.settings"
    os.environ["POTOK_DEBUG"] = "0"
    os.environ["POTOK_SECRET_KEY"] = "benchmark-" + "x" * 60
    os.environ["POTOK_EMBEDDED"] = "1"
    os.environ["POTOK_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from potok.processes.services.definitions import process_publish_file

    call_command("migrate", verbosity=0)
    process_publish_file(actor=None, data=MODEL.read_bytes(), source_name="complaint_review.bpmn")
    full = full_instance

    for i in range(30):  # warm caches, as part (c) does
        full(i)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database = Path(connection.settings_dict["NAME"])
    copy = Path(tempfile.mkdtemp(prefix="potok-floor-copy-")) / database.name
    shutil.copy(database, copy)

    statements: list[str] = []
    raw = connection.connection
    assert raw is not None
    raw.set_trace_callback(statements.append)
    started, cpu = time.perf_counter(), time.process_time()
    steps = sum(full(i) for i in range(count))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    raw.set_trace_callback(None)

    replay = sqlite3.connect(copy, isolation_level=None)
    for pragma in PRAGMAS:
        replay.execute(pragma).fetchall()
    by_kind: dict[str, float] = {}
    replay_started, replay_cpu = time.perf_counter(), time.process_time()
    for statement in statements:
        began = time.perf_counter()
        replay.execute(statement).fetchall()
        kind = statement.split(None, 1)[0].upper()
        by_kind[kind] = by_kind.get(kind, 0.0) + time.perf_counter() - began
    replay_wall, replay_cpu = time.perf_counter() - replay_started, time.process_time() - replay_cpu
    replay.close()
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(copy.parent, ignore_errors=True)
    print(
        json.dumps(
            {
                "steps": steps,
                "statements_per_step": len(statements) / steps,
                "potok_per_s": count / wall,
                "potok_ms_per_step": wall * 1000 / steps,
                "potok_cpu_ms_per_step": cpu * 1000 / steps,
                "replay_per_s": count / replay_wall,
                "replay_ms_per_step": replay_wall * 1000 / steps,
                "replay_cpu_ms_per_step": replay_cpu * 1000 / steps,
                "ms_per_step_by_kind": {kind: spent * 1000 / steps for kind, spent in by_kind.items()},
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print(f"{MODEL} not found", file=sys.stderr)
        return 1
    runs: list[dict[str, Any]] = []
    spiff: list[float] = []
    for _ in range(args.runs):
        output = subprocess.run(
            [sys.executable, __file__, "_child", str(args.count)], check=True, capture_output=True, text=True
        ).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        figure = spiff_persist(args.count)
        if figure is not None:
            spiff.append(figure[0])

    def median(key: str) -> float:
        return float(statistics.median(run[key] for run in runs))

    kinds = sorted({kind for run in runs for kind in run["ms_per_step_by_kind"]})
    by_kind = {
        kind: statistics.median(run["ms_per_step_by_kind"].get(kind, 0.0) for run in runs) for kind in kinds
    }
    steps_per_instance = runs[0]["steps"] / args.count
    print(
        f"{args.count} full instances, {steps_per_instance:.2f} committed steps each, median of {args.runs} runs"
    )
    print(f"statements per step: {median('statements_per_step'):.1f}")
    print(
        f"Potok (product path): {median('potok_per_s'):.1f} instances/s, {median('potok_ms_per_step'):.3f} ms "
        f"per step ({median('potok_cpu_ms_per_step'):.3f} ms CPU)"
    )
    print(
        f"the same SQL replayed alone: {median('replay_per_s'):.1f} instances/s, "
        f"{median('replay_ms_per_step'):.3f} ms per step ({median('replay_cpu_ms_per_step'):.3f} ms CPU)"
    )
    print("  of which, per step: " + ", ".join(f"{kind} {ms:.3f} ms" for kind, ms in by_kind.items()))
    if spiff:
        spiff_per_s = statistics.median(spiff)
        spiff_step = 1000 / (spiff_per_s * steps_per_instance)
        print(
            f"SpiffWorkflow save+reload: {spiff_per_s:.1f} instances/s ({spiff_step:.3f} ms per step); "
            f"5x would leave {spiff_step / 5:.3f} ms per step"
        )
        print(
            f"ratio to SpiffWorkflow: Potok {median('potok_per_s') / spiff_per_s:.2f}x, "
            f"the SQL alone {median('replay_per_s') / spiff_per_s:.2f}x, "
            f"the COMMITs alone {spiff_step / by_kind.get('COMMIT', float('inf')):.2f}x"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(int(sys.argv[2]))
    else:
        sys.exit(main())
