"""Administrators learn that a process step failed and waits for them: one `process.incident` notification
per new incident, under the bell (and by mail or webhook for those who asked), written in the same
transaction as the incident, so a rolled-back step tells nobody. Each administrator reads it in his own
language (potok.processes.incident_text words the incident's code).

Incidents come from two places: the engine's steps (a service task that failed, an expression that could not
be evaluated — seen here through the store's apply hook) and the worker's jobs that failed every retry
(`potok.processes.jobs`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from potok.processes.incident_text import incident_text

INSTANCE_LINK = "/processes/instances/{id}/"


def on_engine_changes(changes: Any) -> None:
    """Apply hook of the process store: tell about the incidents this step opened."""
    opened = [row for row in changes.incidents.inserted.values() if row.state == "open"]
    if opened:
        tell_about_incidents(opened)


def tell_about_incidents(incidents: Iterable[Any]) -> None:
    """Notify the administrators of each incident (an engine row or an Incident: id, instance_id, node_id,
    message, code, params), the title and body written in each administrator's language."""
    from potok.notifications import kinds
    from potok.notifications.selectors import administrators
    from potok.notifications.services.notify import notify
    from potok.processes.models import ProcessInstance

    items = list(incidents)
    if not items:
        return
    names = dict(
        ProcessInstance.objects.filter(pk__in={row.instance_id for row in items}).values_list(
            "pk", "version__definition__name"
        )
    )
    by_language: dict[str, list[Any]] = defaultdict(list)
    for person in administrators():
        by_language[person.language or settings.LANGUAGE_CODE].append(person)
    for row in items:
        data = {
            "incident_id": row.id,
            "instance_id": row.instance_id,
            "node_id": row.node_id,
            "code": getattr(row, "code", "") or "",
        }
        for language, people in by_language.items():
            with translation.override(language):
                notify(
                    recipients=people,
                    kind=kinds.PROCESS_INCIDENT,
                    title=_("Incident in «%(process)s» at step %(node)s")
                    % {"process": names.get(row.instance_id) or row.instance_id, "node": row.node_id},
                    body=incident_text(row)[:500],
                    link=INSTANCE_LINK.format(id=row.instance_id),
                    data=data,
                )
