"""Committed transactions: numbers taken by concurrent saves never repeat and never skip; domain events of
document changes reach consumers once, after the commit, and never for a rolled-back change."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, transaction

from potok.core import events
from potok.core.errors import ValidationFailed
from potok.core.models import DomainEvent, EventKind
from potok.documents.models import Document
from potok.documents.services import document_create, document_set_status, document_type_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered():  # type: ignore[no-untyped-def]
    seen: list[list[int]] = []

    def consumer(ids: list[int]) -> None:
        seen.append(ids)

    events.register_consumer(consumer)
    yield seen
    events._consumers.remove(consumer)


def test_two_threads_take_consecutive_numbers_without_repeats_or_gaps(demo_company, person) -> None:
    """On PostgreSQL the counter row lock orders the two writers; SQLite's single writer does the same."""
    admin = person("admin")
    document_type = document_type_create(
        actor=admin, code="ticket", name_ru="Заявка", name_en="Ticket", number_prefix="З"
    )
    per_thread = 15
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                document_create(actor=None, document_type=document_type, values={})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    numbers = sorted(Document.objects.filter(document_type=document_type).values_list("number", flat=True))
    sequences = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert sequences == list(range(1, 2 * per_thread + 1))


def test_each_change_through_the_web_and_the_api_is_delivered_once_after_commit(
    delivered, demo_company, client_as, api_as, complaint_type, person
) -> None:
    from potok.clients.services.counterparties import counterparty_create

    client = counterparty_create(actor=None, fields={"kind": "legal", "name": "ООО «Доставка»"})
    delivered.clear()

    response = client_as("reception").post(
        "/documents/complaint/new/",
        {"client": str(client.pk), "subject": "Через форму", "severity": "normal"},
    )
    assert response.status_code == 302
    complaint = Document.objects.get(data__subject="Через форму")
    created = DomainEvent.objects.get(entity_type="document.complaint", record_id=complaint.pk)
    assert delivered == [[created.pk]]
    assert created.origin == "web"

    response = api_as("service_head").patch(
        f"/api/v1/documents/complaint/{complaint.pk}",
        json.dumps({"version": 1, "values": {"claimed_amount": "300"}}),
        content_type="application/json",
    )
    assert response.status_code == 200
    updated = DomainEvent.objects.filter(record_id=complaint.pk, kind=EventKind.UPDATED).get()
    assert updated.origin == "api"
    assert delivered[-1] == [updated.pk]
    assert len(delivered) == 2


def test_refused_and_rolled_back_changes_deliver_nothing(
    delivered, demo_company, complaint_type, person
) -> None:
    from potok.clients.services.counterparties import counterparty_create

    client = counterparty_create(actor=None, fields={"kind": "legal", "name": "ООО «Откат»"})
    delivered.clear()
    reception = person("reception")
    before = DomainEvent.objects.count()

    with pytest.raises(ValidationFailed):
        document_create(actor=reception, document_type=complaint_type, values={"client": client.pk})
    with pytest.raises(RuntimeError), transaction.atomic():
        complaint = document_create(
            actor=reception,
            document_type=complaint_type,
            values={"client": client.pk, "subject": "Откатится"},
        )
        document_set_status(actor=None, document=complaint, status="in_work")
        raise RuntimeError("the caller failed")

    assert DomainEvent.objects.count() == before
    assert delivered == []
    assert not Document.objects.filter(data__subject="Откатится").exists()
