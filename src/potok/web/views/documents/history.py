"""A document's audit trail as people read it: field labels instead of codes, names instead of ids, option
and status labels instead of values — shaped for the shared `web/_audit.html`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from potok.audit.models import AuditEvent
from potok.documents import selectors
from potok.documents.confidential import MASK
from potok.documents.fieldtypes import kind_of
from potok.documents.models import DocumentType, FieldType

ACTIONS = {
    "created": _("created"),
    "changed": _("changed"),
    "status_changed": _("status changed"),
    "deleted": _("deleted"),
}


@dataclass(frozen=True)
class ShownEvent:
    actor: Any
    action: Any
    get_origin_display: str
    occurred_at: Any
    message: str
    changes: dict[str, list[Any]]


def shown_history(
    document_type: DocumentType, events: Iterable[AuditEvent], *, hidden: Iterable[str] = ()
) -> list[ShownEvent]:
    """The events as people read them; the values of `hidden` fields (confidential ones the reader may not
    see) are masked: he learns that they changed, not what they were."""
    hidden = set(hidden)
    events = list(events)
    definitions = {d.code: d for d in selectors.field_definitions(document_type, include_archived=True)}
    statuses = {status.code: status.label for status in selectors.statuses_of(document_type)}
    values = [
        {
            code: pair[index]
            for code, pair in event.changes.items()
            if isinstance(pair, list) and len(pair) == 2 and code not in hidden
        }
        for event in events
        for index in (0, 1)
    ]
    labels = selectors.reference_labels_for(
        [d for d in definitions.values() if d.field_type == FieldType.REFERENCE], values
    )
    shown = []
    for event in events:
        changes: dict[str, list[Any]] = {}
        for code, pair in event.changes.items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            definition = definitions.get(code)
            if definition is not None and code in hidden:
                label = definition.label
                pair = [None if value is None else str(MASK) for value in pair]
            elif definition is not None:
                kind = kind_of(definition)
                label = definition.label
                pair = [
                    None if value is None else kind.display(definition, value, labels.get(code))
                    for value in pair
                ]
            elif code == "status":
                label = str(_("Status"))
                pair = [None if value is None else statuses.get(value, value) for value in pair]
            else:
                label = {"number": str(_("Number")), "responsible": str(_("Responsible"))}.get(code, code)
                pair = [value.get("text", value) if isinstance(value, dict) else value for value in pair]
            changes[label] = pair
        shown.append(
            ShownEvent(
                actor=event.actor,
                action=ACTIONS.get(event.action, event.action),
                get_origin_display=event.get_origin_display(),
                occurred_at=event.occurred_at,
                message=event.message,
                changes=changes,
            )
        )
    return shown
