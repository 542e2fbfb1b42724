"""Changing one's e-mail asks for the password again (and the code, when a second factor is on)."""

from __future__ import annotations

from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from potok.audit.models import AuditEvent
from tests.security.conftest import totp_code


def reauthenticate(client: Client, *, code: bool = False) -> None:
    data = {"password": "demo", "next": "/security/"}
    if code:
        device = TOTPDevice.objects.filter(confirmed=True).latest("pk")
        data["code"] = totp_code(device, steps_ahead=1)
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        response = client.post("/security/confirm/", data)
    assert response.status_code == 302, response.content.decode()


def test_email_change_needs_the_password_again(client_as, person) -> None:
    client = client_as("lawyer")
    # given the lawyer opens the e-mail page
    asked = client.get("/security/email/")
    assert asked.status_code == 302
    assert asked["Location"] == "/security/confirm/?next=%2Fsecurity%2Femail%2F"
    # a posted change without re-authentication changes nothing
    client.post("/security/email/", {"email": "new@example.com"})
    assert person("lawyer").email == "lawyer@severny-veter.example"
    # a wrong password is refused
    wrong = client.post(
        "/security/confirm/", {"password": "nope", "next": "/security/email/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert wrong.status_code == 200 and "The password is wrong" in wrong.content.decode()
    # the right one leads back to the page
    right = client.post("/security/confirm/", {"password": "demo", "next": "/security/email/"})
    assert right["Location"] == "/security/email/"
    # a bad or taken address is refused with a message on the field
    taken = client.post("/security/email/", {"email": "admin@severny-veter.example"})
    assert 'data-field-error="email"' in taken.content.decode()
    # and a good one is saved and audited with the old and new values
    done = client.post("/security/email/", {"email": "daria@example.com"})
    assert done.status_code == 302
    lawyer = person("lawyer")
    assert lawyer.email == "daria@example.com"
    event = AuditEvent.objects.get(action="email_changed", record_id=str(lawyer.pk))
    assert event.changes == {"email": ["lawyer@severny-veter.example", "daria@example.com"]}
    assert event.actor == lawyer


def test_reauthentication_expires(client_as, move_clock) -> None:
    from datetime import timedelta

    client = client_as("lawyer")
    reauthenticate(client)
    assert client.get("/security/email/").status_code == 200
    move_clock(timedelta(minutes=11))
    client.get("/")  # keep the session alive; the re-authentication still runs out
    assert client.get("/security/email/").status_code == 302


def test_with_a_second_factor_the_code_is_asked_too(client_as, person) -> None:
    from tests.security.test_two_factor import enrol

    client = client_as("lawyer")
    device = enrol(client)
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        without = client.post("/security/confirm/", {"password": "demo", "next": "/security/email/"})
        assert without.status_code == 200 and 'data-field-error="code"' in without.content.decode()
        with_code = client.post(
            "/security/confirm/",
            {"password": "demo", "code": totp_code(device, steps_ahead=1), "next": "/security/email/"},
        )
    assert with_code.status_code == 302
    assert client.get("/security/email/").status_code == 200
