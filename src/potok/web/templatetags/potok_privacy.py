"""The personal data button on contact and counterparty pages, shown to those with the right.

{% load potok_privacy %}
{% personal_data_button "contact" contact %}
"""

from __future__ import annotations

from typing import Any

from django import template

from potok.access.models import Action
from potok.access.selectors import can
from potok.clients.models import Counterparty
from potok.privacy.apps import PERSONAL_DATA
from potok.privacy.subjects import PERSON_KINDS

register = template.Library()


@register.inclusion_tag("web/privacy/_button.html", takes_context=True)
def personal_data_button(context: dict[str, Any], entity_type: str, record: Any) -> dict[str, Any]:
    user = context["request"].user
    allowed = can(user, PERSONAL_DATA, Action.EXPORT) or can(user, PERSONAL_DATA, Action.DELETE)
    if isinstance(record, Counterparty) and record.kind not in PERSON_KINDS:
        allowed = False
    return {"show": allowed, "entity_type": entity_type, "record": record}
