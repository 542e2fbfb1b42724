#!/usr/bin/env python3
"""The engine on the product's real persistence path (Django store, one transaction per step), side by
side with SpiffWorkflow 3.2 saving and reloading its JSON after every step, in one run.

Measures (the letters are those of the engine issue):
  (c) full instances of ../shared/bench/complaint_review.bpmn per second on SQLite (a file, WAL),
      against SpiffWorkflow's save-and-reload-after-every-step figure;
  (d) the same on PostgreSQL: instances started per second and task completions per second;
  (e) the cost of one task completion with few vs many instances waiting (it must stay flat);
  (f) the resident memory of a worker process with many instances waiting in the database.

    python benchmarks/engine_persistence.py --quick          # within a minute, small sizes
    python benchmarks/engine_persistence.py --waiting 100000 --memory-instances 1000000

PostgreSQL is taken from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/potok_bench; the
database is dropped and created). Figures are medians of --runs runs; the last lines print the ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
MODEL = SHARED_BENCH / "complaint_review.bpmn"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/potok_bench")


def data_for(node_id: str, i: int) -> dict[str, Any]:
    """The same form data the SpiffWorkflow baseline uses."""
    forms: dict[str, dict[str, Any]] = {
        "register": {
            "amount": 20000 if i % 2 else 5000,
            "customer": f"C{i:07d}",
            "complaint": "Late delivery and damaged goods",
            "channel": "email",
        },
        "director": {"approved": True, "director": "D. Smith"},
        "investigate": {"findings": "carrier damage", "refund": 120.0},
        "notify": {"notified": True, "letter_id": f"L{i:07d}"},
    }
    return forms[node_id]


def full_instance(i: int) -> int:
    """One full instance through the product's path, each step its own transaction (Django configured, the
    process published); returns how many steps it took."""
    from potok.processes.services.instances import process_start, task_complete_in_engine
    from potok.processes.sql import Sql

    def open_task(instance_id: str) -> tuple[str, str] | None:
        # What an inbox shows: the instance's open task (an indexed query, as the product's inbox runs it).
        rows = Sql.current().rows(
            "SELECT id, node_id FROM processes_task WHERE instance_id = ? AND state = 'open' "
            "ORDER BY created_at, id LIMIT 1",
            [instance_id],
        )
        return (rows[0][0], rows[0][1]) if rows else None

    instance = process_start(actor=None, process_key="complaint_review")
    steps = 1
    while (task := open_task(instance.id)) is not None:
        task_complete_in_engine(actor=None, task_id=task[0], data=data_for(task[1], i))
        steps += 1
    return steps


# -- a child process per database: Django is configured once per process ----------------------------


def child(database: str, mode: str, count: int, waiting: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "potok.config.settings"
    os.environ["POTOK_DEBUG"] = "0"
    os.environ["POTOK_SECRET_KEY"] = "benchmark-" + "x" * 60
    os.environ["POTOK_EMBEDDED"] = "1"
    if database == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["POTOK_DATA_DIR"] = database
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from potok.processes.models import Task
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start, task_complete_in_engine

    if not Task.objects.exists() and mode != "memory":
        process_publish_file(actor=None, data=MODEL.read_bytes(), source_name="complaint_review.bpmn")

    full = full_instance

    # Wall time counts the waits for a CPU that other work on the machine takes; the CPU time of this
    # process (time.process_time) does not, so both are reported.
    result: dict[str, Any] = {}
    if mode == "full":
        full(0)
        started, cpu = time.perf_counter(), time.process_time()
        steps = sum(full(i) for i in range(count))
        result["full_per_s"] = count / (time.perf_counter() - started)
        cpu = time.process_time() - cpu
        result["full_per_cpu_s"] = count / cpu
        result["cpu_ms_per_step"] = cpu * 1000 / steps
    elif mode == "start_complete":
        started, cpu = time.perf_counter(), time.process_time()
        ids = [process_start(actor=None, process_key="complaint_review").id for _ in range(count)]
        result["started_per_s"] = count / (time.perf_counter() - started)
        result["started_per_cpu_s"] = count / (time.process_time() - cpu)
        tasks = list(Task.objects.filter(instance_id__in=ids, state="open").values_list("id", "node_id"))
        started, cpu = time.perf_counter(), time.process_time()
        for i, (task_id, node_id) in enumerate(tasks):
            task_complete_in_engine(actor=None, task_id=task_id, data=data_for(node_id, i))
        result["completed_per_s"] = len(tasks) / (time.perf_counter() - started)
        result["completed_per_cpu_s"] = len(tasks) / (time.process_time() - cpu)
        # The same starts in batches of 100 per transaction, written together — how the worker starts
        # processes for time-based rules and for a rule applied to existing records.
        from potok.processes.store import starts_together

        started, cpu = time.perf_counter(), time.process_time()
        for begin in range(0, count, 100):
            with transaction.atomic(), starts_together():
                for _ in range(min(100, count - begin)):
                    process_start(actor=None, process_key="complaint_review")
        result["started_together_per_s"] = count / (time.perf_counter() - started)
        result["started_together_per_cpu_s"] = count / (time.process_time() - cpu)
    elif mode == "flat":
        # `waiting` instances parked at their first task, then the cost of completing tasks of others.
        made = Task.objects.filter(state="open").count()
        batch = 500
        while made < waiting:
            with transaction.atomic():
                for _ in range(min(batch, waiting - made)):
                    process_start(actor=None, process_key="complaint_review")
            made = min(waiting, made + batch)
        probes = [process_start(actor=None, process_key="complaint_review").id for _ in range(count)]
        tasks = list(Task.objects.filter(instance_id__in=probes, state="open").values_list("id", "node_id"))
        timings = []
        for i, (task_id, node_id) in enumerate(tasks):
            started = time.perf_counter()
            task_complete_in_engine(actor=None, task_id=task_id, data=data_for(node_id, i))
            timings.append(time.perf_counter() - started)
        result["completion_ms_median"] = statistics.median(timings) * 1000
        result["waiting"] = Task.objects.filter(state="open").count()
    elif mode == "memory":
        import resource

        from potok.core import periodic

        periodic.run_all_now()
        result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        from potok.processes.models import ProcessInstance

        result["instances_waiting"] = ProcessInstance.objects.filter(state="running").count()
    print(json.dumps(result))


def run_child(database: str, mode: str, count: int, waiting: int = 0) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "_child", database, mode, str(count), str(waiting)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def fresh_postgres() -> bool:
    import psycopg

    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable ({error}); skipping (d)", flush=True)
        return False
    return True


def fill_waiting_postgres(count: int) -> None:
    """Park `count` instances at their first task with set-based SQL (minutes instead of hours)."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        found = connection.execute("SELECT id FROM processes_processversion ORDER BY id LIMIT 1").fetchone()
        assert found is not None, "the process is published first"
        version = found[0]
        connection.execute(
            """
            INSERT INTO processes_processinstance (id, process_id, version_id, state, business_key, variables,
                started_at, lock_version, entity_type, start_reason)
            SELECT md5('i' || n), 'complaint_review', %s, 'running', NULL, '{}', now(), 1, '', ''
            FROM generate_series(1, %s) AS n
            """,
            (version, count),
        )
        connection.execute(
            """
            INSERT INTO processes_execution (id, instance_id, node_id, state, started_at, loop_counter, mi_total,
                mi_completed)
            SELECT md5('e' || n), md5('i' || n), 'register', 'waiting', now(), 0, 0, 0
            FROM generate_series(1, %s) AS n
            """,
            (count,),
        )
        connection.execute(
            """
            INSERT INTO processes_task (id, instance_id, process_id, node_id, execution_id, kind, state, name,
                created_at, priority, outcome, entity_type, role_object_type, role_object_id)
            SELECT md5('t' || n), md5('i' || n), 'complaint_review', 'register', md5('e' || n), 'user', 'open',
                'Register', now(), 0, '', '', '', ''
            FROM generate_series(1, %s) AS n
            """,
            (count,),
        )


