"""`potok backup` and `potok restore`: one tar.gz with a manifest, the database and the media files.

The embedded SQLite database is copied with SQLite's online backup API, which reads one consistent
snapshot while the web server and the worker go on writing. PostgreSQL is dumped with pg_dump (custom
format) into the same kind of bundle; restoring it is pg_restore's job (docs/reliability.md).

Bundle layout:
    manifest.json   {"format": 1, "potok_version", "created_at", "database": "sqlite"|"postgresql",
                     "database_file", "sha256", "migrations": {app: [applied, ...]}, "media_files"}
    potok.sqlite3   (or potok.dump)
    media/...       the uploaded files (MEDIA_ROOT)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = 1
SQLITE_FILE = "potok.sqlite3"
POSTGRES_FILE = "potok.dump"
MANIFEST = "manifest.json"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def database(self) -> str:
        return str(self.data.get("database", ""))

    @property
    def migrations(self) -> dict[str, list[str]]:
        return dict(self.data.get("migrations") or {})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _potok_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("potok")
    except PackageNotFoundError:
        return "unknown"


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API, one read transaction)."""
    if not source.exists():
        raise BackupError(f"the database {source} does not exist; nothing to back up")
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=60000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def sqlite_check(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        broken_keys = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"the database copy failed SQLite's integrity check: {result}")
    if broken_keys:
        raise BackupError(f"the database copy has {len(broken_keys)} broken foreign keys")


def applied_migrations(path: Path) -> dict[str, list[str]]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY app, id").fetchall()
    except sqlite3.OperationalError:
        rows = []
    finally:
        connection.close()
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return applied


def _add_media(archive: tarfile.TarFile, media_root: Path | None) -> int:
    count = 0
    if media_root is None or not media_root.is_dir():
        return 0
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}", recursive=False)
            count += 1
    return count


def _write_bundle(
    output: Path, database_file: Path, arcname: str, manifest: dict[str, Any], media_root: Path | None
) -> Manifest:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        archive.add(database_file, arcname=arcname)
        manifest["media_files"] = _add_media(archive, media_root)
        encoded = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(encoded)
        info.mtime = int(datetime.now(UTC).timestamp())
        archive.addfile(info, io.BytesIO(encoded))
    partial.chmod(0o600)  # it holds every password hash and every client's data
    partial.replace(output)
    return Manifest(manifest)


def backup_sqlite(*, database: Path, media_root: Path | None, output: Path) -> Manifest:
    with tempfile.TemporaryDirectory(prefix="potok-backup-") as folder:
        copy = Path(folder) / SQLITE_FILE
        sqlite_copy(database, copy)
        sqlite_check(copy)
        manifest = {
            "format": FORMAT,
            "potok_version": _potok_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": "sqlite",
            "database_file": SQLITE_FILE,
            "sha256": _sha256(copy),
            "migrations": applied_migrations(copy),
        }
        return _write_bundle(output, copy, SQLITE_FILE, manifest, media_root)


def pg_environment(config: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments and environment from Django's database settings."""
    arguments = ["--dbname", str(config["NAME"])]
    if config.get("HOST"):
        arguments += ["--host", str(config["HOST"])]
    if config.get("PORT"):
        arguments += ["--port", str(config["PORT"])]
    if config.get("USER"):
        arguments += ["--username", str(config["USER"])]
    environ = dict(os.environ)
    if config.get("PASSWORD"):
        environ["PGPASSWORD"] = str(config["PASSWORD"])  # never on the command line, where ps shows it
    return arguments, environ


def backup_postgres(*, config: dict[str, Any], media_root: Path | None, output: Path) -> Manifest:
    pg_dump = shutil.which("pg_dump")
    arguments, environ = pg_environment(config)
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed. Install the PostgreSQL client (apt-get install postgresql-client) "
            "or run on the database server:\n  pg_dump --format=custom --file potok.dump "
            + " ".join(arguments)
        )
    with tempfile.TemporaryDirectory(prefix="potok-backup-") as folder:
        dump = Path(folder) / POSTGRES_FILE
        result = subprocess.run(  # noqa: S603 - a fixed program with arguments from the settings
            [pg_dump, "--format=custom", "--no-owner", "--file", str(dump), *arguments],
            env=environ,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        from django.db import connection
        from django.db.migrations.recorder import MigrationRecorder

        applied: dict[str, list[str]] = {}
        for app, name in MigrationRecorder(connection).applied_migrations():
            applied.setdefault(app, []).append(name)
        manifest = {
            "format": FORMAT,
            "potok_version": _potok_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": "postgresql",
            "database_file": POSTGRES_FILE,
            "sha256": _sha256(dump),
            "migrations": {app: sorted(names) for app, names in sorted(applied.items())},
        }
        return _write_bundle(output, dump, POSTGRES_FILE, manifest, media_root)


# -- restore --------------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError("this file is not a Potok backup: it has no manifest.json") from None
    stream = archive.extractfile(member)
    if stream is None:
        raise BackupError("the manifest of this backup is not a file")
    try:
        data = json.loads(stream.read().decode())
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"the manifest of this backup cannot be read: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"this backup has format {data.get('format')!r}; this Potok reads format {FORMAT}")
    return Manifest(data)


def check_migrations(manifest: Manifest, known: dict[str, set[str]]) -> None:
    """Refuse a backup made by a newer Potok: its schema has migrations this code does not know."""
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if app in known and name not in known[app]
    ]
    if unknown:
        raise BackupError(
            "the backup was made by a newer Potok (unknown migrations: "
            + ", ".join(unknown[:5])
            + "); upgrade Potok, then restore"
        )


