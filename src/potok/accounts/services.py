"""Writes for the organisation: departments, users, roles, absences, substitutions, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from potok.access.selectors import forget_user_access
from potok.accounts.models import (
    Absence,
    AddressingKind,
    ApiToken,
    Department,
    Position,
    Role,
    RoleAssignment,
    Substitution,
    SubstitutionScope,
    User,
)
from potok.audit.models import Origin
from potok.audit.services import audit_record
from potok.core import clock
from potok.core.errors import ValidationFailed


@transaction.atomic
def department_create(
    *, actor: Any, name: str, code: str, parent: Department | None = None, head: User | None = None
) -> Department:
    errors = {}
    if not name.strip():
        errors["name"] = "Enter the department's name."
    if Department.objects.filter(code=code).exists():
        errors["code"] = f"A department with the code {code!r} exists already."
    if errors:
        raise ValidationFailed(errors)
    department = Department.objects.create(name=name.strip(), code=code, parent=parent, head=head)
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    audit_record(
        actor=actor,
        entity_type="department",
        record_id=department.pk,
        action="created",
        changes={"name": (None, department.name), "parent": (None, parent)},
    )
    return department


@transaction.atomic
def department_move(*, actor: Any, department: Department, parent: Department | None) -> Department:
    if parent is not None and parent.path.startswith(department.path):
        raise ValidationFailed({"parent": "A department cannot be moved under itself or its subdepartment."})
    old_parent, old_path = department.parent, department.path
    department.parent = parent
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["parent", "path"])
    for child in Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk):
        child.path = department.path + child.path[len(old_path) :]
        child.save(update_fields=["path"])
    audit_record(
        actor=actor,
        entity_type="department",
        record_id=department.pk,
        action="moved",
        changes={"parent": (old_parent, parent)},
    )
    return department


def position_get_or_create(*, name: str) -> Position:
    position, _ = Position.objects.get_or_create(name=name.strip())
    return position


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    department: Department | None = None,
    position: Position | None = None,
    is_superuser: bool = False,
    check_password_strength: bool = True,
    origin: str = Origin.SYSTEM,
) -> User:
    errors: dict[str, str | list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = "Enter a login."
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"The login {username!r} is taken."
    if password and check_password_strength:
        try:
            validate_password(password, User(username=username, first_name=first_name, last_name=last_name))
        except ValidationError as error:
            errors["password"] = list(error.messages)
    if errors:
        raise ValidationFailed(errors)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        department=department,
        position=position,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=user.pk,
        action="created",
        origin=origin,
        changes={"username": (None, username), "department": (None, department)},
    )
    return user


USER_UPDATABLE_FIELDS = ("first_name", "last_name", "middle_name", "email", "department", "position", "phone")


@transaction.atomic
def user_update(*, actor: Any, user: User, **fields: Any) -> User:
    """Change the given fields of `user`; one audit row records every old → new value."""
    errors: dict[str, str | list[str]] = {}
    for name in fields:
        if name not in USER_UPDATABLE_FIELDS:
            errors[name] = f"The field {name!r} cannot be changed here."
    email = fields.get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter a valid email address."
    if errors:
        raise ValidationFailed(errors)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        old = getattr(user, name)
        if old != value:
            changes[name] = (old, value)
            setattr(user, name, value)
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=actor, entity_type="user", record_id=user.pk, action="updated", changes=changes)
        forget_user_access(user)
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, is_active: bool) -> User:
    if user.is_active != is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            entity_type="user",
            record_id=user.pk,
            action="activity_changed",
            changes={"is_active": (not is_active, is_active)},
        )
    return user


@transaction.atomic
def role_create(
    *,
    actor: Any,
    code: str,
    name_ru: str,
    name_en: str,
    addressing: str = AddressingKind.NONE,
    owner: User | None = None,
    is_administrator: bool = False,
    description: str = "",
) -> Role:
    if Role.objects.filter(code=code).exists():
        raise ValidationFailed({"code": f"A role with the code {code!r} exists already."})
    if addressing not in AddressingKind.values:
        raise ValidationFailed({"addressing": f"Unknown addressing {addressing!r}."})
    role = Role.objects.create(
        code=code,
        name_ru=name_ru,
        name_en=name_en,
        addressing=addressing,
        owner=owner,
        is_administrator=is_administrator,
        description=description,
    )
    audit_record(
        actor=actor, entity_type="role", record_id=role.pk, action="created", changes={"code": (None, code)}
    )
    return role


@transaction.atomic
def role_assign(
    *, actor: Any, role: Role, user: User, object_type: str = "", object_id: Any = ""
) -> RoleAssignment:
    """Let `user` hold `role`, plainly or for the addressing object (object_type, object_id)."""
    object_id = "" if object_id in (None, "") else str(object_id)
    if role.addressing == AddressingKind.NONE and object_type:
        raise ValidationFailed({"object_type": f"The role {role.code!r} is held plainly, not for an object."})
    if (
        role.addressing not in (AddressingKind.NONE, AddressingKind.ANY)
        and object_type
        and object_type != role.addressing
    ):
        raise ValidationFailed({"object_type": f"The role {role.code!r} is held for a {role.addressing}."})
    if bool(object_type) != bool(object_id):
        raise ValidationFailed({"object_id": "Give both the object type and the object, or neither."})
    assignment, created = RoleAssignment.objects.get_or_create(
        role=role, user=user, object_type=object_type, object_id=object_id
    )
    if created:
        audit_record(
            actor=actor,
            entity_type="user",
            record_id=user.pk,
            action="role_assigned",
            changes={"role": (None, f"{role.code} {object_type} {object_id}".strip())},
        )
    forget_user_access(user)
    return assignment


@transaction.atomic
def role_unassign(*, actor: Any, role: Role, user: User, object_type: str = "", object_id: Any = "") -> None:
    deleted, _ = RoleAssignment.objects.filter(
        role=role,
        user=user,
        object_type=object_type,
        object_id="" if object_id in (None, "") else str(object_id),
    ).delete()
    if deleted:
        audit_record(
            actor=actor,
            entity_type="user",
            record_id=user.pk,
            action="role_unassigned",
            changes={"role": (f"{role.code} {object_type} {object_id}".strip(), None)},
        )
    forget_user_access(user)


def _check_period(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationFailed({"ends_on": "The period ends before it starts."})


@transaction.atomic
def absence_create(
    *, actor: Any, user: User, kind: str, starts_on: date, ends_on: date, comment: str = ""
) -> Absence:
    _check_period(starts_on, ends_on)
    absence = Absence.objects.create(
        user=user, kind=kind, starts_on=starts_on, ends_on=ends_on, comment=comment
    )
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=user.pk,
        action="absence_added",
        changes={"absence": (None, f"{kind} {starts_on}..{ends_on}")},
    )
    return absence


@transaction.atomic
def substitution_create(
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
    _check_period(starts_on, ends_on)
    if absent.pk == deputy.pk:
        raise ValidationFailed({"deputy": "A person cannot be his own deputy."})
    if not deputy.is_active:
        raise ValidationFailed({"deputy": f"{deputy} is not active."})
    if scope == SubstitutionScope.PROCESSES and not process_ids:
        raise ValidationFailed({"process_ids": "List the processes the deputy takes over."})
    substitution = Substitution.objects.create(
        absent=absent,
        deputy=deputy,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope,
        process_ids=process_ids or [],
        comment=comment,
    )
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=absent.pk,
        action="deputy_set",
        changes={"deputy": (None, f"{deputy.username} {starts_on}..{ends_on}")},
    )
    return substitution


def api_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, user: User, name: str = "cli") -> str:
    """A new API token for `user`; the plain token is returned once and never stored."""
    token = "ptk_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[:12], digest=api_token_digest(token))
    audit_record(
        actor=actor,
        entity_type="user",
        record_id=user.pk,
        action="api_token_created",
        changes={"token": (None, token[:12] + "…")},
    )
    return token


def api_token_authenticate(token: str) -> User | None:
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=api_token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = clock.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
