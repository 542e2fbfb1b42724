"""The process monitor: definitions with their versions and counts, instance lists with filters and
keyset pages, the heatmap of a version, the difference of two versions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from potok.access import registry
from potok.access.selectors import is_administrator
from potok.core.errors import ValidationFailed
from potok.core.pagination import keyset_page
from potok.documents.selectors import document_types
from potok.processes import selectors
from potok.processes.models import ProcessDefinition, ProcessVersion
from potok.processes.services.definitions import process_manual_start_set
from potok.web.views.processes.common import (
    administrators_only,
    has_diagram,
    human_duration,
    process_viewers_only,
    viewer_strings,
)

PAGE_SIZE = 50
INSTANCE_STATES = [
    ("running", pgettext_lazy("process instance", "running")),
    ("suspended", pgettext_lazy("process instance", "suspended")),
    ("completed", pgettext_lazy("process instance", "completed")),
    ("cancelled", pgettext_lazy("process instance", "cancelled")),
    ("terminated", pgettext_lazy("process instance", "terminated")),
    ("failed", pgettext_lazy("process instance", "failed")),
]


def definition_or_404(key: str) -> ProcessDefinition:
    definition = selectors.definitions_with_counts().filter(key=key).first()
    if definition is None:
        raise Http404(key)
    return definition


def version_or_404(definition: ProcessDefinition, number: int) -> ProcessVersion:
    version = definition.versions.select_related("definition").filter(number=number).first()
    if version is None:
        raise Http404(f"{definition.key} v{number}")
    return version


@process_viewers_only
def monitor(request: HttpRequest) -> HttpResponse:
    definitions = list(selectors.definitions_with_counts())
    return render(
        request,
        "web/processes/monitor.html",
        {
            "definitions": definitions,
            "incidents": selectors.open_incidents()[:20],
            "is_administrator": is_administrator(request.user),
        },
    )


@process_viewers_only
def definition_detail(request: HttpRequest, key: str) -> HttpResponse:
    definition = definition_or_404(key)
    versions = list(selectors.versions_with_all_counts(definition))
    chosen = set(definition.manual_start_entity_types or [])
    return render(
        request,
        "web/processes/definition.html",
        {
            "definition": definition,
            "versions": versions,
            "is_administrator": is_administrator(request.user),
            "has_published": any(version.status == "published" for version in versions),
            "live_versions": [version for version in versions if getattr(version, "running", 0)],
            "manual_start_choices": [
                (value, label, value in chosen) for value, label in manual_start_choices(chosen)
            ],
        },
    )


def manual_start_choices(chosen: set[str]) -> list[tuple[str, str]]:
    """Record types a process may be started from by hand, the wildcards first; a stored type that is no
    longer known stays listed so that saving the form does not drop it unseen."""
    choices = [("*", _("Any record")), ("document.*", _("Any document")), *entity_type_choices()]
    known = {value for value, _label in choices}
    return choices + [(value, value) for value in sorted(chosen - known)]


@require_POST
@administrators_only
def definition_manual_start(request: HttpRequest, key: str) -> HttpResponse:
    definition = definition_or_404(key)
    try:
        process_manual_start_set(
            actor=request.user, key=definition.key, entity_types=request.POST.getlist("entity_types")
        )
    except ValidationFailed as failed:
        messages.error(
            request,
            _("Started by hand from: %(error)s")
            % {"error": " ".join(str(text) for texts in failed.errors.values() for text in texts)},
        )
    else:
        messages.success(request, _("The record types this process may be started from by hand are saved."))
    return redirect("web:process_definition", key=definition.key)


def entity_type_choices() -> list[tuple[str, str]]:
    choices = [(t.code, str(t.label)) for t in registry.all_types() if t.listed]
    choices += [(t.entity_type, t.name) for t in document_types()]
    return sorted(choices, key=lambda choice: choice[1].lower())


class InstanceFilters(forms.Form):
    process = forms.ChoiceField(label=gettext_lazy("Process"), required=False)
    version = forms.IntegerField(label=gettext_lazy("Version"), required=False, min_value=1)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    entity_type = forms.ChoiceField(label=gettext_lazy("Record type"), required=False)
    record_id = forms.IntegerField(label=gettext_lazy("Record number (id)"), required=False, min_value=1)
    performer = forms.TypedChoiceField(
        label=gettext_lazy("Performer"), required=False, coerce=int, empty_value=None
    )
    started_from = forms.DateField(
        label=gettext_lazy("Started from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    started_to = forms.DateField(
        label=gettext_lazy("Started till (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything: list[tuple[str, str]] = [("", _("any"))]
        choices = {
            "process": anything + [(d.key, d.name) for d in ProcessDefinition.objects.all()],
            "state": anything + [(value, str(label)) for value, label in INSTANCE_STATES],
            "entity_type": anything + entity_type_choices(),
            "performer": anything + [(str(user.pk), user.display_name) for user in selectors.performers()],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(widget, forms.Select)
                else ("form-control form-control-sm")
            )

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "process": data.get("process") or "",
            "version": data.get("version"),
            "state": data.get("state") or "",
            "entity_type": data.get("entity_type") or "",
            "record_id": data.get("record_id"),
            "performer": data.get("performer"),
            "started_from": _day_start(data.get("started_from")),
            "started_to": _day_start(data.get("started_to"), days=1),
        }


def _day_start(day: Any, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=days), time.min))


@process_viewers_only
def instance_list(request: HttpRequest) -> HttpResponse:
    filters = InstanceFilters(request.GET or None)
    criteria = filters.criteria() if filters.is_valid() else {}
    queryset = selectors.instances_filtered(request.user, **criteria)
    error = ""
    try:
        page = keyset_page(
            queryset, order=("-started_at", "-id"), after=request.GET.get("after") or None, size=PAGE_SIZE
        )
    except ValidationFailed as failed:
        error = " ".join(str(message) for messages in failed.errors.values() for message in messages)
        page = keyset_page(queryset, order=("-started_at", "-id"), after=None, size=PAGE_SIZE)
    params = request.GET.copy()
    params.pop("after", None)
    next_url = ""
    if page.next_cursor:
        following = params.copy()
        following["after"] = page.next_cursor
        next_url = f"?{following.urlencode()}"
    steps = selectors.current_steps(page.items)
    return render(
        request,
        "web/processes/instance_list.html",
        {
            "filters": filters,
            "rows": [(instance, steps.get(instance.pk, [])) for instance in page.items],
            "next_url": next_url,
            "first_url": f"?{params.urlencode()}" if request.GET.get("after") else "",
            "page_error": error,
            "is_administrator": is_administrator(request.user),
        },
    )


@process_viewers_only
def heatmap(request: HttpRequest, key: str, number: int) -> HttpResponse:
    definition = definition_or_404(key)
    version = version_or_404(definition, number)
    heat = selectors.version_heatmap(version)
    names = selectors.node_names(version)
    rows = sorted(heat.values(), key=lambda item: -(item.median_seconds or 0))
    return render(
        request,
        "web/processes/heatmap.html",
        {
            "definition": definition,
            "version": version,
            "versions": definition.versions.order_by("-number"),
            "rows": [
                (
                    names.get(item.node_id, item.node_id),
                    item,
                    human_duration(item.median_seconds),
                    human_duration(item.p90_seconds),
                )
                for item in rows
            ],
            "diagram": {
                "xml": version.bpmn_xml if has_diagram(version.bpmn_xml) else "",
                "heat": [item.as_dict() for item in heat.values()],
                "strings": viewer_strings(),
            },
        },
    )


@process_viewers_only
def version_diff(request: HttpRequest, key: str) -> HttpResponse:
    definition = definition_or_404(key)
    versions = list(definition.versions.order_by("-number"))
    numbers = [version.number for version in versions]
    old_number = _int(
        request.GET.get("old"), numbers[1] if len(numbers) > 1 else (numbers[0] if numbers else 0)
    )
    new_number = _int(request.GET.get("new"), numbers[0] if numbers else 0)
    old = version_or_404(definition, old_number)
    new = version_or_404(definition, new_number)
    diff = selectors.version_diff(old, new)
    old_names, new_names = selectors.node_names(old), selectors.node_names(new)

    def named(ids: list[str], names: dict[str, str]) -> list[tuple[str, str]]:
        return [(element_id, names.get(element_id, element_id)) for element_id in ids]

    return render(
        request,
        "web/processes/diff.html",
        {
            "definition": definition,
            "versions": versions,
            "old": old,
            "new": new,
            "added": named(diff.added, new_names),
            "removed": named(diff.removed, old_names),
            "changed": named(diff.changed, new_names),
            "old_diagram": {
                "xml": old.bpmn_xml if has_diagram(old.bpmn_xml) else "",
                "markers": {"removed": diff.removed, "changed": diff.changed},
                "strings": viewer_strings(),
            },
            "new_diagram": {
                "xml": new.bpmn_xml if has_diagram(new.bpmn_xml) else "",
                "markers": {"added": diff.added, "changed": diff.changed},
                "strings": viewer_strings(),
            },
        },
    )


@process_viewers_only
def version_download(request: HttpRequest, key: str, number: int) -> HttpResponse:
    version = version_or_404(definition_or_404(key), number)
    response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{version.definition.key}-v{version.number}.bpmn"'
    )
    return response


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