def _safe_members(archive: tarfile.TarFile, database_file: str) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise BackupError(f"the backup holds a path outside its folder: {member.name}")
        if member.name in (MANIFEST, database_file) or (
            name.parts[0] == MEDIA and (member.isfile() or member.isdir())
        ):
            members.append(member)
        else:
            raise BackupError(f"the backup holds an unexpected entry: {member.name}")
    return members


def database_in_use(database: Path) -> bool:
    """WAL mode keeps -wal and -shm beside the file while any process has it open."""
    return any(Path(f"{database}{suffix}").exists() for suffix in ("-wal", "-shm"))


def restore_sqlite(
    *,
    bundle: Path,
    database: Path,
    media_root: Path | None,
    force: bool,
    known_migrations: dict[str, set[str]],
) -> Manifest:
    if not bundle.is_file():
        raise BackupError(f"{bundle} does not exist")
    try:
        archive = tarfile.open(bundle, "r:gz")  # noqa: SIM115 - closed by the with-block below
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{bundle} is not a readable tar.gz backup: {error}") from None
    with archive, tempfile.TemporaryDirectory(prefix="potok-restore-", dir=database.parent) as folder:
        manifest = read_manifest(archive)
        if manifest.database != "sqlite":
            raise BackupError(
                f"this is a {manifest.database} backup; restore its potok.dump with pg_restore "
                "(see docs/reliability.md)"
            )
        check_migrations(manifest, known_migrations)
        if database.exists() and not force:
            state = (
                " and is in use (stop potok serve, worker and demo first)"
                if database_in_use(database)
                else ""
            )
            raise BackupError(f"the database {database} exists{state}; pass --force to replace it")
        archive.extractall(folder, members=_safe_members(archive, SQLITE_FILE), filter="data")
        restored = Path(folder) / SQLITE_FILE
        if not restored.is_file() or _sha256(restored) != manifest.data.get("sha256"):
            raise BackupError("the database in the backup does not match its manifest (damaged file?)")
        sqlite_check(restored)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        if database.exists():
            # The replaced database is kept beside the new one, in case the wrong backup was chosen.
            sqlite_copy(database, database.with_name(f"{database.name}.before-restore-{stamp}"))
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(restored, database)
        media = Path(folder) / MEDIA
        if media_root is not None and media.is_dir():
            if media_root.exists():
                media_root.rename(media_root.with_name(f"{media_root.name}.before-restore-{stamp}"))
            shutil.move(media, media_root)
    return manifest


# -- the commands ---------------------------------------------------------------------------------


def _known_migrations() -> dict[str, set[str]]:
    from django.db.migrations.loader import MigrationLoader

    known: dict[str, set[str]] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        known.setdefault(app, set()).add(name)
    return known


def _default_output(data_dir: Path) -> Path:
    return data_dir / "backups" / f"potok-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.tar.gz"


def run_backup(args: argparse.Namespace) -> int:
    from django.conf import settings

    config = settings.DATABASES["default"]
    output = Path(args.output) if args.output else _default_output(Path(settings.DATA_DIR))
    media = Path(settings.MEDIA_ROOT)
    try:
        if config["ENGINE"].endswith("sqlite3"):
            manifest = backup_sqlite(database=Path(config["NAME"]), media_root=media, output=output)
        else:
            manifest = backup_postgres(config=config, media_root=media, output=output)
    except BackupError as error:
        print(f"potok: backup failed: {error}", file=sys.stderr)
        return 1
    print(
        f"backup written: {output} ({manifest.database}, "
        f"{manifest.data.get('media_files', 0)} media files, {output.stat().st_size // 1024} KiB)"
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from django.conf import settings

    config = settings.DATABASES["default"]
    if not config["ENGINE"].endswith("sqlite3"):
        arguments, _environ = pg_environment(config)
        print(
            "potok: restoring PostgreSQL is pg_restore's job. Stop Potok, then:\n"
            f"  tar -xzf {args.file} {POSTGRES_FILE} {MEDIA}\n"
            f"  pg_restore --clean --if-exists --no-owner {' '.join(arguments)} {POSTGRES_FILE}\n"
            f"  and put the media folder at {settings.MEDIA_ROOT}",
            file=sys.stderr,
        )
        return 1
    try:
        manifest = restore_sqlite(
            bundle=Path(args.file),
            database=Path(config["NAME"]),
            media_root=Path(settings.MEDIA_ROOT),
            force=args.force,
            known_migrations=_known_migrations(),
        )
    except BackupError as error:
        print(f"potok: restore refused: {error}", file=sys.stderr)
        return 1
    print(
        f"restored the backup of {manifest.data.get('created_at')} (Potok {manifest.data.get('potok_version')}); "
        "run 'potok migrate' if this Potok is newer, then start it"
    )
    return 0
