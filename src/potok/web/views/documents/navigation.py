"""Navigation entries for document types: they are data, so the list is computed per user."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from potok.access.models import Action
from potok.access.selectors import can
from potok.documents.selectors import document_types

GROUP = "documents"
GROUP_LABEL = _("Documents")


def document_items(user: Any) -> list[dict[str, Any]]:
    """One entry per active document type whose documents the user may read or create."""
    return [
        {
            "label": document_type.name,
            "url": reverse("web:document_list", args=[document_type.code]),
            "icon": "file-earmark-text",
            "group": GROUP,
            "group_label": GROUP_LABEL,
        }
        for document_type in document_types()
        if can(user, document_type.entity_type, Action.READ)
        or can(user, document_type.entity_type, Action.CREATE)
    ]
