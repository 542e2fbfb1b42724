"""Administrators manage users, departments, roles and rights from the web and the API; nobody else may."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Snow-over-Kazan-77"


# -- web ---------------------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_log_in(client_as) -> None:
    from potok.accounts.models import Department, User

    department = Department.objects.order_by("path").first()
    response = client_as("admin").post(
        "/users/new/",
        {
            "username": "newcomer",
            "first_name": "Олег",
            "last_name": "Новиков",
            "email": "oleg@example.com",
            "department": str(department.pk),
            "position": "Стажёр",
            "password": GOOD_PASSWORD,
        },
    )

    user = User.objects.get(username="newcomer")
    assert response.status_code == 302 and response["Location"] == f"/users/{user.pk}/"
    assert user.department == department and user.position.name == "Стажёр"
    assert Client().login(username="newcomer", password=GOOD_PASSWORD)


def test_user_create_with_a_taken_login_or_weak_password_shows_errors_and_creates_nothing(client_as) -> None:
    from potok.accounts.models import User

    before = User.objects.count()
    response = client_as("admin").post("/users/new/", {"username": "reception", "password": GOOD_PASSWORD})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-field-error="username"' in page

    weak = client_as("admin").post("/users/new/", {"username": "someone", "password": "123"})
    assert 'data-field-error="password"' in weak.content.decode()
    assert User.objects.count() == before


def test_admin_edits_a_user_and_the_audit_keeps_old_and_new(client_as, person) -> None:
    from potok.audit.models import AuditEvent

    lawyer = person("lawyer")
    response = client_as("admin").post(
        f"/users/{lawyer.pk}/edit/",
        {"first_name": "Пётр", "last_name": lawyer.last_name, "email": "petr@example.com", "position": ""},
    )

    lawyer.refresh_from_db()
    assert response.status_code == 302
    assert lawyer.first_name == "Пётр" and lawyer.email == "petr@example.com" and not lawyer.is_active
    event = AuditEvent.objects.filter(entity_type="user", record_id=lawyer.pk, action="updated").latest("id")
    assert "first_name" in str(event.changes)


def test_admin_assigns_a_role_for_a_department_and_removes_it(client_as, person) -> None:
    from potok.accounts.models import AddressingKind, Department, RoleAssignment
    from potok.accounts.services import role_create

    role = role_create(
        actor=None, code="dept_boss", name_ru="Шеф", name_en="Boss", addressing=AddressingKind.DEPARTMENT
    )
    department = Department.objects.order_by("path").first()
    lawyer = person("lawyer")
    client = client_as("admin")

    response = client.post(
        f"/users/{lawyer.pk}/roles/", {"role": role.code, "department": str(department.pk)}
    )

    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=lawyer, role=role)
    assert (assignment.object_type, assignment.object_id) == ("department", str(department.pk))
    assert "Шеф" in client.get(f"/users/{lawyer.pk}/").content.decode()

    client.post(f"/users/{lawyer.pk}/roles/{assignment.pk}/remove/")
    assert not RoleAssignment.objects.filter(user=lawyer, role=role).exists()


def test_admin_creates_a_department_and_a_role(client_as) -> None:
    from potok.accounts.models import Department, Role

    client = client_as("admin")
    assert client.post("/departments/new/", {"name": "Архив", "code": "archive"}).status_code == 302
    assert Department.objects.get(code="archive").path.endswith(
        f"/{Department.objects.get(code='archive').pk}/"
    )
    duplicate = client.post("/departments/new/", {"name": "Архив 2", "code": "archive"})
    assert 'data-field-error="code"' in duplicate.content.decode()
    assert Department.objects.filter(code="archive").count() == 1

    response = client.post(
        "/roles/new/",
        {"code": "archivist", "name_ru": "Архивариус", "name_en": "Archivist", "addressing": "none"},
    )
    assert response.status_code == 302 and Role.objects.filter(code="archivist").exists()
    assert "Create role" in client.get("/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_right_set_in_the_editor_takes_effect(client_as, person) -> None:
    from potok.access.models import AccessRule
    from potok.accounts.services import role_assign, role_create

    role = role_create(actor=None, code="hr", name_ru="Кадры", name_en="HR")
    role_assign(actor=None, role=role, user=person("reception"))
    reception = client_as("reception")
    assert "lawyer" not in reception.get("/users/").content.decode()

    admin = client_as("admin")
    editor = admin.get("/roles/hr/rights/")
    assert editor.status_code == 200 and 'name="user:read"' in editor.content.decode()
    assert admin.post("/roles/hr/rights/", {"user:read": "all"}).status_code == 302

    assert AccessRule.objects.get(role=role, entity_type="user", action="read").scope == "all"
    assert "lawyer" in client_as("reception").get("/users/").content.decode()

    bad = admin.post("/roles/hr/rights/", {"user:read": "everything", "user:update": "all"})
    assert bad.status_code == 400 and 'data-field-error="user:read"' in bad.content.decode()
    assert AccessRule.objects.filter(role=role).count() == 1


def test_the_rights_editor_lists_document_types(client_as) -> None:
    from potok.documents.models import DocumentType

    code = DocumentType.objects.values_list("code", flat=True).first()
    if code is None:
        pytest.skip("the demo company has no document types")
    assert (
        f'name="document.{code}:read"'
        in client_as("admin").get("/roles/administrator/rights/").content.decode()
    )


def test_non_administrators_get_403_on_every_admin_page(client_as, person) -> None:
    client = client_as("reception")
    lawyer = person("lawyer")
    for url in (
        "/users/new/",
        f"/users/{lawyer.pk}/edit/",
        "/departments/new/",
        "/roles/new/",
        "/roles/administrator/rights/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/users/{lawyer.pk}/roles/", {"role": "administrator"}).status_code == 403
    assert 'href="/users/new/"' not in client.get("/users/").content.decode()
    assert 'href="/users/new/"' in client_as("admin").get("/users/").content.decode()


# -- API ---------------------------------------------------------------------------------------------


def test_api_creates_a_user_who_can_log_in_and_patches_him(api_as) -> None:
    api = api_as("admin")
    created = api.post(
        "/api/v1/users",
        {"username": "apiuser", "password": GOOD_PASSWORD, "last_name": "Апишин", "position": "Аналитик"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["position"] == "Аналитик"
    assert Client().login(username="apiuser", password=GOOD_PASSWORD)

    patched = api.patch(
        f"/api/v1/users/{body['id']}",
        {"email": "api@example.com", "is_active": False},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["email"] == "api@example.com" and patched.json()["is_active"] is False

    bad = api.patch(f"/api/v1/users/{body['id']}", {"email": "not-an-email"}, content_type="application/json")
    assert bad.status_code == 400 and "email" in bad.json()["errors"]


def test_api_refuses_a_taken_login_and_a_weak_password(api_as) -> None:
    from potok.accounts.models import User

    api = api_as("admin")
    before = User.objects.count()
    taken = api.post(
        "/api/v1/users", {"username": "reception", "password": GOOD_PASSWORD}, content_type="application/json"
    )
    assert taken.status_code == 400 and "taken" in taken.json()["errors"]["username"][0]
    assert set(taken.json()) == {"message", "errors"}
    weak = api.post(
        "/api/v1/users", {"username": "weakling", "password": "123"}, content_type="application/json"
    )
    assert weak.status_code == 400 and weak.json()["errors"]["password"]
    assert User.objects.count() == before


def test_api_assigns_a_role_for_a_department_and_removes_it(api_as, person) -> None:
    from potok.accounts.models import RoleAssignment

    api = api_as("admin")
    department = api.post(
        "/api/v1/departments", {"name": "Филиал", "code": "branch"}, content_type="application/json"
    )
    assert department.status_code == 201
    role = api.post(
        "/api/v1/roles",
        {"code": "branch_head", "name_ru": "Глава", "name_en": "Head", "addressing": "department"},
        content_type="application/json",
    )
    assert role.status_code == 201
    lawyer = person("lawyer")
    target = {"role": "branch_head", "object_type": "department", "object_id": department.json()["id"]}

    assigned = api.post(f"/api/v1/users/{lawyer.pk}/roles", target, content_type="application/json")
    assert assigned.status_code == 201
    assert RoleAssignment.objects.filter(
        user=lawyer, role__code="branch_head", object_type="department"
    ).exists()

    removed = api.delete(f"/api/v1/users/{lawyer.pk}/roles", target, content_type="application/json")
    assert removed.status_code == 204
    assert not RoleAssignment.objects.filter(user=lawyer, role__code="branch_head").exists()


def test_api_sets_rights_that_take_effect_and_refuses_an_unknown_scope(api_as, person) -> None:
    from potok.access.models import AccessRule
    from potok.accounts.services import role_assign, role_create

    role = role_create(actor=None, code="hr", name_ru="Кадры", name_en="HR")
    role_assign(actor=None, role=role, user=person("reception"))
    api = api_as("admin")

    bad = api.put(
        "/api/v1/roles/hr/rights",
        [
            {"entity_type": "user", "action": "read", "scope": "all"},
            {"entity_type": "user", "action": "update", "scope": "galaxy"},
        ],
        content_type="application/json",
    )
    assert bad.status_code == 400 and "scope" in bad.json()["errors"]
    assert not AccessRule.objects.filter(role=role).exists()

    good = api.put(
        "/api/v1/roles/hr/rights",
        [{"entity_type": "user", "action": "read", "scope": "all"}],
        content_type="application/json",
    )
    assert good.status_code == 200 and good.json() == [
        {"entity_type": "user", "action": "read", "scope": "all"}
    ]
    logins = {u["username"] for u in api_as("reception").get("/api/v1/users?limit=200").json()["items"]}
    assert "lawyer" in logins

    cleared = api.put(
        "/api/v1/roles/hr/rights",
        [{"entity_type": "user", "action": "read", "scope": None}],
        content_type="application/json",
    )
    assert cleared.status_code == 200 and cleared.json() == []


def test_api_administration_is_forbidden_to_others(api_as, person) -> None:
    api = api_as("reception")
    lawyer = person("lawyer")
    calls = [
        api.post(
            "/api/v1/users", {"username": "x", "password": GOOD_PASSWORD}, content_type="application/json"
        ),
        api.patch(f"/api/v1/users/{lawyer.pk}", {"first_name": "X"}, content_type="application/json"),
        api.post(
            f"/api/v1/users/{lawyer.pk}/roles", {"role": "administrator"}, content_type="application/json"
        ),
        api.delete(
            f"/api/v1/users/{lawyer.pk}/roles", {"role": "administrator"}, content_type="application/json"
        ),
        api.post("/api/v1/departments", {"name": "X", "code": "x"}, content_type="application/json"),
        api.post(
            "/api/v1/roles", {"code": "x", "name_ru": "X", "name_en": "X"}, content_type="application/json"
        ),
        api.put("/api/v1/roles/administrator/rights", [], content_type="application/json"),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls)
    assert set(calls[0].json()) == {"message", "errors"}
