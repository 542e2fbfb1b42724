"""What automation costs: the time it adds to a save, the dispatcher's throughput, and how late time-based
starts are when many records reach their moment together.

Setup: 50 user-defined document types, 10,000 enabled start rules spread over them (200 per type, on
"created" and "updated", each a condition of two clauses — a choice and an amount — that a few records
match), one simple published process. Rules are inserted in bulk (the service's checks would take minutes
for 10,000; what is measured does not depend on how they were made).

1. Save overhead. `document_update` through the service, each in its own transaction (commit and
   after-commit work included), in turn without automation, with the task queued inside the save's
   transaction (`queue_in_transaction`, the outbox writer's hook — what is wired) and with the former
   after-commit consumer (queued one dispatch task in a transaction of its own; kept for comparison).
   Rules are never read on the save path. Reported: median and p95 of whole saves, and of each hook
   timed alone (what automation adds).
2. Dispatch throughput. The outbox rows of those saves, plus a batch of fresh updates, dispatched by one
   worker (`dispatch_events`): every event is evaluated against the 200 rules of its type, each evaluation
   written with its trace, matching ones start a process. Reported: events per second.
3. Time-based starts. N records of one type reach their moment in the same minute (their timer rows are
   due now); one worker fires them (`fire_due_timers`, the periodic function: claims 500 with one query,
   fires them in batches of 200, one transaction each). Reported: the lateness of
   the first and the last start (start time − due time) and starts per second. With one worker the last
   start of N is late by about N / rate; more workers divide it (timers are claimed with SKIP LOCKED).
   Also the lateness of a single timer under no load, polled as the worker does (every 0.5 s).

    python benchmarks/automation_overhead.py            # 10,000 rules, 1,000 saves, N = 100,000
    python benchmarks/automation_overhead.py --quick    # 10,000 rules, 150 saves, N = 1,000; < 1 minute
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/potok_bench python benchmarks/automation_overhead.py --quick

SQLite runs on a file in a temporary directory; PostgreSQL on a database created (and dropped) for the run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TYPES = 50
SEVERITIES = ["low", "normal", "high", "critical"]
PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:bench">
  <bpmn:process id="bench" name="Bench" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="Work"/><bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


# The same process with its user task given as the demo's processes give theirs: to a role of five people
# in turn, with a deadline of three working days (`--performer`).
PROCESS_WITH_PERFORMER = PROCESS.replace(
    b'<bpmn:userTask id="work" name="Work"/>',
    b'<bpmn:userTask id="work" name="Work"><bpmn:extensionElements>'
    b'<potok:performer kind="role" role="bench_team" strategy="round_robin"/>'
    b'<potok:deadline duration="3 working days"/></bpmn:extensionElements></bpmn:userTask>',
).replace(
    b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
    b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:potok="https://potok.dev/schema/bpmn/1.0"',
)


def make_team() -> None:
    """The role of `PROCESS_WITH_PERFORMER`: five people with email addresses (each is told of his tasks)."""
    from potok.accounts.models import Role, RoleAssignment, User

    role = Role.objects.create(code="bench_team", name_ru="Команда", name_en="Team")
    for n in range(5):
        person = User.objects.create(username=f"bench{n}", email=f"bench{n}@example.ru")
        RoleAssignment.objects.create(role=role, user=person)


def setup_django() -> str:
    # Production settings: DEBUG would keep a log of every statement.
    os.environ["POTOK_DEBUG"] = "0"
    os.environ.setdefault("POTOK_SECRET_KEY", "benchmark-" + "x" * 60)
    os.environ.setdefault("POTOK_EMBEDDED", "1")
    os.environ.setdefault("POTOK_DATA_DIR", tempfile.mkdtemp(prefix="potok-bench-automation-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "potok.config.settings"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        name = f"{name}_automation_{os.getpid()}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}"')
            server.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.db import connection

    return str(connection.vendor)


def drop_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


class QueryCount:
    """Counts the statements sent to the database (a `connection.execute_wrapper`): round trips do not
    depend on how loaded the machine is, and on PostgreSQL each one is a wait."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def measured(work: Any) -> tuple[Any, float, float, int]:
    """`work()`'s result, wall seconds, this process's CPU seconds (on SQLite the database's work too) and
    the statements it sent."""
    from django.db import connection

    counter = QueryCount()
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu, counter.count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_types() -> list[Any]:
    from potok.documents.services import document_type_create, field_create

    types = []
    for number in range(TYPES):
        document_type = document_type_create(
            actor=None, code=f"bench_{number:02d}", name_ru=f"Тип {number}", name_en=f"Type {number}"
        )
        field_create(
            actor=None,
            owner=document_type,
            code="severity",
            label_ru="Важность",
            field_type="choice",
            settings={"options": [{"value": s, "label_ru": s, "label_en": s} for s in SEVERITIES]},
        )
        field_create(actor=None, owner=document_type, code="amount", label_ru="Сумма", field_type="money")
        field_create(actor=None, owner=document_type, code="subject", label_ru="Тема", field_type="string")
        types.append(document_type)
    return types


