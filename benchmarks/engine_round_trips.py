#!/usr/bin/env python3
"""What one process step costs on PostgreSQL, in figures that other work on the machine does not move: the
round trips to the server per start and per task completion, and the CPU time of the client process and
of its server process per step (wall time beside them).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/potok_bench_pg python benchmarks/engine_round_trips.py

The database named by DATABASE_URL is dropped and created. The steps are those of (d) in
`engine_persistence.py`: ../shared/bench/complaint_review.bpmn started through `process_start`, then the
first task of each instance completed through `task_complete_in_engine`, each its own transaction. A round
trip is counted in libpq's trace of the connection: every time the client, having sent, reads the server's
answer. The server's CPU is read from /proc for the connection's backend, so it needs the server on the
same machine (it prints "n/a" otherwise). POTOK_DB_PREPARED_STATEMENTS=0 compares Django's client-side
binding.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def round_trips(raw: object, work: Callable[[], None]) -> int:
    """Runs `work` with libpq's trace on and counts the answers the client waited for."""
    pgconn = raw.pgconn  # type: ignore[attr-defined]
    handle, path = tempfile.mkstemp(prefix="potok-trace-")
    pgconn.trace(handle)
    pgconn.set_trace_flags(1)  # no timestamps
    try:
        work()
    finally:
        pgconn.untrace()
        os.close(handle)
    count, previous = 0, "B"
    with open(path, encoding="utf-8", errors="replace") as trace:
        for line in trace:
            direction = line[:1]
            if direction == "B" and previous == "F":
                count += 1
            if direction in "FB":
                previous = direction
    os.unlink(path)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--count", type=int, default=300, help="instances started, then first tasks completed"
    )
    parser.add_argument("--traced", type=int, default=10, help="steps of each kind traced for round trips")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database (it is dropped and created)")
    import psycopg

    server_url, name = url.rsplit("/", 1)
    with psycopg.connect(server_url + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

    os.environ.update(
        DJANGO_SETTINGS_MODULE="potok.config.settings",
        POTOK_DEBUG="0",
        POTOK_SECRET_KEY="benchmark-" + "x" * 60,
        POTOK_EMBEDDED="1",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from engine_persistence import MODEL, data_for
    from potok.processes.models import Task
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start, task_complete_in_engine

    process_publish_file(actor=None, data=MODEL.read_bytes(), source_name="complaint_review.bpmn")

    def start(count: int) -> list[str]:
        return [process_start(actor=None, process_key="complaint_review").id for _ in range(count)]

    def complete(instance_ids: list[str]) -> int:
        tasks = list(
            Task.objects.filter(instance_id__in=instance_ids, state="open").values_list("id", "node_id")
        )
        for i, (task_id, node_id) in enumerate(tasks):
            task_complete_in_engine(actor=None, task_id=task_id, data=data_for(node_id, i))
        return len(tasks)

    complete(start(20))  # warm up: caches filled, statements prepared
    raw = connection.connection
    traced: list[str] = []
    per_start = round_trips(raw, lambda: traced.extend(start(args.traced))) / args.traced
    completions: list[int] = []
    per_completion = round_trips(raw, lambda: completions.append(complete(traced))) / completions[0]

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def server_cpu() -> float | None:
        try:
            fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def measure(work: Callable[[], int]) -> tuple[int, float, float, float | None]:
        server, wall, cpu = server_cpu(), time.perf_counter(), time.process_time()
        done = work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = server_cpu()
        return done, wall, cpu, (after - server) if after is not None and server is not None else None

    instance_ids: list[str] = []

    def start_all() -> int:
        instance_ids.extend(start(args.count))
        return len(instance_ids)

    starts = measure(start_all)
    completes = measure(lambda: complete(instance_ids))
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; binding: {type(raw.cursor()).__name__}")
    for label, trips, (done, wall, cpu, server_s) in (
        ("start", per_start, starts),
        ("completion", per_completion, completes),
    ):
        server_ms = f"{server_s * 1000 / done:.2f}" if server_s is not None else "n/a"
        print(
            f"{label}: {trips:.1f} round trips; {done / wall:.0f}/s wall, {done / cpu:.0f}/s by client CPU; "
            f"per step {wall * 1000 / done:.2f} ms wall, {cpu * 1000 / done:.2f} ms client CPU, "
            f"{server_ms} ms server CPU"
        )


if __name__ == "__main__":
    main()
