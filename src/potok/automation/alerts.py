"""Administrators learn that a start rule failed and waits for them (`process.incident` notifications),
once per rule while it has open incidents: a rule broken by a change of its record type fails for every
record it meets, and a hundred notifications for one cause would bury the first. The notification is written
in the incident's transaction, so a rolled-back attempt tells nobody."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

INCIDENTS_LINK = "/settings/rule-incidents/"


def tell_about_rule_incident(incident: Any, rule_name: str) -> None:
    """Notify the administrators of a new open rule incident unless its rule already had one open."""
    from potok.automation.models import IncidentState, RuleIncident
    from potok.notifications import kinds
    from potok.notifications.selectors import administrators
    from potok.notifications.services.notify import notify

    others = RuleIncident.objects.filter(state=IncidentState.OPEN, rule_id=incident.rule_id).exclude(
        pk=incident.pk
    )
    if incident.rule_id is None:
        others = others.filter(kind=incident.kind)
    if others.exists():
        return
    notify(
        recipients=administrators(),
        kind=kinds.PROCESS_INCIDENT,
        title=_("Start rule «%(rule)s» failed") % {"rule": rule_name or _("no rule")},
        body=str(incident.message)[:500],
        link=INCIDENTS_LINK,
        data={
            "rule_incident_id": incident.pk,
            "rule_id": incident.rule_id,
            "entity_type": incident.entity_type,
            "record_id": incident.record_id,
        },
    )
