"""Login throttling as an authentication backend (django-axes), placed before the password check."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # django-axes is untyped
    """Refuses a login whose username and address are locked out; checks no password itself.

    Code that authenticates without a request (a script, Django's test client's `login()`) is not a
    person at a login form and has no address to throttle, so it is let through to the password check.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        # Raises PermissionDenied (which ends Django's authenticate()) when the pair is locked out.
        super().authenticate(request, username=username, password=password, **kwargs)
        return None
