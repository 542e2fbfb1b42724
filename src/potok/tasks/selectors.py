"""Reading tasks: the inbox (mine, my queues, overdue, due today, delegated by me, my department's,
addressing problems), one task for a user, and a task's history.

Who sees a task: its performer, the absent person it is done for, whoever may take it from its queue,
whoever redirected it while it is open, the head of the performer's department (or of one above it), and
administrators. Anyone else gets NotFound, exactly as for an id that does not exist.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from potok.access.selectors import is_administrator
from potok.core import clock
from potok.core.errors import NotFound, ValidationFailed
from potok.core.pagination import Page, decode_cursor, encode_cursor
from potok.processes.models import HistoryEntry, Task
from potok.tasks import people
from potok.tasks.models import AddressingProblem, TaskAttachment, TaskComment, TaskEvent, TaskEventKind

PEOPLE_KINDS = ("user", "manual")
QUEUES = ("mine", "claimable", "overdue", "due_today", "delegated_by_me", "department", "problems")
SORTS = ("deadline", "newest")
SELECTED = ("instance", "assignee", "addressed_to", "role")
# What an inbox row shows.
LISTED = ("assignee", "addressed_to", "role")


def tasks() -> QuerySet[Task]:
    return Task.objects.filter(kind__in=PEOPLE_KINDS)


def open_tasks() -> QuerySet[Task]:
    return tasks().filter(state="open")


def user_zone(user: Any) -> Any:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today_bounds(user: Any) -> tuple[datetime, datetime]:
    """Today in the user's time zone, as [start, end)."""
    local = timezone.localtime(clock.now(), timezone=user_zone(user))
    start = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    return start, start + timedelta(days=1)


def _department_condition(user: Any) -> Q | None:
    condition: Q | None = None
    for department in people.headed_departments(user):
        step = Q(assignee__department__path__startswith=department.path)
        condition = step if condition is None else condition | step
    return condition


def claimable(user: Any) -> QuerySet[Task]:
    """Open tasks in the queues of the user's roles (and of the absent people he stands in for)."""
    condition = people.queue_condition(people.queue_keys(user))
    if condition is None:
        return Task.objects.none()
    return open_tasks().filter(assignee__isnull=True).filter(condition)


def delegated_by(user: Any) -> QuerySet[Task]:
    redirected = TaskEvent.objects.filter(actor=user, kind=TaskEventKind.REDIRECTED).values("task_id")
    return open_tasks().filter(pk__in=redirected).exclude(assignee=user)


def inbox(user: Any, *, queue: str = "mine", query: str = "", process: str = "") -> QuerySet[Task]:
    """The tasks of one inbox tab (unordered; `inbox_page` orders and pages it)."""
    if queue not in QUEUES:
        raise ValidationFailed({"queue": f"Unknown queue {queue!r}; use one of {', '.join(QUEUES)}."})
    now = clock.now()
    if queue == "mine":
        found = open_tasks().filter(assignee=user)
    elif queue == "claimable":
        found = claimable(user)
    elif queue == "overdue":
        found = open_tasks().filter(assignee=user, due_at__lt=now)
    elif queue == "due_today":
        start, end = today_bounds(user)
        found = open_tasks().filter(assignee=user, due_at__gte=max(start, now), due_at__lt=end)
    elif queue == "delegated_by_me":
        found = delegated_by(user)
    elif queue == "department":
        condition = _department_condition(user)
        if is_administrator(user):
            found = open_tasks()
        else:
            found = open_tasks().filter(condition) if condition is not None else Task.objects.none()
    else:  # problems
        if not is_administrator(user):
            found = Task.objects.none()
        else:
            found = open_tasks().filter(
                pk__in=AddressingProblem.objects.filter(resolved_at__isnull=True).values("task_id")
            )
    if process:
        found = found.filter(process_id=process)
    for word in query.split()[:5]:
        found = found.filter(
            Q(name__icontains=word) | Q(business_key__icontains=word) | Q(process_id__icontains=word)
        )
    return found


def inbox_counts(user: Any) -> dict[str, int]:
    """My open tasks and how many of them are overdue (two index-only counts; the navigation badge)."""
    mine = open_tasks().filter(assignee=user)
    return {"mine": mine.count(), "overdue": mine.filter(due_at__lt=clock.now()).count()}


# -- pages -----------------------------------------------------------------------------------------


def _moment(value: Any) -> datetime:
    moment = parse_datetime(str(value)) if value is not None else None
    if moment is None:
        raise ValidationFailed({"cursor": "The page cursor is not valid; start from the first page."})
    return moment


