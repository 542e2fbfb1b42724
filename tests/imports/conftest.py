"""Imports run their background tasks at once in these tests (django-tasks' ImmediateBackend)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Call a service and run what it scheduled after commit (the enqueued task) right away."""

    def run(function, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            result = function(**kwargs)
        result.refresh_from_db()
        return result

    return run
