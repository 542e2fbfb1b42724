"""Audit rows for logins, failed logins and lockouts.

Django's login view and django-axes announce these only through their signals, so this is the one place
Potok listens to signals: the receivers write audit rows and nothing else.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest

from potok.security import services
from potok.security.network import client_ip


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.login_succeeded(user=user, ip_address=_ip(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    services.login_failed(username=str(credentials.get("username") or ""), ip_address=_ip(request))


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    services.login_locked_out(username=str(username or ""), ip_address=ip_address)


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="potok.security.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="potok.security.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="potok.security.locked_out")
