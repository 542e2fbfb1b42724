"""Leads: statuses as declared, conversion in one transaction, duplicates offered before a new client."""

from __future__ import annotations

import pytest

from potok.clients.models import Contact, Counterparty
from potok.core.errors import ValidationFailed
from potok.core.models import DomainEvent
from potok.sales.models import Deal, LeadStatus
from potok.sales.services import lead_convert, lead_create, lead_set_status

pytestmark = pytest.mark.django_db


def new_lead(person, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("title", "Запрос на поставку плёнки")
    fields.setdefault("source", "site_form")
    fields.setdefault("company_name", "ООО «Уникальное Имя Семнадцать»")
    fields.setdefault("contact_name", "Петрова Светлана Игоревна")
    fields.setdefault("email", "Petrova@Example.org")
    fields.setdefault("phone", "8 (916) 555-00-17")
    fields.setdefault("budget", "120000")
    fields.setdefault("responsible", person("sales1"))
    return lead_create(actor=person("sales1"), fields=fields)


def test_a_lead_needs_a_way_to_reach_someone_and_normalises_it(person) -> None:
    with pytest.raises(ValidationFailed) as refused:
        lead_create(actor=None, fields={"title": "?", "source": "nowhere"})
    assert "source" in refused.value.errors

    lead = new_lead(person)
    assert (lead.phone, lead.email) == ("+79165550017", "petrova@example.org")


def test_statuses_follow_the_declared_transitions(person, pipeline) -> None:
    lead = new_lead(person)
    lead = lead_set_status(actor=None, lead=lead, status="qualified", expected_version=lead.version)
    with pytest.raises(ValidationFailed) as refused:
        lead_set_status(actor=None, lead=lead, status="rejected", expected_version=lead.version)
    assert "rejection_reason" in refused.value.errors
    lead = lead_set_status(
        actor=None, lead=lead, status="rejected", expected_version=lead.version, reason="спам"
    )
    with pytest.raises(ValidationFailed):
        lead_set_status(actor=None, lead=lead, status="qualified", expected_version=lead.version)


def test_conversion_makes_counterparty_contact_and_deal_with_events(person, pipeline) -> None:
    lead = new_lead(person)

    result = lead_convert(actor=person("sales1"), lead=lead, expected_version=lead.version, pipeline=pipeline)

    assert result.lead.status == LeadStatus.CONVERTED
    assert result.counterparty.name == "ООО «Уникальное Имя Семнадцать»"
    assert (result.contact.last_name, result.contact.first_name) == ("Петрова", "Светлана")
    assert result.deal.counterparty == result.counterparty
    assert list(result.deal.contacts.all()) == [result.contact]
    assert str(result.deal.amount) == "120000.00"
    event = DomainEvent.objects.filter(entity_type="lead", record_id=lead.pk, kind="updated").latest("id")
    assert event.changes["converted"] == [False, True]
    assert event.snapshot["deal"] == result.deal.pk
    assert (
        DomainEvent.objects.filter(entity_type="deal", record_id=result.deal.pk, kind="created").count() == 1
    )


def test_a_possible_duplicate_must_be_chosen_or_overridden(person, pipeline, make_counterparty) -> None:
    existing = make_counterparty(name="ООО «Ромашка-Опт»", phones=["+79165550099"])
    lead = new_lead(person, company_name="Ромашка-Опт", phone="+7 916 555-00-99")

    with pytest.raises(ValidationFailed) as refused:
        lead_convert(actor=None, lead=lead, expected_version=lead.version, pipeline=pipeline)
    assert "Ромашка-Опт" in refused.value.errors["counterparty"][0]
    assert not Deal.objects.filter(title=lead.title).exists()

    used = lead_convert(
        actor=None, lead=lead, expected_version=lead.version, pipeline=pipeline, counterparty=existing
    )
    assert used.counterparty == existing
    assert Counterparty.objects.filter(name="ООО «Ромашка-Опт»").count() == 1


def test_create_new_despite_candidates(person, pipeline, make_counterparty) -> None:
    make_counterparty(name="ООО «Ромашка-Опт»")
    lead = new_lead(person, company_name="Ромашка-Опт")
    result = lead_convert(
        actor=None, lead=lead, expected_version=lead.version, pipeline=pipeline, create_counterparty=True
    )
    assert Counterparty.objects.filter(name__contains="Ромашка-Опт").count() == 2
    assert result.counterparty.name == "Ромашка-Опт"


def test_a_failed_conversion_leaves_nothing_behind(person, pipeline, monkeypatch) -> None:
    lead = new_lead(person)
    before = (Counterparty.objects.count(), Contact.objects.count(), Deal.objects.count())

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise ValidationFailed({"title": "broken"})

    monkeypatch.setattr("potok.sales.services.leads.deal_create", broken)
    with pytest.raises(ValidationFailed):
        lead_convert(actor=None, lead=lead, expected_version=lead.version, pipeline=pipeline)

    assert (Counterparty.objects.count(), Contact.objects.count(), Deal.objects.count()) == before
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
