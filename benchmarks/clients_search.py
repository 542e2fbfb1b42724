"""Client-base search and timeline at scale, on PostgreSQL.

Generates N counterparties and 5×N interactions (one client gets 10,000 of them) straight in SQL with
the same normalised columns the services write, then times, through the same selectors the pages and the
API use (access check included), one page (50 rows) of:
  - a search by a fragment of the name, by a fragment of the ИНН, by a fragment of a phone;
  - the timeline of the client with 10,000 interactions: the first page and a page 100 pages deep.
Each figure is the median and p95 of the wall time of evaluating the page in the application (Django +
the database round trip), and the database's own execution time from EXPLAIN ANALYZE.

    python benchmarks/clients_search.py            # N = 1,000,000 (several minutes to generate)
    python benchmarks/clients_search.py --quick    # N = 20,000, within a minute
    DATABASE_URL=postgres://… python benchmarks/clients_search.py

The database (default potok_bench_clients on 127.0.0.1) is dropped and created anew.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

WORDS = [
    "Север", "Ветер", "Торг", "Снаб", "Строй", "Маркет", "Логистик", "Агро", "Тех", "Пром", "Импорт", "Экспорт",
    "Дом", "Сервис", "Групп", "Альфа", "Бета", "Восток", "Запад", "Юг", "Урал", "Волга", "Сибирь", "Нева",
    "Металл", "Хим", "Пищ", "Транс", "Энерго", "Инвест", "Капитал", "Холдинг", "Ресурс", "Партнёр", "Лидер",
    "Стандарт", "Профи", "Мастер", "Эксперт", "Гарант", "Вектор", "Орбита", "Полюс", "Кедр", "Сосна", "Берёза",
]  # fmt: skip


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("POTOK_DEBUG", "1")
    os.environ.setdefault("POTOK_DATA_DIR", tempfile.mkdtemp(prefix="potok-bench-search-"))
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
    """Insert `count` counterparties and 5×count interactions; returns the big client's id and seconds."""
    from django.db import connection

    started = time.monotonic()
    words = "ARRAY[" + ",".join(f"'{word}'" for word in WORDS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO clients_counterparty
                (kind, name, full_name, inn, kpp, ogrn, phones, emails, legal_address, postal_address, segment,
                 tags, comment, custom_fields, version, created_at, updated_at, name_normalized, search_text,
                 tag_keys)
            SELECT 'legal', n.name, 'Общество с ограниченной ответственностью ' || n.name,
                   n.inn, '7701' || '01001', '', jsonb_build_array(n.phone), jsonb_build_array(n.email), '', '',
                   CASE WHEN g %% 25 = 0 THEN 'VIP' ELSE 'опт' END, '[]'::jsonb, '', '{{}}'::jsonb, 1, now(), now(),
                   lower(n.base), lower(n.base || ' | ооо «' || n.base || '» | ' || n.inn || ' | '
                   || substr(n.phone, 2) || ' | ' || n.email), ''
            FROM generate_series(1, %s) AS g,
            LATERAL (SELECT
                ({words})[1 + (g * 7) %% {len(WORDS)}] || ({words})[1 + (g * 13 / 7) %% {len(WORDS)}] || ' ' || g AS base,
                lpad(((g::bigint * 7919) %% 10000000000)::text, 10, '0') AS inn,
                '+79' || lpad(((g::bigint * 104729) %% 1000000000)::text, 9, '0') AS phone,
                'info' || g || '@client.example' AS email
            ) AS b,
            LATERAL (SELECT b.base, 'ООО «' || b.base || '»' AS name, b.inn, b.phone, b.email) AS n
            """,
            [count],
        )
        cursor.execute("SELECT min(id), max(id) FROM clients_counterparty")
        first, last = cursor.fetchone()
        big = first
        # 10,000 interactions for one client, the rest spread over everybody.
        cursor.execute(
            """
            INSERT INTO clients_interaction
                (counterparty_id, kind, occurred_at, subject, description, outcome, version, created_at,
                 updated_at)
            SELECT CASE WHEN g <= 10000 THEN %s ELSE %s + (g::bigint * 7919) %% (%s - %s + 1) END,
                   (ARRAY['call','meeting','email','note'])[1 + g %% 4],
                   now() - (g %% 525600) * interval '1 minute', 'Звонок ' || g, '', '', 1, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [big, first, last, first, count * 5],
        )
        cursor.execute("ANALYZE clients_counterparty")
        cursor.execute("ANALYZE clients_interaction")
    return big, time.monotonic() - started


