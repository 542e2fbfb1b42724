"""How many days logs and history are kept before the worker deletes them (0 keeps them forever).
docs/personal-data.md explains each; docs/deployment.md lists them with the other variables."""

from django.core.exceptions import ImproperlyConfigured

from .base import ENV


def _read_days(name: str, default: int) -> int:
    raw = ENV.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a number of days (a whole number, 0 keeps forever)."
        )
    return int(raw)


POTOK_EVALUATION_RETENTION_DAYS = _read_days("POTOK_EVALUATION_RETENTION_DAYS", 90)
POTOK_EVENT_RETENTION_DAYS = _read_days("POTOK_EVENT_RETENTION_DAYS", 0)
POTOK_HISTORY_RETENTION_DAYS = _read_days("POTOK_HISTORY_RETENTION_DAYS", 0)
POTOK_NOTIFICATION_RETENTION_DAYS = _read_days("POTOK_NOTIFICATION_RETENTION_DAYS", 0)
POTOK_SIGN_IN_AUDIT_RETENTION_DAYS = _read_days("POTOK_SIGN_IN_AUDIT_RETENTION_DAYS", 0)
