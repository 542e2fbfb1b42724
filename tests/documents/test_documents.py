"""Documents through their services: numbering, changes, statuses, optimistic locking, links, deletion, and
exactly one domain event plus one audit row per change (none for a rolled-back transaction)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction

from potok.audit.models import AuditEvent
from potok.core import clock
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.core.models import DomainEvent, EventKind
from potok.documents.models import Document, DocumentIndexValue, DocumentReference
from potok.documents.selectors import documents_referencing
from potok.documents.services import (
    document_create,
    document_delete,
    document_set_status,
    document_update,
)
from tests.documents.conftest import events_of

pytestmark = pytest.mark.django_db


def sequence_of(document: Document) -> int:
    return int(document.number.rsplit("-", 1)[1])


def test_a_new_complaint_is_numbered_in_its_initial_status_with_one_event_and_one_audit_row(
    make_complaint, clients, person
) -> None:
    complaint = make_complaint(claimed_amount="12500", severity="high")

    year = clock.now().year
    assert re.fullmatch(rf"ПР-{year}-\d{{5}}", complaint.number)
    assert complaint.status == "registered"
    assert complaint.author == person("reception")
    assert complaint.department == person("reception").department
    [event] = events_of(complaint)
    assert event.kind == EventKind.CREATED
    assert event.entity_type == "document.complaint"
    assert event.changes["claimed_amount"] == [None, "12500.00"]
    assert event.changes["status"] == [None, "registered"]
    assert event.snapshot["number"] == complaint.number
    assert event.snapshot["status"] == "registered"
    assert event.snapshot["client"] == clients[0].pk
    assert event.snapshot["severity"] == "high"
    assert event.snapshot["channel"] == "phone"  # the default
    assert (
        AuditEvent.objects.filter(entity_type="document.complaint", record_id=str(complaint.pk)).count() == 1
    )
    assert make_complaint().number == f"ПР-{year}-{sequence_of(complaint) + 1:05d}"


def test_numbers_restart_each_year(make_complaint) -> None:
    clock.freeze(dt.datetime(2030, 12, 31, 12, 0, tzinfo=dt.UTC))
    try:
        last_of_year = make_complaint()
        clock.freeze(dt.datetime(2031, 1, 1, 9, 0, tzinfo=dt.UTC))
        first_of_next = make_complaint()
    finally:
        clock.freeze(None)
    assert last_of_year.number == "ПР-2030-00001"
    assert first_of_next.number == "ПР-2031-00001"


def test_a_rolled_back_creation_leaves_no_document_no_event_and_no_gap_in_numbers(make_complaint) -> None:
    before = make_complaint()
    documents, events = Document.objects.count(), DomainEvent.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        make_complaint()
        raise RuntimeError("the caller failed after saving")

    assert Document.objects.count() == documents
    assert DomainEvent.objects.count() == events
    assert sequence_of(make_complaint()) == sequence_of(before) + 1


def test_an_update_records_old_and_new_values_once(make_complaint, person) -> None:
    complaint = make_complaint(claimed_amount="1000")
    head = person("service_head")

    changed = document_update(
        actor=head,
        document=complaint,
        values={"claimed_amount": "150000", "severity": "critical"},
        expected_version=1,
    )

    assert changed.version == 2
    events = events_of(complaint)
    assert [event.kind for event in events] == [EventKind.CREATED, EventKind.UPDATED]
    assert events[1].changes == {
        "claimed_amount": ["1000.00", "150000.00"],
        "severity": ["normal", "critical"],
    }
    assert events[1].snapshot["claimed_amount"] == "150000.00"
    assert events[1].snapshot["subject"] == "Разбита витрина"
    assert events[1].actor == head
    audit = AuditEvent.objects.filter(
        entity_type="document.complaint", record_id=str(complaint.pk), action="changed"
    )
    assert audit.count() == 1
    rows = DocumentIndexValue.objects.filter(document=complaint, field_code="claimed_amount")
    assert [row.value_number for row in rows] == [150000]


def test_saving_the_same_values_writes_nothing(make_complaint, person) -> None:
    complaint = make_complaint(subject="Тема")

    same = document_update(
        actor=person("service_head"), document=complaint, values={"subject": "Тема"}, expected_version=1
    )

    assert same.version == 1
    assert len(events_of(complaint)) == 1


def test_a_stale_save_is_a_conflict_not_a_lost_update(make_complaint, person) -> None:
    complaint = make_complaint()
    document_update(
        actor=person("investigator1"),
        document=complaint,
        values={"subject": "Первая правка"},
        expected_version=1,
    )

    with pytest.raises(Conflict) as caught:
        document_update(
            actor=person("service_head"), document=complaint, values={"subject": "Вторая"}, expected_version=1
        )

    assert "Вера" in str(caught.value)
    complaint.refresh_from_db()
    assert complaint.data["subject"] == "Первая правка"
    assert complaint.version == 2
    assert len(events_of(complaint)) == 2


def test_a_bad_update_changes_nothing(make_complaint, person) -> None:
    complaint = make_complaint()

    with pytest.raises(ValidationFailed) as caught:
        document_update(
            actor=person("service_head"),
            document=complaint,
            values={"subject": "Новая тема", "claimed_amount": "много"},
            expected_version=1,
        )

    assert list(caught.value.errors) == ["claimed_amount"]
    complaint.refresh_from_db()
    assert complaint.data["subject"] == "Разбита витрина"
    assert complaint.version == 1


def test_a_full_update_may_not_empty_a_required_field(make_complaint, person) -> None:
    complaint = make_complaint()
    with pytest.raises(ValidationFailed) as caught:
        document_update(
            actor=person("service_head"),
            document=complaint,
            values={"subject": ""},
            expected_version=1,
            partial=False,
        )
    assert set(caught.value.errors) == {"subject", "client"}


def test_status_moves_only_along_declared_transitions(make_complaint, person) -> None:
    complaint = make_complaint()
    head = person("service_head")

    with pytest.raises(ValidationFailed) as caught:
        document_set_status(actor=head, document=complaint, status="closed")
    assert "status" in caught.value.errors

    complaint = document_set_status(actor=head, document=complaint, status="in_work", expected_version=1)
    complaint = document_set_status(
        actor=head, document=complaint, status="closed", comment="Компенсация выплачена"
    )

    assert complaint.status == "closed"
    assert complaint.version == 3
    with pytest.raises(ValidationFailed):
        document_set_status(actor=head, document=complaint, status="in_work")
    with pytest.raises(ValidationFailed):
        document_set_status(actor=head, document=complaint, status="no_such_status")
    updates = [event for event in events_of(complaint) if event.kind == EventKind.UPDATED]
    assert [event.changes for event in updates] == [
        {"status": ["registered", "in_work"]},
        {"status": ["in_work", "closed"]},
    ]
    assert updates[-1].snapshot["status"] == "closed"
    assert AuditEvent.objects.filter(record_id=str(complaint.pk), action="status_changed").last().message == (
        "Компенсация выплачена"
    )


def test_status_change_with_a_stale_version_is_a_conflict(make_complaint, person) -> None:
    complaint = make_complaint()
    document_update(
        actor=person("service_head"), document=complaint, values={"subject": "Новая"}, expected_version=1
    )
    with pytest.raises(Conflict):
        document_set_status(
            actor=person("service_head"), document=complaint, status="in_work", expected_version=1
        )


def test_rights_are_enforced_by_the_services_too(make_complaint, person, complaint_type, clients) -> None:
    complaint = make_complaint()

    with pytest.raises(PermissionDenied):
        document_update(
            actor=person("reception"), document=complaint, values={"subject": "x"}, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        document_update(
            actor=person("lawyer"), document=complaint, values={"subject": "x"}, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        document_create(
            actor=person("sales1"), document_type=complaint_type, values={"client": clients[0].pk}
        )
    with pytest.raises(PermissionDenied):
        document_delete(actor=person("service_head"), document=complaint)


def test_an_act_links_to_its_complaint_with_a_linked_event_on_the_complaint(
    make_complaint, person, act_type
) -> None:
    complaint = make_complaint()

    act = document_create(
        actor=person("investigator1"),
        document_type=act_type,
        values={"complaint": complaint.pk, "cause": "carrier", "proposed_compensation": "5000"},
    )

    assert act.number.startswith("АР-")
    assert list(documents_referencing(complaint)) == [act]
    assert list(documents_referencing(complaint, user=person("reception"))) == []
    assert list(documents_referencing(complaint, user=person("lawyer"))) == [act]
    complaint_events = events_of(complaint)
    assert [event.kind for event in complaint_events] == [EventKind.CREATED, EventKind.LINKED]
    linked = complaint_events[1]
    assert (linked.related_entity_type, linked.related_record_id) == ("document.investigation_act", act.pk)
    assert linked.snapshot["number"] == complaint.number
    assert [event.kind for event in events_of(act)] == [EventKind.CREATED]


def test_repointing_an_act_unlinks_the_old_complaint(make_complaint, person, act_type) -> None:
    first, second = make_complaint(), make_complaint()
    act = document_create(
        actor=person("investigator1"), document_type=act_type, values={"complaint": first.pk}
    )

    document_update(
        actor=person("investigator1"), document=act, values={"complaint": second.pk}, expected_version=1
    )

    assert [event.kind for event in events_of(first)][-1] == EventKind.UNLINKED
    assert [event.kind for event in events_of(second)][-1] == EventKind.LINKED
    assert list(DocumentReference.objects.filter(source=act).values_list("target_id", flat=True)) == [
        second.pk
    ]


def test_a_reference_to_a_document_the_user_cannot_see_is_refused(
    make_complaint, person, act_type, demo_company
) -> None:
    from potok.access.models import Action, Scope
    from potok.access.selectors import forget_user_access
    from potok.access.services import access_rule_set
    from potok.accounts.models import Role

    complaint = make_complaint()
    sales1 = person("sales1")
    role = Role.objects.get(code="sales_manager")
    access_rule_set(
        actor=None, role=role, entity_type="document.investigation_act", action=Action.CREATE, scope=Scope.ALL
    )
    access_rule_set(
        actor=None, role=role, entity_type="document.complaint", action=Action.READ, scope=Scope.OWN
    )
    forget_user_access(sales1)

    with pytest.raises(ValidationFailed) as caught:
        document_create(actor=sales1, document_type=act_type, values={"complaint": complaint.pk})

    assert list(caught.value.errors) == ["complaint"]
    assert str(complaint.pk) in caught.value.errors["complaint"][0]
    assert not Document.objects.filter(document_type=act_type, author=sales1).exists()


def test_an_editor_keeps_a_reference_he_could_not_pick_himself(make_complaint, person, act_type) -> None:
    """The act's complaint stays valid when someone who may change the act but not read that complaint
    saves the act (the value was already there)."""
    from potok.access.models import Action, Scope
    from potok.access.services import access_rule_set
    from potok.accounts.models import Role

    complaint = make_complaint()
    act = document_create(
        actor=None, document_type=act_type, values={"complaint": complaint.pk, "findings": "a"}
    )
    sales1 = person("sales1")
    role = Role.objects.get(code="sales_manager")
    access_rule_set(
        actor=None, role=role, entity_type="document.investigation_act", action=Action.UPDATE, scope=Scope.ALL
    )
    access_rule_set(
        actor=None, role=role, entity_type="document.investigation_act", action=Action.READ, scope=Scope.ALL
    )

    document_update(
        actor=sales1,
        document=act,
        values={"complaint": complaint.pk, "findings": "b"},
        expected_version=1,
        partial=False,
    )
    act.refresh_from_db()
    assert act.data["findings"] == "b"


def test_delete_is_refused_while_another_document_refers_to_it(make_complaint, person, act_type) -> None:
    complaint = make_complaint()
    act = document_create(
        actor=person("investigator1"), document_type=act_type, values={"complaint": complaint.pk}
    )
    admin = person("admin")

    with pytest.raises(Conflict):
        document_delete(actor=admin, document=complaint)

    document_delete(actor=admin, document=act, expected_version=1)
    document_delete(actor=admin, document=complaint)

    assert not Document.objects.filter(pk__in=[act.pk, complaint.pk]).exists()
    deleted = DomainEvent.objects.filter(
        kind=EventKind.DELETED, record_id__in=[act.pk, complaint.pk]
    ).order_by("id")
    assert [event.snapshot["number"] for event in deleted] == [act.number, complaint.number]
    unlinked = DomainEvent.objects.get(kind=EventKind.UNLINKED, record_id=complaint.pk)
    assert unlinked.related_record_id == act.pk


def test_a_process_may_act_without_a_user(make_complaint, complaint_type, clients) -> None:
    from potok.core.context import acting

    with acting(origin="process"):
        complaint = document_create(
            actor=None,
            document_type=complaint_type,
            values={"client": clients[1].pk, "subject": "Из процесса"},
        )
        document_set_status(actor=None, document=complaint, status="in_work")

    events = events_of(complaint)
    assert [event.origin for event in events] == ["process", "process"]
    assert AuditEvent.objects.filter(record_id=str(complaint.pk), origin="process").count() == 2


def test_merging_counterparties_moves_their_complaints_to_the_survivor(
    make_complaint, clients, person
) -> None:
    """The documents app's merge hook (registered in potok.clients.MERGE_HOOKS), called as the merge does."""
    from potok.clients import MERGE_HOOKS
    from potok.clients.services.counterparties import counterparty_create
    from potok.documents.services.documents import move_documents_to_survivor

    duplicate = counterparty_create(actor=None, fields={"kind": "legal", "name": "Ромашка ООО"})
    complaint = make_complaint(client=duplicate.pk)
    assert move_documents_to_survivor in MERGE_HOOKS

    move_documents_to_survivor(actor=person("admin"), survivor=clients[0], merged=duplicate)

    complaint.refresh_from_db()
    assert complaint.data["client"] == clients[0].pk
    assert events_of(complaint)[-1].changes == {"client": [duplicate.pk, clients[0].pk]}
    assert events_of(complaint)[-1].actor == person("admin")


def test_a_merge_of_counterparties_repoints_complaints_through_the_hook(
    make_complaint, clients, person
) -> None:
    from potok.clients.services.counterparties import counterparty_create
    from potok.clients.services.merge import counterparty_merge

    duplicate = counterparty_create(actor=None, fields={"kind": "legal", "name": "Ромашка, ООО"})
    complaint = make_complaint(client=duplicate.pk)

    counterparty_merge(actor=person("admin"), survivor=clients[0], merged=duplicate)

    complaint.refresh_from_db()
    assert complaint.data["client"] == clients[0].pk
