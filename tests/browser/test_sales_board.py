"""The deals board in a real browser: dragging a card to «Выиграна» is checked by the server — refused
with the stage method's message (the card snaps back) until the checklist is done, then accepted with
exactly one domain event; a pipeline with 5,000 open deals stays usable (columns load 50 cards at a
time as they scroll; timings are printed, not asserted)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from potok.core import clock
from potok.core.models import DomainEvent
from potok.sales.models import Deal, Pipeline, StageKind

pytestmark = pytest.mark.django_db(transaction=True)


def deal_in_negotiation(person):  # type: ignore[no-untyped-def]
    """A fresh deal of sales1 walked through the services to «Переговоры», its checklist there not done."""
    from potok.clients.models import Counterparty
    from potok.sales.models import Product
    from potok.sales.services import deal_checklist_tick, deal_create, deal_line_add, deal_move

    pipeline = Pipeline.objects.get(code="wholesale")
    sales1 = person("sales1")
    deal = deal_create(
        actor=sales1,
        fields={
            "title": "Перетаскиваемая сделка",
            "pipeline": pipeline,
            "counterparty": Counterparty.objects.filter(deleted_at__isnull=True).first(),
            "expected_close_date": "2026-12-25",
            "responsible": sales1,
        },
    )
    deal_line_add(
        actor=sales1,
        deal=deal,
        expected_version=None,
        fields={"product": Product.objects.first(), "quantity": "5"},
    )
    for code in ("qualification", "proposal", "negotiation"):
        deal.refresh_from_db()
        previous = deal.stage
        for item in previous.checklist:
            deal = deal_checklist_tick(
                actor=sales1, deal=deal, stage=previous, item_code=item["code"], done=True
            )
        deal = deal_move(
            actor=sales1, deal=deal, stage=pipeline.stages.get(code=code), expected_version=deal.version
        )
    return deal


def stage_events(deal: Deal) -> list[DomainEvent]:
    return [
        event
        for event in DomainEvent.objects.filter(entity_type="deal", record_id=deal.pk).order_by("id")
        if "stage" in event.changes
    ]


def test_dragging_to_won_is_refused_by_the_checklist_then_accepted_with_one_event(
    page_for, person, screenshot
) -> None:
    deal = deal_in_negotiation(person)
    moves_before = len(stage_events(deal))
    # wide enough for all six columns: a drag must not scroll the board between press and move
    page = page_for("sales1", viewport=(1920, 1000))
    page.goto(f"{page.base_url}/sales/pipelines/{deal.pipeline_id}/board/")
    card = page.locator(f"[data-testid=deal-{deal.pk}]")
    won = page.locator("[data-testid=column-won] [data-drop-target]")
    negotiation = page.locator("[data-testid=column-negotiation] [data-drop-target]")
    assert negotiation.locator(f"[data-testid=deal-{deal.pk}]").count() == 1

    # when the manager drags the card to «Выиграна» before agreeing the terms
    card.drag_to(won)

    # then the server refuses with the checklist item named, and the card is back in «Переговоры»
    error = page.locator("[data-testid=move-error]")
    error.wait_for()
    assert "Согласованы цена и условия поставки" in error.inner_text()
    page.wait_for_function(
        "id => document.querySelector(`[data-testid=column-negotiation] [data-testid=deal-${id}]`) !== null",
        arg=deal.pk,
    )
    assert won.locator(f"[data-testid=deal-{deal.pk}]").count() == 0
    assert len(stage_events(deal)) == moves_before
    screenshot(page, "sales-board-refused")

    # when the checklist is done on the deal page and the card is dragged again
    page.goto(f"{page.base_url}/sales/deals/{deal.pk}/")
    with page.expect_response(lambda response: "/checklist/" in response.url):
        page.get_by_label("Согласованы цена и условия поставки").check()
    page.locator("#checklists").get_by_text("Всё сделано для этой стадии").wait_for()
    page.goto(f"{page.base_url}/sales/pipelines/{deal.pipeline_id}/board/")
    page.locator(f"[data-testid=deal-{deal.pk}]").drag_to(
        page.locator("[data-testid=column-won] [data-drop-target]")
    )

    # then the deal is won, once
    page.locator("[data-testid=move-ok]").wait_for()
    deal.refresh_from_db()
    assert deal.stage.kind == StageKind.WON
    events = stage_events(deal)
    assert len(events) == moves_before + 1
    assert events[-1].changes["stage"] == ["negotiation", "won"]
    assert events[-1].snapshot["stage_name"] == "Выиграна" and events[-1].origin == "web"
    assert page.locator(f"[data-testid=column-won] [data-testid=deal-{deal.pk}]").count() == 1
    assert page.js_errors == []
    screenshot(page, "sales-board")


def test_dropping_on_lost_asks_for_the_reason(page_for, person) -> None:
    deal = deal_in_negotiation(person)
    page = page_for("sales1", language="en", viewport=(1920, 1000))
    page.goto(f"{page.base_url}/sales/pipelines/{deal.pipeline_id}/board/")
    page.locator(f"[data-testid=deal-{deal.pk}]").drag_to(
        page.locator("[data-testid=column-lost] [data-drop-target]")
    )
    dialog = page.locator("#loss-modal")
    dialog.wait_for(state="visible")
    page.select_option("#loss-reason", label="Дорого")
    dialog.get_by_role("button", name="Mark as lost").click()
    page.locator("[data-testid=move-ok]").wait_for()
    deal.refresh_from_db()
    assert deal.stage.kind == StageKind.LOST and deal.loss_reason.name == "Дорого"


def test_a_pipeline_with_5000_open_deals_stays_usable(page_for, person) -> None:
    from potok.sales.services import pipeline_create, stage_create

    pipeline = pipeline_create(actor=None, code="big", name="Большая воронка", sort=0)
    stages = [
        stage_create(
            actor=None, pipeline=pipeline, fields={"code": f"s{n}", "name": f"Этап {n}", "order": n * 10}
        )
        for n in range(1, 5)
    ]
    stage_create(
        actor=None, pipeline=pipeline, fields={"code": "won", "name": "Выиграна", "kind": "won", "order": 90}
    )
    stage_create(
        actor=None,
        pipeline=pipeline,
        fields={"code": "lost", "name": "Проиграна", "kind": "lost", "order": 95},
    )
    owner = person("sales1")
    now = clock.now()
    started = time.perf_counter()
    Deal.objects.bulk_create(
        [
            Deal(
                title=f"Сделка {number}",
                pipeline=pipeline,
                stage=stages[number % 4],
                stage_entered_at=now - timedelta(minutes=number),
                amount=1000 + number,
                responsible=owner,
                department=owner.department,
                created_at=now,
                updated_at=now,
            )
            for number in range(5000)
        ],
        batch_size=1000,
    )
    print(f"\n5,000 deals inserted in {time.perf_counter() - started:.2f}s")

    page = page_for("sales1")
    started = time.perf_counter()
    page.goto(f"{page.base_url}/sales/pipelines/{pipeline.pk}/board/")
    page.locator("[data-testid=column-s1] .potok-card").first.wait_for()
    print(f"board with 5,000 open deals shown in {time.perf_counter() - started:.2f}s")
    first = page.locator("[data-testid=column-s1] .potok-card")
    assert first.count() == 50
    assert page.locator("[data-testid=column-s1] [data-count]").inner_text() == "1250"

    started = time.perf_counter()
    for _ in range(3):
        loaded = first.count()
        page.locator("[data-testid=column-s1] .potok-more").scroll_into_view_if_needed()
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=column-s1] .potok-card').length > n", arg=loaded
        )
    print(
        f"3 more pages of a column loaded on scroll in {time.perf_counter() - started:.2f}s; cards: {first.count()}"
    )
    assert first.count() == 200
    started = time.perf_counter()
    page.evaluate("() => document.querySelectorAll('.potok-card').length")
    print(f"a script on the page answers in {time.perf_counter() - started:.3f}s")
    assert page.js_errors == []
