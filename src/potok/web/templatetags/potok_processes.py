"""`{% record_processes entity_type record_id as processes %}`: the processes of a record that the current
user may see, each with the steps its tokens stand at now (for web/processes/_record_processes.html).
`{{ incident|incident_text }}`: a process incident in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template

from potok.processes import selectors
from potok.processes.incident_text import incident_text as word_incident

register = template.Library()

RECORD_PROCESSES_SHOWN = 20


@register.filter
def incident_text(incident: Any) -> str:
    return word_incident(incident)


@register.simple_tag(takes_context=True)
def record_processes(context: Any, entity_type: str, record_id: Any) -> list[dict[str, Any]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not entity_type or record_id in (None, ""):
        return []
    try:
        record = int(record_id)
    except (TypeError, ValueError):
        return []
    instances = list(selectors.instances_of_record(user, entity_type, record)[:RECORD_PROCESSES_SHOWN])
    steps = selectors.current_steps(instances)
    return [{"instance": instance, "steps": steps.get(instance.pk, [])} for instance in instances]
