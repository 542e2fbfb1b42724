"""Background tasks in these tests: the import's own task runs at once, in the test; other apps' tasks
(automation dispatching the 10 000 events of an import, for instance) are only queued — their apps test
what they do with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_tasks.backends.dummy import DummyBackend


@pytest.fixture(autouse=True)
def queued_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class CommittedTasksBackend(DummyBackend):
    """The dummy backend, but a task queued inside a transaction is listed only once it commits and never
    if it rolls back — as the database backend's task row is (automation queues its dispatch task inside
    the transaction that wrote the events)."""

    def enqueue(self, task, args, kwargs):  # type: ignore[no-untyped-def]
        from django.db import transaction

        listed = list(self.results)
        result = super().enqueue(task, args, kwargs)
        queued = self.results[len(listed) :]
        self.results[:] = listed
        transaction.on_commit(lambda: self.results.extend(queued))
        return result


@pytest.fixture
def committed_tasks(settings):  # type: ignore[no-untyped-def]
    """Tasks listed as the database backend would show them: only those of committed transactions."""
    settings.TASKS = {"default": {"BACKEND": "tests.imports.conftest.CommittedTasksBackend"}}


def run_import_tasks() -> None:
    """Run the import tasks queued so far, as `potok worker` would."""
    from django_tasks import default_task_backend

    from potok.imports.tasks import run_import_job

    queued = list(default_task_backend.results)  # type: ignore[attr-defined]
    default_task_backend.clear()  # type: ignore[attr-defined]
    for result in queued:
        if result.task.name == run_import_job.name:
            run_import_job.call(*result.args, **result.kwargs)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """Call a service, run what it scheduled after commit, then the import task it queued."""

    def run(function, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            result = function(**kwargs)
        run_import_tasks()
        result.refresh_from_db()
        return result

    return run
