"""The demo company's start rules work on the demo's own processes: a VIP complaint starts the VIP review
(and the task for the head of service appears), others the normal one."""

from __future__ import annotations

import pytest

from potok.automation.models import StartRule
from tests.automation.conftest import started

pytestmark = pytest.mark.django_db


def test_the_demo_rules_start_the_demo_processes(demo_company, person, worker) -> None:
    from potok.clients.models import Counterparty
    from potok.documents.models import DocumentType
    from potok.documents.services import document_create

    assert StartRule.objects.filter(enabled=True).count() == 6
    assert not StartRule.objects.filter(needs_attention=True).exists()
    worker()  # whatever the seed left in the outbox
    before = {key: started(key) for key in ("complaint_review", "complaint_review_vip")}
    complaints = DocumentType.objects.get(code="complaint")
    vip = Counterparty.objects.filter(segment="VIP").first()
    regular = Counterparty.objects.exclude(segment="VIP").first()
    reception = person("reception")
    document_create(
        actor=reception, document_type=complaints, values={"client": vip.pk, "subject": "Срыв поставки"}
    )
    document_create(
        actor=reception, document_type=complaints, values={"client": regular.pk, "subject": "Брак"}
    )
    worker()
    assert started("complaint_review_vip") == before["complaint_review_vip"] + 1
    assert started("complaint_review") == before["complaint_review"] + 1