def measure(function: Any, repeat: int) -> list[float]:
    function()  # warm the caches once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def database_time(queryset: Any) -> float:
    """Execution time in ms reported by EXPLAIN ANALYZE for the page's query."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return float(plan[0]["Execution Time"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N = 20,000; finishes within a minute")
    parser.add_argument("--count", type=int, default=None, help="number of counterparties")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/potok_bench_clients"
        ),
    )
    args = parser.parse_args()
    count = args.count or (20_000 if args.quick else 1_000_000)

    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from potok.accounts.services import user_create
    from potok.clients.models import Counterparty
    from potok.clients.selectors import COUNTERPARTY_SORTS, CounterpartyFilters, counterparty_list, timeline
    from potok.core.pagination import keyset_page

    admin = user_create(actor=None, username="bench-admin", password=None, is_superuser=True)
    big, seconds = generate(count)
    print(f"generated {count:,} counterparties and {count * 5:,} interactions in {seconds:.1f} s", flush=True)

    rng = random.Random(7)
    names = [f"{rng.choice(WORDS).lower()[:4]}" for _ in range(args.repeat)]
    inns = list(Counterparty.objects.order_by("?").values_list("inn", flat=True)[:5])
    phones = list(Counterparty.objects.order_by("?").values_list("phones", flat=True)[:5])

    def search_page(query: str) -> Any:
        queryset = counterparty_list(admin, CounterpartyFilters(q=query))
        return keyset_page(queryset, order=COUNTERPARTY_SORTS["name"], after=None, size=50)

    def search_queryset(query: str) -> Any:
        return counterparty_list(admin, CounterpartyFilters(q=query)).order_by(*COUNTERPARTY_SORTS["name"])[
            :51
        ]

    cases: dict[str, tuple[Any, Any]] = {}
    name_iter, inn_iter, phone_iter = iter(names * 3), iter(inns * 100), iter(phones * 100)
    cases["search: name fragment"] = (lambda: search_page(next(name_iter)), lambda: search_queryset(names[0]))
    cases["search: ИНН fragment (7 digits)"] = (
        lambda: search_page(next(inn_iter)[1:8]),
        lambda: search_queryset(inns[0][1:8]),
    )
    cases["search: phone fragment (8 (9xx) xxx-xx)"] = (
        lambda: search_page(phone_query(next(phone_iter)[0])),
        lambda: search_queryset(phone_query(phones[0][0])),
    )
    client = Counterparty.objects.get(pk=big)
    cursor = None
    for _ in range(100):
        cursor = timeline(admin, client, after=cursor, size=50).next_cursor
    cases["timeline: first page of 10,000"] = (
        lambda: timeline(admin, client, size=50),
        lambda: timeline_queryset(admin, client, None),
    )
    cases["timeline: page 101 of 10,000"] = (
        lambda: timeline(admin, client, after=cursor, size=50),
        lambda: timeline_queryset(admin, client, cursor),
    )

    lines = []
    for label, (page_function, queryset_function) in cases.items():
        wall = measure(page_function, args.repeat)
        database = [database_time(queryset_function()) for _ in range(5)]
        lines.append(
            f"{label:<42} app median {statistics.median(wall):7.2f} ms  p95 {percentile(wall, 0.95):7.2f} ms"
            f"   db median {statistics.median(database):7.2f} ms"
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    )
    print(f"N = {count:,} counterparties, {count * 5:,} interactions, {args.repeat} runs per figure")
    for line in lines:
        print(line)


def phone_query(phone: str) -> str:
    """+79161234567 → "8 (916) 123-45", as a user types part of it."""
    return f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}"


def timeline_queryset(user: Any, counterparty: Any, cursor: str | None) -> Any:
    from potok.clients.selectors import TIMELINE_ORDER, interaction_list
    from potok.core.pagination import decode_cursor

    queryset = interaction_list(user, counterparty=counterparty.pk).order_by(*TIMELINE_ORDER)
    if cursor:
        occurred_at, pk = decode_cursor(cursor, 2)
        from django.db.models import Q

        queryset = queryset.filter(Q(occurred_at__lt=occurred_at) | Q(occurred_at=occurred_at, id__lt=pk))
    return queryset[:51]


if __name__ == "__main__":
    main()
