"""A `potok worker` whose database connections are cut (what a PostgreSQL restart does to it) keeps running
and keeps working; before, a cut in the middle of the tasks queue's own query ended the process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from potok.processes.models import HistoryEntry
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TIMER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="short_wait" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="call"/>
    <bpmn:userTask id="call" name="Call"/><bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _others() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _cut_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_a_worker_survives_its_database_connections_being_cut(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("cutting a worker's connections with pg_terminate_backend is PostgreSQL's")
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    environ.update({"DATABASE_URL": url, "POTOK_DEBUG": "1", "POTOK_DATA_DIR": str(tmp_path)})
    if database.get("PASSWORD"):
        environ["PGPASSWORD"] = database["PASSWORD"]
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "potok.cli.main", "worker", "--interval", "0.05"],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # given a running worker connected to the database
        deadline = time.monotonic() + 120
        while not _others():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker never connected"
            time.sleep(0.1)
        # when its connections are cut again and again for a few seconds, mid-query as often as not
        cuts_until = time.monotonic() + 5
        while time.monotonic() < cuts_until:
            _cut_all()
            time.sleep(0.02)
        # then it is still running, and it still does its work: a timer due in a second fires
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        process_publish_file(actor=None, data=TIMER, source_name="short_wait.bpmn")
        instance = process_start(actor=None, process_key="short_wait")
        deadline = time.monotonic() + 120
        while not HistoryEntry.objects.filter(instance=instance, node_id="wait").exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker did not fire the timer"
            time.sleep(0.2)
    finally:
        worker.kill()
        worker.wait(timeout=30)
        log.close()
