"""The demo company's start rules (scenario S2), made as data through the rules' own service: complaints
go to the VIP or the normal review, a claim growing over 100 000 ₽ goes to the lawyer once, a complaint
still open ten days after it came in is checked, a new client without a manager is distributed, a won
deal is handed over. Each rule looks its process up by key and is left out, with a note, when the
process is not published (the processes module runs before this one)."""

from __future__ import annotations

from typing import Any

from potok.automation.services import rule_create
from potok.core.errors import ValidationFailed
from potok.processes.models import ProcessDefinition, VersionStatus

COMPLAINT = "document.complaint"
COMPLAINT_VARIABLES = [
    {"target": "complaint_id", "source": "id"},
    {"target": "complaint_number", "source": "number"},
    {"target": "client_id", "source": "client.id"},
    {"target": "client_name", "source": "client.name"},
    {"target": "amount", "source": "claimed_amount"},
    {"target": "severity", "source": "severity"},
]

RULES: list[dict[str, Any]] = [
    {
        "name": "Претензия VIP-клиента",
        "description": "Претензии VIP-клиентов рассматриваются по особому процессу; директор узнаёт сразу.",
        "entity_type": COMPLAINT,
        "event": "created",
        "condition": {"field": "client.segment", "op": "eq", "value": "VIP"},
        "process_key": "complaint_review_vip",
        "priority": 10,
        "stop_after_match": True,
        "variable_mapping": COMPLAINT_VARIABLES,
    },
    {
        "name": "Претензия клиента",
        "description": "Любая другая претензия — обычное рассмотрение.",
        "entity_type": COMPLAINT,
        "event": "created",
        "process_key": "complaint_review",
        "priority": 0,
        "variable_mapping": COMPLAINT_VARIABLES,
    },
    {
        "name": "Крупная претензия — к юристу",
        "description": "Заявленная сумма выросла с не более 100 000 ₽ до больше 100 000 ₽: один раз, не на каждом сохранении.",
        "entity_type": COMPLAINT,
        "event": "updated",
        "options": {"fields": ["claimed_amount"]},
        "condition": {"field": "claimed_amount", "op": "gt", "value": 100000},
        "trigger_mode": "becomes_true",
        "process_key": "legal_review",
        "variable_mapping": COMPLAINT_VARIABLES,
    },
    {
        "name": "Претензия не закрыта 10 дней",
        "description": "Через 10 календарных дней после регистрации, если претензия всё ещё не закрыта.",
        "entity_type": COMPLAINT,
        "event": "time",
        "options": {"date_field": "created", "amount": 10, "unit": "days", "direction": "after"},
        "condition": {"field": "status", "op": "not_in", "value": ["closed", "rejected"]},
        "process_key": "overdue_complaint_control",
        "variable_mapping": COMPLAINT_VARIABLES,
    },
    {
        "name": "Новый клиент без менеджера",
        "description": "Распределить клиента между менеджерами по продажам.",
        "entity_type": "counterparty",
        "event": "created",
        "condition": {"field": "responsible", "op": "is_empty"},
        "process_key": "client_distribution",
        "variable_mapping": [
            {"target": "counterparty_id", "source": "id"},
            {"target": "counterparty_name", "source": "name"},
            {"target": "segment", "source": "segment"},
        ],
    },
    {
        "name": "Сделка выиграна",
        "description": "Сделка перешла на этап «Выиграна» — передать в исполнение.",
        "entity_type": "deal",
        "event": "status_changed",
        "options": {"field": "stage", "to": ["won"]},
        "process_key": "deal_handover",
        "variable_mapping": [
            {"target": "deal_id", "source": "id"},
            {"target": "deal_title", "source": "title"},
            {"target": "amount", "source": "amount"},
            {"target": "client_id", "source": "counterparty.id"},
            {"target": "client_name", "source": "counterparty.name"},
        ],
    },
]


def _published(key: str) -> bool:
    return ProcessDefinition.objects.filter(key=key, versions__status=VersionStatus.PUBLISHED).exists()


def build(company: Any) -> str:
    admin = company.users["admin"]
    made: list[str] = []
    notes: list[str] = []
    for data in RULES:
        if not _published(data["process_key"]):
            notes.append(
                f"rule «{data['name']}» left out: the process {data['process_key']!r} is not published"
            )
            continue
        try:
            rule_create(actor=admin, data={**data, "enabled": True, "comment": "demo"})
        except ValidationFailed as error:
            notes.append(f"rule «{data['name']}» left out: {error}")
            continue
        made.append(data["name"])
    summary = f"Start rules: {len(made)} enabled ({', '.join(made)})."
    if notes:
        summary += " Note: " + "; ".join(notes) + "."
    return summary
