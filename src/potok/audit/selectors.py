from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from potok.audit.models import AuditEvent


def audit_events_for_record(*, entity_type: str, record_id: Any) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(entity_type=entity_type, record_id=str(record_id))
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )
