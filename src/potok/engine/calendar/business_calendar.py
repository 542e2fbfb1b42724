"""A business calendar: working hours per weekday, holidays, transferred and shortened days.

All arithmetic walks over whole working intervals (never minute by minute). Working hours are
wall-clock times in the calendar's time zone; an interval's length is the real time between
its ends, so a day that changes to or from summer time is counted correctly. Inputs must be
timezone-aware; results are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from potok.engine.calendar.durations import WorkingTime
from potok.engine.calendar.errors import CalendarError

TimeLike = str | time
Hours = Sequence[tuple[TimeLike, TimeLike]]
WallInterval = tuple[timedelta, timedelta]
MAX_SEARCH_DAYS = 3660
MAX_CACHED_DAYS = 20_000
DAY = timedelta(days=1)


def parse_clock(value: TimeLike, *, allow_end_of_day: bool = False) -> timedelta:
    """``'09:00'`` → 9 hours after midnight; ``'24:00'`` is allowed as the end of an interval."""
    if isinstance(value, time):
        return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    if not isinstance(value, str):
        raise CalendarError(f"a time must be text such as '09:00', not {type(value).__name__}")
    if allow_end_of_day and value.strip() in ("24:00", "24:00:00"):
        return DAY
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise CalendarError(f"{value!r} is not a time such as '09:00'") from None
    return timedelta(hours=parsed.hour, minutes=parsed.minute, seconds=parsed.second)


def format_clock(value: timedelta) -> str:
    """The inverse of :func:`parse_clock`: ``'09:00'``, ``'24:00'``, ``'09:00:30'``."""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def parse_hours(hours: Hours, where: str) -> tuple[WallInterval, ...]:
    """Check and normalise a day's intervals: each start before its end, sorted, not overlapping."""
    if isinstance(hours, str):
        raise CalendarError(f"{where}: hours must be a list of (start, end) pairs")
    intervals = []
    for pair in hours:
        if len(pair) != 2:
            raise CalendarError(f"{where}: each interval must be a (start, end) pair")
        start, end = parse_clock(pair[0]), parse_clock(pair[1], allow_end_of_day=True)
        if start >= end:
            raise CalendarError(
                f"{where}: interval {format_clock(start)}-{format_clock(end)} ends before it starts"
            )
        intervals.append((start, end))
    intervals.sort()
    for (_, previous_end), (start, _) in pairwise(intervals):
        if start < previous_end:
            raise CalendarError(f"{where}: intervals overlap at {format_clock(start)}")
    return tuple(intervals)


