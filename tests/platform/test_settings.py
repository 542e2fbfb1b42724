"""Settings come from the environment; bad values stop start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from potok.config.env import read_bool, read_database, read_language, read_time_zone


def test_sqlite_is_the_embedded_default_in_wal_mode(tmp_path: Path) -> None:
    config = read_database({}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "potok.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgres_url_is_understood(tmp_path: Path) -> None:
    config = read_database({"DATABASE_URL": "postgres://potok@127.0.0.1:5432/potok"}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "potok"
    assert config["HOST"] == "127.0.0.1"


def test_postgres_binds_parameters_on_the_server_and_prepares_repeated_statements(tmp_path: Path) -> None:
    url = "postgres://potok@127.0.0.1:5432/potok"
    # given the default: the server binds the parameters, psycopg prepares a statement on its fifth use
    config = read_database({"DATABASE_URL": url}, tmp_path)
    assert config["OPTIONS"]["server_side_binding"] is True
    assert config["OPTIONS"]["prepare_threshold"] == 5
    # when an operator behind a pooler that cannot keep prepared statements turns it off
    config = read_database({"DATABASE_URL": url, "POTOK_DB_PREPARED_STATEMENTS": "off"}, tmp_path)
    # then Django's defaults stay: parameters bound on the client, nothing prepared
    assert "server_side_binding" not in config.get("OPTIONS", {})
    assert "prepare_threshold" not in config.get("OPTIONS", {})
    with pytest.raises(ImproperlyConfigured, match="POTOK_DB_PREPARED_STATEMENTS"):
        read_database({"DATABASE_URL": url, "POTOK_DB_PREPARED_STATEMENTS": "sometimes"}, tmp_path)


@pytest.mark.django_db
@pytest.mark.postgres_only
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="prepared statements are PostgreSQL's"
)
def test_a_statement_repeated_on_a_connection_is_prepared_by_the_server() -> None:
    from django.db import connection

    from potok.processes.sql import Sql

    # when the process store's kind of statement runs six times on one connection
    text = "SELECT count(*) FROM processes_task WHERE instance_id = ? AND state = 'open'"
    for number in range(6):
        assert Sql.current().rows(text, [f"instance-{number}"]) == [(0,)]
    # then the server keeps it prepared, its parameter as $1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FROM processes_task WHERE instance_id = $1 AND state = 'open'%"],
        )
        assert cursor.fetchall() == [("{text}",)]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/potok", "scheme 'mysql'"),
        ("postgres://potok@127.0.0.1:5432/", "names no database"),
        ("nonsense", "scheme 'nonsense'"),
    ],
)
def test_malformed_database_url_names_the_variable(tmp_path: Path, url: str, fragment: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as error:
        read_database({"DATABASE_URL": url}, tmp_path)
    assert fragment in str(error.value)


def test_bad_values_name_their_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="POTOK_DEBUG"):
        read_bool({"POTOK_DEBUG": "maybe"}, "POTOK_DEBUG", default=False)
    with pytest.raises(ImproperlyConfigured, match="POTOK_TIME_ZONE"):
        read_time_zone({"POTOK_TIME_ZONE": "Mars/Olympus"})
    with pytest.raises(ImproperlyConfigured, match="POTOK_LANGUAGE"):
        read_language({"POTOK_LANGUAGE": "de"})


def _start_django(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    environ.update(
        {"POTOK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "potok.config.settings", **env}
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_mode_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = _start_django(tmp_path)
    assert result.returncode != 0
    assert "POTOK_SECRET_KEY is not set" in result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    environ.update(
        {
            "POTOK_DATA_DIR": str(tmp_path),
            "POTOK_SECRET_KEY": "k" * 20 + "3xq9Zr!vB7@pL2#mW8$tY5^nH1&cJ4*fG6",
            "POTOK_ALLOWED_HOSTS": "crm.example.com",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "potok.cli.main", "manage", "check", "--deploy", "--fail-level", "DEBUG"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
