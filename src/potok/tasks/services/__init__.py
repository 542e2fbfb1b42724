"""The writers of the tasks layer, one module per use case, re-exported here.

Example:
    >>> task_claim(actor=vera, task=task)
    >>> task_complete(actor=vera, task=task, outcome="done", values={"findings": "…"})
    >>> task_redirect(actor=boris, task=task, to_user=gleb, reason="Вера в отпуске")
"""

from potok.tasks.services.absences import absence_add, absence_remove, substitution_add, substitution_remove
from potok.tasks.services.completion import check_completion, task_complete
from potok.tasks.services.discussion import task_attachment_add, task_comment_add
from potok.tasks.services.queue import task_claim, task_unclaim
from potok.tasks.services.redirect import task_redirect, tasks_redirect, tasks_redirect_preview

__all__ = [
    "absence_add",
    "absence_remove",
    "check_completion",
    "substitution_add",
    "substitution_remove",
    "task_attachment_add",
    "task_claim",
    "task_comment_add",
    "task_complete",
    "task_redirect",
    "task_unclaim",
    "tasks_redirect",
    "tasks_redirect_preview",
]
