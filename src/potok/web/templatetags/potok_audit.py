"""The history block of a record page in the reader's language: what happened (created, changed, …) and
which fields changed, by their labels — not the codes the audit rows keep.

{% load potok_audit %}
{{ event.action|audit_action }}
{% for label, values in event|audit_changes %}…{% endfor %}
"""

from __future__ import annotations

import time
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language, pgettext_lazy

register = template.Library()

ACTIONS = {
    "created": pgettext_lazy("history", "created"),
    "updated": pgettext_lazy("history", "changed"),
    "deleted": pgettext_lazy("history", "deleted"),
    "merged": pgettext_lazy("history", "merged"),
    "imported": pgettext_lazy("history", "imported"),
    "uploaded": pgettext_lazy("history", "file uploaded"),
    "published": pgettext_lazy("history", "published"),
    "started": pgettext_lazy("history", "started"),
    "cancelled": pgettext_lazy("history", "cancelled"),
    "moved": pgettext_lazy("history", "moved"),
    "assigned": pgettext_lazy("history", "assigned"),
    "unassigned": pgettext_lazy("history", "unassigned"),
    "reassign": pgettext_lazy("history", "reassigned"),
    "retried": pgettext_lazy("history", "retried"),
    "resent": pgettext_lazy("history", "sent again"),
    "test_sent": pgettext_lazy("history", "test message sent"),
    "migrate": pgettext_lazy("history", "migrated"),
    "process_started": pgettext_lazy("history", "process started"),
    "process_start_requested": pgettext_lazy("history", "process start requested"),
    "task_redirected": pgettext_lazy("history", "task redirected"),
    "stage_created": pgettext_lazy("history", "stage added"),
    "stage_updated": pgettext_lazy("history", "stage changed"),
    "price_set": pgettext_lazy("history", "price set"),
    "made_default": pgettext_lazy("history", "made the default"),
    "applied_to_existing": pgettext_lazy("history", "applied to existing records"),
    "application_finished": pgettext_lazy("history", "application finished"),
    "secret_rotated": pgettext_lazy("history", "secret replaced"),
    "webhook_secret_rotated": pgettext_lazy("history", "secret replaced"),
    "access_changed": pgettext_lazy("history", "rights changed"),
    "role_assigned": pgettext_lazy("history", "role given"),
    "role_unassigned": pgettext_lazy("history", "role taken away"),
    "absence_added": pgettext_lazy("history", "absence added"),
    "absence_removed": pgettext_lazy("history", "absence removed"),
    "deputy_set": pgettext_lazy("history", "deputy set"),
    "deputy_removed": pgettext_lazy("history", "deputy removed"),
    "day_changed": pgettext_lazy("history", "day changed"),
    "day_reset": pgettext_lazy("history", "day reset"),
    "production_days_added": pgettext_lazy("history", "production calendar loaded"),
    "activity_changed": pgettext_lazy("history", "activity changed"),
    "notification_preference_changed": pgettext_lazy("history", "notification settings changed"),
    "email_changed": pgettext_lazy("history", "email changed"),
    "sessions_ended": pgettext_lazy("history", "sessions ended"),
    "api_token_created": pgettext_lazy("history", "API token created"),
    "two_factor_enrolled": pgettext_lazy("history", "two-factor sign-in turned on"),
    "two_factor_removed": pgettext_lazy("history", "two-factor sign-in turned off"),
    "linked": pgettext_lazy("history", "linked record added"),
    "unlinked": pgettext_lazy("history", "linked record removed"),
    "personal_data_erased": pgettext_lazy("history", "personal data erased"),
    "personal_data_exported": pgettext_lazy("history", "personal data exported"),
}


@register.filter
def audit_action(code: str) -> Any:
    """The action's label; an action without one is shown as its code with spaces."""
    return ACTIONS.get(code) or str(code).replace("_", " ")


# Field labels per (entity type, language), kept for a minute: a field an administrator adds or renames
# shows under its new label soon after.
_LABELS: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
_TTL = 60.0


def _labels(entity_type: str) -> dict[str, str]:
    language = get_language() or "ru"
    key = (entity_type, language)
    cached = _LABELS.get(key)
    if cached is not None and time.monotonic() - cached[0] < _TTL:
        return cached[1]
    labels: dict[str, str] = {}
    from potok.documents.models import FieldDefinition

    english = language.startswith("en")
    if entity_type.startswith("document."):
        definitions = FieldDefinition.objects.filter(
            document_type__code=entity_type.removeprefix("document.")
        )
        prefix = ""
    else:
        definitions = FieldDefinition.objects.filter(entity_code=entity_type)
        prefix = "custom_fields."
    for code, label_ru, label_en in definitions.values_list("code", "label_ru", "label_en"):
        labels[prefix + code] = (label_en if english else label_ru) or code
    _LABELS[key] = (time.monotonic(), labels)
    return labels


def field_label(entity_type: str, name: str) -> str:
    """The label of a changed field: a document or custom field's own label, a model field's verbose name,
    or the code when neither is known (a field removed since)."""
    found = _labels(entity_type).get(name)
    if found:
        return found
    from potok.access import registry

    try:
        model = registry.get(entity_type).model
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except (KeyError, FieldDoesNotExist, AttributeError):
        return name


@register.filter
def audit_changes(event: Any) -> list[tuple[str, Any]]:
    """(label, [old, new]) of each changed field of an audit row."""
    changes = event.changes or {}
    if not isinstance(changes, dict):
        return []
    entity_type = getattr(event, "entity_type", None)
    if entity_type is None:  # already shown by labels (a document's history, with masked values)
        return list(changes.items())
    return [(field_label(entity_type, name), values) for name, values in changes.items()]
