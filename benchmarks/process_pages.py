"""Server time of the process pages with 100,000 running instances in the database, on PostgreSQL.

The data: the demo company is built through the product's services (`build_demo_company`, with its weeks
of history: complaints worked through the real services, so their instances have tokens, open tasks
addressed to people and to role queues, deadlines, variables, task events and history rows). Its running
instances are then copied with set-based SQL until `--instances` instances run: every row of every table
that belongs to an instance (instance, executions, tasks, jobs, subscriptions, history, operations, task
events, escalation timers) is copied column by column, the ids renamed consistently (`md5(id:copy)`) and
the times moved back by up to 30 days, so the copies are the rows the product wrote, many times over.

Then each page is requested through Django's test Client (real URL routing, middleware, views, templates,
a logged-in user) `--requests` times; the figure is the server time of the request in this process (the
Client adds no network), median and p95, with the number of SQL queries of one request:
  - the inbox: my tasks, my queues (as the user with the most open tasks);
  - a task page (a different open task of that user each time);
  - the monitor's instance list: first page, and filtered by process and state;
  - an instance page (diagram state, variables, history; a different instance each time);
  - the definition page (versions with their counts) and the heatmap of its latest version.

    python benchmarks/process_pages.py              # 100,000 running instances
    python benchmarks/process_pages.py --quick      # 10,000, within a minute or two
    python benchmarks/process_pages.py --reuse      # measure again what the last run generated
    DATABASE_URL=postgres://… python benchmarks/process_pages.py

The database (DATABASE_URL, default potok_bench_pages on 127.0.0.1) is dropped and created anew.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/potok_bench_pages"
# Columns holding the id of an instance, an execution, a task or a job: renamed in every copy.
ID_COLUMNS = {
    "instance_id",
    "execution_id",
    "parent_id",
    "called_instance_id",
    "parent_instance_id",
    "parent_execution_id",
    "job_id",
    "task_id",
}
SPREAD_MINUTES = 30 * 24 * 60
# Each person who has a task in the demo gets this many colleagues with the same roles; the copies' tasks
# are shared among them and him, as work is in a company of that size (otherwise one demo user would hold
# half of all open tasks, which no inbox is for).
COLLEAGUES = 40


def recreate_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, *, fresh: bool) -> None:
    if fresh:
        recreate_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    # As a server runs: no DEBUG (it would log every query), the embedded mode's generated secret key.
    os.environ["POTOK_DEBUG"] = "0"
    os.environ["POTOK_EMBEDDED"] = "1"
    os.environ.setdefault("POTOK_DATA_DIR", tempfile.mkdtemp(prefix="potok-bench-pages-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "potok.config.settings"
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def copy_statement(model: Any, seed_condition: str, overrides: dict[str, str] | None = None) -> str:
    """INSERT … SELECT of the model's rows matching `seed_condition` (on alias `src`), once per copy `k`;
    `overrides` gives the expression of some columns."""
    from django.db import connection, models

    quote = connection.ops.quote_name
    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
            continue  # a new serial id
        columns.append(quote(column))
        if overrides and column in overrides:
            values.append(overrides[column])
        elif (field.primary_key and isinstance(field, models.CharField)) or column in ID_COLUMNS:
            values.append(f"md5(src.{quote(column)} || ':' || k)")
        elif isinstance(field, models.DateTimeField):
            values.append(f"src.{quote(column)} - ((k * 7) %% {SPREAD_MINUTES}) * interval '1 minute'")
        else:
            values.append(f"src.{quote(column)}")
    table = quote(model._meta.db_table)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM {table} AS src CROSS JOIN generate_series(1, %(copies)s) AS k WHERE {seed_condition}"
    )


def generate(instances: int) -> dict[str, Any]:
    """The demo company through the services, then SQL copies of its running instances."""
    from django.db import connection, transaction

    from potok.accounts.models import RoleAssignment, User
    from potok.demo.company import build_demo_company
    from potok.processes.models import (
        Execution,
        HistoryEntry,
        Job,
        OperationLog,
        ProcessInstance,
        Subscription,
        Task,
    )
    from potok.tasks.models import EscalationTimer, TaskEvent

    started = time.perf_counter()
    build_demo_company(seed=2026, history=True)
    built = time.perf_counter() - started
    seeds = list(ProcessInstance.objects.filter(state="running").values_list("id", flat=True))
    assert seeds, "the demo has running instances"
    copies = max(0, -(-(instances - len(seeds)) // len(seeds)))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # The seeds are fixed first, so a copy is never copied again; the foreign keys are checked at
        # commit (PostgreSQL's deferred constraints), when every copied row is there.
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_seed AS SELECT id FROM processes_processinstance WHERE state = 'running'"
        )
        # Colleagues: copies of each task holder (same department, same roles), numbered 1..COLLEAGUES.
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_holder AS SELECT DISTINCT assignee_id AS id FROM processes_task "
            "WHERE assignee_id IS NOT NULL AND instance_id IN (SELECT id FROM bench_seed)"
        )
        cursor.execute(
            copy_statement(
                User,
                "src.id IN (SELECT id FROM bench_holder)",
                {"username": "src.username || '.' || k", "email": "''", "last_login": "NULL"},
            ),
            {"copies": COLLEAGUES},
        )
        cursor.execute(
            copy_statement(
                RoleAssignment,
                "src.user_id IN (SELECT id FROM bench_holder)",
                {
                    "user_id": "(SELECT c.id FROM accounts_user c JOIN accounts_user o ON c.username = "
                    "o.username || '.' || k WHERE o.id = src.user_id)"
                },
            ),
            {"copies": COLLEAGUES},
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_colleague AS SELECT o.id AS holder, "
            "split_part(c.username, '.', -1)::int AS n, c.id FROM accounts_user c JOIN accounts_user o "
            "ON c.username LIKE o.username || '.%%' AND o.id IN (SELECT id FROM bench_holder) "
            "WHERE split_part(c.username, '.', -1) ~ '^[0-9]+$'"
        )
        seed_instances = "src.instance_id IN (SELECT id FROM bench_seed)"
        seed_tasks = (
            "src.task_id IN (SELECT t.id FROM processes_task t "
            "WHERE t.instance_id IN (SELECT id FROM bench_seed))"
        )
        cursor.execute(
            copy_statement(ProcessInstance, "src.id IN (SELECT id FROM bench_seed)"), {"copies": copies}
        )
        shared = {
            # copy k of a task goes to colleague k mod (COLLEAGUES + 1); 0 is the demo's own holder
            "assignee_id": "COALESCE((SELECT c.id FROM bench_colleague c WHERE c.holder = src.assignee_id "
            f"AND c.n = k %% {COLLEAGUES + 1}), src.assignee_id)"
        }
        children: list[Any] = [Execution, Task, Job, Subscription, HistoryEntry, OperationLog]
        for model in children:
            overrides = shared if model is Task else None
            cursor.execute(copy_statement(model, seed_instances, overrides), {"copies": copies})
        # The tasks' own rows (events, escalation timers) come from the seed tasks only.
        for model in [TaskEvent, EscalationTimer]:
            cursor.execute(copy_statement(model, seed_tasks), {"copies": copies})
        cursor.execute("DROP TABLE bench_seed, bench_holder, bench_colleague")
    with connection.cursor() as cursor:
        # What autovacuum does to a live database soon after: statistics and the visibility map (which
        # lets counts over an index skip the table).
        analysed: list[Any] = [ProcessInstance, *children, TaskEvent, EscalationTimer]
        for model in analysed:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {
        "demo_seconds": built,
        "copy_seconds": time.perf_counter() - started,
        "seeds": len(seeds),
        "copies": copies,
    }


def data_summary() -> dict[str, int]:
    from potok.processes.models import HistoryEntry, ProcessInstance, Task

    return {
        "running instances": ProcessInstance.objects.filter(state="running").count(),
        "instances": ProcessInstance.objects.count(),
        "open tasks": Task.objects.filter(state="open").count(),
        "tasks": Task.objects.count(),
        "history rows": HistoryEntry.objects.count(),
    }


class QueryMeter:
    """Counts the SQL statements of a request and the time spent in them (a connection execute wrapper:
    works without DEBUG)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def measure(client: Any, urls: list[str]) -> dict[str, float]:
    """GET each of `urls`: median and p95 of the server time (ms), of this process's CPU time (ms), of the
    time in SQL (ms), and the queries of one request."""
    from django.db import connection

    warm = client.get(urls[0])  # the first request of a page fills caches a server keeps warm
    assert warm.status_code == 200, (urls[0], warm.status_code)
    wall, cpu, sql, queries = [], [], [], []
    for url in urls:
        meter = QueryMeter()
        with connection.execute_wrapper(meter):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        sql.append(meter.seconds * 1000)
        queries.append(meter.count)

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    return {
        "median": statistics.median(wall),
        "p95": p95(wall),
        "cpu": statistics.median(cpu),
        "sql": statistics.median(sql),
        "queries": statistics.median(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 running instances")
    parser.add_argument("--instances", type=int, default=None)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure the data of the last run again")
    args = parser.parse_args()
    instances = args.instances or (10_000 if args.quick else 100_000)
    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not database_url.startswith("postgres"):
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")

    setup_django(database_url, fresh=not args.reuse)
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from potok.accounts.models import User
    from potok.processes.models import ProcessInstance, ProcessVersion, Task

    generated = {} if args.reuse else generate(instances)
    summary = data_summary()

    performer_id = (
        Task.objects.filter(state="open", assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("assignee", flat=True)
        .first()
    )
    assert performer_id is not None, "the demo has open tasks given to people"
    performer = User.objects.get(pk=performer_id)
    admin = (
        User.objects.filter(username="admin").first()
        or User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    )
    assert admin is not None
    busiest = (
        ProcessInstance.objects.filter(state="running")
        .values("process_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    process_key = busiest["process_id"]
    version = ProcessVersion.objects.filter(definition__key=process_key).order_by("-number").first()
    assert version is not None
    n = args.requests
    own_tasks = list(
        Task.objects.filter(state="open", assignee=performer)
        .order_by("-created_at")
        .values_list("id", flat=True)[:n]
    )
    some_instances = list(
        ProcessInstance.objects.filter(state="running", process_id=process_key)
        .order_by("-started_at")
        .values_list("id", flat=True)[: n * 50 : 50]
    )
    my_open = Task.objects.filter(state="open", assignee=performer).count()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if generated:
        print(
            f"generated: demo company {generated['demo_seconds']:.1f} s, {generated['seeds']} running demo "
            f"instances × {generated['copies']:,} SQL copies in {generated['copy_seconds']:.1f} s",
            flush=True,
        )
    print("data: " + ", ".join(f"{value:,} {key}" for key, value in summary.items()), flush=True)
    print(
        f"inbox user: {performer.username} ({my_open:,} open tasks); monitor user: {admin.username}",
        flush=True,
    )

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client's host name
    as_performer, as_admin = Client(), Client()
    as_performer.force_login(performer)
    as_admin.force_login(admin)
    inbox = reverse("web:task_inbox")
    instances_url = reverse("web:process_instance_list")
    pages: list[tuple[str, Any, list[str]]] = [
        ("inbox: my tasks", as_performer, [inbox] * n),
        ("inbox: my queues", as_performer, [f"{inbox}?queue=claimable"] * n),
        ("task page", as_performer, [reverse("web:task_page", args=[task]) for task in own_tasks]),
        ("monitor: instance list", as_admin, [instances_url] * n),
        (
            "monitor: filtered list",
            as_admin,
            [f"{instances_url}?process={process_key}&state=running"] * n,
        ),
        ("instance page", as_admin, [reverse("web:process_instance", args=[i]) for i in some_instances]),
        ("definition page", as_admin, [reverse("web:process_definition", args=[process_key])] * n),
        (
            "heatmap",
            as_admin,
            [reverse("web:process_heatmap", args=[process_key, version.number])] * n,
        ),
    ]
    results = []
    for name, client, urls in pages:
        figures = measure(client, urls)
        results.append((name, figures["median"]))
        print(
            f"{name:24} median {figures['median']:6.1f} ms, p95 {figures['p95']:6.1f} ms; of the median "
            f"request: CPU here {figures['cpu']:5.1f} ms, in SQL {figures['sql']:5.1f} ms, "
            f"{figures['queries']:.0f} queries ({len(urls)} requests)",
            flush=True,
        )
    slow = [name for name, median in results if median >= 100]
    print(
        f"{summary['running instances']:,} running instances: "
        + ("every page under 100 ms median" if not slow else "over 100 ms median: " + ", ".join(slow))
    )


if __name__ == "__main__":
    main()
