"""SCENARIOS.md S1 end to end on the demo company: a receptionist saves a complaint, and with no further
action the start rule starts «Рассмотрение претензии»; the service head, the investigator, the director
and the lawyer do their tasks; the complaint closes; the explain log says why the rule matched.

Everything runs as in the product: services for the people's actions, the outbox dispatched after commit,
the worker's round for the background work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from potok.accounts.models import User
from potok.clients.models import Counterparty
from potok.core.errors import ValidationFailed
from potok.documents.models import Document, DocumentType
from potok.documents.services import document_create
from potok.processes.models import ProcessInstance, Task
from potok.tasks.services import task_complete

pytestmark = pytest.mark.django_db(transaction=True)


def user(username: str) -> User:
    return User.objects.get(username=username)


def worker_round() -> None:
    """What `potok worker` does while it finds work: queued tasks, then periodic work."""
    from potok.cli.worker import PotokWorker
    from potok.core import periodic

    worker = PotokWorker(interval=0)
    while worker.run_once() or periodic.run_all_now():
        pass


def open_task(instance: ProcessInstance, node_id: str) -> Task:
    return Task.objects.get(instance=instance, node_id=node_id, state="open")


def test_a_complaint_starts_its_own_process_and_runs_to_the_end(demo_company) -> None:
    # given an ordinary (not VIP) client and the receptionist
    client = (
        Counterparty.objects.exclude(segment="VIP").filter(merged_into__isnull=True).order_by("id").first()
    )
    complaint_type = DocumentType.objects.get(code="complaint")
    # when she saves a complaint
    complaint = document_create(
        actor=user("reception"),
        document_type=complaint_type,
        values={
            "client": client.pk,
            "subject": "Товар пришёл разбитым",
            "claimed_amount": "25000",
            "severity": "high",
            "channel": "phone",
        },
    )
    worker_round()

    # then «Рассмотрение претензии» started by itself, and the service head has «Назначить ответственного»
    instance = ProcessInstance.objects.get(entity_type="document.complaint", record_id=complaint.pk)
    assert instance.process_id == "complaint_review"
    assign = open_task(instance, "assign")
    assert assign.assignee == user("service_head")
    assert assign.due_at is not None and assign.due_at > assign.created_at

    # he picks investigator1, who gets «Провести расследование» and the complaint is in work
    task_complete(
        actor=user("service_head"),
        task=assign,
        outcome="assigned",
        values={"investigator": user("investigator1").pk},
    )
    investigate = open_task(instance, "investigate")
    assert investigate.assignee == user("investigator1")
    complaint.refresh_from_db()
    assert complaint.status == "in_work"

    # she cannot complete it before an «Акт расследования» linked to this complaint exists
    with pytest.raises(ValidationFailed) as refused:
        task_complete(
            actor=user("investigator1"), task=investigate, outcome="done", values={"compensation": "15000"}
        )
    assert "Акт расследования" in str(refused.value)
    document_create(
        actor=user("investigator1"),
        document_type=DocumentType.objects.get(code="investigation_act"),
        values={
            "complaint": complaint.pk,
            "findings": "Бой при перевозке",
            "cause": "carrier",
            "proposed_compensation": "15000",
        },
    )
    task_complete(
        actor=user("investigator1"), task=investigate, outcome="done", values={"compensation": "15000"}
    )

    # more than 10 000 ₽: the director approves
    approve = open_task(instance, "approve")
    assert approve.assignee == user("director")
    task_complete(actor=user("director"), task=approve, outcome="approve", values={"approval_comment": "Да"})

    # then in parallel: the answer by investigator1 and the contract check by the lawyer
    answer, contract = open_task(instance, "answer"), open_task(instance, "contract")
    assert (answer.assignee, contract.assignee) == (user("investigator1"), user("lawyer"))
    task_complete(actor=user("lawyer"), task=contract, outcome="checked", values={"contract_ok": True})
    instance.refresh_from_db()
    assert instance.state == "running"
    task_complete(
        actor=user("investigator1"), task=answer, outcome="sent", values={"answer": "Компенсируем 15 000 ₽"}
    )

    # the complaint is «Закрыта» and the process ended
    instance.refresh_from_db()
    complaint.refresh_from_db()
    assert instance.state == "completed"
    assert complaint.status == "closed"
    assert instance.variables["compensation"] in (
        {"$type": "decimal", "value": "15000.00"},
        {"$type": "decimal", "value": "15000"},
        15000,
        str(Decimal("15000.00")),
    )

    # the explain log says which rules were evaluated for this complaint and why
    from potok.automation.models import RuleEvaluation

    evaluations = RuleEvaluation.objects.filter(entity_type="document.complaint", record_id=complaint.pk)
    outcomes = {evaluation.rule_version.rule.process_key: evaluation.outcome for evaluation in evaluations}
    assert outcomes.get("complaint_review") == "matched"
    assert outcomes.get("complaint_review_vip") in ("not_matched", "skipped", None)


def test_a_vip_complaint_starts_only_the_vip_process(demo_company) -> None:
    client = Counterparty.objects.filter(segment="VIP", merged_into__isnull=True).order_by("id").first()
    complaint = document_create(
        actor=user("reception"),
        document_type=DocumentType.objects.get(code="complaint"),
        values={"client": client.pk, "subject": "Срыв поставки", "claimed_amount": "5000"},
    )
    worker_round()
    keys = set(
        ProcessInstance.objects.filter(entity_type="document.complaint", record_id=complaint.pk).values_list(
            "process_id", flat=True
        )
    )
    assert keys == {"complaint_review_vip"}
    assert Document.objects.get(pk=complaint.pk).status in ("registered", "in_work")
