"""The access model: scopes give exactly their records; task grants come and go; guessed ids are 404."""

from __future__ import annotations

import pytest

from potok.access.models import Action, Scope
from potok.access.selectors import can, forget_user_access, get_record, visible_records
from potok.access.services import access_rule_set, record_grant_give, record_grant_revoke
from potok.accounts.models import Role, User
from potok.accounts.services import department_create, role_assign, role_create, user_create
from potok.core.errors import NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """A head office with a branch under it, and a sibling department; one person in each, plus a viewer."""
    office = department_create(actor=None, name="Office", code="office")
    branch = department_create(actor=None, name="Branch", code="branch", parent=office)
    other = department_create(actor=None, name="Other", code="other")
    people = {
        name: user_create(actor=None, username=name, password=None, department=department)
        for name, department in [
            ("viewer", office),
            ("colleague", office),
            ("branch_man", branch),
            ("stranger", other),
        ]
    }
    role = role_create(actor=None, code="viewer_role", name_ru="Смотрящий", name_en="Viewer")
    role_assign(actor=None, role=role, user=people["viewer"])
    return people, role


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (None, set()),
        (Scope.OWN, {"viewer"}),
        (Scope.DEPARTMENT, {"viewer", "colleague"}),
        (Scope.DEPARTMENT_TREE, {"viewer", "colleague", "branch_man"}),
        (Scope.ALL, {"viewer", "colleague", "branch_man", "stranger"}),
    ],
)
def test_each_scope_gives_exactly_its_records(org, scope, expected) -> None:
    people, role = org
    viewer = people["viewer"]
    access_rule_set(actor=None, role=role, entity_type="user", action=Action.READ, scope=scope)
    forget_user_access(viewer)

    seen = set(visible_records(viewer, "user").values_list("username", flat=True))

    assert seen == expected
    assert can(viewer, "user", Action.READ) is (scope is not None)


def test_a_record_outside_the_scope_is_not_found_not_forbidden(org) -> None:
    people, role = org
    access_rule_set(actor=None, role=role, entity_type="user", action=Action.READ, scope=Scope.DEPARTMENT)
    viewer = User.objects.get(username="viewer")

    with pytest.raises(NotFound):
        get_record(viewer, "user", people["stranger"].pk)
    with pytest.raises(NotFound):
        get_record(viewer, "user", 999_999)
    with pytest.raises(PermissionDenied):
        get_record(viewer, "user", people["colleague"].pk, action=Action.UPDATE)


def test_task_grant_gives_read_access_until_revoked(org) -> None:
    people, _role = org
    viewer = User.objects.get(username="viewer")
    stranger = people["stranger"]
    assert not visible_records(viewer, "user").filter(pk=stranger.pk).exists()

    record_grant_give(user=viewer, entity_type="user", record_id=stranger.pk, source="task", source_id=41)
    assert list(visible_records(viewer, "user")) == [stranger]
    assert not visible_records(viewer, "user", Action.UPDATE).exists()

    record_grant_revoke(source="task", source_id=41)
    assert not visible_records(viewer, "user").exists()


def test_administrator_role_sees_everything(org) -> None:
    admin_role = role_create(actor=None, code="admins", name_ru="А", name_en="A", is_administrator=True)
    boss = user_create(actor=None, username="boss", password=None)
    role_assign(actor=None, role=admin_role, user=boss)

    assert visible_records(boss, "user").count() == User.objects.count()


def test_bad_access_rule_names_the_field(org) -> None:
    _people, role = org
    with pytest.raises(ValidationFailed) as error:
        access_rule_set(actor=None, role=role, entity_type="spaceship", action="fly", scope="galaxy")
    assert set(error.value.errors) == {"entity_type", "action", "scope"}
    assert not Role.objects.get(pk=role.pk).access_rules.exists()


def test_moving_a_department_moves_its_subtree_in_scopes(org) -> None:
    from potok.accounts.models import Department
    from potok.accounts.services import department_move

    _people, role = org
    access_rule_set(
        actor=None, role=role, entity_type="user", action=Action.READ, scope=Scope.DEPARTMENT_TREE
    )
    other = Department.objects.get(code="other")
    office = Department.objects.get(code="office")

    department_move(actor=None, department=other, parent=office)
    viewer = User.objects.get(username="viewer")

    assert "stranger" in set(visible_records(viewer, "user").values_list("username", flat=True))
    with pytest.raises(ValidationFailed):
        department_move(actor=None, department=office, parent=Department.objects.get(code="branch"))
