"""History for the demo: complaints registered over the last weeks and worked through the real services
with the clock set back, so every inbox, list and heatmap has something on first login — some closed,
some waiting at each step, some overdue — and one incident for the administrator to fix.

The incident: «Выплата компенсации» tells the chief accountant (login `glavbuh`), who does not exist yet.
The administrator creates the user and retries the incident; the process goes on.

The leave: `investigator2` is away this week and `investigator1` is his deputy (S3).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from potok.core import clock
from potok.demo.company import DemoCompany

# How far each complaint gets: the step it stops before (None: to the end).
STAGES = ["assign"] * 4 + ["investigate"] * 8 + ["approve"] * 3 + ["answer"] * 5 + [None] * 10
SUBJECTS = [
    "Товар пришёл с повреждённой упаковкой",
    "Недостача по накладной",
    "Срыв срока поставки",
    "Пересортица в партии",
    "Брак в партии",
    "Ошибка в счёте",
    "Грубость водителя",
    "Не тот артикул",
]


def _moment(days_ago: int, hour: int) -> datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    day = (datetime.now(zone) - timedelta(days=days_ago)).date()
    while day.weekday() >= 5:  # registered on a working day
        day -= timedelta(days=1)
    return datetime.combine(day, time(hour, 0), tzinfo=zone)


def build(company: DemoCompany) -> str:
    from potok.automation.dispatch import dispatch_events
    from potok.clients.models import Counterparty
    from potok.core.models import DomainEvent
    from potok.documents.models import DocumentType
    from potok.documents.services import document_create
    from potok.processes.models import Incident, ProcessInstance, Task
    from potok.processes.services.instances import process_start
    from potok.tasks.services import task_complete

    rng = company.rng
    users = company.users
    complaint_type = DocumentType.objects.get(code="complaint")
    act_type = DocumentType.objects.get(code="investigation_act")
    clients = list(
        Counterparty.objects.filter(merged_into__isnull=True).exclude(segment="VIP").order_by("id")[:60]
    )
    vip = list(Counterparty.objects.filter(merged_into__isnull=True, segment="VIP").order_by("id")[:5])

    def step(instance: Any, node_id: str) -> Task | None:
        return Task.objects.filter(instance=instance, node_id=node_id, state="open").first()

    def later(hours: float) -> None:
        clock.freeze(clock.now() + timedelta(hours=hours))

    # The rules were made just now; the history happened before, so the rules count as enabled then.
    from potok.automation.models import StartRule
    from potok.automation.ruleset import bump_generation

    StartRule.objects.filter(enabled=True, entity_type="document.complaint").update(
        enabled_since=_moment(40, 8)
    )
    bump_generation()
    reached: dict[str, int] = {}
    try:
        for number, stop in enumerate(STAGES):
            if number % 4 == 0 and stop in ("assign", "investigate"):
                # Came in during the last hours: these are still within their deadlines.
                clock.freeze(datetime.now(ZoneInfo(settings.TIME_ZONE)) - timedelta(hours=rng.randint(1, 3)))
            else:
                days_ago = 2 + (number * 23) // len(STAGES) + rng.randint(0, 2)
                clock.freeze(_moment(days_ago, rng.choice([9, 10, 11, 14, 15])))
            client = vip[number % len(vip)] if number % 7 == 3 and vip else rng.choice(clients)
            amount = rng.choice([4500, 8000, 12000, 18000, 25000, 60000, 140000])
            complaint = document_create(
                actor=users["reception"],
                document_type=complaint_type,
                values={
                    "client": client.pk,
                    "subject": rng.choice(SUBJECTS),
                    "claimed_amount": str(amount),
                    "severity": rng.choice(["low", "normal", "normal", "high", "critical"]),
                    "channel": rng.choice(["phone", "email", "site"]),
                    "description": "Клиент просит разобраться и компенсировать ущерб.",
                },
            )
            # What the worker does after the commit, done here at the moment the complaint came in.
            dispatch_events(
                DomainEvent.objects.filter(dispatched_at__isnull=True).values_list("id", flat=True)
            )
            instance = ProcessInstance.objects.filter(
                entity_type="document.complaint", record_id=complaint.pk
            ).first()
            if instance is None:
                continue
            investigator = users[rng.choice(["investigator1", "investigator2"])]
            compensation = str(min(amount, rng.choice([3000, 7000, 9500, 15000, 22000])))
            for node_id in ("assign", "investigate", "approve", "answer", "contract"):
                if node_id == stop:
                    break
                if node_id == "investigate" and stop is not None and number % 4 == 0:
                    break
                later(rng.uniform(1, 20))
                task = step(instance, node_id)
                if task is None:
                    continue
                if node_id == "assign":
                    task_complete(
                        actor=task.assignee,
                        task=task,
                        outcome="assigned",
                        values={"investigator": investigator.pk},
                    )
                elif node_id == "investigate":
                    document_create(
                        actor=task.assignee,
                        document_type=act_type,
                        values={
                            "complaint": complaint.pk,
                            "findings": "Повреждение груза при перевозке",
                            "cause": rng.choice(["our_fault", "carrier", "client"]),
                            "proposed_compensation": compensation,
                        },
                    )
                    task_complete(
                        actor=task.assignee,
                        task=task,
                        outcome="done",
                        values={"compensation": compensation, "findings": "Подтверждено"},
                    )
                elif node_id == "approve":
                    task_complete(
                        actor=task.assignee,
                        task=task,
                        outcome="approve",
                        values={"approval_comment": "Согласовано"},
                    )
                elif node_id == "answer":
                    task_complete(
                        actor=task.assignee,
                        task=task,
                        outcome="sent",
                        values={"answer": "Приносим извинения, компенсация будет выплачена."},
                    )
                else:
                    task_complete(
                        actor=task.assignee, task=task, outcome="checked", values={"contract_ok": True}
                    )
            reached[stop or "closed"] = reached.get(stop or "closed", 0) + 1
            if stop is None and "compensation_payment" not in reached:
                process_start(
                    actor=users["service_head"],
                    process_key="compensation_payment",
                    entity_type="document.complaint",
                    record_id=complaint.pk,
                    variables={"complaint_id": complaint.pk},
                    reason="Компенсация согласована",
                )
                reached["compensation_payment"] = 1
    finally:
        clock.freeze(None)
    leave = _seed_leave(company)
    incidents = Incident.objects.filter(state="open").count()
    waiting = ", ".join(f"{count} at {stage}" for stage, count in sorted(reached.items()))
    return (
        f"History: {len(STAGES)} complaints worked through the services ({waiting}); "
        f"{incidents} incident to fix; {leave}."
    )


def _seed_leave(company: DemoCompany) -> str:
    """S3: `investigator2` is on leave this week with `investigator1` as his deputy, recorded by the head of
    the service department as he would in the absences page, so new tasks addressed to him go to the deputy."""
    from potok.accounts.models import AbsenceKind
    from potok.tasks.services.absences import absence_add, substitution_add

    users = company.users
    today = datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    absent, deputy, head = users["investigator2"], users["investigator1"], users["service_head"]
    absence_add(actor=head, user=absent, kind=AbsenceKind.LEAVE, starts_on=monday, ends_on=sunday)
    substitution_add(actor=head, absent=absent, deputy=deputy, starts_on=monday, ends_on=sunday)
    return f"{absent.username} on leave {monday:%d.%m}–{sunday:%d.%m} with {deputy.username} as deputy"
