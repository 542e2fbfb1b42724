"""Fixtures of the process pages' tests: published processes and running instances."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from potok.processes.models import ProcessInstance
from tests.web_processes.bpmn import review_process


@pytest.fixture
def published(demo_company) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    from potok.processes.services.definitions import process_publish_file

    def publish(key: str = "approval", **options: str) -> None:
        process_publish_file(actor=None, data=review_process(key, **options), source_name=f"{key}.bpmn")

    return publish


@pytest.fixture
def started(published) -> Callable[..., ProcessInstance]:  # type: ignore[no-untyped-def]
    from potok.processes.services.instances import process_start

    def start(key: str = "approval", **options: object) -> ProcessInstance:
        from potok.processes.models import ProcessDefinition

        if not ProcessDefinition.objects.filter(key=key).exists():
            published(key)
        return process_start(actor=None, process_key=key, **options)  # type: ignore[arg-type]

    return start
