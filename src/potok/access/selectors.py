"""What a user may see and do. Every list, detail page, API endpoint and export goes through here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet

from potok.access import registry
from potok.access.models import SCOPE_ORDER, AccessRule, Action, RecordGrant, Scope
from potok.core.errors import NotFound, PermissionDenied

M = TypeVar("M", bound=Model)
# Record grants name records by an integer id; entities keyed otherwise get no grants.
INTEGER_KEYS = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField"}


@dataclass(frozen=True)
class UserAccess:
    """A user's rights, computed once per request: (entity type, action) → the widest scope held."""

    is_administrator: bool
    scopes: dict[tuple[str, str], str]

    def scope(self, entity_type: str, action: str) -> str | None:
        if self.is_administrator:
            return Scope.ALL
        return self.scopes.get((entity_type, action))


def user_access(user: Any) -> UserAccess:
    cached: UserAccess | None = getattr(user, "_potok_access", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        access = UserAccess(is_administrator=False, scopes={})
    else:
        rules = AccessRule.objects.filter(
            role__assignments__user=user, role__assignments__object_type=""
        ).values_list("entity_type", "action", "scope", "role__is_administrator")
        is_admin = bool(user.is_superuser)
        scopes: dict[tuple[str, str], str] = {}
        for entity_type, action, scope, role_is_admin in rules:
            is_admin = is_admin or role_is_admin
            key = (entity_type, action)
            if key not in scopes or SCOPE_ORDER.index(Scope(scope)) > SCOPE_ORDER.index(Scope(scopes[key])):
                scopes[key] = scope
        if not is_admin:
            is_admin = user.role_assignments.filter(role__is_administrator=True).exists()
        access = UserAccess(is_administrator=is_admin, scopes=scopes)
    user._potok_access = access
    return access


def forget_user_access(user: Any) -> None:
    if hasattr(user, "_potok_access"):
        del user._potok_access


def is_administrator(user: Any) -> bool:
    return user_access(user).is_administrator


def can(user: Any, entity_type: str, action: str) -> bool:
    """May the user perform `action` on at least some records of `entity_type`?"""
    return user_access(user).scope(entity_type, action) is not None


def scope_condition(user: Any, entity: registry.EntityType, scope: str | None) -> Q | None:
    """The rows a scope covers, as a Q; None when the scope covers nothing."""
    if scope is None:
        return None
    if scope == Scope.ALL:
        return Q()
    if scope == Scope.OWN:
        condition = Q(pk__in=[])
        for field in entity.owner_fields:
            condition |= Q(**{field: user.pk})
        return condition
    department = getattr(user, "department", None)
    if entity.department_field is None or department is None:
        # No department on either side: fall back to the user's own records.
        return scope_condition(user, entity, Scope.OWN)
    if scope == Scope.DEPARTMENT:
        return Q(**{entity.department_field: department.pk}) | scope_condition(user, entity, Scope.OWN)  # type: ignore[operator]
    return Q(**{f"{entity.department_field}__path__startswith": department.path}) | scope_condition(  # type: ignore[operator]
        user, entity, Scope.OWN
    )


def visible_records(user: Any, entity_type: str, action: str = Action.READ) -> QuerySet[Any]:
    """The records of `entity_type` on which the user may perform `action`.

    Reads also include records granted by tasks (a performer reads the document behind his task).
    """
    entity = registry.get(entity_type)
    queryset = entity.model._default_manager.all()
    if entity.base_filter is not None:
        queryset = queryset.filter(entity.base_filter())
    scope = user_access(user).scope(entity_type, action)
    if scope == Scope.ALL:
        return queryset
    condition = scope_condition(user, entity, scope)
    integer_keys = entity.model._meta.pk.get_internal_type() in INTEGER_KEYS
    if action == Action.READ and integer_keys and getattr(user, "is_authenticated", False):
        granted = RecordGrant.objects.filter(user=user, entity_type=entity_type).values("record_id")
        grant_condition = Q(pk__in=granted)
        condition = grant_condition if condition is None else condition | grant_condition
    if condition is None:
        return queryset.none()
    return queryset.filter(condition)


def get_record(user: Any, entity_type: str, pk: Any, action: str = Action.READ) -> Any:
    """One record for `action`. A record the user may not read is NotFound, exactly like a missing one;
    a record he may read but not change is PermissionDenied."""
    try:
        registry.get(entity_type)
    except KeyError as error:
        raise NotFound(f"{entity_type} {pk}") from error
    try:
        record = visible_records(user, entity_type, Action.READ).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as error:
        raise NotFound(f"{entity_type} {pk}") from error
    if action != Action.READ and not visible_records(user, entity_type, action).filter(pk=record.pk).exists():
        raise PermissionDenied(f"{action} {entity_type} {pk}")
    return record


def require(user: Any, entity_type: str, action: str) -> None:
    if not can(user, entity_type, action):
        raise PermissionDenied(f"{action} {entity_type}")
