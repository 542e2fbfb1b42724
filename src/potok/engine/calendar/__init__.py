"""Business-calendar arithmetic: working hours, holidays, deadlines in working time.

Example::

    calendar = russian_production_calendar([2026])
    calendar.add_working_time(datetime(2026, 5, 8, 16, 0, tzinfo=ZoneInfo("Europe/Moscow")), timedelta(hours=4))
    # 2026-05-12 09:00 UTC: one hour on the short Friday, three on Tuesday after the holidays
"""

from potok.engine.calendar.business_calendar import BusinessCalendar, five_day_week
from potok.engine.calendar.durations import WorkingTime, parse_working_duration
from potok.engine.calendar.errors import CalendarError
from potok.engine.calendar.russia import russian_production_calendar

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "WorkingTime",
    "five_day_week",
    "parse_working_duration",
    "russian_production_calendar",
]
