"""The error of business-calendar arithmetic."""


class CalendarError(ValueError):
    """A calendar that cannot be built or used: bad hours, a naive datetime, no working time at all.

    Example::

        >>> BusinessCalendar(time_zone="Mars/Olympus", week={})
        Traceback (most recent call last):
        CalendarError: unknown time zone 'Mars/Olympus'
    """
