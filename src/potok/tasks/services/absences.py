"""Absences and substitutions as the task inbox needs them: a person records his own, the head of his
department (or above) and administrators record anyone's. Creation goes through potok.accounts; removal
is here because accounts has no removal yet.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from potok.access.selectors import is_administrator
from potok.accounts.models import Absence, Substitution, SubstitutionScope, User
from potok.accounts.services import absence_create, substitution_create
from potok.audit.services import audit_record
from potok.core.errors import NotFound, PermissionDenied
from potok.tasks import people


def may_manage(actor: Any, person: User) -> bool:
    return actor.pk == person.pk or is_administrator(actor) or people.heads_department_of(actor, person)


def _require(actor: Any, person: User) -> None:
    if not may_manage(actor, person):
        raise PermissionDenied(f"absences of {person.pk}")


def absences_visible(actor: Any) -> QuerySet[Absence]:
    """Absences the actor may see: his own, his department's (as its head), everybody's (administrators)."""
    found = Absence.objects.select_related("user")
    if is_administrator(actor):
        return found
    condition = Q(user=actor)
    for department in people.headed_departments(actor):
        condition |= Q(user__department__path__startswith=department.path)
    return found.filter(condition)


def substitutions_visible(actor: Any) -> QuerySet[Substitution]:
    found = Substitution.objects.select_related("absent", "deputy")
    if is_administrator(actor):
        return found
    condition = Q(absent=actor) | Q(deputy=actor)
    for department in people.headed_departments(actor):
        condition |= Q(absent__department__path__startswith=department.path)
    return found.filter(condition)


def absence_add(
    *, actor: Any, user: User, kind: str, starts_on: date, ends_on: date, comment: str = ""
) -> Absence:
    _require(actor, user)
    return absence_create(
        actor=actor, user=user, kind=kind, starts_on=starts_on, ends_on=ends_on, comment=comment
    )


def substitution_add(
    *,
    actor: Any,
    absent: User,
    deputy: User,
    starts_on: date,
    ends_on: date,
    scope: str = SubstitutionScope.ALL,
    process_ids: list[str] | None = None,
    comment: str = "",
) -> Substitution:
    _require(actor, absent)
    return substitution_create(
        actor=actor,
        absent=absent,
        deputy=deputy,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope,
        process_ids=process_ids,
        comment=comment,
    )


@transaction.atomic
def absence_remove(*, actor: Any, absence_id: Any) -> None:
    absence = absences_visible(actor).filter(pk=absence_id).first()
    if absence is None:
        raise NotFound(f"absence {absence_id}")
    _require(actor, absence.user)
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=absence.user_id,
        action="absence_removed",
        changes={"absence": (f"{absence.kind} {absence.starts_on}..{absence.ends_on}", None)},
    )
    absence.delete()


@transaction.atomic
def substitution_remove(*, actor: Any, substitution_id: Any) -> None:
    substitution = substitutions_visible(actor).filter(pk=substitution_id).first()
    if substitution is None:
        raise NotFound(f"substitution {substitution_id}")
    _require(actor, substitution.absent)
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=substitution.absent_id,
        action="deputy_removed",
        changes={
            "deputy": (
                f"{substitution.deputy.username} {substitution.starts_on}..{substitution.ends_on}",
                None,
            )
        },
    )
    substitution.delete()
