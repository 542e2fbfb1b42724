"""The web shell: login, logout, password change, language switch, navigation by rights, audit on pages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_then_home(demo_company) -> None:
    client = Client()
    assert client.get("/").status_code == 302

    response = client.post("/login/", {"username": "reception", "password": "demo"}, follow=True)

    assert response.status_code == 200
    assert "Анна" in response.content.decode()


def test_wrong_password_is_refused_with_a_message(demo_company) -> None:
    response = Client().post("/login/", {"username": "reception", "password": "nope"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_logout_ends_the_session(client_as) -> None:
    client = client_as("reception")
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_password_change_rejects_a_weak_password_and_accepts_a_good_one(client_as) -> None:
    client = client_as("lawyer")
    weak = client.post("/password/", {"old_password": "demo", "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200
    assert 'data-field-error="new_password2"' in weak.content.decode()

    good = client.post(
        "/password/",
        {"old_password": "demo", "new_password1": "Rain-over-Tver-42", "new_password2": "Rain-over-Tver-42"},
    )
    assert good.status_code == 302
    assert Client().login(username="lawyer", password="Rain-over-Tver-42")


def test_language_switch_changes_the_interface(client_as) -> None:
    client = client_as("director")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()

    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "Выйти" in client.get("/").content.decode()


def test_navigation_shows_only_what_the_roles_allow(client_as) -> None:
    reception = client_as("reception").get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    admin = client_as("admin").get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/roles/"' not in reception
    assert 'href="/users/"' not in reception
    assert 'href="/roles/"' in admin
    assert client_as("reception").get("/users/").status_code == 200  # an empty list, not an error
    assert client_as("reception").get("/roles/").status_code == 403


def test_user_list_searches_and_pages(client_as) -> None:
    client = client_as("director")
    page = client.get("/users/", {"q": "Специалист"}).content.decode()
    assert "investigator1" in page and "investigator2" in page and "lawyer" not in page

    from potok.web.views.organisation import USER_LIST

    original = USER_LIST.page_size
    object.__setattr__(USER_LIST, "page_size", 3)
    try:
        first = client.get("/users/", {"sort": "login"})
        assert "Next page" in first.content.decode() or "Следующая" in first.content.decode()
        cursor = first.context["next_url"]
        second = client.get("/users/" + cursor)
        first_logins = {row["object"].username for row in first.context["rows"]}
        second_logins = {row["object"].username for row in second.context["rows"]}
        assert len(first_logins) == 3 and len(second_logins) == 3 and not first_logins & second_logins
    finally:
        object.__setattr__(USER_LIST, "page_size", original)


def test_a_user_page_shows_its_audit_trail(client_as, person) -> None:
    investigator = person("investigator1")
    page = client_as("director").get(f"/users/{investigator.pk}/").content.decode()
    # the role given to her when the company was set up, worded for the reader (Russian here)
    assert "выдана роль" in page and "role_assigned" not in page


def test_a_guessed_user_id_outside_the_scope_is_404(client_as, person) -> None:
    assert client_as("reception").get(f"/users/{person('director').pk}/").status_code == 404
    assert client_as("reception").get("/users/999999/").status_code == 404


def test_audit_events_cannot_be_edited(demo_company) -> None:
    from potok.audit.models import AuditEvent

    event = AuditEvent.objects.first()
    event.action = "tampered"
    with pytest.raises(ValueError, match="not editable"):
        event.save()
