"""Template filters of the task pages: a deadline in the reader's own terms.

{% load potok_tasks %}
{{ task.due_at|deadline }}          → «сегодня до 18:00», «просрочено на 2 дня» / "today by 18:00"
{{ task.due_at|deadline_state }}    → "overdue", "soon" or ""
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from potok.core import clock
from potok.tasks.wording import DeadlineWords, deadline_words

register = template.Library()


def _words(due_at: datetime | None) -> DeadlineWords:
    return deadline_words(due_at, now=clock.now(), zone=timezone.get_current_timezone())


@register.filter
def deadline(due_at: datetime | None) -> str:
    """The deadline as the reader would say it, in the active language and time zone."""
    return _words(due_at).text


@register.filter
def deadline_state(due_at: datetime | None) -> str:
    words = _words(due_at)
    return "overdue" if words.overdue else "soon" if words.soon else ""
