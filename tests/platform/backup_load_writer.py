"""A separate process that keeps writing to a Potok database while a backup is taken: each transaction
creates a document and starts a process for it (instance, token, task, history, audit, domain events).

Run as a script with POTOK_DATA_DIR set; it prints "ready" once set up, then the number of committed
transactions after each commit, and stops when the file named by its first argument appears."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:userTask id="check" name="Check"/><bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def main() -> None:
    stop = Path(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "potok.config.settings")
    import django

    django.setup()
    from django.db import transaction

    from potok.documents.services import document_create
    from potok.documents.services.types import document_type_create
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start

    act = document_type_create(actor=None, code="act", name_ru="Акт", name_en="Act")
    process_publish_file(actor=None, data=PROCESS, source_name="review.bpmn")
    print("ready", flush=True)
    committed = 0
    while not stop.exists():
        with transaction.atomic():
            document = document_create(actor=None, document_type=act, values={})
            process_start(
                actor=None, process_key="review", entity_type=document.entity_type, record_id=document.pk
            )
        committed += 1
        print(committed, flush=True)


if __name__ == "__main__":
    main()