def make_rules(types: list[Any], count: int, rng: random.Random) -> None:
    from potok.automation.models import RuleVersion, StartRule
    from potok.automation.ruleset import bump_generation
    from potok.core import clock

    past = clock.now() - timedelta(days=1)
    rules = []
    for number in range(count):
        document_type = types[number % len(types)]
        condition = {
            "all": [
                {"field": "severity", "op": "eq", "value": rng.choice(SEVERITIES)},
                {"field": "amount", "op": "gt", "value": rng.randint(95_000, 99_990)},
            ]
        }
        rules.append(
            StartRule(
                name=f"Rule {number}",
                entity_type=document_type.entity_type,
                event="updated" if number % 4 else "created",
                condition=condition,
                process_key="bench",
                variable_mapping=[{"target": "amount", "source": "amount"}],
                priority=number % 7,
                enabled=True,
                enabled_since=past,
                version=1,
                created_at=past,
                updated_at=past,
            )
        )
    StartRule.objects.bulk_create(rules, batch_size=1000)
    versions = [
        RuleVersion(rule=rule, number=1, definition={"enabled": True}, created_at=past)
        for rule in StartRule.objects.all()
    ]
    RuleVersion.objects.bulk_create(versions, batch_size=1000)
    bump_generation()


def make_documents(types: list[Any], per_type: int, rng: random.Random) -> list[Any]:
    from potok.documents.services import document_create

    documents = []
    for document_type in types:
        for _ in range(per_type):
            documents.append(
                document_create(
                    actor=None,
                    document_type=document_type,
                    values={
                        "severity": rng.choice(SEVERITIES),
                        "amount": str(rng.randint(1, 99_000)),
                        "subject": "x",
                    },
                )
            )
    return documents


