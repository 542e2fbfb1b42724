"""Export of everything Potok holds about a person (152-ФЗ, art. 14: the subject's right to know).

Example:
    >>> data = person_export(actor=officer, entity_type="contact", record_id=17, reason="request 12")
    >>> data["summary"]["interactions"]
    3
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model

from potok.access.models import Action
from potok.access.selectors import require
from potok.audit.models import AuditEvent, Origin
from potok.audit.services import audit_record, audit_value
from potok.clients.models import Contact, Counterparty
from potok.core import clock, context
from potok.core.models import DomainEvent
from potok.documents.models import Document
from potok.privacy import places
from potok.privacy.apps import PERSONAL_DATA
from potok.privacy.scrub import candidates
from potok.privacy.subjects import Subject, subject_get
from potok.processes.models import ProcessInstance, Task
from potok.sales.models import Deal, Lead
from potok.tasks.models import TaskComment

FORMAT = 1
EXPORT_ACTION = "personal_data_exported"
MENTION_LIMIT = 1000


def _fields(record: Model, names: list[str]) -> dict[str, Any]:
    return {name: audit_value(getattr(record, name)) for name in names}


CONTACT_FIELDS = [
    "id",
    "last_name",
    "first_name",
    "middle_name",
    "position",
    "phones",
    "emails",
    "comment",
    "custom_fields",
    "created_at",
    "updated_at",
    "deleted_at",
]
CONSENT_FIELDS = ["consent_given_on", "consent_purpose", "consent_source", "consent_withdrawn_on"]
COUNTERPARTY_FIELDS = [
    "id",
    "kind",
    "name",
    "full_name",
    "inn",
    "ogrn",
    "phones",
    "emails",
    "legal_address",
    "postal_address",
    "comment",
    "custom_fields",
    "created_at",
    "updated_at",
    "deleted_at",
]


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        **_fields(contact, CONTACT_FIELDS),
        "counterparty": audit_value(contact.counterparty),
        "consent": _fields(contact, CONSENT_FIELDS),
    }


def _audit_row(row: AuditEvent) -> dict[str, Any]:
    return {
        "id": row.pk,
        "occurred_at": audit_value(row.occurred_at),
        "actor": str(row.actor) if row.actor else None,
        "origin": row.origin,
        "entity_type": row.entity_type,
        "record_id": row.record_id,
        "action": row.action,
        "changes": row.changes,
        "message": row.message,
    }


def _event_row(row: DomainEvent) -> dict[str, Any]:
    return {
        "id": row.pk,
        "occurred_at": audit_value(row.occurred_at),
        "entity_type": row.entity_type,
        "record_id": row.record_id,
        "kind": row.kind,
        "changes": row.changes,
        "snapshot": row.snapshot,
    }


def _task(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "name": task.name,
        "state": task.state,
        "created_at": audit_value(task.created_at),
        "completed_at": audit_value(task.completed_at),
        "assignee": str(task.assignee) if task.assignee else None,
        "outcome": task.outcome,
        "data": task.data,
        "comments": [
            {"written": audit_value(comment.created_at), "text": comment.text}
            for comment in TaskComment.objects.filter(task=task).order_by("created_at", "id")
        ],
    }


def _instance(instance: ProcessInstance) -> dict[str, Any]:
    return {
        "id": instance.pk,
        "process": instance.process_id,
        "state": instance.state,
        "record": f"{instance.entity_type}#{instance.record_id}" if instance.entity_type else None,
        "started_at": audit_value(instance.started_at),
        "ended_at": audit_value(instance.ended_at),
        "variables": instance.variables,
        "tasks": [
            _task(task)
            for task in Task.objects.filter(instance=instance)
            .select_related("assignee")
            .order_by("created_at")
        ],
    }


def collect(subject: Subject) -> dict[str, Any]:
    """Everything about the person, as JSON-ready data (no audit row: see `person_export`)."""
    interactions = list(places.interactions_of(subject).prefetch_related("contacts"))
    references = list(places.references_to(subject))
    documents = list(places.documents_referencing(subject))
    fields_by_document: dict[int, list[str]] = {}
    for reference in references:
        fields_by_document.setdefault(reference.source_id, []).append(reference.field_code)
    mentioned = candidates(
        Document.objects.exclude(pk__in=[document.pk for document in documents]), ["data"], subject.needles
    ).select_related("document_type")[:MENTION_LIMIT]
    instances = list(places.instances_of(subject))
    own_audit_ids = set(places.own_audit(subject).values_list("pk", flat=True))
    audit_rows = list(
        AuditEvent.objects.filter(pk__in=own_audit_ids).select_related("actor").order_by("occurred_at", "id")
    ) + list(
        candidates(AuditEvent.objects.exclude(pk__in=own_audit_ids), ["changes", "message"], subject.needles)
        .select_related("actor")
        .order_by("occurred_at", "id")[:MENTION_LIMIT]
    )
    contacts_ids = [contact.pk for contact in subject.contacts]
    leads = Lead.objects.filter(contact_id__in=contacts_ids).order_by("id")
    deals = Deal.objects.filter(contacts__in=contacts_ids).distinct().order_by("id")
    if subject.counterparty is not None:
        deals = (deals | Deal.objects.filter(counterparty=subject.counterparty)).distinct().order_by("id")
        leads = (leads | Lead.objects.filter(counterparty=subject.counterparty)).distinct().order_by("id")
    person: dict[str, Any]
    if isinstance(subject.record, Counterparty):
        person = _fields(subject.record, COUNTERPARTY_FIELDS)
    else:
        person = _contact(subject.record)
    data: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": audit_value(clock.now()),
        "subject": {"entity_type": subject.entity_type, "id": subject.record_id, "label": subject.label},
        "person": person,
        "contacts": [_contact(contact) for contact in subject.contacts],
        "consents": [
            {"contact": contact.pk, **_fields(contact, CONSENT_FIELDS)} for contact in subject.contacts
        ],
        "interactions": [
            {
                **_fields(interaction, ["id", "kind", "occurred_at", "subject", "description", "outcome"]),
                "counterparty": audit_value(interaction.counterparty_id),
                "participants": [str(contact) for contact in interaction.contacts.all()],
                "deleted_at": audit_value(interaction.deleted_at),
            }
            for interaction in interactions
        ],
        "documents": [
            {
                "id": document.pk,
                "type": document.document_type.code,
                "number": document.number,
                "status": document.status,
                "referencing_fields": sorted(fields_by_document.get(document.pk, [])),
                "values": document.data,
            }
            for document in documents
        ],
        "documents_mentioning": [
            {
                "id": document.pk,
                "type": document.document_type.code,
                "number": document.number,
                "values": document.data,
            }
            for document in mentioned
        ],
        "files": [
            _fields(
                stored,
                ["id", "entity_type", "record_id", "field_code", "original_name", "size", "uploaded_at"],
            )
            for stored in places.files_of(subject)
        ],
        "leads": [
            _fields(
                lead,
                ["id", "title", "contact_name", "phone", "email", "inn", "need", "comment", "created_at"],
            )
            for lead in leads
        ],
        "deals": [_fields(deal, ["id", "title", "created_at"]) for deal in deals],
        "processes": [_instance(instance) for instance in instances],
        "audit": [_audit_row(row) for row in audit_rows],
        "events": [_event_row(row) for row in places.own_events(subject)[:MENTION_LIMIT]],
    }
    data["summary"] = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    return data


def acting_origin() -> str:
    origin = context.current().origin
    return origin if origin in Origin.values else Origin.SYSTEM


@transaction.atomic
def person_export(*, actor: Any, entity_type: str, record_id: Any, reason: str = "") -> dict[str, Any]:
    """Everything about the person as JSON-ready data; the export itself is audited (who, when, why)."""
    require(actor, PERSONAL_DATA, Action.EXPORT)
    subject = subject_get(entity_type=entity_type, record_id=record_id)
    data = collect(subject)
    audit_record(
        actor=actor,
        entity_type=subject.entity_type,
        record_id=subject.record_id,
        action=EXPORT_ACTION,
        origin=acting_origin(),
        message=reason.strip()[:500],
    )
    return data
