"""Organisation pages: users, departments, roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from potok.access.selectors import get_record, is_administrator, visible_records
from potok.accounts.models import Department, Role
from potok.audit.selectors import audit_events_for_record
from potok.web.lists import Column, Filter, ListSpec
from potok.web.views.errors import domain_errors

USER_LIST = ListSpec(
    columns=[
        Column("display_name", _("Name"), link=True),
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
    return render(request, "web/department_list.html", {"rows": rows})


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    roles = Role.objects.prefetch_related("assignments__user", "access_rules").select_related("owner")
    return render(request, "web/role_list.html", {"roles": roles})
