"""Security headers and the Content Security Policy on every page."""

from __future__ import annotations

from django.test import Client, override_settings


def test_pages_carry_the_security_headers(client_as) -> None:
    for response in (Client().get("/login/"), client_as("admin").get("/")):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_the_content_security_policy_allows_only_the_sites_own_scripts(demo_company) -> None:
    policy = Client().get("/login/")["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no inline scripts, no eval
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]


def test_the_api_carries_the_headers_too(api_as) -> None:
    response = api_as("reception").get("/api/v1/counterparties")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_https_mode_sends_hsts(demo_company) -> None:
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_settings_turn_https_protections_on() -> None:
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POTOK_", "DATABASE_URL", "DJANGO_"))}
    environ.update({"POTOK_SECRET_KEY": "s" * 60, "POTOK_DATA_DIR": "/tmp/potok-headers-check"})
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='potok.config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.POTOK_REQUIRE_2FA_FOR_ADMINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["31536000", "True", "True"], result.stderr
    environ["POTOK_EMBEDDED"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["0", "False", "False"], result.stderr  # the demo: one click