def save_overhead(documents: list[Any], saves: int, rng: random.Random) -> dict[str, float]:
    """One save (its own transaction) three ways, in turn: without automation; with the dispatch task
    queued inside the save's transaction (`queue_in_transaction`, the outbox writer's hook — what is
    wired); and with the former after-commit consumer (`queue_dispatch`, a transaction of its own), kept
    for comparison. Each hook is also timed alone — exactly what automation adds to a save; the
    difference of two noisy medians of whole saves only approximates it."""
    from django.db import transaction

    from potok.automation.wiring import queue_dispatch, queue_in_transaction
    from potok.core import events
    from potok.documents.services import document_update

    after_commit: list[float] = []
    in_transaction: list[float] = []

    def timed_consumer(ids: list[int]) -> None:
        began = time.perf_counter()
        queue_dispatch(ids)
        after_commit.append(time.perf_counter() - began)

    def timed_writer(ids: list[int], kinds: list[tuple[str, str]]) -> None:
        began = time.perf_counter()
        queue_in_transaction(ids, kinds)  # with the check that a rule listens, as wired
        in_transaction.append(time.perf_counter() - began)

    def one_save() -> float:
        document = rng.choice(documents)
        began = time.perf_counter()
        with transaction.atomic():
            document_update(
                actor=None,
                document=document,
                values={"amount": str(rng.randint(1, 99_000))},
                expected_version=None,
            )
        return time.perf_counter() - began

    consumers, writers = list(events._consumers), list(events._writers)
    events._consumers.clear()
    events._writers.clear()
    plain: list[float] = []
    consumed: list[float] = []
    hooked: list[float] = []
    for number in range(saves * 3):
        arm = number % 3
        if arm == 1:
            events.register_consumer(timed_consumer)
            consumed.append(one_save())
            events._consumers.remove(timed_consumer)
        elif arm == 2:
            events.register_writer(timed_writer)
            hooked.append(one_save())
            events._writers.remove(timed_writer)
        else:
            plain.append(one_save())
    events._consumers.extend(consumers)
    events._writers.extend(writers)
    return {
        "plain_median": statistics.median(plain) * 1000,
        "plain_p95": percentile(plain, 0.95) * 1000,
        "automated_median": statistics.median(consumed) * 1000,
        "automated_p95": percentile(consumed, 0.95) * 1000,
        "hooked_median": statistics.median(hooked) * 1000,
        "hooked_p95": percentile(hooked, 0.95) * 1000,
        "consumer_median": statistics.median(after_commit) * 1000,
        "consumer_p95": percentile(after_commit, 0.95) * 1000,
        "hook_median": statistics.median(in_transaction) * 1000,
        "hook_p95": percentile(in_transaction, 0.95) * 1000,
    }


def dispatch_throughput(documents: list[Any], extra: int, rng: random.Random) -> dict[str, float]:
    from django.db import transaction

    from potok.automation.dispatch import dispatch_events
    from potok.automation.models import RuleEvaluation, RuleStart
    from potok.automation.ruleset import current_rules
    from potok.core.models import DomainEvent
    from potok.documents.services import document_update

    with transaction.atomic():
        for _ in range(extra):
            document = rng.choice(documents)
            document_update(
                actor=None,
                document=document,
                values={"amount": str(rng.randint(1, 100_000)), "severity": rng.choice(SEVERITIES)},
                expected_version=None,
            )
    ids = list(
        DomainEvent.objects.filter(dispatched_at__isnull=True).order_by("id").values_list("id", flat=True)
    )
    began = time.perf_counter()
    current_rules()
    loaded = time.perf_counter() - began
    dispatched, seconds, cpu, statements = measured(lambda: dispatch_events(ids))
    return {
        "events": dispatched,
        "seconds": seconds,
        "per_second": dispatched / seconds if seconds else 0.0,
        "cpu_ms": cpu * 1000 / max(dispatched, 1),
        "statements": statements / max(dispatched, 1),
        "evaluations": RuleEvaluation.objects.count(),
        "starts": RuleStart.objects.count(),
        "rules_load_seconds": loaded,
    }


