"""Background tasks of imports, run by `potok worker` (django-tasks' database backend)."""

from __future__ import annotations

from django_tasks import task

from potok.imports import runner


@task()
def run_import_job(job_id: int, mode: str) -> None:
    """Prepare the preview (mode "preview") or import (mode "apply") one ImportJob."""
    runner.run(job_id, mode)