def spiff_persist(count: int) -> tuple[float, float] | None:
    """SpiffWorkflow's instances per second with save + reload after every step: by wall time, by CPU time."""
    path = SHARED_BENCH / "spiff_baseline.py"
    try:
        spec = importlib.util.spec_from_file_location("spiff_baseline", path)
        assert spec and spec.loader
        baseline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baseline)
    except (ImportError, FileNotFoundError, AssertionError) as error:
        print(f"SpiffWorkflow baseline unavailable ({error})", flush=True)
        return None
    process_spec, subprocesses = baseline.load()
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        baseline.run_full(process_spec, subprocesses, i, persist=True)
    return count / (time.perf_counter() - started), count / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--memory-instances", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.quick:
        args.runs, args.count, args.waiting, args.memory_instances = 3, 60, 2_000, 20_000
    if not MODEL.exists():
        sys.exit(f"{MODEL} is absent")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; count={args.count}, runs={args.runs}",
        flush=True,
    )

    ours_sqlite, ours_cpu, step_ms, spiff, spiff_cpu = [], [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            figures = run_child(folder, "full", args.count)
        ours_sqlite.append(figures["full_per_s"])
        ours_cpu.append(figures["full_per_cpu_s"])
        step_ms.append(figures["cpu_ms_per_step"])
        figure = spiff_persist(args.count)
        if figure is not None:
            spiff.append(figure[0])
            spiff_cpu.append(figure[1])
    c_ours = statistics.median(ours_sqlite)
    c_spiff = statistics.median(spiff) if spiff else None
    c_ours_cpu = statistics.median(ours_cpu)
    c_spiff_cpu = statistics.median(spiff_cpu) if spiff_cpu else None
    print(
        f"(c) SQLite full instances/s: Potok {c_ours:.1f}"
        + (f", SpiffWorkflow save+reload {c_spiff:.1f}, ratio {c_ours / c_spiff:.2f}x" if c_spiff else ""),
        flush=True,
    )
    print(
        f"(c) by CPU time: Potok {c_ours_cpu:.1f}/s ({statistics.median(step_ms):.2f} ms CPU per step)"
        + (
            f", SpiffWorkflow {c_spiff_cpu:.1f}/s, ratio {c_ours_cpu / c_spiff_cpu:.2f}x"
            if c_spiff_cpu
            else ""
        ),
        flush=True,
    )

    d_start: list[float] = []
    d_complete: list[float] = []
    d_start_cpu: list[float] = []
    d_complete_cpu: list[float] = []
    d_together: list[float] = []
    d_together_cpu: list[float] = []
    for _ in range(args.runs):
        if not fresh_postgres():
            break
        figures = run_child("postgres", "start_complete", args.count * 3)
        d_start.append(figures["started_per_s"])
        d_complete.append(figures["completed_per_s"])
        d_start_cpu.append(figures["started_per_cpu_s"])
        d_complete_cpu.append(figures["completed_per_cpu_s"])
        d_together.append(figures["started_together_per_s"])
        d_together_cpu.append(figures["started_together_per_cpu_s"])
    if d_start:
        print(
            f"(d) PostgreSQL: {statistics.median(d_start):.0f} instances started/s, "
            f"{statistics.median(d_complete):.0f} task completions/s (one process); by this process's CPU "
            f"time: {statistics.median(d_start_cpu):.0f} / {statistics.median(d_complete_cpu):.0f}; "
            f"started in batches of 100 per transaction (as the worker starts time-based rules): "
            f"{statistics.median(d_together):.0f}/s, by CPU {statistics.median(d_together_cpu):.0f}/s",
            flush=True,
        )

    with tempfile.TemporaryDirectory() as folder:
        few = run_child(folder, "flat", 50, waiting=10)
        many = run_child(folder, "flat", 50, waiting=args.waiting)
    print(
        f"(e) SQLite completion with {few['waiting']} waiting: {few['completion_ms_median']:.2f} ms; "
        f"with {many['waiting']} waiting: {many['completion_ms_median']:.2f} ms "
        f"(ratio {many['completion_ms_median'] / few['completion_ms_median']:.2f})",
        flush=True,
    )

    memory = None
    if fresh_postgres():
        run_child("postgres", "full", 1)  # migrate and publish
        fill_waiting_postgres(args.memory_instances)
        memory = run_child("postgres", "memory", 0)
        print(
            f"(f) worker round with {memory['instances_waiting']} instances waiting: "
            f"max RSS {memory['rss_mib']:.0f} MiB",
            flush=True,
        )

    print("---")
    print(
        f"c_sqlite_full_per_s={c_ours:.1f} spiff_persist_per_s={c_spiff or 0:.1f} "
        f"ratio={(c_ours / c_spiff) if c_spiff else 0:.2f} cpu_ratio={(c_ours_cpu / c_spiff_cpu) if c_spiff_cpu else 0:.2f}"
    )
    if d_start:
        print(
            f"d_pg_started_per_s={statistics.median(d_start):.0f} d_pg_completed_per_s={statistics.median(d_complete):.0f} "
            f"d_pg_started_together_per_s={statistics.median(d_together):.0f}"
        )
    print(f"e_flat_ratio={many['completion_ms_median'] / few['completion_ms_median']:.2f}")
    if memory:
        print(f"f_worker_rss_mib={memory['rss_mib']:.0f} with {memory['instances_waiting']} waiting")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
