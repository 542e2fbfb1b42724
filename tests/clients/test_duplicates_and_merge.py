"""Duplicates by ИНН, phone, email and similar name; merging moves everything and keeps the history."""

from __future__ import annotations

import pytest

from potok.audit.models import AuditEvent
from potok.clients import MERGE_HOOKS
from potok.clients.duplicates import find_duplicates
from potok.clients.models import Contact, Counterparty, Interaction
from potok.clients.services import contact_create, counterparty_merge, interaction_create
from potok.core.errors import Conflict, ValidationFailed
from potok.core.models import DomainEvent
from tests.clients.conftest import inn10

pytestmark = pytest.mark.django_db


def test_candidates_by_inn_phone_email_and_similar_name(make_counterparty) -> None:
    by_inn = make_counterparty(name="Альфа", inn=inn10(10), kpp="773001001")
    by_phone = make_counterparty(name="Бета", phones=["+79161234567"])
    by_email = make_counterparty(name="Гамма", emails=["sales@delta.ru"])
    by_name = make_counterparty(name="АО «Северная звезда»")
    make_counterparty(name="Совсем другой")

    found = find_duplicates(
        name="ООО Северная звезда",
        inn=inn10(10),
        kpp="773001001",
        phones=["+79161234567"],
        emails=["sales@delta.ru"],
    )

    assert {c.counterparty.pk for c in found} == {by_inn.pk, by_phone.pk, by_email.pk, by_name.pk}
    reasons = {c.counterparty.pk: " ".join(c.reasons) for c in found}
    assert "ИНН" in reasons[by_inn.pk]


def test_a_slightly_different_spelling_is_similar(make_counterparty) -> None:
    original = make_counterparty(name="ООО «Торговый дом Северный ветер»")
    found = find_duplicates(name="Торговый дом «Северный ветерр»")
    assert [c.counterparty.pk for c in found] == [original.pk]


def test_merge_moves_contacts_and_interactions_and_keeps_the_history(make_counterparty, person) -> None:
    survivor = make_counterparty(name="ООО «Ромашка»", phones=["+79161234567"])
    duplicate = make_counterparty(
        name="Ромашка", inn="", phones=["+74951112233"], legal_address="Москва, ул. Ленина, 1", tags=["VIP"]
    )
    contact = contact_create(actor=None, counterparty=duplicate, fields={"first_name": "Анна"})
    interaction = interaction_create(
        actor=None, counterparty=duplicate, fields={"kind": "call", "subject": "Звонок"}
    )
    hooked = []
    MERGE_HOOKS.append(lambda *, actor, survivor, merged: hooked.append((survivor.pk, merged.pk)))
    DomainEvent.objects.all().delete()
    try:
        kept = counterparty_merge(actor=person("admin"), survivor=survivor, merged=duplicate)
    finally:
        MERGE_HOOKS.pop()

    assert hooked == [(survivor.pk, duplicate.pk)]
    assert Contact.objects.get(pk=contact.pk).counterparty_id == survivor.pk
    assert Interaction.objects.get(pk=interaction.pk).counterparty_id == survivor.pk
    gone = Counterparty.objects.get(pk=duplicate.pk)
    assert gone.deleted_at is not None and gone.merged_into_id == survivor.pk
    assert kept.phones == ["+79161234567", "+74951112233"] and kept.tags == ["VIP"]
    assert kept.legal_address == "Москва, ул. Ленина, 1"
    by_record = {(e.entity_type, e.record_id): e.kind for e in DomainEvent.objects.all()}
    assert by_record == {
        ("counterparty", survivor.pk): "updated",
        ("counterparty", duplicate.pk): "deleted",
        ("contact", contact.pk): "updated",
        ("interaction", interaction.pk): "updated",
    }
    gone_audit = AuditEvent.objects.get(
        entity_type="counterparty", record_id=str(duplicate.pk), action="deleted"
    )
    assert gone_audit.message.startswith("merged into") or "ООО «Ромашка»" in gone_audit.message
    assert AuditEvent.objects.get(
        entity_type="counterparty", record_id=str(survivor.pk), action="updated"
    ).message.startswith("Ромашка")


def test_a_failing_hook_cancels_the_whole_merge(make_counterparty) -> None:
    survivor, duplicate = make_counterparty(), make_counterparty(inn="")
    contact_create(actor=None, counterparty=duplicate, fields={"first_name": "Анна"})

    def broken(*, actor, survivor, merged):  # type: ignore[no-untyped-def]
        raise ValidationFailed({"documents": "cannot move"})

    MERGE_HOOKS.append(broken)
    try:
        with pytest.raises(ValidationFailed):
            counterparty_merge(actor=None, survivor=survivor, merged=duplicate)
    finally:
        MERGE_HOOKS.remove(broken)

    assert Counterparty.objects.get(pk=duplicate.pk).deleted_at is None
    assert Contact.objects.get().counterparty_id == duplicate.pk


def test_merge_refuses_itself_different_inn_and_stale_versions(make_counterparty) -> None:
    first, second = make_counterparty(), make_counterparty()
    with pytest.raises(ValidationFailed):
        counterparty_merge(actor=None, survivor=first, merged=first)
    with pytest.raises(ValidationFailed):
        counterparty_merge(actor=None, survivor=first, merged=second)
    third = make_counterparty(inn="")
    with pytest.raises(Conflict):
        counterparty_merge(actor=None, survivor=first, merged=third, merged_version=7)
