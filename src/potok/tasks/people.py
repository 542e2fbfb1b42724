"""Who is who for tasks: a person's manager, who is away, whose deputy one is, which queues one works.

Built on potok.accounts' selectors; kept here because these answers are about tasks (a queue a deputy
works for an absent colleague is a tasks notion, not an organisation one).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from potok.accounts.models import Absence, Department, RoleAssignment, Substitution, SubstitutionScope, User
from potok.accounts.selectors import department_head, deputy_for
from potok.core import clock, memo


def today() -> date:
    """Today in the company's time zone (absences and substitutions are kept in days)."""
    return timezone.localtime(clock.now(), timezone=_zone()).date()


def _zone() -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def manager_of(user: User | None) -> User | None:
    """The head of the person's department; for the head himself, the head above him."""
    if user is None or user.department_id is None:
        return None
    head = department_head(user.department)
    if head is not None and head.pk == user.pk:
        head = department_head(user.department.parent)  # type: ignore[union-attr]
    return head


def absent_ids(user_ids: Iterable[int], on: date) -> set[int]:
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    # The same people are asked about for every task of a batch of starts: once per batch.
    return memo.once(
        f"tasks.absent:{on.isoformat()}:{','.join(map(str, ids))}",
        lambda: set(
            Absence.objects.filter(user_id__in=ids, starts_on__lte=on, ends_on__gte=on).values_list(
                "user_id", flat=True
            )
        ),
    )


def deputy(user: User, on: date, *, process_id: str | None = None) -> User | None:
    """The person who takes `user`'s tasks on the day (None: nobody, or only someone also away)."""
    found = deputy_for(user, on, process_id=process_id)
    if found is None or found.pk == user.pk:
        return None
    return found


def substituted_ids(user: User, on: date, *, process_id: str | None = None) -> list[int]:
    """The absent people whose deputy `user` is on the day (directly)."""
    rows = Substitution.objects.filter(deputy=user, starts_on__lte=on, ends_on__gte=on).values_list(
        "absent_id", "scope", "process_ids"
    )
    found = []
    for absent_id, scope, process_ids in rows:
        if scope == SubstitutionScope.ALL or (process_id is not None and process_id in (process_ids or [])):
            found.append(absent_id)
    if not found:
        return []
    return sorted(absent_ids(found, on))


def queue_keys(user: User, on: date | None = None) -> list[tuple[int, str, str]]:
    """The (role, object type, object id) queues the user may take tasks from: his own roles, and those
    of the absent colleagues he stands in for today."""
    on = on or today()
    people = [user.pk, *substituted_ids(user, on)]
    rows = RoleAssignment.objects.filter(user_id__in=people, user__is_active=True).values_list(
        "role_id", "object_type", "object_id"
    )
    return sorted(set(rows))


def queue_condition(keys: Iterable[tuple[int, str, str]]) -> Q | None:
    condition: Q | None = None
    for role_id, object_type, object_id in keys:
        step = Q(role_id=role_id, role_object_type=object_type, role_object_id=object_id)
        condition = step if condition is None else condition | step
    return condition


def may_claim(user: User, task: Any, on: date | None = None) -> bool:
    if task.role_id is None:
        return False
    key = (task.role_id, task.role_object_type or "", task.role_object_id or "")
    return key in set(queue_keys(user, on))


def headed_departments(user: User) -> list[Department]:
    """The departments the user heads, with their subdepartments' paths covered by the path prefix."""
    return list(Department.objects.filter(head=user))


def heads_department_of(head: User, person: User | None) -> bool:
    """Is `head` the head of the person's department or of one above it?"""
    if person is None or person.department_id is None:
        return False
    paths = [department.path for department in headed_departments(head)]
    if not paths:
        return False
    department = person.department
    return any(department.path.startswith(path) for path in paths)  # type: ignore[union-attr]
