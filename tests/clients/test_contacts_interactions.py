"""Contacts with 152-ФЗ consent; interactions with participants on a keyset-paginated timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from potok.clients.selectors import timeline
from potok.clients.services import (
    contact_create,
    contact_update,
    interaction_create,
    interaction_delete,
    interactions_create_many,
)
from potok.core.errors import Conflict, ValidationFailed
from potok.core.models import DomainEvent

pytestmark = pytest.mark.django_db


def test_a_contact_with_consent_is_created_with_its_event(make_counterparty) -> None:
    counterparty = make_counterparty()

    contact = contact_create(
        actor=None,
        counterparty=counterparty,
        fields={
            "last_name": "Иванова",
            "first_name": "Мария",
            "position": "главный бухгалтер",
            "phones": ["8 916 765-43-21"],
            "emails": ["M.Ivanova@Example.ru"],
            "consent_given_on": "15.03.2025",
            "consent_purpose": "исполнение договора поставки",
            "consent_source": "письменное согласие",
        },
    )

    assert contact.phones == ["+79167654321"] and contact.emails == ["m.ivanova@example.ru"]
    assert contact.consent_given_on == dt.date(2025, 3, 15) and contact.has_consent
    [event] = DomainEvent.objects.filter(entity_type="contact")
    assert event.kind == "created" and event.snapshot["consent_purpose"] == "исполнение договора поставки"


def test_consent_needs_a_purpose_and_cannot_be_withdrawn_before_it_was_given(make_counterparty) -> None:
    counterparty = make_counterparty()
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        contact_create(
            actor=None,
            counterparty=counterparty,
            fields={"first_name": "Пётр", "consent_given_on": "2025-01-10"},
        )
    assert "consent_purpose" in error.value.errors

    contact = contact_create(actor=None, counterparty=counterparty, fields={"first_name": "Пётр"})
    with pytest.raises(ValidationFailed) as error:
        contact_update(
            actor=None, contact=contact, expected_version=1, fields={"consent_withdrawn_on": "2025-01-10"}
        )
    assert "consent_withdrawn_on" in error.value.errors


def test_contact_update_checks_the_version(make_counterparty) -> None:
    contact = contact_create(actor=None, counterparty=make_counterparty(), fields={"first_name": "Анна"})
    contact_update(actor=None, contact=contact, expected_version=1, fields={"position": "директор"})
    with pytest.raises(Conflict):
        contact_update(actor=None, contact=contact, expected_version=1, fields={"position": "бухгалтер"})


def test_an_interaction_emits_created_and_a_linked_event_on_the_counterparty(
    make_counterparty, person
) -> None:
    counterparty = make_counterparty()
    contact = contact_create(actor=None, counterparty=counterparty, fields={"first_name": "Анна"})
    manager = person("sales1")

    interaction = interaction_create(
        actor=manager,
        counterparty=counterparty,
        fields={
            "kind": "call",
            "subject": "Уточнили объём поставки",
            "outcome": "ждут КП",
            "users": [manager, person("sales2")],
            "contacts": [contact],
        },
    )

    created = DomainEvent.objects.get(entity_type="interaction", record_id=interaction.pk)
    assert created.kind == "created" and created.snapshot["contacts"] == [contact.pk]
    linked = DomainEvent.objects.get(entity_type="counterparty", kind="linked", record_id=counterparty.pk)
    assert (linked.record_id, linked.related_entity_type, linked.related_record_id) == (
        counterparty.pk,
        "interaction",
        interaction.pk,
    )
    assert interaction.author == manager


def test_participants_must_be_contacts_of_the_same_counterparty(make_counterparty) -> None:
    first, second = make_counterparty(), make_counterparty()
    stranger = contact_create(actor=None, counterparty=second, fields={"first_name": "Чужой"})
    with pytest.raises(ValidationFailed) as error:
        interaction_create(
            actor=None,
            counterparty=first,
            fields={"kind": "meeting", "subject": "Встреча", "contacts": [stranger]},
        )
    assert "contacts" in error.value.errors


def test_deleting_an_interaction_unlinks_it(make_counterparty) -> None:
    interaction = interaction_create(
        actor=None, counterparty=make_counterparty(), fields={"kind": "note", "subject": "Заметка"}
    )
    interaction_delete(actor=None, interaction=interaction, expected_version=1)
    kinds = list(DomainEvent.objects.order_by("id").values_list("entity_type", "kind"))
    assert kinds[-2:] == [("interaction", "deleted"), ("counterparty", "unlinked")]


def test_the_timeline_is_newest_first_in_keyset_pages(make_counterparty, person) -> None:
    counterparty = make_counterparty()
    start = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    # Two interactions share a moment: the id breaks the tie without losing or repeating one.
    moments = [start + dt.timedelta(hours=n // 2) for n in range(45)]
    interactions_create_many(
        actor=None,
        counterparty=counterparty,
        rows=[
            {"kind": "note", "subject": f"#{n}", "occurred_at": moment} for n, moment in enumerate(moments)
        ],
    )
    director = person("admin")

    seen, cursor = [], None
    while True:
        page = timeline(director, counterparty, after=cursor, size=20)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == 45 and len({i.pk for i in seen}) == 45
    keys = [(i.occurred_at, i.pk) for i in seen]
    assert keys == sorted(keys, reverse=True)
