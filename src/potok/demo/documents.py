"""The demo's user-defined document types, made as data through the services the administrator's designer
uses: «Претензия клиента» and «Акт расследования», their rights, and a few documents to look at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from potok.access import registry
from potok.access.models import Action, Scope
from potok.access.selectors import forget_user_access
from potok.access.services import access_rule_set
from potok.accounts.services import role_assign
from potok.documents.models import DocumentType
from potok.documents.services import (
    document_create,
    document_set_status,
    document_type_create,
    field_create,
)

COMPLAINT_STATUSES: list[dict[str, Any]] = [
    {
        "code": "registered",
        "label_ru": "Зарегистрирована",
        "label_en": "Registered",
        "is_initial": True,
        "color": "primary",
        "next_statuses": ["in_work", "rejected"],
    },
    {
        "code": "in_work",
        "label_ru": "В работе",
        "label_en": "In progress",
        "color": "warning",
        "next_statuses": ["closed", "rejected"],
    },
    {"code": "closed", "label_ru": "Закрыта", "label_en": "Closed", "is_final": True, "color": "success"},
    {
        "code": "rejected",
        "label_ru": "Отклонена",
        "label_en": "Rejected",
        "is_final": True,
        "color": "danger",
    },
]

ACT_STATUSES: list[dict[str, Any]] = [
    {
        "code": "draft",
        "label_ru": "Черновик",
        "label_en": "Draft",
        "is_initial": True,
        "color": "secondary",
        "next_statuses": ["signed"],
    },
    {"code": "signed", "label_ru": "Подписан", "label_en": "Signed", "is_final": True, "color": "success"},
]


def _options(*rows: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"value": value, "label_ru": ru, "label_en": en} for value, ru, en in rows]


COMPLAINT_FIELDS: list[dict[str, Any]] = [
    {
        "code": "client",
        "label_ru": "Клиент",
        "label_en": "Client",
        "field_type": "reference",
        "settings": {"target": "counterparty"},
        "required": True,
        "indexed": True,
        "in_list": True,
    },
    {
        "code": "contact",
        "label_ru": "Контактное лицо",
        "label_en": "Contact person",
        "field_type": "reference",
        "settings": {"target": "contact"},
    },
    {
        "code": "channel",
        "label_ru": "Канал обращения",
        "label_en": "Channel",
        "field_type": "choice",
        "settings": {
            "options": _options(
                ("phone", "Телефон", "Phone"),
                ("email", "Электронная почта", "Email"),
                ("site", "Сайт", "Website"),
                ("visit", "Личный визит", "Visit"),
            )
        },
        "default": "phone",
    },
    {
        "code": "subject",
        "label_ru": "Тема",
        "label_en": "Subject",
        "field_type": "string",
        "required": True,
        "in_list": True,
        "settings": {"max_length": 200},
    },
    {"code": "description", "label_ru": "Суть претензии", "label_en": "Description", "field_type": "text"},
    {
        # Seen by the heads, the lawyer and the director only (the right «see confidential fields»).
        "code": "refund_account",
        "label_ru": "Реквизиты для возврата",
        "label_en": "Refund bank details",
        "field_type": "string",
        "settings": {"max_length": 200},
        "confidential": True,
    },
    {
        "code": "claimed_amount",
        "label_ru": "Заявленная сумма",
        "label_en": "Claimed amount",
        "field_type": "money",
        "settings": {"min": "0", "currency": "RUB"},
        "indexed": True,
        "in_list": True,
    },
    {
        "code": "severity",
        "label_ru": "Важность",
        "label_en": "Severity",
        "field_type": "choice",
        "settings": {
            "options": _options(
                ("low", "Низкая", "Low"),
                ("normal", "Обычная", "Normal"),
                ("high", "Высокая", "High"),
                ("critical", "Критическая", "Critical"),
            )
        },
        "default": "normal",
        "indexed": True,
        "in_list": True,
    },
]

ACT_FIELDS: list[dict[str, Any]] = [
    {
        "code": "complaint",
        "label_ru": "Претензия",
        "label_en": "Complaint",
        "field_type": "reference",
        "settings": {"target": "document.complaint"},
        "required": True,
        "indexed": True,
        "in_list": True,
    },
    {
        "code": "findings",
        "label_ru": "Результаты расследования",
        "label_en": "Findings",
        "field_type": "text",
    },
    {
        "code": "cause",
        "label_ru": "Причина",
        "label_en": "Cause",
        "field_type": "choice",
        "settings": {
            "options": _options(
                ("our_fault", "Наша вина", "Our fault"),
                ("carrier", "Перевозчик", "Carrier"),
                ("client", "Клиент", "Client"),
            )
        },
        "in_list": True,
    },
    {
        "code": "proposed_compensation",
        "label_ru": "Предлагаемая компенсация",
        "label_en": "Proposed compensation",
        "field_type": "money",
        "settings": {"min": "0"},
        "indexed": True,
        "in_list": True,
    },
]

# role → (document type code, action, scope). Applied here, after the types exist: the access model
# resolves "document.<code>" from the data, so these rights cannot be set before the types are made.
DOCUMENT_RIGHTS: dict[str, list[tuple[str, str, str]]] = {
    "complaint_registrar": [("complaint", Action.CREATE, Scope.ALL), ("complaint", Action.READ, Scope.OWN)],
    "department_head": [
        ("complaint", Action.READ, Scope.ALL),
        ("complaint", Action.UPDATE, Scope.DEPARTMENT),
        ("complaint", Action.EXPORT, Scope.ALL),
        ("complaint", Action.CONFIDENTIAL, Scope.ALL),
        ("investigation_act", Action.READ, Scope.ALL),
        ("investigation_act", Action.CREATE, Scope.ALL),
        ("investigation_act", Action.UPDATE, Scope.DEPARTMENT),
        ("investigation_act", Action.EXPORT, Scope.ALL),
    ],
    "service_specialist": [
        ("complaint", Action.READ, Scope.ALL),
        ("complaint", Action.UPDATE, Scope.DEPARTMENT),
        ("investigation_act", Action.READ, Scope.ALL),
        ("investigation_act", Action.CREATE, Scope.ALL),
        ("investigation_act", Action.UPDATE, Scope.OWN),
    ],
    "lawyer": [
        ("complaint", Action.READ, Scope.ALL),
        ("complaint", Action.CONFIDENTIAL, Scope.ALL),
        ("investigation_act", Action.READ, Scope.ALL),
    ],
    "director": [
        ("complaint", Action.READ, Scope.ALL),
        ("complaint", Action.EXPORT, Scope.ALL),
        ("complaint", Action.CONFIDENTIAL, Scope.ALL),
        ("investigation_act", Action.READ, Scope.ALL),
        ("investigation_act", Action.EXPORT, Scope.ALL),
    ],
}

SUBJECTS = [
    "Повреждена упаковка при доставке",
    "Недостача товара в партии",
    "Пересорт: привезли не тот артикул",
    "Срыв срока поставки",
    "Брак: товар не работает",
    "Ошибка в счёте-фактуре",
]


def define_document_types(actor: Any = None) -> tuple[DocumentType, DocumentType]:
    """The two demo types, made through the designer's services."""
    complaint = document_type_create(
        actor=actor,
        code="complaint",
        name_ru="Претензия клиента",
        name_en="Customer complaint",
        description="Претензия клиента к качеству, количеству или срокам поставки.",
        number_prefix="ПР",
        number_digits=5,
        statuses=COMPLAINT_STATUSES,
    )
    for spec in COMPLAINT_FIELDS:
        field_create(actor=actor, owner=complaint, **spec)
    act = document_type_create(
        actor=actor,
        code="investigation_act",
        name_ru="Акт расследования",
        name_en="Investigation act",
        description="Итог расследования претензии: что выяснили, чья вина, какую компенсацию предлагаем.",
        number_prefix="АР",
        number_digits=5,
        statuses=ACT_STATUSES,
    )
    for spec in ACT_FIELDS:
        field_create(actor=actor, owner=act, **spec)
    return complaint, act


