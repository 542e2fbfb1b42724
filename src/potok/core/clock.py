"""The one place that tells the time, so tests can move it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else timezone.now()


def freeze(moment: datetime | None) -> None:
    """Set (or with None, release) the time seen by Potok's services; for tests and the demo seed."""
    global _frozen
    _frozen = moment
