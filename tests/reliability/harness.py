"""Scale-out under faults on PostgreSQL: several web processes and workers against one database, driven by
concurrent HTTP clients while processes are killed, database connections cut and a webhook endpoint fails;
then the invariants are checked in SQL.

    with Harness(Settings(load_seconds=35), server_url="postgres://postgres@127.0.0.1:5432/postgres") as h:
        report = h.run()
    print(report.text())
    assert report.held

What it does, in order: creates a fresh database (dropped again at the end), migrates it with `potok migrate`,
builds a small world (tests/reliability/world.py), starts a local webhook endpoint, `potok serve` ×2 and
`potok worker` ×4 as OS processes on loopback, runs the clients (tests/reliability/load.py) with the fault
schedule, lets the reviewers finish what is left with no more faults, waits (bounded) until the background
work is done, and checks the invariants (tests/reliability/invariants.py).

Faults: SIGKILL of a random worker (a replacement is started), SIGKILL of a web process (restarted on its
port), every connection to the database cut with pg_terminate_backend (what clients see of a PostgreSQL
restart), the webhook endpoint answering 500 for a period. A real restart of the PostgreSQL cluster
(`pg_ctlcluster VERSION main restart`) is done only when `restart_postgres` names the cluster version —
never in CI: it interrupts everyone else's use of the server too.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.reliability import invariants
from tests.reliability.load import Api, Creator, Reviewer, Tally

REPO_ROOT = Path(__file__).resolve().parents[2]
WORLD = Path(__file__).resolve().with_name("world.py")
BOOT_TIMEOUT = 180.0


@dataclass
class Settings:
    load_seconds: float = 35.0
    creators: int = 4
    reviewers: int = 4
    web_processes: int = 2
    workers: int = 4
    vip_share: float = 0.6
    faults: bool = True
    # One fault cycle lasts this long; a longer load repeats it.
    cycle_seconds: float = 35.0
    drain_seconds: float = 120.0
    quiescence_seconds: float = 180.0
    seed: int = 2026
    restart_postgres: str = ""  # a cluster version ("15") to restart for real; empty: never
    keep_database: bool = False


@dataclass(order=True)
class Fault:
    at: float
    kind: str
    target: int = 0

    def describe(self) -> str:
        return f"t+{self.at:5.1f}s {self.kind}" + (f" #{self.target}" if self.kind.startswith("kill") else "")


def fault_schedule(settings: Settings, rng: random.Random) -> list[Fault]:
    """Per cycle: a worker killed three times, each web process once, the database connections cut twice,
    the webhook endpoint failing for about a third of the cycle; each moment jittered."""
    if not settings.faults:
        return []
    faults: list[Fault] = []
    cycle = settings.cycle_seconds
    start = 0.0
    web = 0
    while start + cycle <= settings.load_seconds + 0.01:

        def at(share: float, start: float = start) -> float:
            return start + cycle * min(max(share + rng.uniform(-0.05, 0.05), 0.02), 0.98)

        for share in (0.12, 0.45, 0.78):
            faults.append(Fault(at(share), "kill worker", rng.randrange(settings.workers)))
        for share in (0.3, 0.7):
            faults.append(Fault(at(share), "kill web", web % settings.web_processes))
            web += 1
        for share in (0.4, 0.85):
            faults.append(Fault(at(share), "cut database connections"))
        # Late in the cycle, when the first instances have passed their review and timer.
        failing_from = at(0.5)
        faults.append(Fault(failing_from, "webhook endpoint fails"))
        faults.append(Fault(failing_from + cycle * 0.3, "webhook endpoint recovers"))
        if settings.restart_postgres:
            faults.append(Fault(at(0.6), "restart postgresql"))
        start += cycle
    return sorted(faults)


class WebhookEndpoint:
    """A local HTTP endpoint that records each message id it accepted; while `failing`, it answers 500."""

    def __init__(self) -> None:
        self.failing = False
        self.received: dict[str, int] = {}
        self.refused = 0
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                message_id = self.headers.get("webhook-id", "")
                with endpoint.lock:
                    if endpoint.failing:
                        endpoint.refused += 1
                        status = 500
                    else:
                        endpoint.received[message_id] = endpoint.received.get(message_id, 0) + 1
                        status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-endpoint", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():  # shutdown() would wait forever for a loop that never started
            self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Report:
    settings: Settings
    load_seconds: float = 0.0
    requests: int = 0
    connection_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    processes_started: int = 0
    documents_acknowledged: int = 0
    tasks_completed: int = 0
    claims: int = 0
    claim_conflicts: int = 0
    drain_seconds: float = 0.0
    quiescence_seconds: float = 0.0
    quiet: bool = False
    faults: list[str] = field(default_factory=list)
    fault_kinds: list[str] = field(default_factory=list)
    unexpected_exits: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)
    webhook_refusals: int = 0
    checks: list[invariants.Check] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return bool(self.checks) and all(check.held for check in self.checks) and not self.client_errors

    def text(self) -> str:
        s = self.settings
        per_second = self.load_seconds or 1.0
        lines = [
            f"scale-out: {s.web_processes} web processes, {s.workers} workers, {s.creators} creators + "
            f"{s.reviewers} reviewers, {self.load_seconds:.0f} s of load, faults {'on' if s.faults else 'off'}",
            f"requests answered during the load: {self.requests} ({self.requests / per_second:.1f}/s); "
            f"{self.connection_errors} connection errors, statuses {dict(sorted(self.statuses.items()))}",
            f"documents acknowledged: {self.documents_acknowledged}; processes started during the load: "
            f"{self.processes_started} ({self.processes_started / per_second:.2f}/s)",
            f"tasks completed: {self.tasks_completed}; claims won {self.claims}, lost {self.claim_conflicts}",
            f"webhook answers 500 during the failing periods: {self.webhook_refusals}",
            f"drain {self.drain_seconds:.0f} s, quiescence {self.quiescence_seconds:.0f} s"
            + ("" if self.quiet else " (NOT quiet at the deadline)"),
            "faults applied:",
            *[f"  {fault}" for fault in self.faults],
        ]
        if self.unexpected_exits:
            lines += ["processes that exited by themselves:", *[f"  {e}" for e in self.unexpected_exits]]
        if self.client_errors:
            lines += ["client errors:", *[f"  {e}" for e in self.client_errors]]
        lines += ["invariants:", *[f"  {check.line()}" for check in self.checks]]
        lines.append(f"invariants {'HELD' if self.held else 'BROKEN'}")
        return "\n".join(lines)


class Child:
    """One `potok` OS process the harness started; restarted in place after a kill."""

    def __init__(self, name: str, args: list[str], environ: dict[str, str], logs: Path) -> None:
        self.name = name
        self.args = args
        self.environ = environ
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.killed_by_us = False

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "potok.cli.main", *self.args],
            env=self.environ,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.killed_by_us = False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.killed_by_us = True
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.killed_by_us = True
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def exited_by_itself(self) -> int | None:
        if self.process is None or self.killed_by_us:
            return None
        return self.process.poll()

    def last_lines(self, count: int = 5) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-count:])
        except OSError:
            return ""


class Harness:
    def __init__(self, settings: Settings, *, server_url: str) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        parts = urlsplit(server_url)
        self.database = f"potok_harness_{os.getpid()}_{secrets.token_hex(3)}"
        self.admin_dsn = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
        self.database_url = urlunsplit((parts.scheme, parts.netloc, f"/{self.database}", "", ""))
        self.directory = Path(tempfile.mkdtemp(prefix="potok-harness-"))
        self.endpoint = WebhookEndpoint()
        self.webs: list[Child] = []
        self.workers: list[Child] = []
        self.ports: list[int] = []
        self.created = False
        self.worker_serial = 0

    # -- lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> Harness:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            for child in self.webs + self.workers:
                try:
                    child.stop()
                except Exception:
                    child.kill()
            self.endpoint.stop()
        finally:
            if not self.settings.keep_database:
                shutil.rmtree(self.directory, ignore_errors=True)
                if self.created:
                    with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def environment(self) -> dict[str, str]:
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))
        }
        environ.update(
            {
                "DATABASE_URL": self.database_url,
                "DJANGO_SETTINGS_MODULE": "tests.reliability.settings",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), environ.get("PYTHONPATH")])),
                "POTOK_DATA_DIR": str(self.directory / "data"),
                "POTOK_SECRET_KEY": secrets.token_urlsafe(48),
                "POTOK_HTTPS": "0",
                "POTOK_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "POTOK_LOG_LEVEL": "WARNING",
            }
        )
        return environ

    def prepare(self) -> dict[str, Any]:
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.created = True
        environ = self.environment()
        for args in (
            [sys.executable, "-m", "potok.cli.main", "migrate"],
            [sys.executable, str(WORLD), self.endpoint.url, str(self.settings.reviewers)],
        ):
            done = subprocess.run(
                args, env=environ, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900
            )
            if done.returncode:
                raise RuntimeError(f"{args[-2:]} failed: {done.stderr[-3000:]}")
        tokens: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return tokens

    def start_cluster(self, token: str) -> None:
        self.endpoint.start()
        environ = self.environment()
        for number in range(self.settings.web_processes):
            port = free_port()
            self.ports.append(port)
            web = Child(
                f"web{number}", ["serve", "--port", str(port), "--threads", "8"], environ, self.directory
            )
            web.start()
            self.webs.append(web)
        for _ in range(self.settings.workers):
            self.workers.append(self.new_worker())
        for number, web in enumerate(self.webs):
            try:
                self.wait_for_web(number, token)
            except RuntimeError:
                # The free port may have been taken by another program meanwhile: once more on another.
                web.kill()
                self.ports[number] = free_port()
                web.args = ["serve", "--port", str(self.ports[number]), "--threads", "8"]
                web.start()
                self.wait_for_web(number, token)

    def new_worker(self) -> Child:
        self.worker_serial += 1
        worker = Child(f"worker{self.worker_serial}", ["worker"], self.environment(), self.directory)
        worker.start()
        return worker

    def wait_for_web(self, number: int, token: str) -> None:
        api = Api([("127.0.0.1", self.ports[number])], token, Tally())
        deadline = time.monotonic() + BOOT_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            exit_code = self.webs[number].exited_by_itself()
            if exit_code is not None:
                raise RuntimeError(f"web{number} exited with {exit_code}: {self.webs[number].last_lines()}")
            try:
                answer = api.once("GET", "/api/v1/tasks/counts")
            except OSError as error:
                last = f"{type(error).__name__}: {error}"
            else:
                if answer.status == 200:
                    api.close()
                    return
                last = f"HTTP {answer.status} {answer.body}"
            time.sleep(0.3)
        raise RuntimeError(
            f"web{number} did not answer within {BOOT_TIMEOUT:.0f} s; last: {last}; {self.webs[number].last_lines()}"
        )

    # -- faults ----------------------------------------------------------------------------------------

    def apply(self, fault: Fault) -> str:
        if fault.kind == "kill worker":
            victim = self.workers[fault.target]
            victim.kill()
            self.workers[fault.target] = self.new_worker()
            return f"SIGKILL {victim.name} (pid {victim.process.pid if victim.process else '?'}), started a replacement"
        if fault.kind == "kill web":
            web = self.webs[fault.target]
            pid = web.process.pid if web.process else "?"
            web.kill()
            web.start()
            return f"SIGKILL web{fault.target} (pid {pid}), restarted on port {self.ports[fault.target]}"
        if fault.kind == "cut database connections":
            with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
                cut = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.database],
                ).fetchone()
            return f"pg_terminate_backend: {cut[0] if cut else 0} connections of the database cut"
        if fault.kind == "webhook endpoint fails":
            self.endpoint.failing = True
            return "webhook endpoint answers 500"
        if fault.kind == "webhook endpoint recovers":
            self.endpoint.failing = False
            return "webhook endpoint answers 200 again"
        if fault.kind == "restart postgresql":
            version = self.settings.restart_postgres
            subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True, timeout=300)
            return f"pg_ctlcluster {version} main restart"
        raise ValueError(f"unknown fault {fault.kind!r}")

    def supervise(self, report: Report) -> None:
        """A worker or web process that died by itself is noted and started again, as a supervisor would."""
        for index, worker in enumerate(self.workers):
            code = worker.exited_by_itself()
            if code is not None:
                report.unexpected_exits.append(f"{worker.name} exited with {code}: {worker.last_lines()}")
                self.workers[index] = self.new_worker()
        for web in self.webs:
            code = web.exited_by_itself()
            if code is not None:
                report.unexpected_exits.append(f"{web.name} exited with {code}: {web.last_lines()}")
                web.start()

    # -- the run ---------------------------------------------------------------------------------------

    def rows(self, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url) as connection:
            return list(connection.execute(sql.encode(), parameters or []).fetchall())

    def run(self) -> Report:
        report = Report(self.settings)
        tokens = self.prepare()
        self.start_cluster(tokens["admin"])
        urls = [("127.0.0.1", port) for port in self.ports]
        tally = Tally()
        stop_creating = threading.Event()
        stop_reviewing = threading.Event()
        creators = [
            Creator(
                n,
                Api(urls, tokens["operator"], tally, start=n),
                stop_creating,
                vip_share=self.settings.vip_share,
                seed=self.settings.seed + n,
            )
            for n in range(self.settings.creators)
        ]
        reviewers = [
            Reviewer(n, Api(urls, token, tally, start=n), stop_reviewing, seed=self.settings.seed + 100 + n)
            for n, token in enumerate(tokens["reviewers"])
        ]
        schedule = fault_schedule(self.settings, self.rng)
        began = time.monotonic()
        started_at = self.rows("SELECT now()")[0][0]
        for client in [*creators, *reviewers]:
            client.start()
        try:
            for fault in schedule:
                while time.monotonic() - began < fault.at:
                    self.supervise(report)
                    time.sleep(0.1)
                report.faults.append(f"{fault.describe()}: {self.apply(fault)}")
                report.fault_kinds.append(fault.kind)
            while time.monotonic() - began < self.settings.load_seconds:
                self.supervise(report)
                time.sleep(0.1)
        finally:
            self.endpoint.failing = False
            stop_creating.set()
            report.load_seconds = time.monotonic() - began
            report.requests = tally.requests
            for creator in creators:
                creator.join(timeout=120)
        report.processes_started = self.rows(
            "SELECT count(*) FROM processes_processinstance WHERE started_at BETWEEN %s AND now()",
            [started_at],
        )[0][0]
        report.drain_seconds = self.drain(reviewers, stop_reviewing, report)
        report.quiescence_seconds, report.quiet = self.wait_for_quiet(report)
        self.supervise(report)
        clients: list[Creator | Reviewer] = [*creators, *reviewers]
        for client in clients:
            report.client_errors += [f"{client.name}: {error}" for error in client.errors]
        report.connection_errors = tally.connection_errors
        report.statuses = dict(tally.statuses)
        report.documents_acknowledged = len(tally.acknowledged)
        report.tasks_completed = len(tally.completed)
        report.claims, report.claim_conflicts = tally.claims, tally.claim_conflicts
        report.webhook_refusals = self.endpoint.refused
        with self.endpoint.lock:
            received = dict(self.endpoint.received)
        report.checks = [
            invariants.documents_once(self.rows, tally.acknowledged, tally.unacknowledged),
            invariants.starts_once(self.rows),
            invariants.timers_once(self.rows),
            invariants.completions_once(self.rows, tally.completed),
            invariants.nothing_stuck(self.rows),
            invariants.webhooks_accounted(self.rows, received),
        ]
        return report

    def drain(self, reviewers: list[Reviewer], stop: threading.Event, report: Report) -> float:
        """No more creates or faults: the reviewers finish the open work (bounded)."""
        began = time.monotonic()
        deadline = began + self.settings.drain_seconds
        while time.monotonic() < deadline:
            self.supervise(report)
            left = self.rows(
                "SELECT (SELECT count(*) FROM processes_processinstance WHERE state = 'running') "
                "+ (SELECT count(*) FROM core_domainevent WHERE dispatched_at IS NULL)"
            )[0][0]
            if not left:
                break
            time.sleep(0.5)
        stop.set()
        for reviewer in reviewers:
            reviewer.join(timeout=120)
        return time.monotonic() - began

    def wait_for_quiet(self, report: Report) -> tuple[float, bool]:
        """Bounded wait until no event waits for dispatch, no timer is due and every delivery is sent or given
        up — except one held by a killed worker, whose lease (minutes) has not run out yet: that is a retry
        to come, and the invariants accept it as one."""
        began = time.monotonic()
        while time.monotonic() - began < self.settings.quiescence_seconds:
            self.supervise(report)
            busy = self.rows(
                "SELECT (SELECT count(*) FROM core_domainevent WHERE dispatched_at IS NULL) "
                "+ (SELECT count(*) FROM processes_job WHERE due_at <= now() "
                "   AND (locked_until IS NULL OR locked_until < now() + interval '1 day')) "
                "+ (SELECT count(*) FROM notifications_delivery WHERE status IN ('pending', 'failed') "
                "   OR (status = 'sending' AND lease_expires_at < now()))"
            )[0][0]
            if not busy:
                return time.monotonic() - began, True
            time.sleep(1.0)
        return time.monotonic() - began, False
