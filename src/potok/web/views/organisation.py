"""Organisation pages: users, departments, roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access import registry
from potok.access.models import AccessRule, Action, Scope
from potok.access.selectors import get_record, is_administrator, visible_records
from potok.access.services import access_rule_set
from potok.accounts import services
from potok.accounts.models import AddressingKind, Department, Role, RoleAssignment, User
from potok.audit.selectors import audit_events_for_record
from potok.core.errors import ValidationFailed
from potok.documents.entities import document_type_names
from potok.web.lists import Column, Filter, ListSpec
from potok.web.views.clients import add_errors, styled
from potok.web.views.errors import domain_errors

USER_LIST = ListSpec(
    columns=[
        Column("display_name", pgettext_lazy("person", "Name"), link=True),
        Column("username", _("Login")),
        Column("department", _("Department")),
        Column("position", _("Position")),
        Column("email", _("Email")),
    ],
    search_fields=["username", "first_name", "last_name", "email"],
    sorts={"name": ("last_name", "first_name", "id"), "login": ("username", "id"), "newest": ("-id",)},
    sort_labels={"name": _("by name"), "login": _("by login"), "newest": _("newest first")},
    default_sort="name",
    filters=[
        Filter(
            "department",
            _("Department"),
            choices=lambda: [(str(d.pk), d.name) for d in Department.objects.all()],
            apply=lambda qs, value: qs.filter(department_id=value) if value.isdigit() else qs.none(),
        )
    ],
)


@login_required
@domain_errors
def user_list(request: HttpRequest) -> HttpResponse:
    queryset = visible_records(request.user, "user").select_related("department", "position")
    context = USER_LIST.context(request, queryset)
    context.update(title=_("Users"), detail_url_name="web:user_detail")
    if is_administrator(request.user):
        context["create_url"] = reverse("web:user_create")
    template = "web/_list_rows.html" if request.headers.get("HX-Request") else "web/list.html"
    return render(request, template, context)


@login_required
@domain_errors
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_record(request.user, "user", pk)
    return render(
        request,
        "web/user_detail.html",
        {
            "person": person,
            "roles": person.role_assignments.select_related("role"),
            "is_admin": is_administrator(request.user),
            "assign_form": styled(RoleAssignForm()),
            "audit_events": audit_events_for_record(entity_type="user", record_id=person.pk)[:50],
        },
    )


@login_required
@domain_errors
def department_list(request: HttpRequest) -> HttpResponse:
    departments = (
        visible_records(request.user, "department")
        .select_related("head")
        .annotate(member_count=Count("members"))
    )
    rows = [{"department": d, "depth": d.path.count("/") - 2} for d in departments.order_by("path")]
    return render(
        request, "web/department_list.html", {"rows": rows, "is_admin": is_administrator(request.user)}
    )


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    roles = Role.objects.prefetch_related("assignments__user", "access_rules").select_related("owner")
    return render(request, "web/role_list.html", {"roles": roles})


# -- administration: users, departments, roles and their rights -------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not is_administrator(request.user):
        raise PermissionDenied


def _departments() -> list[tuple[str, str]]:
    return [("", "—")] + [(str(d.pk), d.name) for d in Department.objects.order_by("path")]


def _users() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(u.pk), u.display_name) for u in User.objects.filter(is_active=True).order_by("last_name", "id")
    ]


def _department(value: str) -> Department | None:
    return Department.objects.filter(pk=value).first() if value and value.isdigit() else None


def _position(name: str) -> Any:
    return services.position_get_or_create(name=name) if name.strip() else None


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Login"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=True))
    is_administrator = forms.BooleanField(label=_("Administrator role"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _departments()  # type: ignore[attr-defined]


class UserEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _departments()  # type: ignore[attr-defined]


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    department = forms.ChoiceField(
        label=_("For the department"),
        required=False,
        help_text=_("Only for roles held for a department."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (r.code, f"{r.name} ({r.code})") for r in Role.objects.order_by("code")
        ]
        self.fields["department"].choices = _departments()  # type: ignore[attr-defined]


class DepartmentForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=200)
    code = forms.SlugField(label=_("Code"), max_length=64)
    parent = forms.ChoiceField(label=_("Parent department"), required=False)
    head = forms.ChoiceField(label=_("Head"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = _departments()  # type: ignore[attr-defined]
        self.fields["head"].choices = _users()  # type: ignore[attr-defined]


class RoleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name_ru = forms.CharField(label=_("Name (Russian)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    addressing = forms.ChoiceField(label=_("Addressing"), choices=AddressingKind.choices)
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _users()  # type: ignore[attr-defined]


def _form_page(request: HttpRequest, form: forms.Form, title: Any, cancel_url: str) -> HttpResponse:
    return render(
        request,
        "web/organisation_form.html",
        {"form": styled(form), "title": title, "cancel_url": cancel_url},
    )


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                department=_department(data["department"]),
                position=_position(data["position"]),
                is_superuser=False,
                origin="web",
            )
            if data["is_administrator"]:
                services.role_assign(actor=request.user, role=_administrator_role(), user=user)
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The user is created."))
            return redirect("web:user_detail", pk=user.pk)
    return _form_page(request, form, _("New user"), reverse("web:user_list"))


def _administrator_role() -> Role:
    role = Role.objects.filter(is_administrator=True).order_by("id").first()
    if role is None:
        raise ValidationFailed({"is_administrator": str(_("There is no administrator role."))})
    return role


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    person = get_object_or_404(User.objects.select_related("position"), pk=pk)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "department": str(person.department_id or ""),
        "position": person.position.name if person.position else "",
        "is_active": person.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=person,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                department=_department(data["department"]),
                position=_position(data["position"]),
            )
            services.user_set_active(actor=request.user, user=person, is_active=data["is_active"])
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("web:user_detail", pk=person.pk)
    return _form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": person.display_name},
        reverse("web:user_detail", args=[pk]),
    )


@login_required
@require_POST
def user_role_assign(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    person = get_object_or_404(User, pk=pk)
    form = RoleAssignForm(request.POST)
    if form.is_valid():
        role = get_object_or_404(Role, code=form.cleaned_data["role"])
        department = form.cleaned_data["department"]
        object_type, object_id = ("department", department) if department else ("", "")
        try:
            services.role_assign(
                actor=request.user, role=role, user=person, object_type=object_type, object_id=object_id
            )
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The role is assigned."))
            return redirect("web:user_detail", pk=person.pk)
    # The page again, with the form's errors next to its fields.
    return render(
        request,
        "web/user_detail.html",
        {
            "person": person,
            "roles": person.role_assignments.select_related("role"),
            "is_admin": True,
            "assign_form": styled(form),
            "audit_events": audit_events_for_record(entity_type="user", record_id=person.pk)[:50],
        },
        status=400,
    )


@login_required
@require_POST
def user_role_unassign(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    _require_admin(request)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("role", "user"), pk=assignment_id, user_id=pk
    )
    services.role_unassign(
        actor=request.user,
        role=assignment.role,
        user=assignment.user,
        object_type=assignment.object_type,
        object_id=assignment.object_id,
    )
    messages.success(request, _("The role is removed."))
    return redirect("web:user_detail", pk=pk)


@login_required
def department_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        head = User.objects.filter(pk=data["head"]).first() if data["head"].isdigit() else None
        try:
            services.department_create(
                actor=request.user,
                name=data["name"],
                code=data["code"],
                parent=_department(data["parent"]),
                head=head,
            )
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The department is created."))
            return redirect("web:department_list")
    return _form_page(request, form, _("New department"), reverse("web:department_list"))


@login_required
def role_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = User.objects.filter(pk=data["owner"]).first() if data["owner"].isdigit() else None
        try:
            role = services.role_create(
                actor=request.user,
                code=data["code"],
                name_ru=data["name_ru"],
                name_en=data["name_en"],
                addressing=data["addressing"],
                owner=owner,
            )
        except ValidationFailed as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The role is created."))
            return redirect("web:role_rights", code=role.code)
    return _form_page(request, form, _("New role"), reverse("web:role_list"))


def rights_entity_types() -> list[tuple[str, str]]:
    """(code, label) of every entity type a right can be given on: registered ones and document types."""
    types = [(t.code, str(t.label)) for t in registry.all_types()]
    types += sorted(document_type_names().items())
    return types


@login_required
def role_rights(request: HttpRequest, code: str) -> HttpResponse:
    _require_admin(request)
    role = get_object_or_404(Role, code=code)
    entity_types = rights_entity_types()
    current = {(r.entity_type, r.action): r.scope for r in AccessRule.objects.filter(role=role)}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        wanted: dict[tuple[str, str], str | None] = {}
        for entity_code, _label in entity_types:
            for action in Action.values:
                value = request.POST.get(f"{entity_code}:{action}", "")
                wanted[(entity_code, action)] = value or None
        for (entity_code, action), scope in wanted.items():
            if scope is not None and scope not in Scope.values:
                errors[f"{entity_code}:{action}"] = [str(_("Unknown scope."))]
        if not errors:
            for (entity_code, action), scope in wanted.items():
                if current.get((entity_code, action)) != scope:
                    access_rule_set(
                        actor=request.user, role=role, entity_type=entity_code, action=action, scope=scope
                    )
            messages.success(request, _("The rights are saved."))
            return redirect("web:role_rights", code=role.code)
        current = {key: value for key, value in wanted.items() if value}
    rows = [
        {
            "code": entity_code,
            "label": label,
            "cells": [
                {
                    "name": f"{entity_code}:{action}",
                    "value": current.get((entity_code, action), ""),
                    "errors": errors.get(f"{entity_code}:{action}", []),
                }
                for action in Action.values
            ],
        }
        for entity_code, label in entity_types
    ]
    return render(
        request,
        "web/role_rights.html",
        {
            "role": role,
            "rows": rows,
            "actions": Action.choices,
            "scopes": Scope.choices,
        },
        status=400 if errors else 200,
    )
