"""Helpers for the security tests: a movable clock and TOTP codes as the phone would show them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest


@pytest.fixture
def move_clock() -> Iterator[Callable[[timedelta], datetime]]:
    """Move Potok's clock forward from the real now; released after the test."""
    from django.utils import timezone

    from potok.core import clock

    start = timezone.now()

    def move(delta: timedelta) -> datetime:
        clock.freeze(start + delta)
        return start + delta

    yield move
    clock.freeze(None)


def totp_code(device: object, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)  # type: ignore[attr-defined]
    totp.time = time.time() + steps_ahead * device.step  # type: ignore[attr-defined]
    return f"{totp.token():0{device.digits}d}"  # type: ignore[attr-defined]
