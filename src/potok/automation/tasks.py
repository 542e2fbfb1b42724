"""Background tasks of automation, run by `potok worker` (django-tasks, database backend).

They are the fast path only: every one of them has a periodic sweeper behind it (undispatched outbox
rows, due timers, open applications, queued manual starts), so a lost task delays work, never loses it.
"""

from __future__ import annotations

from django_tasks import task


@task()
def dispatch_events(event_ids: list[int]) -> int:
    from potok.automation.dispatch import dispatch_events as dispatch

    return dispatch(event_ids)


@task()
def dispatch_events_from(first_event_id: int) -> int:
    from potok.automation.dispatch import dispatch_from

    return dispatch_from(first_event_id)


@task()
def schedule_rule_timers(rule_id: int) -> int:
    from potok.automation.timers import schedule_existing

    return schedule_existing(rule_id)


@task()
def advance_application(application_id: int) -> int:
    from potok.automation.services.applications import application_run

    return application_run(application_id)


@task()
def run_manual_start(manual_start_id: int) -> str:
    from potok.automation.services.manual import manual_start_run

    return manual_start_run(manual_start_id)