def time_based(types: list[Any], count: int, spread: float = 0.0) -> dict[str, float]:
    """`count` records whose moment is now, fired by one worker; lateness of the first and last start.
    With `spread` (seconds) their moments are spread evenly over that time from now, and the worker fires
    them as it does in production — what is due, then a pause of 0.5 s when nothing is — so lateness is
    each start's time less its own moment."""
    from django.db import transaction
    from django.db.models import F

    from potok.automation.models import RuleStart, RuleTimer, RuleVersion, StartRule, TimerKind
    from potok.automation.ruleset import bump_generation, current_rules, forget_cache
    from potok.automation.timers import fire_due_timers
    from potok.core import clock
    from potok.documents.models import Document

    document_type = types[0]
    forget_cache()
    began = time.perf_counter()
    current_rules()  # a worker that starts compiles every enabled rule
    cold_seconds = time.perf_counter() - began
    now = clock.now()
    rule = StartRule.objects.create(
        name="Ten days open",
        entity_type=document_type.entity_type,
        event="time",
        options={"date_field": "created", "amount": 10, "unit": "days"},
        condition={"field": "status", "op": "ne", "value": "closed"},
        process_key="bench",
        enabled=True,
        enabled_since=now - timedelta(days=20),
        version=1,
        created_at=now,
        updated_at=now,
    )
    RuleVersion.objects.create(rule=rule, number=1, definition={"enabled": True}, created_at=now)
    bump_generation()
    began = time.perf_counter()
    current_rules()  # a new rule: every worker reads the rules' stamps and compiles that one
    compile_seconds = time.perf_counter() - began
    with transaction.atomic():
        first = (
            Document.objects.filter(document_type=document_type)
            .order_by("-id")
            .values_list("number", flat=True)
            .first()
        )
        start = int(str(first or "0").rsplit("-", 1)[-1]) + 1
        rows = [
            Document(
                document_type=document_type,
                number=f"T-{start + n}",
                status="new",
                data={"severity": "low", "amount": "10.00"},
                created_at=now - timedelta(days=10),
                updated_at=now,
            )
            for n in range(count)
        ]
        Document.objects.bulk_create(rows, batch_size=2000)
        due = clock.now()
        moments = {
            row.pk: due + timedelta(seconds=spread * n / max(count - 1, 1)) if spread else due
            for n, row in enumerate(rows)
        }
        RuleTimer.objects.bulk_create(
            [
                RuleTimer(
                    rule=rule,
                    kind=TimerKind.TIME,
                    entity_type=document_type.entity_type,
                    record_id=row.pk,
                    due_at=moments[row.pk],
                )
                for row in rows
            ],
            batch_size=2000,
        )
    if spread:
        # Writing the timers took a while: the spread begins now, not when their writing began.
        shift = clock.now() - due
        RuleTimer.objects.filter(rule=rule).update(due_at=F("due_at") + shift)
        due += shift
        moments = {record_id: moment + shift for record_id, moment in moments.items()}

    # The worker tunes the garbage collector when it starts (potok worker does the same).
    from potok.cli.worker import tune_garbage_collector

    tune_garbage_collector()

    def fire_all() -> int:
        fired = 0
        while True:
            done = fire_due_timers()
            fired += done
            if not done:
                if fired >= count or not spread:
                    return fired
                time.sleep(0.5)  # the idle worker's poll

    fired, seconds, cpu, statements = measured(fire_all)
    starts = RuleStart.objects.filter(rule=rule).order_by("started_at").values_list("started_at", flat=True)
    first_start, last_start = starts.first(), starts.last()
    late = sorted(
        (started - moments[record_id]).total_seconds()
        for record_id, started in RuleStart.objects.filter(rule=rule).values_list("record_id", "started_at")
    )
    # one timer, polled the way the worker polls (every 0.5 s when idle)
    single = Document.objects.create(
        document_type=document_type, number="T-single", status="new", data={}, created_at=now, updated_at=now
    )
    lone_due = clock.now() + timedelta(milliseconds=300)
    RuleTimer.objects.create(
        rule=rule,
        kind=TimerKind.TIME,
        entity_type=document_type.entity_type,
        record_id=single.pk,
        due_at=lone_due,
    )
    while not fire_due_timers():
        time.sleep(0.5)
    lone = RuleStart.objects.get(rule=rule, record_id=single.pk).started_at - lone_due
    return {
        "records": count,
        "fired": fired,
        "seconds": seconds,
        "per_second": fired / seconds if seconds else 0.0,
        "cpu_ms": cpu * 1000 / max(fired, 1),
        "statements": statements / max(fired, 1),
        "first_late": (first_start - due).total_seconds() if first_start else 0.0,
        "last_late": (last_start - due).total_seconds() if last_start else 0.0,
        "late_median": statistics.median(late) if late else 0.0,
        "late_p95": percentile(late, 0.95) if late else 0.0,
        "late_max": late[-1] if late else 0.0,
        "spread": spread,
        "single_late": lone.total_seconds(),
        "compile_seconds": compile_seconds,
        "cold_seconds": cold_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer saves and records; within a minute")
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=None)
    parser.add_argument("--timers", type=int, default=None)
    parser.add_argument(
        "--performer",
        action="store_true",
        help="the process's task goes to a role in turn with a working-day deadline, as in the demo",
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="spread the time-based moments evenly over this many seconds (60: 'in the same minute')",
    )
    args = parser.parse_args()
    saves = args.saves or (150 if args.quick else 1000)
    timers = args.timers or (1_000 if args.quick else 100_000)
    began = time.perf_counter()
    vendor = setup_django()
    print(f"database ready in {time.perf_counter() - began:.0f} s", flush=True)
    try:
        rng = random.Random(2026)
        from potok.processes.services.definitions import process_publish_file

        if args.performer:
            make_team()
        process_publish_file(
            actor=None, data=PROCESS_WITH_PERFORMER if args.performer else PROCESS, source_name="bench.bpmn"
        )
        types = make_types()
        make_rules(types, args.rules, rng)
        documents = make_documents(types, 4 if args.quick else 20, rng)
        from potok.automation.dispatch import dispatch_pending

        dispatch_pending(min_age=timedelta(0), limit=100_000)  # the creations: not measured
        overhead = save_overhead(documents, saves, rng)
        throughput = dispatch_throughput(documents, 50 if args.quick else 1000, rng)
        timing = time_based(types, timers, args.spread)
    finally:
        drop_database()
    extra_median = overhead["hook_median"]
    extra_p95 = overhead["hook_p95"]
    print(
        f"automation overhead on {vendor}, {args.rules} rules over {TYPES} types, {time.perf_counter() - began:.0f} s in all"
    )
    print(
        f"save without automation: median {overhead['plain_median']:.2f} ms, p95 {overhead['plain_p95']:.2f} ms; "
        f"with the task queued in the save's transaction (wired): median {overhead['hooked_median']:.2f} ms, p95 {overhead['hooked_p95']:.2f} ms; "
        f"with the former after-commit consumer: median {overhead['automated_median']:.2f} ms, p95 {overhead['automated_p95']:.2f} ms"
    )
    print(
        f"automation's own part: in the save's transaction (one INSERT, wired) median {extra_median:.3f} ms, p95 {extra_p95:.3f} ms; "
        f"the former after-commit consumer (own transaction) median {overhead['consumer_median']:.3f} ms, p95 {overhead['consumer_p95']:.3f} ms"
    )
    print(
        f"dispatch: {throughput['events']} events in {throughput['seconds']:.2f} s = {throughput['per_second']:.0f} events/s "
        f"({throughput['evaluations']} evaluations written, {throughput['starts']} processes started; "
        f"{throughput['statements']:.1f} statements and {throughput['cpu_ms']:.1f} ms of the worker's CPU per event); "
        f"a worker compiles the {args.rules} rules when it starts in {timing['cold_seconds']:.1f} s; "
        f"after one rule is added it brings them up to date (compiling that one) in {timing['compile_seconds']:.2f} s"
    )
    print(
        f"time-based: {timing['fired']} of {timing['records']} records due in the same minute started in {timing['seconds']:.1f} s "
        f"({timing['per_second']:.0f}/s, one worker); first start {timing['first_late']:.2f} s late, last {timing['last_late']:.1f} s; "
        f"a lone timer {timing['single_late']:.2f} s late; per start {timing['statements']:.1f} statements, "
        f"{timing['cpu_ms']:.1f} ms of the worker's CPU"
    )
    if timing["spread"]:
        print(
            f"time-based, moments spread evenly over {timing['spread']:.0f} s: lateness of each start after its own "
            f"moment median {timing['late_median']:.2f} s, p95 {timing['late_p95']:.2f} s, max {timing['late_max']:.2f} s"
        )
    print(
        f"RESULT extra per save (task queued in the save's transaction, wired): median {extra_median:.3f} ms, "
        f"p95 {extra_p95:.3f} ms (target < 1 ms median; the former after-commit consumer: "
        f"{overhead['consumer_median']:.3f} / {overhead['consumer_p95']:.3f} ms) | "
        f"dispatch {throughput['per_second']:.0f} events/s | {timing['records']} timers: last start {timing['last_late']:.1f} s late, "
        f"{timing['per_second']:.0f} starts/s, 100,000 would take {100_000 / max(timing['per_second'], 1e-9):.0f} s with one worker"
    )


if __name__ == "__main__":
    main()
