"""The task inbox at scale, on PostgreSQL: a user holding 50 roles among 1,000,000 open tasks.

Generates straight in SQL (the columns the tasks layer writes): 2,000 people, 500 roles, 100,000 process
instances and N open tasks — 60 % given to people (the measured user has ~N/3,300 of them, a fifth overdue),
40 % waiting in role queues (a tenth of those for a department) — plus N/5 completed ones. The measured
user holds 50 roles (40 plainly, 10 for a department), so his queues hold ~4 % of the open tasks.

Then times, through the same selectors the inbox page and `GET /api/v1/tasks` use, the first page
(50 rows) and a page five pages deep of:
  - my tasks by deadline; my overdue tasks;
  - my queues (50 roles) by deadline — queue by queue, merged (what the inbox runs on PostgreSQL);
  - the same as one OR over the 50 queues (for comparison);
  - the navigation badge (my open tasks and the overdue ones: two counts).
Each figure: median and p95 of the wall time in the application (Django + the database round trip).

    python benchmarks/inbox_query.py            # N = 1,000,000 (a few minutes to generate)
    python benchmarks/inbox_query.py --quick    # N = 20,000, within a minute
    python benchmarks/inbox_query.py --reuse    # measure again what the last run generated
    BENCH_DATABASE_URL=postgres://… python benchmarks/inbox_query.py

The database (default potok_bench_inbox on 127.0.0.1) is dropped and created anew.
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

PEOPLE = 2_000
ROLES = 500
INSTANCES = 100_000
USER_ROLES = 50
PAGE = 50


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("POTOK_DEBUG", "1")
    os.environ.setdefault("POTOK_DATA_DIR", tempfile.mkdtemp(prefix="potok-bench-inbox-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "potok.config.settings"
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def generate(count: int) -> tuple[int, float]:
    """People, roles, instances and `count` open tasks; returns the measured user's id and seconds."""
    from django.db import connection

    started = time.monotonic()
    instances = min(INSTANCES, max(1_000, count // 10))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_department (name, code, path) VALUES ('Компания', 'company', '/1/');
            INSERT INTO accounts_department (name, code, parent_id, path)
            SELECT 'Отдел ' || g, 'dept' || g, 1, '/1/' || (g + 1) || '/' FROM generate_series(1, 20) AS g;
            """
        )
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                is_active, date_joined, middle_name, department_id, language, time_zone, phone)
            SELECT '!', false, 'user' || g, 'Имя' || g, 'Фамилия' || g, '', false, true, now(), '',
                   2 + g %% 20, '', '', ''
            FROM generate_series(1, %s) AS g
            """,
            [PEOPLE],
        )
        cursor.execute(
            """
            INSERT INTO accounts_role (code, name_ru, name_en, description, addressing, is_administrator)
            SELECT 'role' || g, 'Роль ' || g, 'Role ' || g, '',
                   CASE WHEN g <= 50 THEN 'department' ELSE 'none' END, false
            FROM generate_series(1, %s) AS g
            """,
            [ROLES],
        )
        cursor.execute("SELECT min(id) FROM accounts_user")
        (user_id,) = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM accounts_role")
        (first_role,) = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM accounts_department WHERE code <> 'company'")
        (first_department,) = cursor.fetchone()
        # The measured user: 40 plain roles (role51…role90) and 10 roles for a department (role1…role10).
        cursor.execute(
            """
            INSERT INTO accounts_roleassignment (role_id, user_id, object_type, object_id)
            SELECT %(role)s + 50 + g, %(user)s, '', '' FROM generate_series(0, 39) AS g
            UNION ALL
            SELECT %(role)s + g, %(user)s, 'department', (%(department)s + g)::text FROM generate_series(0, 9) AS g
            """,
            {"role": first_role, "user": user_id, "department": first_department},
        )
        cursor.execute(
            """
            INSERT INTO processes_processdefinition (key, name, description, manual_start_entity_types, created_at)
            VALUES ('bench', 'Проверка', '', '[]', now()) RETURNING id
            """
        )
        (definition_id,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO processes_processversion (definition_id, number, status, bpmn_xml, checksum, comment,
                created_at, published_at)
            VALUES (%s, 1, 'published', '<definitions/>', '', '', now(), now()) RETURNING id
            """,
            [definition_id],
        )
        (version_id,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO processes_processinstance (id, process_id, version_id, state, variables, started_at,
                lock_version, entity_type, start_reason)
            SELECT 'i' || g, 'bench', %s, 'running', '{}', now(), 1, '', '' FROM generate_series(1, %s) AS g
            """,
            [version_id, instances],
        )
        # Open tasks: g % 10 < 6 → a person (every 3,300th for the measured user, then a spread), else a
        # queue: role by g, a department's queue for the department roles.
        cursor.execute(
            """
            INSERT INTO processes_task (id, instance_id, process_id, node_id, execution_id, kind, state, name,
                created_at, assignee_id, role_id, role_object_type, role_object_id, due_at, priority, outcome,
                entity_type)
            SELECT md5(g::text), 'i' || (1 + g %% %(instances)s), 'bench', 'work', 'x', 'user', 'open',
                   'Задача ' || g, now() - (g %% 43200) * interval '1 minute',
                   CASE WHEN g %% 10 < 6 THEN
                        CASE WHEN g %% 3300 = 3 THEN %(user)s ELSE %(user)s + 1 + (g::bigint * 7919) %% (%(people)s - 1) END
                   END,
                   CASE WHEN g %% 10 >= 6 THEN %(role)s + (g::bigint * 104729) %% %(roles)s END,
                   CASE WHEN g %% 10 >= 6 AND (g::bigint * 104729) %% %(roles)s < 50 THEN 'department' ELSE '' END,
                   CASE WHEN g %% 10 >= 6 AND (g::bigint * 104729) %% %(roles)s < 50
                        THEN (%(department)s + g %% 20)::text ELSE '' END,
                   CASE WHEN g %% 20 = 0 THEN NULL
                        ELSE now() + ((g * 37) %% 86400 - 17280) * interval '1 minute' END,
                   0, '', ''
            FROM generate_series(1, %(count)s) AS g
            """,
            {
                "instances": instances,
                "user": user_id,
                "people": PEOPLE,
                "role": first_role,
                "roles": ROLES,
                "department": first_department,
                "count": count,
            },
        )
        cursor.execute(
            """
            INSERT INTO processes_task (id, instance_id, process_id, node_id, execution_id, kind, state, name,
                created_at, completed_at, assignee_id, role_object_type, role_object_id, priority, outcome,
                entity_type)
            SELECT md5('done' || g), 'i' || (1 + g %% %s), 'bench', 'work', 'x', 'user', 'completed',
                   'Готово ' || g, now() - interval '60 days', now() - interval '30 days', %s + g %% %s, '', '', 0,
                   'done', ''
            FROM generate_series(1, %s) AS g
            """,
            [instances, user_id, PEOPLE, count // 5],
        )
        for table in (
            "processes_task",
            "accounts_roleassignment",
            "accounts_user",
            "processes_processinstance",
        ):
            cursor.execute(f"ANALYZE {table}")
    return user_id, time.monotonic() - started


def measure(function: Any, repeat: int) -> list[float]:
    function()  # warm the caches once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N = 20,000; finishes within a minute")
    parser.add_argument("--count", type=int, default=None, help="number of open tasks")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="measure the database a previous run generated")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/potok_bench_inbox"),
    )
    args = parser.parse_args()
    count = args.count or (20_000 if args.quick else 1_000_000)

    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    from potok.accounts.models import User
    from potok.tasks import selectors

    if args.reuse:
        user = User.objects.order_by("pk").first()
        count = selectors.open_tasks().count()
    else:
        started = time.monotonic()
        call_command("migrate", "tasks", interactive=False, verbosity=0)
        print(f"migrated in {time.monotonic() - started:.1f} s", flush=True)
        user_id, seconds = generate(count)
        print(f"generated {count:,} open tasks (+{count // 5:,} completed) in {seconds:.1f} s", flush=True)
        user = User.objects.get(pk=user_id)

    def later(page_function: Any, pages: int = 4) -> str | None:
        cursor = None
        for _ in range(pages):
            cursor = page_function(cursor).next_cursor
        return cursor

    def mine(after: str | None = None) -> Any:
        return selectors.inbox_page(selectors.inbox(user, queue="mine"), after=after, size=PAGE)

    def overdue(after: str | None = None) -> Any:
        return selectors.inbox_page(selectors.inbox(user, queue="overdue"), after=after, size=PAGE)

    def queues(after: str | None = None) -> Any:
        return selectors.claimable_page(user, after=after, size=PAGE)

    def queues_plain(after: str | None = None) -> Any:
        return selectors.inbox_page(selectors.claimable(user), after=after, size=PAGE)

    mine_deep, queues_deep = later(mine), later(queues)
    claimable_total = selectors.claimable(user).count()
    mine_total = selectors.open_tasks().filter(assignee=user).count()
    cases = {
        "my tasks, first page by deadline": lambda: mine(),
        "my tasks, page 5": lambda: mine(mine_deep),
        "my overdue tasks, first page": lambda: overdue(),
        "my queues (50 roles), first page": lambda: queues(),
        "my queues (50 roles), page 5": lambda: queues(queues_deep),
        "my queues as one OR (for comparison)": lambda: queues_plain(),
        "navigation badge (two counts)": lambda: selectors.inbox_counts(user),
    }
    lines = []
    medians = {}
    for label, function in cases.items():
        wall = measure(function, args.repeat)
        medians[label] = statistics.median(wall)
        lines.append(
            f"{label:<36} median {statistics.median(wall):7.2f} ms  p95 {percentile(wall, 0.95):7.2f} ms"
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    )
    print(
        f"N = {count:,} open tasks; the user holds {USER_ROLES} roles: {mine_total:,} tasks of his own, "
        f"{claimable_total:,} in his queues; {args.repeat} runs per figure"
    )
    for line in lines:
        print(line)
    worst = max(medians["my tasks, first page by deadline"], medians["my queues (50 roles), first page"])
    print(
        f"inbox first page, worst median: {worst:.2f} ms (target < 50 ms: {'met' if worst < 50 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