def build(company: Any) -> str:
    complaint, act = define_document_types()
    for role_code, rights in DOCUMENT_RIGHTS.items():
        for type_code, action, scope in rights:
            access_rule_set(
                actor=None,
                role=company.roles[role_code],
                entity_type=f"document.{type_code}",
                action=action,
                scope=scope,
            )
    # Access rules count roles held plainly; the head of service holds «head of department» for his
    # department (task addressing), so he holds it plainly too for its document rights to reach him.
    role_assign(actor=None, role=company.roles["department_head"], user=company.users["service_head"])
    for user in company.users.values():
        forget_user_access(user)
    made = _sample_documents(company, complaint, act)
    return f"Document types: «{complaint.name_ru}», «{act.name_ru}»; {made} sample documents."


def _sample_documents(company: Any, complaint: DocumentType, act: DocumentType) -> int:
    """A few complaints (and acts for some) when the client base has counterparties to name."""
    try:
        counterparty_model = registry.get("counterparty").model
    except KeyError:
        return 0
    clients = list(counterparty_model._default_manager.filter(deleted_at__isnull=True).order_by("pk")[:200])
    if not clients:
        return 0
    rng = company.rng
    users = company.users
    made = 0
    for index in range(12):
        client = rng.choice(clients)
        document = document_create(
            actor=users["reception"],
            document_type=complaint,
            values={
                "client": client.pk,
                "channel": rng.choice(["phone", "email", "site", "visit"]),
                "subject": rng.choice(SUBJECTS),
                "description": f"Клиент {client} сообщает о проблеме с поставкой №{1000 + index}.",
                "claimed_amount": str(Decimal(rng.randrange(1_000, 250_000, 500))),
                "severity": rng.choice(["low", "normal", "normal", "high", "critical"]),
            },
        )
        made += 1
        if index % 3 == 0:
            continue
        document = document_set_status(actor=users["service_head"], document=document, status="in_work")
        document_create(
            actor=users["investigator1"],
            document_type=act,
            values={
                "complaint": document.pk,
                "findings": "Проверили отгрузочные документы и фотографии груза.",
                "cause": rng.choice(["our_fault", "carrier", "client"]),
                "proposed_compensation": str(Decimal(rng.randrange(0, 30_000, 500))),
            },
        )
        made += 1
        if index % 3 == 2:
            document_set_status(actor=users["service_head"], document=document, status="closed")
    return made
