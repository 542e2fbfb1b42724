"""The `potok` command line, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def potok(tmp_path: Path, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    environ.update({"POTOK_DATA_DIR": str(tmp_path), "POTOK_DEBUG": "1"})
    return subprocess.run(
        [sys.executable, "-m", "potok.cli.main", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        input=input_text,
    )


def test_migrate_createadmin_token_and_check(tmp_path: Path) -> None:
    assert potok(tmp_path, "check").returncode != 0  # nothing migrated yet
    assert potok(tmp_path, "migrate").returncode == 0

    weak = potok(tmp_path, "createadmin", "boss", "--password", "123")
    assert weak.returncode == 1 and "password" in weak.stderr

    created = potok(tmp_path, "createadmin", "boss", "--password", "Spring-in-Kazan-2026")
    assert created.returncode == 0, created.stderr

    token = potok(tmp_path, "token", "boss")
    assert token.returncode == 0 and token.stdout.startswith("ptk_")
    missing = potok(tmp_path, "token", "nobody")
    assert missing.returncode == 1 and "nobody" in missing.stderr

    check = potok(tmp_path, "check")
    assert check.returncode == 0, check.stderr
    assert "migrations: up to date" in check.stdout


def test_demo_refuses_an_external_database(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DJANGO_"))}
    environ.update({"DATABASE_URL": "postgres://x@127.0.0.1/y", "POTOK_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "potok.cli.main", "demo"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "embedded" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_starts_serves_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import http.cookiejar
    import re
    import signal
    import time
    import urllib.parse
    import urllib.request

    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "potok.cli.main", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/login/", timeout=2)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the demo did not come up"
                time.sleep(0.5)
        # a real login over HTTP with the printed demo password
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(base + "/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "service_head", "password": "demo"}
        )
        request = urllib.request.Request(
            base + "/login/", data=data.encode(), headers={"Referer": base + "/login/"}
        )
        home = opener.open(request).read().decode()
        assert "Борис" in home
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "password «demo»" in output and "reception" in output
    assert "Potok demo stopped." in output
    assert (tmp_path / "var" / "demo" / "potok.sqlite3").exists()


def test_bpmn_check_names_each_problem_and_fails_on_an_invalid_file(tmp_path: Path) -> None:
    good = Path(__file__).resolve().parents[2] / "src" / "potok" / "demo" / "bpmn" / "legal_review.bpmn"
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(good.read_bytes().replace(b'targetRef="check"/>', b'targetRef="nowhere"/>'))
    hostile = tmp_path / "hostile.bpmn"
    hostile.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )

    fine = potok(tmp_path, "bpmn", "check", str(good))
    assert fine.returncode == 0 and fine.stdout.strip().endswith("legal_review.bpmn: OK")

    result = potok(tmp_path, "bpmn", "check", str(good), str(broken), str(hostile))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(str(broken)) and "nowhere" in line for line in lines)
    assert any(line.startswith(str(hostile)) and "passwd" not in line for line in lines)


def test_the_worker_freezes_what_it_has_set_up_out_of_the_collectors_scans() -> None:
    import gc

    from potok.cli.worker import tune_garbage_collector

    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
