from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from potok.core import clock

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(autouse=True)
def moscow_time_and_a_fixed_day(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The company works in Moscow; "today" is a Wednesday in May 2026 (the default calendar is made for
    2026 and 2027)."""
    from potok.calendars.selectors import forget_cached_calendars

    settings.TIME_ZONE = "Europe/Moscow"
    clock.freeze(datetime(2026, 5, 6, 10, 0, tzinfo=MOSCOW))
    forget_cached_calendars()
    yield
    clock.freeze(None)
    forget_cached_calendars()
