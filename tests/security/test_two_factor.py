"""The second factor: a person enrols from his security page with a QR code, then logs in with a code;
administrators must enrol before anything else when the installation requires it."""

from __future__ import annotations

import re

from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from potok.audit.models import AuditEvent
from tests.security.conftest import totp_code


def enrol(client: Client) -> TOTPDevice:
    start = client.post("/security/two-factor/", {"action": "start"})
    assert start.status_code == 302
    page = client.get(start["Location"]).content.decode()
    assert "<svg" in page and 'data-testid="secret"' in page
    device = TOTPDevice.objects.get(confirmed=False)
    secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page)
    assert secret is not None
    from base64 import b32encode

    assert secret.group(1).replace(" ", "") == b32encode(device.bin_key).decode()
    done = client.post("/security/two-factor/", {"action": "confirm", "code": totp_code(device)})
    assert done.status_code == 302, done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_a_person_enrols_with_a_qr_code_and_then_logs_in_with_a_code(client_as, person) -> None:
    # given the lawyer on her security page
    client = client_as("lawyer")
    assert client.get("/security/").status_code == 200
    # when she sets up the authenticator app
    device = enrol(client)
    # then her current session goes on, and the audit trail says she turned it on
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(
        entity_type="user", record_id=str(person("lawyer").pk), action="two_factor_enrolled"
    ).exists()

    # when she logs in again elsewhere, the password alone is not enough
    browser = Client()
    assert browser.post("/login/", {"username": "lawyer", "password": "demo"}).status_code == 302
    held = browser.get("/clients/counterparties/")
    assert held.status_code == 302 and held["Location"].startswith("/security/verify/")
    assert browser.get("/security/verify/").status_code == 200
    # a wrong code is refused with a message
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        wrong = browser.post("/security/verify/", {"code": "000000", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
        assert wrong.status_code == 200 and "The code is wrong" in wrong.content.decode()
        # the current code lets her in
        passed = browser.post("/security/verify/", {"code": totp_code(device, steps_ahead=1), "next": "/"})
    assert passed.status_code == 302 and passed["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_failed", record_id=str(person("lawyer").pk)).exists()


def test_a_code_cannot_be_used_twice(client_as) -> None:
    client = client_as("lawyer")
    device = enrol(client)
    code = totp_code(device, steps_ahead=1)
    first, second = Client(), Client()
    for browser in (first, second):
        browser.post("/login/", {"username": "lawyer", "password": "demo"})
    with override_settings(OTP_TOTP_THROTTLE_FACTOR=0):
        assert first.post("/security/verify/", {"code": code}).status_code == 302
        assert second.post("/security/verify/", {"code": code}).status_code == 200


def test_enrolling_ends_the_other_sessions(client_as) -> None:
    other = client_as("lawyer")
    assert other.get("/").status_code == 200
    client = client_as("lawyer")
    client.get("/")
    enrol(client)
    assert other.get("/")["Location"].startswith("/login/")


@override_settings(POTOK_REQUIRE_2FA_FOR_ADMINS=True)
def test_an_administrator_without_a_device_must_enrol_before_anything_else(client_as) -> None:
    admin = client_as("admin")
    # every page sends him to the setup, keeping where he wanted to go
    for path in ("/", "/clients/counterparties/", "/security/", "/maintenance/"):
        response = admin.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/security/two-factor/?next="), path
    # htmx requests are sent there by a full page load
    fragment = admin.get("/notifications/bell/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"].startswith("/security/two-factor/")
    # he can still log out
    assert admin.post("/logout/").status_code == 302
    # once enrolled, he works as before
    admin = client_as("admin")
    enrol(admin)
    assert admin.get("/").status_code == 200
    # and he may not turn the required second factor off
    from tests.security.test_reauthentication import reauthenticate

    reauthenticate(admin, code=True)
    admin.post("/security/two-factor/remove/")
    assert TOTPDevice.objects.filter(user__username="admin", confirmed=True).exists()


@override_settings(POTOK_REQUIRE_2FA_FOR_ADMINS=True)
def test_people_who_are_not_administrators_are_not_forced(client_as) -> None:
    assert client_as("reception").get("/").status_code == 200


def test_without_the_requirement_administrators_log_in_with_the_password_alone(client_as) -> None:
    # the demo and development settings: one click, demo/demo
    from django.conf import settings

    assert settings.POTOK_REQUIRE_2FA_FOR_ADMINS is False
    browser = Client()
    assert browser.post("/login/", {"username": "admin", "password": "demo"}).status_code == 302
    assert browser.get("/").status_code == 200


def test_an_administrator_resets_a_lost_device(client_as, person) -> None:
    lawyer = client_as("lawyer")
    enrol(lawyer)
    admin = client_as("admin")
    response = admin.post(f"/security/users/{person('lawyer').pk}/reset-two-factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person("lawyer")).exists()
    assert lawyer.get("/")["Location"].startswith("/login/")  # her sessions ended too
    assert AuditEvent.objects.filter(
        action="two_factor_removed", record_id=str(person("lawyer").pk), actor=person("admin")
    ).exists()


def test_only_administrators_reset_devices(client_as, person) -> None:
    response = client_as("reception").post(f"/security/users/{person('lawyer').pk}/reset-two-factor/")
    assert response.status_code == 403
