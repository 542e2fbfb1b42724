"""Start rules on custom fields of built-in types: a deal's or a counterparty's custom field is a rule field
named by its code, read from the record's custom values; a change of it is recorded as
custom_fields.<code>, so `changed_to` sees the old and the new value."""

from __future__ import annotations

from typing import Any

import pytest

from potok.automation.record_types import BUILTIN
from potok.automation.services import rule_create
from potok.documents.services import field_create
from tests.automation.conftest import publish, started

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget_field(db) -> None:  # type: ignore[no-untyped-def]
    field_create(
        actor=None,
        owner="deal",
        code="budget_source",
        label_ru="Источник бюджета",
        label_en="Budget source",
        field_type="choice",
        settings={
            "options": [
                {"value": "own", "label_ru": "Собственные", "label_en": "Own funds"},
                {"value": "grant", "label_ru": "Грант", "label_en": "Grant"},
            ]
        },
    )


@pytest.fixture
def pipeline(admin) -> Any:  # type: ignore[no-untyped-def]
    from potok.sales.services.pipelines import pipeline_create, stage_create

    pipeline = pipeline_create(actor=admin, code="wholesale", name="Опт")
    stage_create(actor=admin, pipeline=pipeline, fields={"code": "new", "name": "Новая"})
    return pipeline


def test_a_deal_custom_field_is_a_rule_field(budget_field) -> None:
    spec = BUILTIN["deal"]().fields["budget_source"]

    assert spec.type == "choice" and dict(spec.choices)["grant"] == "Грант"
    assert spec.key == "custom_fields.budget_source" and spec.json_column == "custom_fields"


def test_a_rule_on_a_deal_custom_field_starts_once_when_it_changes_to_the_value(
    admin, budget_field, pipeline, worker
) -> None:
    from potok.sales.services.deals import deal_create, deal_update

    publish("grant_review", "Проверка гранта")
    rule_create(
        actor=admin,
        data={
            "name": "Grant deal",
            "entity_type": "deal",
            "event": "updated",
            "condition": {"field": "budget_source", "op": "changed_to", "value": "grant"},
            "process_key": "grant_review",
            "variable_mapping": [{"target": "source", "source": "budget_source"}],
            "enabled": True,
        },
    )
    deal = deal_create(
        actor=admin,
        fields={"title": "Поставка", "pipeline": pipeline, "custom_fields": {"budget_source": "own"}},
    )
    worker()

    # when another field changes, then nothing starts
    deal = deal_update(actor=admin, deal=deal, expected_version=deal.version, fields={"title": "Поставка 2"})
    worker()
    assert started("grant_review") == 0

    # when the custom field changes to «grant», then the process starts once, with its value
    deal = deal_update(
        actor=admin,
        deal=deal,
        expected_version=deal.version,
        fields={"custom_fields": {"budget_source": "grant"}},
    )
    worker()
    assert started("grant_review") == 1

    # and a later change of something else does not start it again
    deal_update(actor=admin, deal=deal, expected_version=deal.version, fields={"title": "Поставка 3"})
    worker()
    assert started("grant_review") == 1
    from potok.processes.models import ProcessInstance

    instance = ProcessInstance.objects.get(process_id="grant_review")
    assert instance.record_id == deal.pk and instance.variables["source"] == "grant"


def test_a_rule_on_a_counterparty_custom_field_at_creation(admin, make_counterparty, worker) -> None:
    field_create(
        actor=None, owner="counterparty", code="partner_level", label_ru="Уровень", field_type="integer"
    )
    publish("partner_onboarding", "Подключение партнёра")
    rule_create(
        actor=admin,
        data={
            "name": "Big partner",
            "entity_type": "counterparty",
            "event": "created",
            "condition": {"field": "partner_level", "op": "gte", "value": 3},
            "process_key": "partner_onboarding",
            "enabled": True,
        },
    )

    make_counterparty("ООО «Малый»", custom_fields={"partner_level": 1})
    make_counterparty("ООО «Без уровня»")
    big = make_counterparty("ООО «Большой»", custom_fields={"partner_level": 4})
    worker()

    assert started("partner_onboarding") == 1
    assert started("partner_onboarding", record_id=big.pk) == 1


@pytest.mark.parametrize(
    ("event", "options"),
    [
        ("field_changed", {"field": "budget_source", "to": ["grant"]}),
        ("updated", {"fields": ["budget_source"]}),
    ],
)
def test_rules_listening_to_a_deal_custom_field_hear_its_change(
    admin, budget_field, pipeline, worker, event, options
) -> None:
    from potok.sales.services.deals import deal_create, deal_update

    publish("grant_review", "Проверка гранта")
    rule_create(
        actor=admin,
        data={
            "name": "Budget changed",
            "entity_type": "deal",
            "event": event,
            "options": options,
            "process_key": "grant_review",
            "enabled": True,
        },
    )
    deal = deal_create(actor=admin, fields={"title": "Поставка", "pipeline": pipeline})
    deal = deal_update(actor=admin, deal=deal, expected_version=deal.version, fields={"title": "Другая"})
    worker()
    assert started("grant_review") == 0

    deal_update(
        actor=admin,
        deal=deal,
        expected_version=deal.version,
        fields={"custom_fields": {"budget_source": "grant"}},
    )
    worker()

    assert started("grant_review", record_id=deal.pk) == 1