def _after(
    queryset: QuerySet[Task], field: str, value: Any, last_id: Any, descending: bool = False
) -> QuerySet[Task]:
    lookup = "lt" if descending else "gt"
    return queryset.filter(Q(**{f"{field}__{lookup}": value}) | Q(**{field: value, f"pk__{lookup}": last_id}))


def inbox_page(
    queryset: QuerySet[Task], *, sort: str = "deadline", after: str | None = None, size: int = 50
) -> Page[Task]:
    """One page of an inbox tab. By deadline: the nearest first, tasks without a deadline after them
    (oldest first); newest: by creation. Keyset pages, so the hundredth page costs what the first does."""
    if sort not in SORTS:
        raise ValidationFailed({"sort": f"Unknown order {sort!r}; use one of {', '.join(SORTS)}."})
    queryset = queryset.select_related(*LISTED)
    if sort == "newest":
        part = queryset
        if after:
            _segment, value, last_id = decode_cursor(after, 3)
            part = _after(part, "created_at", _moment(value), last_id, descending=True)
        rows = list(part.order_by("-created_at", "-pk")[: size + 1])
        return _page(rows, size, lambda row: [0, row.created_at.isoformat(), row.pk])
    segment, value, last_id = decode_cursor(after, 3) if after else (0, None, None)
    items: list[Task] = []
    if segment == 0:
        part = queryset.filter(due_at__isnull=False)
        if value is not None:
            part = _after(part, "due_at", _moment(value), last_id)
        rows = _ordered_by_deadline(part, size + 1)
        if len(rows) > size:
            return _page(rows, size, lambda row: [0, row.due_at.isoformat(), row.pk])
        items = rows
        value = last_id = None
    part = queryset.filter(due_at__isnull=True)
    if value is not None:
        part = _after(part, "created_at", _moment(value), last_id)
    rows = items + list(part.order_by("created_at", "pk")[: size + 1 - len(items)])
    return _page(
        rows,
        size,
        lambda row: (
            [1, row.created_at.isoformat(), row.pk]
            if row.due_at is None
            else [0, row.due_at.isoformat(), row.pk]
        ),
    )


def _page(rows: list[Task], size: int, key: Any) -> Page[Task]:
    if len(rows) > size:
        rows = rows[:size]
        return Page(items=rows, next_cursor=encode_cursor(key(rows[-1])))
    return Page(items=rows, next_cursor=None)


def _ordered_by_deadline(queryset: QuerySet[Task], limit: int) -> list[Task]:
    return list(queryset.order_by("due_at", "pk")[:limit])


def claimable_page(user: Any, *, after: str | None = None, size: int = 50) -> Page[Task]:
    """The "my queues" tab by deadline. On PostgreSQL each queue's nearest tasks are read from its own
    index range and merged, so fifty roles cost fifty short index scans, never a sort of every task in
    them; elsewhere (SQLite) one query over all the queues."""
    keys = people.queue_keys(user)
    if connection.vendor != "postgresql" or len(keys) < 2:
        return inbox_page(claimable(user), after=after, size=size)
    segment, value, last_id = decode_cursor(after, 3) if after else (0, None, None)
    if segment != 0:
        return inbox_page(claimable(user), after=after, size=size)
    ids = _nearest_in_queues(keys, _moment(value) if value is not None else None, last_id, size + 1)
    by_id = {task.pk: task for task in open_tasks().filter(pk__in=ids).select_related(*LISTED)}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    if len(rows) > size:
        return _page(rows, size, lambda row: [0, row.due_at.isoformat(), row.pk])
    # The tasks with a deadline end within this page: those without one follow.
    tail = inbox_page(claimable(user).filter(due_at__isnull=True), size=size - len(rows))
    return Page(items=rows + tail.items, next_cursor=tail.next_cursor)


def _nearest_in_queues(
    keys: list[tuple[int, str, str]], due: datetime | None, last_id: Any, limit: int
) -> list[str]:
    """Ids of the first `limit` open queued tasks over the queues, by (deadline, id), after the cursor.

    One ordered, limited subquery per queue, merged (UNION ALL under an ORDER BY: PostgreSQL's Merge
    Append). Each subquery names its queue by constants, so the planner knows how big that queue is and
    reads it from the open_task_queue_page index in page order. Only tasks for people ever wait in a
    role's queue, so the kind needs no filter here."""
    table = Task._meta.db_table
    after = ""
    after_params: list[Any] = []
    if due is not None:
        after = " AND t.due_at >= %s AND (t.due_at > %s OR t.id > %s)"
        after_params = [due, due, str(last_id)]
    part = (
        f"(SELECT t.due_at, t.id FROM {table} AS t WHERE t.state = 'open' AND t.assignee_id IS NULL"  # noqa: S608
        " AND t.role_id = %s AND t.role_object_type = %s AND t.role_object_id = %s"
        f" AND t.due_at IS NOT NULL{after} ORDER BY t.due_at, t.id LIMIT %s)"
    )
    params: list[Any] = []
    for key in keys:
        params += [*key, *after_params, limit]
    queues = " UNION ALL ".join([part] * len(keys))
    # The table name is the model's and every value a parameter: nothing of the user's is in the text.
    sql = f"SELECT q.id FROM ({queues}) AS q ORDER BY q.due_at, q.id LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [row[0] for row in cursor.fetchall()]


