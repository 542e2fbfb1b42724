"""An instance's page (diagram with its state, variables, history with who and when, tasks, incidents)
and the administrator's operations on it, each confirmed in the browser and reported after the redirect."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access.selectors import is_administrator
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.processes import selectors
from potok.processes.models import Incident, ProcessInstance
from potok.processes.services import instances as services
from potok.web.views.errors import domain_errors
from potok.web.views.processes.common import (
    administrators_only,
    error_messages,
    has_diagram,
    may_view_processes,
    record_url,
    viewer_strings,
)

OPERATION_LABELS = {
    "suspend": pgettext_lazy("operation", "suspended"),
    "resume": pgettext_lazy("operation", "resumed"),
    "cancel": pgettext_lazy("operation", "cancelled"),
    "set_variables": pgettext_lazy("operation", "variables set"),
    "skip_node": pgettext_lazy("operation", "step skipped"),
    "move_token": pgettext_lazy("operation", "token moved"),
    "retry_incident": pgettext_lazy("operation", "incident retried"),
    "migrate": pgettext_lazy("operation", "migrated"),
}
OUTCOME_LABELS = {
    "completed": pgettext_lazy("step", "completed"),
    "cancelled": pgettext_lazy("step", "cancelled"),
    "interrupted": pgettext_lazy("step", "interrupted"),
    "terminated": pgettext_lazy("step", "terminated"),
    "skipped": pgettext_lazy("step", "skipped"),
    "moved": pgettext_lazy("step", "token moved away"),
}


@login_required
@domain_errors
def instance_detail(request: HttpRequest, instance_id: str) -> HttpResponse:
    instance = selectors.get_visible_instance(request.user, instance_id)
    version = instance.version
    names = selectors.node_names(version)
    state = selectors.diagram_state(instance)
    history = list(selectors.instance_history(instance))
    operations = list(selectors.instance_operations(instance))
    people = selectors.people_by_username(entry.actor for entry in history)
    timeline: list[dict[str, Any]] = [
        {
            "at": entry.ended_at,
            "started_at": entry.started_at,
            "what": names.get(entry.node_id, entry.node_id),
            "node_id": entry.node_id,
            "kind": entry.node_kind,
            "outcome": OUTCOME_LABELS.get(entry.outcome, entry.outcome),
            "who": people.get(entry.actor or "", entry.actor),
            "operation": False,
        }
        for entry in history
    ]
    timeline += [
        {
            "at": operation.occurred_at,
            "started_at": None,
            "what": OPERATION_LABELS.get(operation.operation, operation.operation),
            "node_id": "",
            "kind": "",
            "outcome": _details(operation.details, names),
            "who": operation.actor,
            "operation": True,
        }
        for operation in operations
    ]
    timeline.sort(key=lambda row: row["at"])
    administrator = is_administrator(request.user)
    live = instance.state in ("running", "suspended")
    return render(
        request,
        "web/processes/instance.html",
        {
            "instance": instance,
            "version": version,
            "definition": version.definition,
            "timeline": timeline,
            "tasks": list(selectors.instance_tasks(instance)),
            "incidents": list(instance.incidents.order_by("-created_at")),
            "variables_json": json.dumps(instance.variables, indent=2, ensure_ascii=False, default=str),
            "is_administrator": administrator,
            "may_view_processes": may_view_processes(request.user),
            "record_url": record_url(instance.entity_type, instance.record_id),
            "live": live,
            "active_nodes": [(node_id, names.get(node_id, node_id)) for node_id in state.active],
            "all_nodes": sorted(names.items(), key=lambda item: item[1].lower()),
            "diagram": {
                "xml": version.bpmn_xml if has_diagram(version.bpmn_xml) else "",
                "state": state.as_dict(),
                "strings": viewer_strings(),
            },
        },
    )


@login_required
@domain_errors
def instance_diagram(request: HttpRequest, instance_id: str) -> JsonResponse:
    """The diagram of an instance with its state, for the viewer opened in place on a record's page."""
    instance = selectors.get_visible_instance(request.user, instance_id)
    xml = instance.version.bpmn_xml
    strings = viewer_strings()
    strings["no_data"] = _("This version has no diagram layout (BPMNDI) to draw.")
    return JsonResponse(
        {
            "xml": xml if has_diagram(xml) else "",
            "state": selectors.diagram_state(instance).as_dict(),
            "strings": strings,
        }
    )


