"""The documentation's commands and API examples run, so the docs cannot rot.

Every ```sh and ```python block of docs/ (the convention is in tests/docs/markdown.py and docs/index.md)
runs against a live server holding the demo company: $POTOK_URL is its address, $TOKEN an API token of
the block's user, and `potok` on the PATH talks to the same database. Shell blocks of one page share the
variables they set, as a reader's terminal would; Python blocks stand alone. Between blocks the worker's
work is done (start rules, process steps), as `potok worker` would do it within a second. A block must
exit with 0, and where the page shows its output (`<!-- output -->`), the output must match it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.docs.markdown import Block, blocks_of, checked_files
from tests.docs.worker import settle

BLOCK_TIMEOUT = 60
# Variables the runner provides; a page's own variables are carried from block to block, these are not.
RUNNER_VARIABLES = {"TOKEN", "POTOK_URL", "DATABASE_URL", "POTOK_DATA_DIR", "POTOK_DEBUG", "PATH", "HOME"}
DECLARE = re.compile(r"^declare -x (?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?P<value>.*))?$")


def page_plan(path: Path) -> list[tuple[Block, Block | None]]:
    """The executable blocks of a page, each with the output block the page shows for it (or None)."""
    plan: list[tuple[Block, Block | None]] = []
    for block in blocks_of(path):
        if block.is_output:
            if not plan or plan[-1][1] is not None:
                raise AssertionError(f"{block.where}: an output block must follow a block that runs")
            plan[-1] = (plan[-1][0], block)
        elif block.kind is not None:
            plan.append((block, None))
    return plan


# -- the convention is kept (no database needed) -------------------------------------------------------


@pytest.mark.parametrize("path", checked_files(), ids=lambda p: p.name)
def test_every_block_either_runs_or_says_why_not(path: Path) -> None:
    from potok.demo.company import DEMO_USERS

    users = {username for username, _ in DEMO_USERS}
    problems = []
    for block, expected in page_plan(path):
        reason = block.skip_reason
        if reason is not None and not reason:
            problems.append(f"{block.where}: `<!-- not run: … -->` needs a reason")
        if reason is not None and expected is not None:
            problems.append(f"{block.where}: the output of a block that is not run cannot be checked")
        user = block.options.get("as", "admin")
        if user not in users:
            problems.append(f"{block.where}: as={user} is not a demo user")
        if (
            reason is None
            and block.kind == "python"
            and re.search(r"^\s*(import|from)\s+(requests|django|potok)\b", block.code, re.M)
        ):
            problems.append(
                f"{block.where}: API examples use the standard library only (urllib, http.client)"
            )
        if expected is not None and expected.language == "json":
            try:
                json.loads(expected.code)
            except ValueError as error:
                problems.append(f"{expected.where}: the shown output is not JSON: {error}")
    assert problems == [], "\n".join(problems)


def test_the_output_matching_rules() -> None:
    shown = {"id": 1, "errors": {"inn": ["…"]}, "items": [{"name": "x"}]}
    assert (
        json_mismatches(shown, {"id": 7, "errors": {"inn": ["ИНН"]}, "items": [{"name": "y", "a": 1}]}) == []
    )
    assert json_mismatches(shown, {"id": 7, "errors": {}, "items": []}) == [
        "errors: no key 'inn'",
        "items: the list is empty",
    ]
    assert (
        text_mismatches("backup written: … KiB)", "x\nbackup written: /tmp/a.tar.gz (sqlite, 12 KiB)\n") == []
    )
    assert text_mismatches("restored", "nothing\n") == ["no line like: restored"]


# -- matching the output a page shows ------------------------------------------------------------------


def json_mismatches(shown: Any, actual: Any, where: str = "") -> list[str]:
    """Keys the page shows that the actual answer lacks (values differ from run to run: ids, times)."""
    label = where or "the answer"
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{label}: expected an object, got {type(actual).__name__}"]
        problems = []
        for key, value in shown.items():
            if key not in actual:
                problems.append(f"{label}: no key {key!r}")
            else:
                problems += json_mismatches(value, actual[key], f"{where}.{key}" if where else key)
        return problems
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return [f"{label}: expected a list, got {type(actual).__name__}"]
        if shown and not actual:
            return [f"{label}: the list is empty"]
        if shown and isinstance(shown[0], dict | list):
            return json_mismatches(shown[0], actual[0], f"{where}[0]")
    return []


def answers_in(stdout: str) -> list[Any]:
    """The JSON documents printed: the whole output, else each line that parses."""
    try:
        return [json.loads(stdout)]
    except ValueError:
        pass
    found = []
    for line in stdout.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def text_mismatches(shown: str, stdout: str) -> list[str]:
    lines = stdout.splitlines()
    problems = []
    for wanted in (line.strip() for line in shown.splitlines()):
        if not wanted:
            continue
        pattern = re.compile(".*".join(re.escape(part.strip()) for part in wanted.split("…")))
        if not any(pattern.search(line) for line in lines):
            problems.append(f"no line like: {wanted}")
    return problems


def output_mismatches(expected: Block, stdout: str) -> list[str]:
    if expected.language == "json":
        shown = json.loads(expected.code)
        answers = answers_in(stdout)
        if not answers:
            return ["the block printed no JSON"]
        attempts = [json_mismatches(shown, answer) for answer in answers]
        return [] if any(not attempt for attempt in attempts) else attempts[-1]
    return text_mismatches(expected.code, stdout)


# -- running against a live server ---------------------------------------------------------------------


def database_url() -> str:
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(config['NAME']).resolve()}"
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config.get("PASSWORD") else "")
    return (
        f"postgres://{credentials}@{config['HOST'] or 'localhost'}:{config['PORT'] or 5432}/{config['NAME']}"
    )


class Runner:
    def __init__(self, base_url: str, work: Path) -> None:
        from django.conf import settings

        self.work = work
        self.tokens: dict[str, str] = {}
        bin_dir = str(Path(sys.executable).parent)
        self.base = {
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "POTOK_URL": base_url,
            "DATABASE_URL": database_url(),
            "POTOK_DATA_DIR": str(settings.DATA_DIR),
            "POTOK_DEBUG": "1",
        }
        self.page_variables: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            from potok.accounts.models import User
            from potok.accounts.services import api_token_create

            user = User.objects.get(username=username)
            self.tokens[username] = api_token_create(actor=None, user=user, name="docs")
        return self.tokens[username]

    def copy_of_the_database(self) -> dict[str, str]:
        """A data directory with a consistent copy of the embedded database (backup and restore blocks)."""
        from django.db import connection

        folder = Path(tempfile.mkdtemp(prefix="data-", dir=self.work))
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(folder / "potok.sqlite3")
        with target:
            source.backup(target)
        source.close()
        target.close()
        return {"POTOK_DATA_DIR": str(folder), "DATABASE_URL": ""}

    def run(self, block: Block) -> subprocess.CompletedProcess[str]:
        environment = {**self.base, "TOKEN": self.token(block.options.get("as", "admin"))}
        if "copy" in block.options:
            environment.update(self.copy_of_the_database())
        if block.kind == "python":
            return subprocess.run(
                [sys.executable, "-c", block.code],
                env=environment,
                cwd=self.work,
                capture_output=True,
                text=True,
                timeout=BLOCK_TIMEOUT,
                check=False,
            )
        state = self.work / ".variables"
        script = (
            "set -euo pipefail\n"
            f"trap 'export -p > {state}' EXIT\n"
            # With allexport, a page's `X=$(...)` reaches its next block, as in the reader's terminal.
            "set -a\n" + block.code
        )
        result = subprocess.run(
            ["bash", "-c", script],
            env={**environment, **self.page_variables},
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
            check=False,
        )
        self.remember(state, environment)
        return result

    def remember(self, state: Path, environment: dict[str, str]) -> None:
        if not state.exists():
            return
        for line in state.read_text().splitlines():
            match = DECLARE.match(line)
            if not match or match["value"] is None:
                continue
            name = match["name"]
            if (
                name in RUNNER_VARIABLES
                or name in environment
                or name in os.environ
                or name.startswith("BASH")
            ):
                continue
            # bash quotes the value as a double-quoted string; undo its escapes.
            value = match["value"]
            if value.startswith('"') and value.endswith('"'):
                value = re.sub(r'\\(["\\$`])', r"\1", value[1:-1])
            self.page_variables[name] = value
        state.unlink()


pages = [path for path in checked_files() if any(block.kind for block in blocks_of(path))]


@pytest.mark.django_db(transaction=True)
def test_the_examples_of_every_page_run(live_server, demo_company, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed; the documentation's shell examples use it")
    from django.db import connection

    failures: list[str] = []
    ran = skipped = 0
    for path in pages:
        work = tmp_path / path.stem
        work.mkdir()
        runner = Runner(live_server.url, work)
        for block, expected in page_plan(path):
            if block.skip_reason is not None:
                skipped += 1
                continue
            if "copy" in block.options and connection.vendor != "sqlite":
                skipped += 1  # a copy of the embedded database: the SQLite run of the suite checks these
                continue
            settle()
            result = runner.run(block)
            ran += 1
            if result.returncode != 0:
                failures.append(
                    f"{block.where}: exit code {result.returncode}\n--- stdout\n{result.stdout[-2000:]}"
                    f"\n--- stderr\n{result.stderr[-2000:]}"
                )
                continue
            if expected is not None:
                problems = output_mismatches(expected, result.stdout)
                if problems:
                    failures.append(
                        f"{block.where}: the output differs from {expected.where}: {'; '.join(problems)}"
                        f"\n--- stdout\n{result.stdout[-2000:]}"
                    )
    print(f"documentation examples: {ran} run, {skipped} not run")
    assert failures == [], "\n\n".join(failures)
