"""The demo company builds from nothing, consistently, and the same seed gives the same company."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from stdnum.ru import inn


@pytest.mark.django_db
def test_the_demo_is_consistent() -> None:
    from potok.clients.models import Counterparty
    from potok.demo.company import build_demo_company

    build_demo_company(seed=2026)
    from potok.processes.models import HistoryEntry, Incident, ProcessInstance, Task

    # every ИНН is valid
    bad = [c.inn for c in Counterparty.objects.exclude(inn="") if not inn.is_valid(c.inn)]
    assert bad == []
    # every open task is addressed to an existing, active person (queues have a role instead)
    for task in Task.objects.filter(state="open").select_related("assignee"):
        assert (task.assignee is not None and task.assignee.is_active) or task.role_id is not None, task
    # every instance agrees with its history: running ones wait somewhere, finished ones wait nowhere
    for instance in ProcessInstance.objects.all():
        assert HistoryEntry.objects.filter(instance=instance).exists(), instance
        if instance.state == "running":
            assert instance.executions.exists(), instance
        else:
            assert not instance.executions.exists(), instance
    # there is history to look at: complaints at every step, some overdue, one incident to fix
    assert ProcessInstance.objects.filter(state="completed").exists()
    assert Task.objects.filter(state="open", node_id="investigate").exists()
    assert Incident.objects.filter(state="open").count() == 1
    # S3: investigator2 is on leave this week; investigator1 stands in for him
    from django.utils import timezone

    from potok.accounts.models import User
    from potok.accounts.selectors import deputy_for

    today = timezone.localdate()
    absent = User.objects.get(username="investigator2")
    assert deputy_for(absent, today) == User.objects.get(username="investigator1")
    assert deputy_for(User.objects.get(username="investigator1"), today) is None


def _build(folder: Path) -> list[tuple[str, ...]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    environ.update({"POTOK_DATA_DIR": str(folder), "POTOK_DEBUG": "1"})
    for command in (["migrate"], ["seed-demo", "--seed", "7"]):
        subprocess.run(
            [sys.executable, "-m", "potok.cli.main", *command],
            env=environ,
            check=True,
            capture_output=True,
            timeout=600,
        )
    with sqlite3.connect(folder / "potok.sqlite3") as connection:
        rows = connection.execute(
            "SELECT name, inn, segment FROM clients_counterparty ORDER BY id"
        ).fetchall()
        rows += connection.execute("SELECT title, amount FROM sales_deal ORDER BY id").fetchall()
        rows += connection.execute("SELECT number, status FROM documents_document ORDER BY id").fetchall()
    return [tuple(str(value) for value in row) for row in rows]


def test_the_same_seed_builds_the_same_company(tmp_path: Path) -> None:
    first = _build(tmp_path / "one")
    second = _build(tmp_path / "two")
    assert len(first) > 300
    assert first == second
