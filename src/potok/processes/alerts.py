"""Administrators learn that a process step failed and waits for them: one `process.incident` notification
per new incident, under the bell (and by mail or webhook for those who asked), written in the same
transaction as the incident, so a rolled-back step tells nobody.

Incidents come from two places: the engine's steps (a service task that failed, an expression that could not
be evaluated — seen here through the store's apply hook) and the worker's jobs that failed every retry
(`potok.processes.jobs`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

INSTANCE_LINK = "/processes/instances/{id}/"


def on_engine_changes(changes: Any) -> None:
    """Apply hook of the process store: tell about the incidents this step opened."""
    opened = [row for row in changes.incidents.inserted.values() if row.state == "open"]
    if opened:
        tell_about_incidents((row.id, row.instance_id, row.node_id, row.message) for row in opened)


def tell_about_incidents(incidents: Iterable[tuple[str, str, str, str]]) -> None:
    """Notify the administrators of each (incident id, instance id, node id, message)."""
    from potok.notifications import kinds
    from potok.notifications.selectors import administrators
    from potok.notifications.services.notify import notify
    from potok.processes.models import ProcessInstance

    items = list(incidents)
    if not items:
        return
    names = dict(
        ProcessInstance.objects.filter(pk__in={instance_id for _, instance_id, _, _ in items}).values_list(
            "pk", "version__definition__name"
        )
    )
    recipients = list(administrators())
    for incident_id, instance_id, node_id, message in items:
        notify(
            recipients=recipients,
            kind=kinds.PROCESS_INCIDENT,
            title=_("Incident in «%(process)s» at step %(node)s")
            % {"process": names.get(instance_id) or instance_id, "node": node_id},
            body=message[:500],
            link=INSTANCE_LINK.format(id=instance_id),
            data={"incident_id": incident_id, "instance_id": instance_id, "node_id": node_id},
        )
