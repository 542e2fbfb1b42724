"""Reading Potok's settings from the environment, with errors that name the variable.

Example:
    >>> read_bool({"POTOK_DEBUG": "yes"}, "POTOK_DEBUG", default=False)
    True
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
SUPPORTED_LANGUAGES = ("ru", "en")


def read_bool(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value; use 1/0, true/false, yes/no or on/off."
    )


def read_data_dir(environ: Mapping[str, str]) -> Path:
    raw = environ.get("POTOK_DATA_DIR")
    path = Path(raw).expanduser() if raw else Path.home() / ".local" / "share" / "potok"
    return path.resolve()


def read_time_zone(environ: Mapping[str, str]) -> str:
    name = environ.get("POTOK_TIME_ZONE", "Europe/Moscow").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ImproperlyConfigured(
            f"POTOK_TIME_ZONE={name!r} is not a known time zone; use an IANA name such as Europe/Moscow."
        ) from error
    return name


def read_language(environ: Mapping[str, str]) -> str:
    language = environ.get("POTOK_LANGUAGE", "ru").strip().lower()
    if language not in SUPPORTED_LANGUAGES:
        raise ImproperlyConfigured(
            f"POTOK_LANGUAGE={language!r} is not supported; use one of: {', '.join(SUPPORTED_LANGUAGES)}."
        )
    return language


def read_database(environ: Mapping[str, str], data_dir: Path) -> dict[str, Any]:
    """The default database: PostgreSQL when DATABASE_URL says so, else SQLite under the data dir."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        return sqlite_database(data_dir / "potok.sqlite3")
    import dj_database_url

    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has the scheme {scheme!r}; Potok supports postgres://user@host:port/name "
            "and sqlite:///path/to/file."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except Exception as error:  # the library raises several types for a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {error}") from error
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return sqlite_database(Path(config["NAME"]))
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database; add it after the last slash: .../potok")
    config["ENGINE"] = "django.db.backends.postgresql"
    if read_bool(environ, "POTOK_DB_PREPARED_STATEMENTS", default=True):
        # Django binds parameters on the client by default, so every statement reaches the server as new
        # text to parse and plan. Bound on the server, psycopg prepares a statement on its fifth use on a
        # connection, and a process step repeats the same few dozen: the server's work per step halves. A
        # pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21) needs it off.
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "server_side_binding": True, "prepare_threshold": 5}
    return config


def sqlite_database(path: Path) -> dict[str, Any]:
    # WAL lets the web server read while the worker writes; IMMEDIATE transactions take the write
    # lock at BEGIN, so two writers queue on busy_timeout instead of failing on lock upgrade.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA cache_size=-32000;"
                "PRAGMA wal_autocheckpoint=10000;"
            ),
        },
        "TEST": {"NAME": str(path.with_name("test-" + path.name))},
    }


def environment() -> Mapping[str, str]:
    return os.environ
