"""The start-rule editor's form: plain fields for the rule, the condition tree as JSON (written by the
condition builder), the variables as lines `target = field.path` or `target = expr: expression`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from potok.automation.models import RuleEvent, StartRule, TriggerMode
from potok.automation.schema import rule_entity_types
from potok.automation.timing import UNITS
from potok.core.errors import ValidationFailed

UNIT_LABELS = {
    "minutes": _("minutes"),
    "hours": _("hours"),
    "days": _("calendar days"),
    "weeks": _("weeks"),
    "working_days": _("working days"),
}
# Where an error of the service lands in the form.
ERROR_FIELDS = {
    "options.fields": "watched_fields",
    "options.field": "field",
    "options.from": "from_values",
    "options.to": "to_values",
    "options.related_entity_type": "related_entity_type",
    "options.date_field": "date_field",
    "options.amount": "amount",
    "options.unit": "unit",
    "options.direction": "direction",
    "options.cron": "cron",
    "options.time_zone": "time_zone",
    "options.process_key": "task_process",
    "options.node_id": "task_node",
}


def _processes() -> list[tuple[str, str]]:
    from potok.processes.models import ProcessDefinition, VersionStatus

    definitions = ProcessDefinition.objects.filter(versions__status=VersionStatus.PUBLISHED).distinct()
    return [(d.key, f"{d.name} ({d.key})") for d in definitions.order_by("name")]


def _split(text: str) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def mapping_to_text(mapping: Any) -> str:
    lines = []
    for item in mapping or ():
        if item.get("expr"):
            lines.append(f"{item['target']} = expr: {item['expr']}")
        else:
            lines.append(f"{item['target']} = {item.get('source', '')}")
    return "\n".join(lines)


def mapping_from_text(text: str) -> list[dict[str, str]]:
    result = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        target, separator, right = line.partition("=")
        if not separator:
            raise ValidationFailed(
                {
                    "variable_mapping": _("Line %(n)s: write «variable = field» or «variable = expr: …».")
                    % {"n": number}
                }
            )
        right = right.strip()
        if right.startswith("expr:"):
            result.append({"target": target.strip(), "expr": right[5:].strip()})
        else:
            result.append({"target": target.strip(), "source": right})
    return result


class RuleForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("title", "Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    entity_type = forms.ChoiceField(label=_("Record type"), required=False)
    event = forms.ChoiceField(label=_("Event"), choices=RuleEvent.choices)
    watched_fields = forms.CharField(
        label=_("Only when these fields change"),
        required=False,
        help_text=_("Field codes separated by commas; empty means any change."),
    )
    field = forms.CharField(
        label=_("Field"), required=False, help_text=_("For a status change: empty means the status.")
    )
    from_values = forms.CharField(label=_("From (values, comma-separated)"), required=False)
    to_values = forms.CharField(label=_("To (values, comma-separated)"), required=False)
    related_entity_type = forms.CharField(label=_("Linked record type"), required=False)
    task_process = forms.CharField(label=_("Process of the task"), required=False)
    task_node = forms.CharField(label=_("Step of the process (element id)"), required=False)
    date_field = forms.CharField(
        label=_("Date field"),
        required=False,
        initial="created",
        help_text=_("«created» counts from the creation."),
    )
    amount = forms.IntegerField(label=_("Amount"), required=False, min_value=0, initial=0)
    unit = forms.ChoiceField(label=_("Unit"), required=False, choices=[(u, UNIT_LABELS[u]) for u in UNITS])
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("after", _("after")), ("before", _("before"))]
    )
    cron = forms.CharField(
        label=_("Schedule (cron)"), required=False, help_text=_("For example «0 9 * * 1-5».")
    )
    time_zone = forms.CharField(label=_("Time zone"), required=False)
    condition = forms.CharField(required=False, widget=forms.HiddenInput())
    trigger_mode = forms.ChoiceField(
        label=pgettext_lazy("how a rule starts its process", "Start"), choices=TriggerMode.choices
    )
    debounce_seconds = forms.IntegerField(label=_("Debounce window, seconds"), min_value=1, initial=60)
    process_key = forms.ChoiceField(label=_("Process to start"))
    process_version = forms.IntegerField(
        label=_("Pinned version"),
        required=False,
        min_value=1,
        help_text=_("Empty: the latest published version."),
    )
    variable_mapping = forms.CharField(
        label=_("Variables"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=_(
            "One per line: «complaint_id = id», «client_name = client.name», «big = expr: claimed_amount > 100000»."
        ),
    )
    priority = forms.IntegerField(label=_("Priority"), initial=0, help_text=_("Higher is evaluated first."))
    stop_after_match = forms.BooleanField(label=_("Stop after this rule matches"), required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    comment = forms.CharField(label=_("Comment to this version"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entity_type = self.fields["entity_type"]
        process_key = self.fields["process_key"]
        assert isinstance(entity_type, forms.ChoiceField) and isinstance(process_key, forms.ChoiceField)
        entity_type.choices = [("", _("— none (schedule, webhook) —")), *rule_entity_types()]
        process_key.choices = [("", "—"), *_processes()]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    @classmethod
    def initial_for(cls, rule: StartRule) -> dict[str, Any]:
        options = rule.options or {}
        return {
            "name": rule.name,
            "description": rule.description,
            "entity_type": rule.entity_type,
            "event": rule.event,
            "watched_fields": ", ".join(options.get("fields") or []),
            "field": options.get("field", ""),
            "from_values": ", ".join(str(v) for v in options.get("from") or []),
            "to_values": ", ".join(str(v) for v in options.get("to") or []),
            "related_entity_type": options.get("related_entity_type", ""),
            "task_process": options.get("process_key", ""),
            "task_node": options.get("node_id", ""),
            "date_field": options.get("date_field", "created"),
            "amount": options.get("amount", 0),
            "unit": options.get("unit", "days"),
            "direction": options.get("direction", "after"),
            "cron": options.get("cron", ""),
            "time_zone": options.get("time_zone", ""),
            "condition": json.dumps(rule.condition or {}, ensure_ascii=False),
            "trigger_mode": rule.trigger_mode,
            "debounce_seconds": rule.debounce_seconds,
            "process_key": rule.process_key,
            "process_version": rule.process_version,
            "variable_mapping": mapping_to_text(rule.variable_mapping),
            "priority": rule.priority,
            "stop_after_match": rule.stop_after_match,
            "enabled": rule.enabled,
        }

    def rule_data(self) -> dict[str, Any]:
        """The service's input (ValidationFailed for a condition that is not JSON)."""
        data: Mapping[str, Any] = self.cleaned_data
        try:
            condition = json.loads(data.get("condition") or "{}")
        except ValueError:
            raise ValidationFailed({"condition": str(_("The condition is not valid JSON."))}) from None
        event = data["event"]
        options: dict[str, Any] = {}
        if event == RuleEvent.UPDATED:
            options["fields"] = _split(data.get("watched_fields", ""))
        elif event in (RuleEvent.FIELD_CHANGED, RuleEvent.STATUS_CHANGED):
            options.update(
                {
                    "field": data.get("field", ""),
                    "from": _split(data.get("from_values", "")),
                    "to": _split(data.get("to_values", "")),
                }
            )
        elif event in (RuleEvent.LINKED, RuleEvent.UNLINKED):
            options["related_entity_type"] = data.get("related_entity_type", "")
        elif event in (RuleEvent.TASK_COMPLETED, RuleEvent.TASK_OVERDUE):
            options.update(
                {"process_key": data.get("task_process", ""), "node_id": data.get("task_node", "")}
            )
        elif event == RuleEvent.TIME:
            options.update(
                {
                    "date_field": data.get("date_field") or "created",
                    "amount": data.get("amount") or 0,
                    "unit": data.get("unit") or "days",
                    "direction": data.get("direction") or "after",
                }
            )
        elif event == RuleEvent.SCHEDULE:
            options.update({"cron": data.get("cron", ""), "time_zone": data.get("time_zone", "")})
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "entity_type": data.get("entity_type", ""),
            "event": event,
            "options": options,
            "condition": condition,
            "trigger_mode": data["trigger_mode"],
            "debounce_seconds": data.get("debounce_seconds") or 60,
            "process_key": data.get("process_key", ""),
            "process_version": data.get("process_version"),
            "variable_mapping": mapping_from_text(data.get("variable_mapping", "")),
            "priority": data.get("priority") or 0,
            "stop_after_match": data.get("stop_after_match", False),
            "enabled": data.get("enabled", False),
        }

    def add_domain_errors(self, error: ValidationFailed) -> None:
        for key, messages in error.errors.items():
            name = ERROR_FIELDS.get(key, key.split("[")[0].split(".")[0])
            for message in messages:
                prefix = "" if name == key else f"{key}: "
                self.add_error(name if name in self.fields else None, f"{prefix}{message}")
