"""`potok backup` / `potok restore`: a consistent copy of a database that is being written to, checked by
a manifest on the way back, and never restored over a database by accident."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from potok.cli.backup import BackupError, backup_sqlite, restore_sqlite

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE client (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE deal (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES client(id),
    amount INTEGER NOT NULL
);
CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT);
INSERT INTO django_migrations (app, name, applied) VALUES ('clients', '0001_initial', '2026-01-01');
"""
DEALS_PER_CLIENT = 3


def _make_database(path: Path, clients: int) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    with connection:
        for number in range(clients):
            cursor = connection.execute("INSERT INTO client (name) VALUES (?)", (f"client {number} " * 20,))
            connection.executemany(
                "INSERT INTO deal (client_id, amount) VALUES (?, ?)",
                [(cursor.lastrowid, amount) for amount in range(DEALS_PER_CLIENT)],
            )
    connection.close()


class Writer(threading.Thread):
    """Writes a client and its deals in one transaction after another, counting the commits."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.committed = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")
        try:
            while not self.stop.is_set():
                connection.execute("BEGIN IMMEDIATE")
                cursor = connection.execute("INSERT INTO client (name) VALUES ('written during the backup')")
                connection.executemany(
                    "INSERT INTO deal (client_id, amount) VALUES (?, ?)",
                    [(cursor.lastrowid, amount) for amount in range(DEALS_PER_CLIENT)],
                )
                connection.execute("COMMIT")
                self.committed += 1
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connection.close()


def test_a_backup_taken_under_load_restores_consistent(tmp_path: Path) -> None:
    # given a database with 20,000 clients, a media folder, and a writer that never stops
    database = tmp_path / "live" / "potok.sqlite3"
    database.parent.mkdir()
    _make_database(database, clients=20_000)
    media = tmp_path / "live" / "media"
    (media / "documents" / "2026").mkdir(parents=True)
    (media / "documents" / "2026" / "act.pdf").write_bytes(b"%PDF-1.4 scanned act")
    writer = Writer(database)
    writer.start()
    try:
        while writer.committed < 50:
            time.sleep(0.01)
        committed_before = 20_000 + writer.committed
        # when the backup runs while the writer goes on
        manifest = backup_sqlite(database=database, media_root=media, output=tmp_path / "backup.tar.gz")
        during = writer.committed
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert during > 50, "the writer kept committing while the backup ran"
    assert manifest.data["migrations"] == {"clients": ["0001_initial"]}
    assert manifest.data["media_files"] == 1
    assert (tmp_path / "backup.tar.gz").stat().st_mode & 0o077 == 0  # readable by the owner only

    # then the restored copy is whole: integrity ok, every commit before the start, no half transaction
    target = tmp_path / "restored" / "potok.sqlite3"
    target.parent.mkdir()
    restore_sqlite(
        bundle=tmp_path / "backup.tar.gz",
        database=target,
        media_root=tmp_path / "restored" / "media",
        force=False,
        known_migrations={"clients": {"0001_initial"}},
    )
    connection = sqlite3.connect(target)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    clients = connection.execute("SELECT count(*) FROM client").fetchone()[0]
    deals = connection.execute("SELECT count(*) FROM deal").fetchone()[0]
    orphans = connection.execute(
        "SELECT count(*) FROM deal LEFT JOIN client ON client.id = deal.client_id WHERE client.id IS NULL"
    ).fetchone()[0]
    connection.close()
    assert clients >= committed_before
    assert deals == clients * DEALS_PER_CLIENT
    assert orphans == 0
    assert (
        (tmp_path / "restored" / "media" / "documents" / "2026" / "act.pdf").read_bytes().startswith(b"%PDF")
    )


def test_restore_refuses_to_replace_a_database_without_force(tmp_path: Path) -> None:
    database = tmp_path / "potok.sqlite3"
    _make_database(database, clients=3)
    backup_sqlite(database=database, media_root=None, output=tmp_path / "b.tar.gz")
    # an open connection in WAL mode: the database is in use
    open_connection = sqlite3.connect(database)
    open_connection.execute("SELECT count(*) FROM client").fetchone()
    with pytest.raises(BackupError, match="exists and is in use"):
        restore_sqlite(
            bundle=tmp_path / "b.tar.gz", database=database, media_root=None, force=False, known_migrations={}
        )
    open_connection.close()
    # with --force it is replaced, and the replaced one is kept beside it
    sqlite3.connect(database).execute("DELETE FROM deal").connection.commit()
    restore_sqlite(
        bundle=tmp_path / "b.tar.gz", database=database, media_root=None, force=True, known_migrations={}
    )
    assert (
        sqlite3.connect(database).execute("SELECT count(*) FROM deal").fetchone()[0] == 3 * DEALS_PER_CLIENT
    )
    assert list(tmp_path.glob("potok.sqlite3.before-restore-*"))


def test_restore_refuses_a_backup_of_a_newer_potok(tmp_path: Path) -> None:
    database = tmp_path / "potok.sqlite3"
    _make_database(database, clients=1)
    backup_sqlite(database=database, media_root=None, output=tmp_path / "b.tar.gz")
    with pytest.raises(BackupError, match="newer Potok"):
        restore_sqlite(
            bundle=tmp_path / "b.tar.gz",
            database=tmp_path / "new.sqlite3",
            media_root=None,
            force=False,
            known_migrations={"clients": {"0000_older"}},
        )
    assert not (tmp_path / "new.sqlite3").exists()


def _bundle(path: Path, entries: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"potok.sqlite3": b"x"}, "no manifest"),
        ({"manifest.json": b"{not json"}, "cannot be read"),
        ({"manifest.json": json.dumps({"format": 99}).encode()}, "format 99"),
        (
            {
                "manifest.json": json.dumps({"format": 1, "database": "sqlite", "sha256": "0"}).encode(),
                "../../etc/cron.d/evil": b"* * * * * root sh",
            },
            "outside its folder",
        ),
        (
            {
                "manifest.json": json.dumps({"format": 1, "database": "sqlite", "sha256": "0"}).encode(),
                "potok.sqlite3": b"not a database",
            },
            "does not match its manifest",
        ),
    ],
)
def test_restore_refuses_damaged_or_hostile_files(
    tmp_path: Path, entries: dict[str, bytes], message: str
) -> None:
    _bundle(tmp_path / "bad.tar.gz", entries)
    with pytest.raises(BackupError, match=message):
        restore_sqlite(
            bundle=tmp_path / "bad.tar.gz",
            database=tmp_path / "db.sqlite3",
            media_root=None,
            force=False,
            known_migrations={},
        )
    assert not (tmp_path / "db.sqlite3").exists()


def _potok(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_SETTINGS"))
    }
    environ.update({"POTOK_DATA_DIR": str(data_dir), "POTOK_DEBUG": "1"})
    return subprocess.run(
        [sys.executable, "-m", "potok.cli.main", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_commands_back_up_and_restore_the_embedded_database(tmp_path: Path) -> None:
    assert _potok(tmp_path, "migrate").returncode == 0
    assert _potok(tmp_path, "createadmin", "boss", "--password", "Spring-in-Kazan-2026").returncode == 0
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "contract.pdf").write_bytes(b"%PDF contract")
    made = _potok(tmp_path, "backup", "--output", str(tmp_path / "nightly.tar.gz"))
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout and "1 media files" in made.stdout

    refused = _potok(tmp_path, "restore", str(tmp_path / "nightly.tar.gz"))
    assert refused.returncode == 1 and "--force" in refused.stderr

    (tmp_path / "media" / "contract.pdf").unlink()
    restored = _potok(tmp_path, "restore", str(tmp_path / "nightly.tar.gz"), "--force")
    assert restored.returncode == 0, restored.stderr
    assert (tmp_path / "media" / "contract.pdf").exists()
    check = _potok(tmp_path, "check")
    assert check.returncode == 0 and "migrations: up to date" in check.stdout
    token = _potok(tmp_path, "token", "boss")
    assert token.returncode == 0 and token.stdout.startswith("ptk_")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_is_dumped_with_pg_dump(tmp_path: Path) -> None:
    import shutil

    from django.db import connection

    from potok.cli.backup import backup_postgres

    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("needs PostgreSQL and pg_dump")
    manifest = backup_postgres(
        config=connection.settings_dict, media_root=None, output=tmp_path / "pg.tar.gz"
    )
    assert manifest.database == "postgresql"
    assert "security" in manifest.migrations
    with tarfile.open(tmp_path / "pg.tar.gz") as archive:
        dump = archive.extractfile("potok.dump")
        assert dump is not None and dump.read(5) == b"PGDMP"


def _committed(lines: list[str]) -> int:
    numbers = [int(line) for line in lines if line.strip().isdigit()]
    return numbers[-1] if numbers else 0


def test_a_backup_of_potok_itself_taken_while_processes_start_restores_whole(tmp_path: Path) -> None:
    # given Potok's own database, and a process that creates a document and starts a process for it, one
    # transaction after another
    live, fresh = tmp_path / "live", tmp_path / "fresh"
    assert _potok(live, "migrate").returncode == 0
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_SETTINGS"))
    }
    environ.update({"POTOK_DATA_DIR": str(live), "POTOK_DEBUG": "1"})
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("backup_load_writer.py")), str(stop)],
        env=environ,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert writer.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(writer.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        while _committed(lines) < 20:
            assert writer.poll() is None, "the writer stopped"
            time.sleep(0.05)
        before = _committed(lines)
        # when `potok backup` runs while the writer goes on
        made = _potok(live, "backup", "--output", str(tmp_path / "live.tar.gz"))
        after = _committed(lines)
    finally:
        stop.touch()
        writer.wait(timeout=60)
        reader.join(timeout=10)
    assert made.returncode == 0, made.stderr
    assert after > before, "the writer kept committing while the backup ran"

    # then it restores into a fresh data folder, and the copy is whole
    restored = _potok(fresh, "restore", str(tmp_path / "live.tar.gz"))
    assert restored.returncode == 0, restored.stderr
    connection = sqlite3.connect(fresh / "potok.sqlite3")
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []

    def count(sql: str) -> int:
        return int(connection.execute(sql).fetchone()[0])

    documents = count("SELECT count(*) FROM documents_document")
    instances = count("SELECT count(*) FROM processes_processinstance WHERE entity_type = 'document.act'")
    # every transaction committed before the backup started is there, none after it ended, none torn
    assert before <= documents <= after
    assert instances == documents
    assert (
        count(
            "SELECT count(*) FROM documents_document d WHERE NOT EXISTS (SELECT 1 FROM processes_processinstance i "
            "WHERE i.entity_type = 'document.act' AND i.record_id = d.id)"
        )
        == 0
    )
    # every instance has its token at the task, its open task and the history of its start
    for table, condition in (
        ("processes_execution", "x.node_id = 'check'"),
        ("processes_task", "x.node_id = 'check' AND x.state = 'open'"),
        ("processes_historyentry", "x.node_id = 'start'"),
    ):
        assert (
            count(
                f"SELECT count(*) FROM processes_processinstance i WHERE NOT EXISTS "  # noqa: S608 - fixed names
                f"(SELECT 1 FROM {table} x WHERE x.instance_id = i.id AND {condition})"
            )
            == 0
        ), table
    # each document's creation left its audit row and its domain event
    assert count("SELECT count(*) FROM audit_auditevent WHERE entity_type = 'document.act'") >= documents
    assert count("SELECT count(*) FROM core_domainevent WHERE entity_type = 'document.act'") == documents
    connection.close()
    check = _potok(fresh, "check")
    assert check.returncode == 0 and "migrations: up to date" in check.stdout


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_taken_while_processes_start_restores_whole_into_a_new_database(
    tmp_path: Path,
) -> None:
    import shutil

    import psycopg
    from django.db import connection, transaction

    from potok.cli.backup import backup_postgres
    from potok.documents.services import document_create
    from potok.documents.services.types import document_type_create
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start
    from tests.platform.backup_load_writer import PROCESS

    if connection.vendor != "postgresql" or shutil.which("pg_restore") is None:
        pytest.skip("needs PostgreSQL and pg_dump / pg_restore")
    # given Potok on PostgreSQL and a thread creating a document and starting its process per transaction
    act = document_type_create(actor=None, code="act", name_ru="Акт", name_en="Act")
    process_publish_file(actor=None, data=PROCESS, source_name="review.bpmn")
    stop = threading.Event()
    committed = [0]
    errors: list[BaseException] = []

    def write() -> None:
        from django.db import connection as own_connection

        try:
            while not stop.is_set():
                with transaction.atomic():
                    document = document_create(actor=None, document_type=act, values={})
                    process_start(
                        actor=None,
                        process_key="review",
                        entity_type=document.entity_type,
                        record_id=document.pk,
                    )
                committed[0] += 1
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            own_connection.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        while committed[0] < 20 and not errors:
            time.sleep(0.05)
        before = committed[0]
        # when pg_dump runs while the writer goes on
        manifest = backup_postgres(
            config=connection.settings_dict, media_root=None, output=tmp_path / "pg.tar.gz"
        )
        after = committed[0]
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not errors, errors
    assert manifest.database == "postgresql" and after > before

    # then pg_restore puts it into a new database, consistent
    with tarfile.open(tmp_path / "pg.tar.gz") as archive:
        archive.extract("potok.dump", tmp_path, filter="data")
    settings = connection.settings_dict
    target = f"{settings['NAME']}_restored"
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        restored = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--host",
                str(server["host"]),
                "--port",
                str(server["port"]),
                "--username",
                str(server["user"]),
                "--dbname",
                target,
                str(tmp_path / "potok.dump"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr
        with psycopg.connect(dbname=target, **server) as copy:

            def count(sql: str) -> int:
                row = copy.execute(sql).fetchone()
                assert row is not None
                return int(row[0])

            documents = count("SELECT count(*) FROM documents_document")
            assert before <= documents <= after
            assert count(
                "SELECT count(*) FROM processes_processinstance WHERE entity_type = 'document.act'"
            ) == (documents)
            for table, condition in (
                ("processes_execution", "x.node_id = 'check'"),
                ("processes_task", "x.node_id = 'check' AND x.state = 'open'"),
                ("processes_historyentry", "x.node_id = 'start'"),
            ):
                missing = count(
                    "SELECT count(*) FROM processes_processinstance i WHERE NOT EXISTS "  # noqa: S608 - fixed names
                    f"(SELECT 1 FROM {table} x WHERE x.instance_id = i.id AND {condition})"
                )
                assert missing == 0, table
            assert (
                count("SELECT count(*) FROM core_domainevent WHERE entity_type = 'document.act'") == documents
            )
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
