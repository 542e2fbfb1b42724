"""Sessions end after inactivity and after an absolute limit; the registry lets a person end his other
sessions and an administrator end all of a user's sessions."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client, override_settings

from potok.audit.models import AuditEvent
from potok.security.middleware import STATE_KEY
from potok.security.models import UserSession


@override_settings(POTOK_SESSION_IDLE_MINUTES=30)
def test_an_idle_session_ends(client_as, move_clock) -> None:
    client = client_as("lawyer")
    assert client.get("/").status_code == 200
    # activity within the limit keeps the session
    move_clock(timedelta(minutes=25))
    assert client.get("/").status_code == 200
    move_clock(timedelta(minutes=50))
    assert client.get("/").status_code == 200
    # 31 minutes without a request end it, with a message on the login page
    move_clock(timedelta(minutes=81))
    ended = client.get("/clients/counterparties/", HTTP_ACCEPT_LANGUAGE="en")
    assert ended.status_code == 302
    assert ended["Location"] == "/login/?next=%2Fclients%2Fcounterparties%2F"
    login_page = client.get(ended["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "without activity" in login_page
    assert client.get("/").status_code == 302
    assert not UserSession.objects.filter(user__username="lawyer").exists()


@override_settings(POTOK_SESSION_MAX_HOURS=12)
def test_a_session_ends_after_the_absolute_limit_even_when_active(client_as) -> None:
    client = client_as("lawyer")
    assert client.get("/").status_code == 200
    # given a session that was opened 12 hours and a minute ago
    session = client.session
    state = session[STATE_KEY]
    state["started"] -= 12 * 3600 + 60
    session[STATE_KEY] = state
    session.save()
    # then the next request logs out
    assert client.get("/")["Location"].startswith("/login/")


def test_a_login_is_registered_with_address_and_browser(demo_company) -> None:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/140.0", REMOTE_ADDR="192.0.2.7")
    client.post("/login/", {"username": "lawyer", "password": "demo"})
    entry = UserSession.objects.get(user__username="lawyer")
    assert entry.ip_address == "192.0.2.7" and "Firefox" in entry.user_agent
    page = client.get("/security/").content.decode()
    assert page.count('data-testid="session-row"') == 1 and "192.0.2.7" in page
    # the session key itself never appears on the page
    assert client.session.session_key not in page
    # logging out removes the entry
    client.post("/logout/")
    assert not UserSession.objects.filter(user__username="lawyer").exists()


def test_a_person_ends_his_other_sessions(client_as) -> None:
    phone, laptop, office = client_as("lawyer"), client_as("lawyer"), client_as("lawyer")
    for client in (phone, laptop, office):
        assert client.get("/").status_code == 200
    # one of them by its entry
    phone_entry = UserSession.objects.get(session_id=phone.session.session_key)
    assert office.post(f"/security/sessions/{phone_entry.pk}/end/").status_code == 302
    assert phone.get("/").status_code == 302
    # then all the others
    office.post("/security/sessions/end-others/")
    assert laptop.get("/").status_code == 302
    assert office.get("/").status_code == 200


def test_a_person_cannot_end_someone_elses_session(client_as) -> None:
    lawyer = client_as("lawyer")
    lawyer.get("/")
    entry = UserSession.objects.get(user__username="lawyer")
    client_as("reception").post(f"/security/sessions/{entry.pk}/end/")
    assert lawyer.get("/").status_code == 200


def test_an_administrator_ends_all_sessions_of_a_user(client_as, person) -> None:
    # given the lawyer logged in on two browsers, one of them from before the registry existed
    first, second = client_as("lawyer"), client_as("lawyer")
    first.get("/")
    assert UserSession.objects.filter(user__username="lawyer").count() == 1
    # when the administrator ends all her sessions
    admin = client_as("admin")
    listing = admin.get("/security/users/").content.decode()
    assert person("lawyer").display_name in listing
    response = admin.post(f"/security/users/{person('lawyer').pk}/end-sessions/")
    assert response.status_code == 302
    # then her next request, in either browser, is logged out
    assert first.get("/")["Location"].startswith("/login/")
    assert second.get("/")["Location"].startswith("/login/")
    event = AuditEvent.objects.get(action="sessions_ended", record_id=str(person("lawyer").pk))
    assert event.actor == person("admin") and "2 session" in event.message
    # the administrator himself stays logged in
    assert admin.get("/").status_code == 200


def test_only_administrators_see_and_end_other_users_sessions(client_as, person) -> None:
    reception = client_as("reception")
    assert reception.get("/security/users/").status_code == 403
    assert reception.post(f"/security/users/{person('lawyer').pk}/end-sessions/").status_code == 403


def test_the_sweep_removes_timed_out_sessions(client_as, move_clock) -> None:
    from django.contrib.sessions.models import Session

    from potok.security.services import security_sweep

    client = client_as("lawyer")
    client.get("/")
    move_clock(timedelta(hours=1))
    assert security_sweep() >= 1
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
