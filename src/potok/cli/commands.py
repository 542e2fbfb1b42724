"""The `potok` subcommands. Each is thin: it calls services and prints the outcome."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from potok.cli.backup import run_backup, run_restore  # noqa: F401 - found by name in main()


def run_migrate(args: argparse.Namespace) -> int:
    call_command("migrate", interactive=False, verbosity=1)
    return 0


def run_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["potok manage", *args.args])
    return 0


def run_token(args: argparse.Namespace) -> int:
    from potok.accounts.models import User
    from potok.accounts.services import api_token_create

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(f"potok: no active user with the login {args.username!r}", file=sys.stderr)
        return 1
    print(api_token_create(actor=None, user=user, name=args.name))
    return 0


def run_createadmin(args: argparse.Namespace) -> int:
    from potok.accounts.services import user_create
    from potok.core.errors import ValidationFailed

    password = args.password or getpass.getpass("Password: ")
    try:
        user_create(
            actor=None,
            username=args.username,
            password=password,
            email=args.email,
            is_superuser=True,
            origin="cli",
        )
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            print(f"potok: {field}: {' '.join(messages)}", file=sys.stderr)
        return 1
    print(f"administrator {args.username!r} created")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from django.db.migrations.executor import MigrationExecutor

    problems = 0
    call_command("check")
    vendor = connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        print(f"database: {vendor} reachable")
    except Exception as error:
        print(f"database: cannot connect: {error}", file=sys.stderr)
        return 1
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        print(f"migrations: {len(pending)} not applied; run 'potok migrate'", file=sys.stderr)
        problems += 1
    else:
        print("migrations: up to date")
    print(f"data directory: {settings.DATA_DIR}")
    return 1 if problems else 0


def run_bpmn(args: argparse.Namespace) -> int:
    """`potok bpmn check FILE…`: per file, OK or every problem naming its element; 1 if any is invalid."""
    from potok.core.errors import ValidationFailed
    from potok.processes.services.definitions import MAX_BPMN_BYTES, problems_of, read_checked

    invalid = 0
    for name in args.files:
        path = Path(name)
        try:
            if path.stat().st_size > MAX_BPMN_BYTES:
                raise ValidationFailed({"file": f"larger than {MAX_BPMN_BYTES // (1024 * 1024)} MB"})
            definitions = read_checked(path.read_bytes(), source_name=path.name)
        except OSError as error:
            print(f"{name}: cannot read: {error.strerror or error}")
            invalid += 1
            continue
        except ValidationFailed as error:
            print(
                f"{name}: {' '.join(message for messages in error.errors.values() for message in messages)}"
            )
            invalid += 1
            continue
        problems = problems_of(definitions)
        errors = [problem for problem in problems if problem["severity"] == "error"]
        if not problems:
            print(f"{name}: OK")
        for problem in problems:
            line = f":{problem['line']}" if problem.get("line") else ""
            print(
                f"{name}{line}: {problem['severity']}: {problem['element_id'] or 'process'}: {problem['message']}"
            )
        invalid += bool(errors)
    return 1 if invalid else 0


def run_seed_demo(args: argparse.Namespace) -> int:
    from potok.demo.company import build_demo_company

    summary = build_demo_company(seed=args.seed)
    print(summary)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from potok.cli.worker import PotokWorker

    worker = PotokWorker(interval=args.interval)
    if args.once:
        from potok.core import periodic

        done = worker.run_once() + periodic.run_all_now()
        print(f"worker: {done} items of work done")
        return 0
    worker.run()
    return 0


def serve_forever(host: str, port: int, threads: int) -> None:
    from waitress import serve

    from potok.config.env import read_bool
    from potok.config.wsgi import application

    options: dict[str, object] = {"clear_untrusted_proxy_headers": True}
    if read_bool(os.environ, "POTOK_BEHIND_PROXY", default=False):
        # Behind a TLS proxy: believe the scheme and client address it sends, and only from it.
        options.update(
            trusted_proxy=os.environ.get("POTOK_TRUSTED_PROXY", "127.0.0.1"),
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host"},
        )
    serve(application, host=host, port=port, threads=threads, ident="potok", **options)


def run_serve(args: argparse.Namespace) -> int:
    print(f"Potok is serving at http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    serve_forever(args.host, args.port, args.threads)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from potok.demo.company import DEMO_PASSWORD, DEMO_USERS, build_demo_company, demo_company_exists

    database = Path(settings.DATABASES["default"]["NAME"])
    if args.reset and database.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    if not demo_company_exists():
        print("Building the demo company (ООО «Северный ветер»)…", flush=True)
        print(build_demo_company(seed=args.seed), flush=True)
    worker = subprocess.Popen([sys.executable, "-m", "potok.cli.main", "worker"], env=os.environ.copy())
    url = f"http://{args.host}:{args.port}/"
    width = shutil.get_terminal_size((100, 20)).columns
    print("=" * min(width, 72))
    print(f"Potok demo is running at {url}")
    print(f"Data: {settings.DATA_DIR}")
    print(f"Log in as any of these users, password «{DEMO_PASSWORD}»:")
    for username, description in DEMO_USERS:
        print(f"  {username:<14} {description}")
    print("Press Ctrl-C to stop.")
    print("=" * min(width, 72), flush=True)
    try:
        serve_forever(args.host, args.port, threads=8)
    except KeyboardInterrupt:
        pass
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        print("Potok demo stopped.")
    return 0
