"""Reads for the organisation: who holds a role (for an object), who is away, who is the deputy."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from potok.accounts.models import Absence, Department, Role, Substitution, SubstitutionScope, User


def department_subtree(department: Department) -> QuerySet[Department]:
    return Department.objects.filter(path__startswith=department.path)


def department_head(department: Department | None) -> User | None:
    """The head of the department, or of the nearest parent that has one."""
    while department is not None:
        if department.head_id and department.head.is_active:  # type: ignore[union-attr]
            return department.head
        department = department.parent
    return None


def role_holders(role: Role, *, object_type: str = "", object_id: Any = "") -> QuerySet[User]:
    """Active users holding `role` for the object; a plain assignment of an addressable role counts for
    every object only when the role is held plainly."""
    condition = Q(role_assignments__role=role)
    if object_type:
        condition &= Q(role_assignments__object_type=object_type, role_assignments__object_id=str(object_id))
    else:
        condition &= Q(role_assignments__object_type="")
    return User.objects.filter(condition, is_active=True).distinct().order_by("id")


def is_absent(user: User, on: date) -> bool:
    return Absence.objects.filter(user=user, starts_on__lte=on, ends_on__gte=on).exists()


def deputy_for(user: User, on: date, *, process_id: str | None = None) -> User | None:
    """The active deputy of `user` on the day, following chains (A → B → C) without loops."""
    seen = {user.pk}
    current = user
    while True:
        substitutions = (
            Substitution.objects.filter(
                absent=current, starts_on__lte=on, ends_on__gte=on, deputy__is_active=True
            )
            .select_related("deputy")
            .order_by("-starts_on", "id")
        )
        found = None
        for substitution in substitutions:
            if substitution.scope == SubstitutionScope.ALL or (
                process_id and process_id in substitution.process_ids
            ):
                found = substitution.deputy
                break
        if found is None or found.pk in seen:
            return None if current is user else current
        seen.add(found.pk)
        current = found
        if not is_absent(current, on):
            return current
