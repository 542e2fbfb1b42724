"""Saying a deadline in a person's own terms: «сегодня до 18:00», «завтра до 18:00», «просрочено на 2 дня»
/ "today by 18:00", "tomorrow by 18:00", "2 days overdue" — in the active language and time zone.

    >>> deadline_words(due, now=now, zone=ZoneInfo("Europe/Moscow"))
    DeadlineWords(text='сегодня до 18:00', overdue=False, soon=True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class DeadlineWords:
    text: str
    overdue: bool = False
    # Due today or tomorrow: worth a colour of its own.
    soon: bool = False


def overdue_words(late: timedelta) -> str:
    if late >= timedelta(days=1):
        days = late.days
        return ngettext("%(count)s day overdue", "%(count)s days overdue", days) % {"count": days}
    if late >= timedelta(hours=1):
        hours = int(late.total_seconds() // 3600)
        return ngettext("%(count)s hour overdue", "%(count)s hours overdue", hours) % {"count": hours}
    minutes = max(1, int(late.total_seconds() // 60))
    return ngettext("%(count)s minute overdue", "%(count)s minutes overdue", minutes) % {"count": minutes}


def deadline_words(due_at: datetime | None, *, now: datetime, zone: tzinfo) -> DeadlineWords:
    if due_at is None:
        return DeadlineWords(text=_("no deadline"))
    if due_at <= now:
        return DeadlineWords(text=overdue_words(now - due_at), overdue=True)
    local_due = due_at.astimezone(zone)
    local_now = now.astimezone(zone)
    clock = local_due.strftime("%H:%M")
    days_ahead = (local_due.date() - local_now.date()).days
    if days_ahead == 0:
        return DeadlineWords(text=_("today by %(time)s") % {"time": clock}, soon=True)
    if days_ahead == 1:
        return DeadlineWords(text=_("tomorrow by %(time)s") % {"time": clock}, soon=True)
    if local_due.year == local_now.year:
        day = formats.date_format(local_due, "j E")
    else:
        day = formats.date_format(local_due, "j E Y")
    return DeadlineWords(text=_("by %(day)s, %(time)s") % {"day": day, "time": clock})
