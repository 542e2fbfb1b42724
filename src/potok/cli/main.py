"""The `potok` command: run the demo, the web server, the worker; administer an installation.

potok demo [--port 8000]     embedded database, demo company, web server and worker together
potok serve [--port 8000]    the web server only
potok worker                 a background worker only
potok migrate                create or upgrade the database
potok token USERNAME         print a new API token for the user
potok createadmin USERNAME   create an administrator (asks for the password)
potok check                  check the installation: settings, database, migrations
potok manage ARGS…           any Django management command
potok backup [--output FILE] back up the database and the uploaded files into one tar.gz
potok restore FILE [--force] restore such a backup (SQLite; PostgreSQL: prints the pg_restore steps)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="potok", description="Potok — a CRM whose processes start themselves."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the demo: embedded database, demo company, web and worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seed", type=int, default=2026, help="seed of the generated demo data")
    demo.add_argument("--reset", action="store_true", help="delete the demo database and build it anew")

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)

    worker = commands.add_parser("worker", help="run a background worker")
    worker.add_argument("--interval", type=float, default=0.2, help="seconds between polls when idle")
    worker.add_argument("--once", action="store_true", help="do all work that is due now, then exit")

    commands.add_parser("migrate", help="create or upgrade the database")

    token = commands.add_parser("token", help="print a new API token for a user")
    token.add_argument("username")
    token.add_argument("--name", default="cli", help="a label to recognise the token by")

    admin = commands.add_parser("createadmin", help="create an administrator")
    admin.add_argument("username")
    admin.add_argument("--password", help="the password (asked for when omitted)")
    admin.add_argument("--email", default="")

    commands.add_parser("check", help="check the installation")

    bpmn = commands.add_parser("bpmn", help="work with BPMN files")
    bpmn_commands = bpmn.add_subparsers(dest="bpmn_command", required=True, metavar="COMMAND")
    check_files = bpmn_commands.add_parser(
        "check", help="validate BPMN files: OK or each problem with its element"
    )
    check_files.add_argument("files", nargs="+", metavar="FILE")

    seed = commands.add_parser("seed-demo", help="load the demo company into the current database")
    seed.add_argument("--seed", type=int, default=2026)

    backup = commands.add_parser("backup", help="back up the database and the uploaded files")
    backup.add_argument("--output", help="the tar.gz to write (default: DATA_DIR/backups/potok-TIME.tar.gz)")
    restore = commands.add_parser("restore", help="restore a backup made by 'potok backup'")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="replace an existing database")

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "potok.config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        sys.exit(f"potok: configuration error: {error}")


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        os.environ.setdefault("POTOK_EMBEDDED", "1")
        os.environ.setdefault("POTOK_DATA_DIR", str(Path.cwd() / "var" / "demo"))
        if os.environ.get("DATABASE_URL"):
            sys.exit("potok demo runs on its embedded database; unset DATABASE_URL (or use 'potok serve').")
    setup_django()
    from potok.cli import commands

    handler = getattr(commands, "run_" + args.command.replace("-", "_"))
    sys.exit(handler(args) or 0)


if __name__ == "__main__":
    main()
