"""API of personal data (152-ФЗ): everything about a person as JSON, and erasure on request.

`kind` is `contacts` or `counterparties` (a private person or an individual entrepreneur). Both need the
"personal data" right (export, delete) that administrators hold."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from potok.core.errors import NotFound
from potok.privacy.erasure import person_erase
from potok.privacy.export import person_export

router = Router(tags=["personal data"])

KINDS = {"contacts": "contact", "counterparties": "counterparty"}


def _entity_type(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(kind)
    return KINDS[kind]


class ErasureIn(Schema):
    reason: str
    force: bool = False


class ErasureOut(Schema):
    entity_type: str
    record_id: int
    placeholder: str
    already_erased: bool
    running_processes: int
    changed: dict[str, int]


@router.get(
    "personal-data/{kind}/{record_id}",
    response=dict[str, Any],
    summary="Everything about a person (export under 152-ФЗ; audited)",
)
def personal_data_export(request: HttpRequest, kind: str, record_id: int, reason: str = "") -> Any:
    return person_export(
        actor=request.user, entity_type=_entity_type(kind), record_id=record_id, reason=reason
    )


@router.post(
    "personal-data/{kind}/{record_id}/erasure",
    response=ErasureOut,
    summary="Erase a person's data on request (idempotent; refused while their processes run unless forced)",
)
def personal_data_erase(request: HttpRequest, kind: str, record_id: int, payload: ErasureIn) -> Any:
    return person_erase(
        actor=request.user,
        entity_type=_entity_type(kind),
        record_id=record_id,
        reason=payload.reason,
        force=payload.force,
    )
