"""Administrators learn that a process step failed and waits for them: one `process.incident` notification
per new incident, under the bell (and by mail or webhook for those who asked), written in the same
transaction as the incident, so a rolled-back step tells nobody. Each administrator reads it in his own
language (potok.processes.incident_text words the incident's code).

Incidents come from two places: the engine's steps (a service task that failed, an expression that could not
be evaluated — seen here through the store's apply hook) and the worker's jobs that failed every retry
(`potok.processes.jobs`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

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
    from potok.notifications.selectors import administrator_list
    from potok.notifications.services.notify import notify_in_their_languages
    from potok.processes.models import ProcessInstance

    items = list(incidents)
    if not items:
        return
    names = dict(
        ProcessInstance.objects.filter(pk__in={row.instance_id for row in items}).values_list(
            "pk", "version__definition__name"
        )
    )
    recipients = administrator_list()
    for row in items:
        data = {
            "incident_id": row.id,
            "instance_id": row.instance_id,
            "node_id": row.node_id,
            "code": getattr(row, "code", "") or "",
        }
        notify_in_their_languages(
            recipients=recipients,
            kind=kinds.PROCESS_INCIDENT,
            title=partial(_title, row, names.get(row.instance_id) or row.instance_id),
            body=partial(_body, row),
            link=INSTANCE_LINK.format(id=row.instance_id),
            data=data,
        )


def _title(row: Any, process: str) -> str:
    return _("Incident in «%(process)s» at step %(node)s") % {"process": process, "node": row.node_id}


def _body(row: Any) -> str:
    return incident_text(row)[:500]