# -- one task --------------------------------------------------------------------------------------


def may_see(user: Any, task: Task) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if task.assignee_id == user.pk or task.addressed_to_id == user.pk:
        return True
    if task.completed_by and task.completed_by == user.username:
        return True
    if is_administrator(user):
        return True
    if task.state == "open":
        if task.assignee_id is None and people.may_claim(user, task):
            return True
        if TaskEvent.objects.filter(task=task, actor=user, kind=TaskEventKind.REDIRECTED).exists():
            return True
    return people.heads_department_of(user, task.assignee) or people.heads_department_of(
        user, task.addressed_to
    )


def task_for(user: Any, task_id: Any) -> Task:
    """A task the user may see; NotFound for any other id, existing or not."""
    task = tasks().filter(pk=str(task_id)[:40]).select_related(*SELECTED, "instance__started_by").first()
    if task is None or not may_see(user, task):
        raise NotFound(f"task {task_id}")
    return task


def may_redirect(user: Any, task: Task) -> bool:
    """The performer, the head of his department (or above), and administrators redirect a task."""
    if task.state != "open":
        return False
    if task.assignee_id == user.pk or is_administrator(user):
        return True
    if task.assignee_id is None:
        owner_id = task.role.owner_id if task.role_id and task.role else None
        return owner_id == user.pk or _heads_queue(user, task)
    return people.heads_department_of(user, task.assignee)


def _heads_queue(user: Any, task: Task) -> bool:
    if task.role_object_type != "department" or not task.role_object_id.isdigit():
        return False
    return any(str(department.pk) == task.role_object_id for department in people.headed_departments(user))


# -- history ---------------------------------------------------------------------------------------


def task_events(task: Task) -> QuerySet[TaskEvent]:
    return (
        TaskEvent.objects.filter(task=task)
        .select_related("task", "actor", "assignee", "addressed_to", "previous_assignee")
        .order_by("id")
    )


def task_comments(task: Task) -> QuerySet[TaskComment]:
    return TaskComment.objects.filter(task=task).select_related("author").order_by("created_at", "id")


def task_attachments(task: Task) -> QuerySet[TaskAttachment]:
    return (
        TaskAttachment.objects.filter(task=task).select_related("uploaded_by").order_by("uploaded_at", "id")
    )


def attachment_for(user: Any, task_id: Any, attachment_id: Any) -> TaskAttachment:
    task = task_for(user, task_id)
    found = (
        TaskAttachment.objects.filter(task=task, pk=attachment_id).first()
        if str(attachment_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound(f"attachment {attachment_id}")
    return found


@dataclass(frozen=True)
class HistoryItem:
    """One line of a process's history: a finished step, or something that happened to one of its tasks."""

    at: datetime
    kind: str  # "step" or a TaskEventKind
    node_id: str
    task_id: str = ""
    task_name: str = ""
    entry: HistoryEntry | None = None
    event: TaskEvent | None = None


def process_history(task: Task, *, limit: int = 200) -> list[HistoryItem]:
    """The instance's finished steps (HistoryEntry) and the events of its tasks, oldest first."""
    items = [
        HistoryItem(at=entry.ended_at, kind="step", node_id=entry.node_id, entry=entry)
        for entry in HistoryEntry.objects.filter(instance_id=task.instance_id)
        .exclude(node_kind__in=("userTask", "manualTask"))
        .order_by("ended_at", "id")[:limit]
    ]
    events = (
        TaskEvent.objects.filter(task__instance_id=task.instance_id)
        .select_related("task", "actor", "assignee", "addressed_to", "previous_assignee")
        .order_by("id")[:limit]
    )
    items += [
        HistoryItem(
            at=event.occurred_at,
            kind=event.kind,
            node_id=event.task.node_id,
            task_id=event.task_id,
            task_name=event.task.name,
            event=event,
        )
        for event in events
    ]
    return sorted(items, key=lambda item: (item.at, 0 if item.kind == "step" else 1))


def open_tasks_of(person: Any, ids: Iterable[str] | None = None) -> QuerySet[Task]:
    found = open_tasks().filter(assignee=person)
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return found.select_related(*SELECTED).order_by("due_at", "pk")
