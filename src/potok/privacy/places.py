"""Where a person's data live: the querysets export and erasure both walk, so they never disagree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from potok.audit.models import AuditEvent
from potok.clients.models import Interaction
from potok.core.models import DomainEvent
from potok.documents.models import Document, DocumentReference, StoredFile
from potok.privacy.subjects import Subject
from potok.processes.models import ProcessInstance


def _records_condition(subject: Subject, *, entity_field: str, id_field: str, as_text: bool = False) -> Q:
    condition = Q(pk__in=[])
    for entity_type, record_id in subject.own_records():
        condition |= Q(**{entity_field: entity_type, id_field: str(record_id) if as_text else record_id})
    return condition


def interactions_of(subject: Subject) -> QuerySet[Interaction]:
    condition = Q(contacts__in=[contact.pk for contact in subject.contacts])
    if subject.counterparty is not None:
        condition |= Q(counterparty=subject.counterparty)
    return Interaction.objects.filter(condition).distinct().order_by("occurred_at", "id")


def references_to(subject: Subject) -> QuerySet[DocumentReference]:
    return DocumentReference.objects.filter(
        _records_condition(subject, entity_field="target_type", id_field="target_id")
    ).select_related("source", "source__document_type")


def documents_referencing(subject: Subject) -> QuerySet[Document]:
    return (
        Document.objects.filter(pk__in=references_to(subject).values("source_id"))
        .select_related("document_type")
        .order_by("id")
    )


def files_of(subject: Subject) -> QuerySet[StoredFile]:
    return StoredFile.objects.filter(
        _records_condition(subject, entity_field="entity_type", id_field="record_id")
    ).order_by("id")


def instances_of(subject: Subject) -> QuerySet[ProcessInstance]:
    """Processes started from the person's records or from documents that reference them."""
    documents = list(documents_referencing(subject).values_list("pk", "document_type__code"))
    condition = _records_condition(subject, entity_field="entity_type", id_field="record_id")
    for pk, code in documents:
        condition |= Q(entity_type=f"document.{code}", record_id=pk)
    return ProcessInstance.objects.filter(condition).order_by("started_at", "id")


def own_audit(subject: Subject) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        _records_condition(subject, entity_field="entity_type", id_field="record_id", as_text=True)
    ).order_by("occurred_at", "id")


def own_events(subject: Subject) -> QuerySet[DomainEvent]:
    return DomainEvent.objects.filter(
        _records_condition(subject, entity_field="entity_type", id_field="record_id")
        | _records_condition(subject, entity_field="related_entity_type", id_field="related_record_id")
    ).order_by("id")
