"""Completion checks on required objects: "an «Акт расследования» linked to this complaint exists".

    >>> states = requirement_states(task, spec, loaded)
    >>> [state.message for state in states if not state.satisfied]
    ['Create «Акт расследования» linked to ПР-00017 before completing the task.']

A requirement is met by a document of the type whose reference field `link` (any reference field when
not given) points at the process's record — made since the process started when the scope is
"process" — and that satisfies the condition (an expression over its field values, number and status).
Each unmet requirement carries what to pre-fill in the document's creation form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from potok.documents.fieldtypes import kind_of
from potok.documents.models import Document, DocumentReference, DocumentType
from potok.documents.selectors import field_definitions
from potok.engine.expressions import ExpressionError
from potok.processes.models import Task
from potok.tasks.data import RecordRef
from potok.tasks.forms import _as_raw
from potok.tasks.loading import TaskData
from potok.tasks.spec import Requirement, TaskSpec


@dataclass
class RequirementState:
    requirement: Requirement
    satisfied: bool
    label: str
    message: str = ""
    document_type: DocumentType | None = None
    documents: list[Document] = field(default_factory=list)
    # Field code → raw value for the document's creation form (?complaint=17&…); None: cannot be made here.
    prefill: dict[str, Any] | None = None


def _russian() -> bool:
    return (get_language() or "ru").startswith("ru")


def _record_label(record: RecordRef | None) -> str:
    if record is None:
        return ""
    if record.entity_type.startswith("document."):
        number = Document.objects.filter(pk=record.pk).values_list("number", flat=True).first()
        return number or f"#{record.pk}"
    return f"#{record.pk}"


def _matches_condition(requirement: Requirement, document: Document, loaded: TaskData) -> bool:
    if requirement.condition is None:
        return True
    values: dict[str, Any] = {"number": document.number, "status": document.status, "id": document.pk}
    for definition in field_definitions(document.document_type, include_archived=True):
        stored = document.data.get(definition.code)
        values[definition.code] = None if stored is None else kind_of(definition).typed(definition, stored)
    values["process"] = loaded.data.get("process")
    values["record"] = loaded.record
    try:
        return bool(requirement.condition.evaluate_condition(values, context=loaded.context))
    except (ExpressionError, LookupError, TypeError, ValueError):
        return False


def _candidates(
    requirement: Requirement, document_type: DocumentType, task: Task, record: RecordRef
) -> list[Document]:
    links = DocumentReference.objects.filter(target_type=record.entity_type, target_id=record.pk)
    if requirement.link:
        links = links.filter(field_code=requirement.link)
    documents = Document.objects.filter(document_type=document_type, pk__in=links.values("source_id"))
    if requirement.scope == "process":
        documents = documents.filter(created_at__gte=task.instance.started_at)
    return list(documents.select_related("document_type").order_by("-created_at", "-id")[:20])


def _prefill(requirement: Requirement, record: RecordRef, loaded: TaskData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if requirement.link:
        values[requirement.link] = record.pk
    for entry in requirement.prefill:
        try:
            value = entry.value.evaluate(loaded.data, context=loaded.context)
        except (ExpressionError, LookupError, TypeError, ValueError):
            continue
        if value is not None:
            values[entry.field] = _as_raw(value)
    return values


def requirement_state(requirement: Requirement, task: Task, loaded: TaskData) -> RequirementState:
    document_type = DocumentType.objects.filter(code=requirement.document_type).first()
    custom_label = requirement.label_ru if _russian() else requirement.label_en
    if document_type is None:
        label = custom_label or requirement.document_type
        return RequirementState(
            requirement,
            satisfied=False,
            label=label,
            message=_(
                "The process requires a document of type %(code)s, which does not exist; tell the administrator."
            )
            % {"code": requirement.document_type},
        )
    label = custom_label or document_type.name
    record = loaded.record
    if record is None:
        return RequirementState(
            requirement,
            satisfied=False,
            label=label,
            document_type=document_type,
            message=_("«%(type)s» must be linked to the process's record, but the process has none.")
            % {"type": label},
        )
    found = [
        d
        for d in _candidates(requirement, document_type, task, record)
        if _matches_condition(requirement, d, loaded)
    ]
    state = RequirementState(
        requirement, satisfied=bool(found), label=label, document_type=document_type, documents=found
    )
    if not found:
        linked = _record_label(record)
        if requirement.condition is not None:
            state.message = _(
                "Create «%(type)s» linked to %(record)s that meets the condition (%(condition)s) before completing the task."
            ) % {
                "type": label,
                "record": linked,
                "condition": requirement.condition.source,
            }
        else:
            state.message = _("Create «%(type)s» linked to %(record)s before completing the task.") % {
                "type": label,
                "record": linked,
            }
        if document_type.archived_at is None:
            state.prefill = _prefill(requirement, record, loaded)
    return state


def requirement_states(task: Task, spec: TaskSpec, loaded: TaskData) -> list[RequirementState]:
    return [requirement_state(requirement, task, loaded) for requirement in spec.requirements]


def unmet_messages(states: list[RequirementState]) -> list[str]:
    return [state.message for state in states if not state.satisfied]


def prefill_query(prefill: Mapping[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode({key: value for key, value in prefill.items() if value is not None})
