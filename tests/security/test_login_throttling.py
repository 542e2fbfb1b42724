"""Passwords are hashed with Argon2; repeated failures lock a login out from an address, with a clear
message; failed API tokens from one address are throttled too; logins leave audit rows."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from potok.audit.models import AuditEvent

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_production_settings_hash_new_passwords_with_argon2(db) -> None:
    from potok.config.settings import security

    assert security.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=security.PASSWORD_HASHERS):
        from potok.accounts.services import user_create

        user = user_create(actor=None, username="hashed", password="Snow-on-the-Volga-77")
        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password("Snow-on-the-Volga-77")


def _try(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_lock_the_login_out_from_that_address_with_a_clear_message(demo_company) -> None:
    # given a person who mistypes his password three times
    client = Client()
    for _ in range(2):
        assert _try(client, "lawyer", "wrong").status_code == 200
    # when the third failure reaches the limit
    locked = _try(client, "lawyer", "wrong")
    # then the login page says so, and even the right password is refused during the cool-off
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert 'data-testid="lockout"' in locked.content.decode()
    right = _try(client, "lawyer", "demo")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # other people, and the same person from another address, can still log in
    assert _try(Client(), "reception", "demo").status_code == 302
    assert _try(Client(REMOTE_ADDR="10.0.0.9"), "lawyer", "demo").status_code == 302
    # and the audit trail has the failures and the lockout
    actions = list(
        AuditEvent.objects.filter(entity_type="user", message__contains="username=lawyer").values_list(
            "action", flat=True
        )
    )
    assert actions.count("login_failed") >= 3
    assert "locked_out" in actions


def test_lockout_message_is_translated(demo_company) -> None:
    client = Client()
    with override_settings(AXES_FAILURE_LIMIT=1):
        locked = client.post("/login/", {"username": "lawyer", "password": "x"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert locked.status_code == 429
    assert "Слишком много" in locked.content.decode()


def test_a_successful_login_is_audited_and_resets_the_count(demo_company, person) -> None:
    client = Client()
    with override_settings(AXES_FAILURE_LIMIT=3):
        _try(client, "lawyer", "wrong")
        _try(client, "lawyer", "wrong")
        assert _try(client, "lawyer", "demo").status_code == 302
        client.logout()
        _try(client, "lawyer", "wrong")
        _try(client, "lawyer", "wrong")
        assert _try(client, "lawyer", "demo").status_code == 302
    lawyer = person("lawyer")
    assert (
        AuditEvent.objects.filter(
            entity_type="user", record_id=str(lawyer.pk), action="logged_in", actor=lawyer
        ).count()
        == 2
    )


@override_settings(POTOK_API_AUTH_FAILURE_LIMIT=3)
def test_failed_api_tokens_from_one_address_are_throttled(api_as) -> None:
    good = api_as("reception")
    bad = Client(headers={"Authorization": "Bearer ptk_not-a-real-token"})
    # given three failed authentications from the address
    for _ in range(3):
        response = bad.get("/api/v1/counterparties")
        assert response.status_code == 401
        assert set(response.json()) == {"message", "errors"}
    # when the address tries again, even with a valid token
    blocked = bad.get("/api/v1/counterparties")
    also_blocked = good.get("/api/v1/counterparties")
    # then it is told to wait, in the API's error shape, until the cool-off passes
    assert blocked.status_code == 429 and also_blocked.status_code == 429
    assert set(blocked.json()) == {"message", "errors"}
    assert int(blocked["Retry-After"]) > 0
    # and another address is not affected
    assert api_as("reception").get("/api/v1/counterparties", REMOTE_ADDR="10.1.2.3").status_code == 200


@override_settings(POTOK_API_AUTH_FAILURE_LIMIT=2, POTOK_API_AUTH_COOLOFF_MINUTES=5)
def test_the_api_throttle_lifts_after_the_cool_off(api_as, move_clock) -> None:
    from datetime import timedelta

    bad = Client(headers={"Authorization": "Bearer nope"})
    bad.get("/api/v1/counterparties")
    bad.get("/api/v1/counterparties")
    assert bad.get("/api/v1/counterparties").status_code == 429
    move_clock(timedelta(minutes=6))
    assert api_as("reception").get("/api/v1/counterparties").status_code == 200


@pytest.mark.parametrize("forwarded", ["10.9.9.9", "6.6.6.6, 10.9.9.9"])
def test_behind_a_proxy_the_address_is_what_the_proxy_saw(rf, forwarded: str) -> None:
    from potok.security.network import client_ip

    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(POTOK_PROXY_COUNT=1):
        assert client_ip(request) == "10.9.9.9"
    with override_settings(POTOK_PROXY_COUNT=0):
        assert client_ip(request) == "127.0.0.1"
