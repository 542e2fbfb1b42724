"""Row locks of the tasks layer, in one place (as saleor keeps its lock_objects)."""

from __future__ import annotations

from typing import Any

from potok.core.errors import NotFound
from potok.processes.models import Task


def task_for_update(task_id: Any) -> Task:
    """The task row, locked until the end of the transaction (claims, redirects, completion, timers)."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("instance", "assignee", "role")
        .filter(pk=str(task_id))
        .first()
    )
    if task is None:
        raise NotFound(f"task {task_id}")
    return task
