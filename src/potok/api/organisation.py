"""API endpoints of the organisation: the caller, users, departments, roles."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status

from potok.access.selectors import get_record, is_administrator, visible_records
from potok.access.services import access_rule_set
from potok.accounts import services
from potok.accounts.models import AddressingKind, Department, Role, User
from potok.api.pagination import PageOut, page_of
from potok.audit.models import Origin
from potok.core.errors import NotFound, PermissionDenied, ValidationFailed

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


# -- administration ----------------------------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied("organisation administration")


def _department(field: str, pk: int | None) -> Department | None:
    if pk is None:
        return None
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise ValidationFailed({field: "No such department."})
    return department


def _user(field: str, pk: int | None) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise ValidationFailed({field: "No such user."})
    return user


def _position(name: str | None) -> Any:
    return services.position_get_or_create(name=name) if name and name.strip() else None


class UserCreateIn(Schema):
    username: str
    password: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    department_id: int | None = None
    position: str | None = None
    is_administrator: bool = False


class UserPatchIn(Schema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    department_id: int | None = None
    position: str | None = None
    is_active: bool | None = None


class RoleAssignmentIn(Schema):
    role: str
    object_type: str = ""
    object_id: str | int | None = None


class RoleAssignmentOut(Schema):
    role: str
    object_type: str
    object_id: str


class DepartmentIn(Schema):
    name: str
    code: str
    parent_id: int | None = None
    head_id: int | None = None


class RoleIn(Schema):
    code: str
    name_ru: str
    name_en: str
    addressing: str = AddressingKind.NONE
    owner_id: int | None = None


class RightIn(Schema):
    entity_type: str
    action: str
    scope: str | None = None


class RightOut(Schema):
    entity_type: str
    action: str
    scope: str


@router.post("users", response={201: UserOut}, summary="Create a user (administrators)")
def user_create(request: HttpRequest, payload: UserCreateIn) -> Any:
    _require_admin(request)
    with transaction.atomic():
        user = services.user_create(
            actor=request.user,
            username=payload.username,
            password=payload.password,
            first_name=payload.first_name,
            last_name=payload.last_name,
            email=payload.email,
            department=_department("department_id", payload.department_id),
            position=_position(payload.position),
            origin=Origin.API,
        )
        if payload.is_administrator:
            role = Role.objects.filter(is_administrator=True).order_by("id").first()
            if role is None:
                raise ValidationFailed({"is_administrator": "There is no administrator role."})
            services.role_assign(actor=request.user, role=role, user=user)
    return Status(201, user)


@router.patch("users/{user_id}", response=UserOut, summary="Change a user (administrators)")
def user_patch(request: HttpRequest, user_id: int, payload: UserPatchIn) -> Any:
    _require_admin(request)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("user")
    data = payload.dict(exclude_unset=True)
    is_active = data.pop("is_active", None)
    fields: dict[str, Any] = {}
    for name in ("first_name", "last_name", "email"):
        if name in data:
            fields[name] = data[name] or ""
    if "department_id" in data:
        fields["department"] = _department("department_id", data["department_id"])
    if "position" in data:
        fields["position"] = _position(data["position"])
    with transaction.atomic():
        services.user_update(actor=request.user, user=user, **fields)
        if is_active is not None:
            services.user_set_active(actor=request.user, user=user, is_active=is_active)
    return user


def _role(code: str, field: str = "role") -> Role:
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise ValidationFailed({field: f"No role with the code {code!r}."})
    return role


@router.post(
    "users/{user_id}/roles", response={201: RoleAssignmentOut}, summary="Assign a role (administrators)"
)
def user_role_assign(request: HttpRequest, user_id: int, payload: RoleAssignmentIn) -> Any:
    _require_admin(request)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("user")
    assignment = services.role_assign(
        actor=request.user,
        role=_role(payload.role),
        user=user,
        object_type=payload.object_type,
        object_id=payload.object_id,
    )
    return Status(
        201,
        {
            "role": assignment.role.code,
            "object_type": assignment.object_type,
            "object_id": assignment.object_id,
        },
    )


@router.delete("users/{user_id}/roles", response={204: None}, summary="Remove a role (administrators)")
def user_role_unassign(request: HttpRequest, user_id: int, payload: RoleAssignmentIn) -> Any:
    _require_admin(request)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("user")
    services.role_unassign(
        actor=request.user,
        role=_role(payload.role),
        user=user,
        object_type=payload.object_type,
        object_id=payload.object_id,
    )
    return Status(204, None)


@router.post("departments", response={201: DepartmentOut}, summary="Create a department (administrators)")
def department_create(request: HttpRequest, payload: DepartmentIn) -> Any:
    _require_admin(request)
    department = services.department_create(
        actor=request.user,
        name=payload.name,
        code=payload.code,
        parent=_department("parent_id", payload.parent_id),
        head=_user("head_id", payload.head_id),
    )
    return Status(201, department)


@router.post("roles", response={201: RoleOut}, summary="Create a role (administrators)")
def role_create(request: HttpRequest, payload: RoleIn) -> Any:
    _require_admin(request)
    role = services.role_create(
        actor=request.user,
        code=payload.code,
        name_ru=payload.name_ru,
        name_en=payload.name_en,
        addressing=payload.addressing,
        owner=_user("owner_id", payload.owner_id),
    )
    return Status(201, role)


@router.put("roles/{code}/rights", response=list[RightOut], summary="Set a role's rights (administrators)")
def role_rights_set(request: HttpRequest, code: str, payload: list[RightIn]) -> Any:
    """Each item sets one (entity type, action) right; scope null takes it away. All or nothing."""
    _require_admin(request)
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise NotFound("role")
    with transaction.atomic():
        for item in payload:
            access_rule_set(
                actor=request.user,
                role=role,
                entity_type=item.entity_type,
                action=item.action,
                scope=item.scope,
            )
    return role.access_rules.order_by("entity_type", "action")
