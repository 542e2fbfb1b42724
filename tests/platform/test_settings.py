"""Settings come from the environment; bad values stop start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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
