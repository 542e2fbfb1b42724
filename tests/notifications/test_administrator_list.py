"""The administrators told about addressing problems and incidents: the fixed-statement list is the same
people as the queryset the settings pages use."""

from __future__ import annotations

import pytest

from potok.accounts.models import Role, RoleAssignment, User
from potok.notifications.selectors import administrator_list, administrators

pytestmark = pytest.mark.django_db


def test_the_list_names_active_superusers_and_holders_of_an_administrator_role_once() -> None:
    admin_role = Role.objects.create(code="it", name_ru="ИТ", name_en="IT", is_administrator=True)
    clerk_role = Role.objects.create(code="clerk", name_ru="Клерк", name_en="Clerk")
    root = User.objects.create(username="root", is_superuser=True)
    it = User.objects.create(username="it")
    RoleAssignment.objects.create(role=admin_role, user=it)
    RoleAssignment.objects.create(role=admin_role, user=it, object_type="department", object_id="7")
    gone = User.objects.create(username="gone", is_active=False, is_superuser=True)
    clerk = User.objects.create(username="clerk")
    RoleAssignment.objects.create(role=clerk_role, user=clerk)

    listed = administrator_list()

    assert [user.username for user in listed] == ["root", "it"]
    assert [user.pk for user in listed] == list(administrators().values_list("pk", flat=True))
    assert gone.pk not in {user.pk for user in listed} and root.language == listed[0].language
