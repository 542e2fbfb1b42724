"""When to try again, and when to give up.

The delays between attempts come from ``settings.POTOK_DELIVERY_RETRY_DELAYS`` (seconds), by default
5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 2 h — nine attempts over 5 h 42 min. A delivery is given up
(dead) when the schedule is used up, or when it has waited longer than the whole schedule (a webhook
held in line behind earlier failures of the same endpoint gets one attempt, not a new schedule).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

DEFAULT_RETRY_DELAYS: tuple[int, ...] = (5, 30, 120, 600, 1800, 3600, 7200, 7200)
# How long a worker may hold a delivery while sending; longer means it died and the sweeper takes it back.
LEASE = timedelta(minutes=2)
# A queued task that has not claimed its delivery by then is considered lost, and queued again.
ENQUEUE_STALE_AFTER = timedelta(minutes=10)
WEBHOOK_TIMEOUT_SECONDS = 10


def retry_delays() -> tuple[int, ...]:
    configured = getattr(settings, "POTOK_DELIVERY_RETRY_DELAYS", None)
    return tuple(int(seconds) for seconds in configured) if configured else DEFAULT_RETRY_DELAYS


def schedule_length() -> timedelta:
    return timedelta(seconds=sum(retry_delays()))


def after_failure(*, attempts_in_round: int, queued_at: datetime, now: datetime) -> datetime | None:
    """The moment of the next attempt after a failed one, or None to give up."""
    delays = retry_delays()
    if attempts_in_round > len(delays) or now >= queued_at + schedule_length():
        return None
    return now + timedelta(seconds=delays[attempts_in_round - 1])
