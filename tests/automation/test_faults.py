"""Exactly-once under faults: a worker killed between reading an event and starting its process, the
database connection dropped in the middle of a dispatch, and several workers dispatching the same events
at once — every qualifying event starts exactly one process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from potok.automation import dispatch
from potok.automation.models import RuleStart
from potok.automation.services import rule_create
from potok.core.models import DomainEvent
from potok.processes.models import ProcessInstance
from tests.automation.conftest import publish

HERE = Path(__file__).resolve().parent


def _environment(data_dir: Path) -> dict[str, str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_SETTINGS"))
    }
    environ.update({"POTOK_DATA_DIR": str(data_dir), "POTOK_DEBUG": "1"})
    return environ


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args], env=_environment(data_dir), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _count(data_dir: Path) -> dict[str, int]:
    output = _run(data_dir, str(HERE / "fault_worker.py"), "count").stdout
    return json.loads(output.strip().splitlines()[-1])


def test_a_worker_killed_after_reading_an_event_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    # given a file database with a rule and one new counterparty waiting in the outbox
    _run(tmp_path, "-m", "potok.cli.main", "migrate")
    _run(tmp_path, str(HERE / "fault_worker.py"), "setup")
    created = time.monotonic()
    # when a worker claims the event and is killed (SIGKILL) before starting anything
    marker = tmp_path / "claimed"
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "fault_worker.py"), "paused", str(marker)],
        env=_environment(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never claimed the event"
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    # then nothing was started and the event is still waiting
    # (two events wait: the rule's own creation and the counterparty's)
    assert _count(tmp_path) == {"instances": 0, "starts": 0, "evaluations": 0, "undispatched": 2}
    # when another worker runs (the sweeper takes events a few seconds old)
    time.sleep(max(0.0, 4 - (time.monotonic() - created)))
    _run(tmp_path, "-m", "potok.cli.main", "worker", "--once")
    # then the process starts exactly once, and running again starts nothing more
    assert _count(tmp_path) == {"instances": 1, "starts": 1, "evaluations": 1, "undispatched": 0}
    _run(tmp_path, "-m", "potok.cli.main", "worker", "--once")
    assert _count(tmp_path)["instances"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_dispatch_is_retried_and_starts_once(
    admin, s2_processes, make_counterparty
) -> None:
    rule_create(
        actor=admin,
        data={
            "name": "Welcome",
            "entity_type": "counterparty",
            "event": "created",
            "process_key": "client_distribution",
            "enabled": True,
        },
    )
    counterparty = make_counterparty()
    event = DomainEvent.objects.get(entity_type="counterparty", record_id=counterparty.pk)
    dropped: list[int] = []

    def drop(events: list[Any]) -> None:
        if not dropped:
            dropped.append(len(events))
            connection.close()  # the process has started in this transaction; the connection goes away

    dispatch.add_hook(drop)
    try:
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a lost connection
            dispatch.dispatch_events([event.pk])
    finally:
        dispatch.remove_hook(drop)
    assert dropped == [1]
    # then the transaction was lost as a whole: no process, no start row, the event still waits
    assert ProcessInstance.objects.filter(process_id="client_distribution").count() == 0
    assert RuleStart.objects.count() == 0
    assert DomainEvent.objects.get(pk=event.pk).dispatched_at is None
    # when it is retried (the task again, or the sweeper), it starts exactly once
    assert dispatch.dispatch_events([event.pk]) == 1
    assert dispatch.dispatch_events([event.pk]) == 0
    assert ProcessInstance.objects.filter(process_id="client_distribution").count() == 1


def _race(event_ids: list[int], workers: int, target: Any) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=60)
            target(event_ids)
        except BaseException as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


@pytest.fixture
def many_events(admin, s2_processes, make_counterparty) -> list[int]:  # type: ignore[no-untyped-def]
    publish("second_look", "Second look")
    rule_create(
        actor=admin,
        data={
            "name": "VIP",
            "entity_type": "counterparty",
            "event": "created",
            "condition": {"field": "segment", "op": "eq", "value": "VIP"},
            "process_key": "client_distribution",
            "enabled": True,
        },
    )
    rule_create(
        actor=admin,
        data={
            "name": "Every client",
            "entity_type": "counterparty",
            "event": "created",
            "process_key": "second_look",
            "enabled": True,
        },
    )
    for number in range(40):
        make_counterparty(f"ООО «Клиент {number}»", segment="VIP" if number % 2 else "")
    return list(DomainEvent.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_four_workers_dispatching_the_same_events_start_each_process_once(many_events) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks between workers are PostgreSQL's")
    errors = _race(many_events, 4, dispatch.dispatch_events)
    assert errors == []
    assert ProcessInstance.objects.filter(process_id="client_distribution").count() == 20
    assert ProcessInstance.objects.filter(process_id="second_look").count() == 40
    assert DomainEvent.objects.filter(dispatched_at__isnull=True).count() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_the_event_lock_the_unique_start_key_still_keeps_starts_single(
    many_events, monkeypatch
) -> None:
    """Workers that both evaluate an event (the lock bypassed): the second insert of the start key waits
    for the first transaction and then fails, so its process start is rolled back."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are PostgreSQL's")

    def claim_without_lock(ids: list[int]) -> list[DomainEvent]:
        return list(DomainEvent.objects.filter(pk__in=list(ids)).order_by("id"))

    monkeypatch.setattr(dispatch, "_claim", claim_without_lock)
    errors = _race(many_events, 4, dispatch.dispatch_events)
    assert errors == []
    assert ProcessInstance.objects.filter(process_id="client_distribution").count() == 20
    assert ProcessInstance.objects.filter(process_id="second_look").count() == 40
    assert RuleStart.objects.count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_second_dispatch_of_a_dispatched_event_is_a_no_op(many_events) -> None:
    assert dispatch.dispatch_events(many_events) == len(many_events)
    with transaction.atomic():
        DomainEvent.objects.update(dispatched_at=None)  # as if the marks were lost
    dispatch.dispatch_events(many_events)
    assert ProcessInstance.objects.filter(process_id="second_look").count() == 40