DETAIL_LABELS = {
    "reason": pgettext_lazy("operation detail", "reason"),
    "variables": pgettext_lazy("operation detail", "variables"),
    "node": pgettext_lazy("operation detail", "step"),
    "from": pgettext_lazy("operation detail", "from"),
    "to": pgettext_lazy("operation detail", "to"),
    "incident": pgettext_lazy("operation detail", "incident"),
    "mapping": pgettext_lazy("operation detail", "node mapping"),
    "moves": pgettext_lazy("operation detail", "rows moved"),
    "dropped": pgettext_lazy("operation detail", "waits removed"),
}


def _details(details: dict[str, Any], names: dict[str, str]) -> str:
    parts = []
    for key, value in details.items():
        if key in ("node", "from", "to") and isinstance(value, str):
            value = names.get(value, value)
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{source} → {target}" for source, target in value.items())
        if value not in ("", None):
            parts.append(f"{DETAIL_LABELS.get(key, key)}: {value}")
    return "; ".join(parts)


def _run(request: HttpRequest, instance: ProcessInstance, success: str, action: Callable[[], Any]) -> None:
    try:
        action()
    except (ValidationFailed, Conflict, NotFound) as error:
        text = "; ".join(error_messages(error)) if isinstance(error, ValidationFailed) else str(error)
        messages.error(request, _("The operation was refused: %(error)s") % {"error": text})
    else:
        messages.success(request, success)


@require_POST
@administrators_only
def instance_operate(request: HttpRequest, instance_id: str, operation: str) -> HttpResponse:
    instance = selectors.get_visible_instance(request.user, instance_id)
    data = request.POST
    actor = request.user
    if operation == "suspend":
        _run(
            request,
            instance,
            _("The instance is suspended."),
            lambda: services.instance_suspend(actor=actor, instance_id=instance.pk),
        )
    elif operation == "resume":
        _run(
            request,
            instance,
            _("The instance is resumed."),
            lambda: services.instance_resume(actor=actor, instance_id=instance.pk),
        )
    elif operation == "cancel":
        reason = data.get("reason", "").strip()[:500]
        _run(
            request,
            instance,
            _("The instance is cancelled."),
            lambda: services.instance_cancel(actor=actor, instance_id=instance.pk, reason=reason),
        )
    elif operation == "skip":
        node_id = data.get("node_id", "")
        _run(
            request,
            instance,
            _("The step is skipped; the instance went on."),
            lambda: services.instance_skip_node(actor=actor, instance_id=instance.pk, node_id=node_id),
        )
    elif operation == "move":
        source, target = data.get("from_node_id", ""), data.get("to_node_id", "")
        _run(
            request,
            instance,
            _("The token is moved."),
            lambda: services.instance_move_token(
                actor=actor, instance_id=instance.pk, from_node_id=source, to_node_id=target
            ),
        )
    elif operation == "variables":
        variables = _variables(request, data.get("variables", ""))
        if variables is not None:
            _run(
                request,
                instance,
                _("The variables are set."),
                lambda: services.instance_set_variables(
                    actor=actor, instance_id=instance.pk, variables=variables
                ),
            )
    else:
        messages.error(request, _("Unknown operation."))
    return redirect("web:process_instance", instance_id=instance.pk)


def _variables(request: HttpRequest, text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError as error:
        messages.error(request, _("The variables are not valid JSON: %(error)s") % {"error": error})
        return None
    if not isinstance(value, dict):
        messages.error(request, _('The variables must be a JSON object: {"name": value, …}.'))
        return None
    return value


@require_POST
@administrators_only
def incident_retry(request: HttpRequest, incident_id: str) -> HttpResponse:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"incident {incident_id}")
    _run(
        request,
        incident.instance,
        _("The step was run again."),
        lambda: services.incident_retry(actor=request.user, incident_id=incident_id),
    )
    back = request.POST.get("next", "")
    if back == "monitor":
        return HttpResponseRedirect(reverse("web:process_monitor"))
    return redirect("web:process_instance", instance_id=incident.instance_id)