class BusinessCalendar:
    """Working time of a company: weekly hours, holidays, transferred working days, short days.

    ``week`` maps a weekday (0 = Monday … 6 = Sunday) to ``(start, end)`` wall-clock
    intervals; absent weekdays are days off. For a given date the hours are, in order of
    precedence: ``extra_working_days`` (a weekend made a working day, with its hours),
    ``holidays`` (no work), ``short_days`` (hours replacing the weekday's, e.g. a
    pre-holiday day one hour shorter), else the weekday's hours.

    Example::

        >>> office = [("09:00", "13:00"), ("14:00", "18:00")]
        >>> calendar = BusinessCalendar(time_zone="Europe/Moscow", week={d: office for d in range(5)},
        ...                             holidays={date(2026, 5, 11)})
        >>> calendar.add_working_days(datetime(2026, 5, 8, 15, 0, tzinfo=ZoneInfo("Europe/Moscow")), 2)
        datetime.datetime(2026, 5, 13, 12, 0, tzinfo=datetime.timezone.utc)
    """

    def __init__(
        self,
        *,
        time_zone: str,
        week: Mapping[int, Hours],
        holidays: Iterable[date] = (),
        extra_working_days: Mapping[date, Hours] | None = None,
        short_days: Mapping[date, Hours] | None = None,
        name: str = "",
    ) -> None:
        try:
            self.zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {time_zone!r}") from None
        self.time_zone = time_zone
        self.name = name
        self.week: dict[int, tuple[WallInterval, ...]] = {}
        for weekday, hours in week.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise CalendarError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
            self.week[weekday] = parse_hours(hours, f"weekday {weekday}")
        self.holidays = frozenset(_check_date(day, "holidays") for day in holidays)
        self.extra_working_days = {
            _check_date(day, "extra_working_days"): parse_hours(hours, f"extra working day {day}")
            for day, hours in (extra_working_days or {}).items()
        }
        self.short_days = {
            _check_date(day, "short_days"): parse_hours(hours, f"short day {day}")
            for day, hours in (short_days or {}).items()
        }
        both = self.holidays & self.extra_working_days.keys()
        if both:
            raise CalendarError(f"{min(both)} is both a holiday and an extra working day")
        self._cache: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    # -- what a day looks like ----------------------------------------------------------
    def hours_on(self, day: date) -> tuple[WallInterval, ...]:
        """The wall-clock working intervals of ``day`` (empty on a day off)."""
        if day in self.extra_working_days:
            return self.extra_working_days[day]
        if day in self.holidays:
            return ()
        if day in self.short_days:
            return self.short_days[day]
        return self.week.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` has any working hours."""
        return bool(self.hours_on(day))

    def intervals_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of ``day`` as UTC datetimes."""
        cached = self._cache.get(day)
        if cached is None:
            cached = tuple(
                (self._moment(day, start), self._moment(day, end)) for start, end in self.hours_on(day)
            )
            if len(self._cache) > MAX_CACHED_DAYS:
                self._cache.clear()
            self._cache[day] = cached
        return cached

    def _moment(self, day: date, clock: timedelta) -> datetime:
        # Arithmetic on an aware datetime moves the wall clock; the zone then gives that wall
        # time's own offset, so hours stay right on days that change to or from summer time.
        return (datetime.combine(day, time(0), tzinfo=self.zone) + clock).astimezone(UTC)

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    # -- questions about moments -----------------------------------------------------------
    def is_working_time(self, moment: datetime) -> bool:
        """True when ``moment`` falls inside working hours (an interval's end is outside it)."""
        instant = _utc(moment)
        return any(start <= instant < end for start, end in self.intervals_on(self._local_day(instant)))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself during working hours, otherwise the start of the next working interval."""
        instant = _utc(moment)
        day = self._local_day(instant)
        for offset in range(MAX_SEARCH_DAYS):
            for start, end in self.intervals_on(day + offset * DAY):
                if end > instant:
                    return max(start, instant)
        raise CalendarError(f"no working time within {MAX_SEARCH_DAYS} days after {moment.isoformat()}")

    def working_time_between(self, first: datetime, second: datetime) -> timedelta:
        """Working time from ``first`` to ``second`` (negative when ``second`` is earlier)."""
        start, end = _utc(first), _utc(second)
        if end < start:
            return -self.working_time_between(second, first)
        total = timedelta(0)
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            for interval_start, interval_end in self.intervals_on(day):
                overlap = min(interval_end, end) - max(interval_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += DAY
        return total

    # -- arithmetic --------------------------------------------------------------------------
    def add_working_time(self, start: datetime, amount: timedelta | WorkingTime) -> datetime:
        """The earliest moment when ``amount`` of working time has passed since ``start``.

        A ``WorkingTime`` adds its days first (:meth:`add_working_days`), then its hours.
        A deadline that uses up an interval exactly ends at that interval's end (18:00), not at
        the start of the next one.
        """
        instant = _utc(start)
        if isinstance(amount, WorkingTime):
            if amount.days:
                instant = self.add_working_days(instant, amount.days)
            amount = amount.time
        if amount < timedelta(0):
            raise CalendarError("cannot add a negative working time")
        if not amount:
            return instant
        remaining = amount
        day = self._local_day(instant)
        for offset in range(MAX_SEARCH_DAYS):
            for interval_start, interval_end in self.intervals_on(day + offset * DAY):
                if interval_end <= instant:
                    continue
                begin = max(interval_start, instant)
                available = interval_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        raise CalendarError(
            f"not enough working time within {MAX_SEARCH_DAYS} days after {start.isoformat()}"
        )

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same clock time ``days`` working days later.

        Outside working hours ``start`` first moves back to the end of the latest working
        interval (Saturday 10:00 counts as Friday 18:00, so 1 working day later is Monday
        18:00, which is the same working time as Tuesday 09:00 but the earlier deadline).
        On the target day the clock time is kept if it is working time there; otherwise it
        is moved to the end of the interval before it (a short day ending at 17:00 turns
        17:30 into 17:00). Example: Friday 15:00 + 2 working days, Monday a holiday,
        is Wednesday 15:00.
        """
        instant = _utc(start)
        if days < 0:
            raise CalendarError("cannot add a negative number of working days")
        if days == 0:
            return instant
        day, clock = self._anchor(instant)
        counted = 0
        for _ in range(MAX_SEARCH_DAYS):
            day += DAY
            if self.is_working_day(day):
                counted += 1
                if counted == days:
                    return self._moment(day, _clamp(clock, self.hours_on(day)))
        raise CalendarError(
            f"not enough working days within {MAX_SEARCH_DAYS} days after {start.isoformat()}"
        )

    def _anchor(self, instant: datetime) -> tuple[date, timedelta]:
        """The working day and wall-clock time that ``instant`` counts as."""
        local = instant.astimezone(self.zone)
        day = local.date()
        for start, end in self.intervals_on(day):
            if start <= instant < end:
                wall = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)
                return day, wall + timedelta(microseconds=local.microsecond)
        for offset in range(MAX_SEARCH_DAYS):
            candidate = day - offset * DAY
            ends = [
                (end_moment, end_clock)
                for (_, end_moment), (_, end_clock) in zip(
                    self.intervals_on(candidate), self.hours_on(candidate), strict=True
                )
                if end_moment <= instant
            ]
            if ends:
                return candidate, max(ends)[1]
        raise CalendarError(f"no working time within {MAX_SEARCH_DAYS} days before {instant.isoformat()}")

    def add(self, start: datetime, amount: timedelta | WorkingTime) -> datetime:
        """Add calendar time (a ``timedelta``) or working time (a ``WorkingTime``)."""
        if isinstance(amount, WorkingTime):
            return self.add_working_time(start, amount)
        return _utc(start) + amount

    # -- storage -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form; :meth:`from_dict` reads it back."""

        def hours(intervals: tuple[WallInterval, ...]) -> list[list[str]]:
            return [[format_clock(start), format_clock(end)] for start, end in intervals]

        return {
            "name": self.name,
            "time_zone": self.time_zone,
            "week": {str(weekday): hours(intervals) for weekday, intervals in sorted(self.week.items())},
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "extra_working_days": {
                day.isoformat(): hours(intervals)
                for day, intervals in sorted(self.extra_working_days.items())
            },
            "short_days": {
                day.isoformat(): hours(intervals) for day, intervals in sorted(self.short_days.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from :meth:`to_dict` output; bad data raises :class:`CalendarError`."""
        try:
            return cls(
                name=str(data.get("name", "")),
                time_zone=data["time_zone"],
                week={int(weekday): _pairs(hours) for weekday, hours in data["week"].items()},
                holidays={date.fromisoformat(day) for day in data.get("holidays", ())},
                extra_working_days={
                    date.fromisoformat(day): _pairs(hours)
                    for day, hours in data.get("extra_working_days", {}).items()
                },
                short_days={
                    date.fromisoformat(day): _pairs(hours)
                    for day, hours in data.get("short_days", {}).items()
                },
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, CalendarError):
                raise
            raise CalendarError(f"invalid calendar data: {error}") from None

    def __repr__(self) -> str:
        return f"BusinessCalendar(name={self.name!r}, time_zone={self.time_zone!r})"


def _pairs(hours: Any) -> list[tuple[TimeLike, TimeLike]]:
    return [(start, end) for start, end in hours]


def _clamp(clock: timedelta, hours: tuple[WallInterval, ...]) -> timedelta:
    """Keep ``clock`` if it is inside ``hours``, else the end of the interval before it."""
    if clock <= hours[0][0]:
        return hours[0][0]
    best = hours[0][0]
    for start, end in hours:
        if start <= clock <= end:
            return clock
        if end < clock:
            best = end
    return best


def _check_date(value: Any, where: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise CalendarError(f"{where}: {value!r} is not a date")
    return value


def _utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise CalendarError(f"expected a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"{moment.isoformat()} has no time zone; pass an aware datetime")
    return moment.astimezone(UTC)


def five_day_week(
    start: TimeLike = "09:00", end: TimeLike = "18:00", lunch: Hours | None = None
) -> dict[int, Hours]:
    """Monday to Friday from ``start`` to ``end`` with an optional break, e.g. ``lunch=[("13:00", "14:00")]``."""
    if not lunch:
        return {weekday: [(start, end)] for weekday in range(5)}
    (break_start, break_end), *rest = lunch
    if rest:
        raise CalendarError("five_day_week takes one break")
    return {weekday: [(start, break_start), (break_end, end)] for weekday in range(5)}
