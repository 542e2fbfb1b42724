"""Run by test_faults.py in subprocesses on a file database (POTOK_DATA_DIR):

python fault_worker.py setup           one rule, one counterparty (its event queued for dispatch)
python fault_worker.py paused MARKER   `potok worker` that stops for good once it has claimed events
python fault_worker.py count           what is in the database, as JSON
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def setup() -> None:
    from django.db import transaction

    from potok.automation.services import rule_create
    from potok.clients.services.counterparties import counterparty_create
    from potok.processes.services.definitions import process_publish_file

    process = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="welcome" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="call"/>
    <bpmn:userTask id="call" name="Call"/><bpmn:sequenceFlow id="f1" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    process_publish_file(actor=None, data=process, source_name="welcome.bpmn")
    rule_create(
        actor=None,
        data={
            "name": "Welcome",
            "entity_type": "counterparty",
            "event": "created",
            "process_key": "welcome",
            "enabled": True,
        },
    )
    with transaction.atomic():
        counterparty_create(actor=None, fields={"kind": "legal", "name": "ООО «Новый»"})


def paused(marker: str) -> None:
    from potok.automation import dispatch
    from potok.cli.main import main

    def pause(events: list) -> None:  # type: ignore[type-arg]
        Path(marker).write_text(",".join(str(event.pk) for event in events))
        time.sleep(600)  # killed here: the events are read and locked, no process started

    dispatch.add_hook(pause, when="claimed")
    main(["worker", "--interval", "0.1"])


def count() -> None:
    from potok.automation.models import RuleEvaluation, RuleStart
    from potok.core.models import DomainEvent
    from potok.processes.models import ProcessInstance

    print(
        json.dumps(
            {
                "instances": ProcessInstance.objects.filter(process_id="welcome").count(),
                "starts": RuleStart.objects.count(),
                "evaluations": RuleEvaluation.objects.count(),
                "undispatched": DomainEvent.objects.filter(dispatched_at__isnull=True).count(),
            }
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "potok.config.settings")
    import django

    django.setup()
    {"setup": lambda: setup(), "paused": lambda: paused(sys.argv[2]), "count": lambda: count()}[sys.argv[1]]()
