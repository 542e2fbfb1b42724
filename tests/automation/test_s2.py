"""S2 end to end at the service level: different processes by conditions, on complaints, counterparties
and deals; the time-based control of overdue complaints on a controllable clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from potok.automation.models import Outcome, RuleEvaluation, RuleStart, RuleTimer
from potok.automation.services import rule_create
from potok.processes.models import ProcessInstance
from tests.automation.conftest import started

pytestmark = pytest.mark.django_db

COMPLAINT = "document.complaint"


def rule(admin: Any, **data: Any) -> Any:
    data.setdefault("enabled", True)
    return rule_create(actor=admin, data=data)


@pytest.fixture
def s2_rules(admin, s2_processes, complaint_type) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    mapping = [
        {"target": "complaint_id", "source": "id"},
        {"target": "complaint_number", "source": "number"},
        {"target": "client_id", "source": "client.id"},
        {"target": "client_name", "source": "client.name"},
        {"target": "amount", "source": "claimed_amount"},
        {"target": "severity", "source": "severity"},
    ]
    return {
        "vip": rule(
            admin,
            name="VIP complaint",
            entity_type=COMPLAINT,
            event="created",
            condition={"field": "client.segment", "op": "eq", "value": "VIP"},
            process_key="complaint_review_vip",
            priority=10,
            stop_after_match=True,
            variable_mapping=mapping,
        ),
        "any": rule(
            admin,
            name="Any complaint",
            entity_type=COMPLAINT,
            event="created",
            process_key="complaint_review",
            variable_mapping=mapping,
        ),
        "legal": rule(
            admin,
            name="Big claim",
            entity_type=COMPLAINT,
            event="updated",
            options={"fields": ["claimed_amount"]},
            condition={"field": "claimed_amount", "op": "became_gt", "value": 100000},
            process_key="legal_review",
            variable_mapping=mapping,
        ),
        "overdue": rule(
            admin,
            name="Open 10 days",
            entity_type=COMPLAINT,
            event="time",
            options={"date_field": "created", "amount": 10, "unit": "days"},
            condition={"field": "status", "op": "not_in", "value": ["closed", "rejected"]},
            process_key="overdue_complaint_control",
            variable_mapping=mapping,
        ),
    }


def test_a_vip_complaint_starts_only_the_vip_process(s2_rules, make_complaint, make_counterparty, worker):
    # given a VIP client
    vip = make_counterparty("ООО «Важный клиент»", segment="VIP")
    # when a complaint of it is registered
    complaint = make_complaint(client=vip.pk, claimed_amount="5000.00", severity="high")
    worker()
    # then only the VIP review starts, with the complaint's values
    assert started("complaint_review_vip") == 1
    assert started("complaint_review") == 0
    instance = ProcessInstance.objects.get(process_id="complaint_review_vip")
    assert (instance.entity_type, instance.record_id) == (COMPLAINT, complaint.pk)
    variables = instance.variables
    assert variables["complaint_id"] == complaint.pk
    assert variables["complaint_number"] == complaint.number
    assert variables["client_name"] == "ООО «Важный клиент»"
    assert variables["severity"] == "high"
    # and the normal rule was skipped because the VIP rule stops the others
    skipped = RuleEvaluation.objects.get(rule=s2_rules["any"], record_id=complaint.pk)
    assert skipped.outcome == Outcome.SKIPPED and "VIP complaint" in skipped.reason


def test_other_complaints_start_the_normal_review(s2_rules, make_complaint, worker):
    complaint = make_complaint(claimed_amount="1000.00")
    worker()
    assert started("complaint_review") == 1
    assert started("complaint_review_vip") == 0
    evaluation = RuleEvaluation.objects.get(rule=s2_rules["vip"], record_id=complaint.pk)
    assert evaluation.outcome == Outcome.NOT_MATCHED
    assert evaluation.trace[0]["description"] == "client.segment = 'VIP'"
    assert evaluation.trace[0]["value"] == "SMB"


def test_a_claim_crossing_100000_starts_legal_review_exactly_once(s2_rules, make_complaint, worker):
    from potok.documents.services import document_update

    complaint = make_complaint(claimed_amount="50000.00")
    worker()
    for amount in ("90000.00", "150000.00", "160000.00", "200000.00"):
        complaint = document_update(
            actor=None, document=complaint, values={"claimed_amount": amount}, expected_version=None
        )
        worker()
    document_update(actor=None, document=complaint, values={"subject": "Другое"}, expected_version=None)
    worker()
    assert started("legal_review") == 1
    outcomes = list(
        RuleEvaluation.objects.filter(rule=s2_rules["legal"], record_id=complaint.pk)
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    # 90 000 no; 150 000 yes; 160 000 and 200 000 no (already over); the subject change is not heard
    assert outcomes == [Outcome.NOT_MATCHED, Outcome.MATCHED, Outcome.NOT_MATCHED, Outcome.NOT_MATCHED]


def test_a_claim_created_over_100000_does_not_need_the_change_rule(s2_rules, make_complaint, worker):
    make_complaint(claimed_amount="500000.00")
    worker()
    assert started("legal_review") == 0  # the rule listens to changes of the amount, not to creations


def test_a_complaint_open_ten_days_starts_the_control_and_a_closed_one_does_not(
    frozen, s2_rules, make_complaint, worker
):
    from potok.documents.services import document_set_status

    open_one = make_complaint()
    closed_one = make_complaint()
    worker()
    assert RuleTimer.objects.filter(rule=s2_rules["overdue"]).count() == 2
    # a few days later one is closed
    frozen(timedelta(days=3))
    closed_one = document_set_status(actor=None, document=closed_one, status="in_work")
    document_set_status(actor=None, document=closed_one, status="closed")
    worker()
    # nine days after creation nothing has started yet
    frozen(timedelta(days=6))
    worker()
    assert started("overdue_complaint_control") == 0
    # ten days after creation the open complaint starts the control, the closed one does not
    frozen(timedelta(days=1, seconds=1))
    worker()
    assert started("overdue_complaint_control") == 1
    assert ProcessInstance.objects.get(process_id="overdue_complaint_control").record_id == open_one.pk
    closed = RuleEvaluation.objects.get(rule=s2_rules["overdue"], record_id=closed_one.pk)
    assert closed.outcome == Outcome.NOT_MATCHED
    assert RuleTimer.objects.count() == 0
    # and much later nothing starts again
    frozen(timedelta(days=30))
    worker()
    assert started("overdue_complaint_control") == 1


def test_a_counterparty_without_a_manager_starts_distribution(admin, s2_processes, make_counterparty, worker):
    from potok.accounts.services import user_create

    rule(
        admin,
        name="New client without a manager",
        entity_type="counterparty",
        event="created",
        condition={"field": "responsible", "op": "is_empty"},
        process_key="client_distribution",
        variable_mapping=[
            {"target": "counterparty_id", "source": "id"},
            {"target": "name", "source": "name"},
        ],
    )
    manager = user_create(actor=None, username="sales9", password=None)
    orphan = make_counterparty("ООО «Без менеджера»")
    make_counterparty("ООО «С менеджером»", responsible=manager)
    worker()
    assert started("client_distribution") == 1
    instance = ProcessInstance.objects.get(process_id="client_distribution")
    assert instance.record_id == orphan.pk and instance.variables["name"] == "ООО «Без менеджера»"


def test_a_deal_moved_to_won_starts_the_handover(admin, s2_processes, make_counterparty, worker):
    from potok.sales.models import Stage
    from potok.sales.services.deals import deal_create, deal_move
    from potok.sales.services.pipelines import pipeline_create, stage_create

    pipeline = pipeline_create(actor=admin, code="wholesale", name="Опт")
    first = stage_create(actor=admin, pipeline=pipeline, fields={"code": "new", "name": "Новая"})
    stage_create(actor=admin, pipeline=pipeline, fields={"code": "won", "name": "Выиграна", "kind": "won"})
    rule(
        admin,
        name="Won deal",
        entity_type="deal",
        event="status_changed",
        options={"to": ["won"]},
        process_key="deal_handover",
        variable_mapping=[{"target": "deal_id", "source": "id"}, {"target": "amount", "source": "amount"}],
    )
    client = make_counterparty()
    deal = deal_create(
        actor=admin,
        fields={
            "title": "Поставка",
            "pipeline": pipeline,
            "stage": first,
            "counterparty": client,
            "amount": "250000",
        },
    )
    worker()
    assert started("deal_handover") == 0
    deal_move(
        actor=admin, deal=deal, stage=Stage.objects.get(pipeline=pipeline, code="won"), expected_version=None
    )
    worker()
    assert started("deal_handover") == 1
    assert RuleStart.objects.get(rule__name="Won deal").record_id == deal.pk
