"""API endpoints of the organisation: the caller, users, departments, roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from potok.access.selectors import get_record, is_administrator, visible_records
from potok.accounts.models import Role
from potok.api.pagination import PageOut, page_of
from potok.core.errors import PermissionDenied

router = Router(tags=["organisation"])


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    department_id: int | None
    position: str | None
    is_active: bool

    @staticmethod
    def resolve_position(user: Any) -> str | None:
        return user.position.name if user.position_id else None


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    head_id: int | None


class RoleOut(Schema):
    id: int
    code: str
    name_ru: str
    name_en: str
    addressing: str
    owner_id: int | None
    is_administrator: bool


@router.get("me", response=UserOut, summary="The caller")
def me(request: HttpRequest) -> Any:
    return request.user


@router.get("users", response=PageOut[UserOut], summary="Users the caller may see")
def users(request: HttpRequest, q: str = "", cursor: str | None = None, limit: int = 50) -> Any:
    queryset = visible_records(request.user, "user").select_related("position")
    if q:
        queryset = queryset.filter(username__icontains=q) | queryset.filter(last_name__icontains=q)
    return page_of(queryset, order=("username", "id"), cursor=cursor, limit=limit)


@router.get("users/{user_id}", response=UserOut, summary="One user")
def user(request: HttpRequest, user_id: int) -> Any:
    return get_record(request.user, "user", user_id)


@router.get("departments", response=PageOut[DepartmentOut], summary="Departments")
def departments(request: HttpRequest, cursor: str | None = None, limit: int = 100) -> Any:
    return page_of(
        visible_records(request.user, "department"), order=("path", "id"), cursor=cursor, limit=limit
    )


@router.get("roles", response=list[RoleOut], summary="Roles (administrators)")
def roles(request: HttpRequest) -> Any:
    if not is_administrator(request.user):
        raise PermissionDenied("roles")
    return Role.objects.all()
