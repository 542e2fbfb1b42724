"""The demo company's client base: several hundred counterparties with valid ИНН (some VIP), contacts
with consents, a year of interactions.

The first few dozen counterparties go through the services, with their audit rows and domain events, as
a user's saves would. The rest, their contacts and the interactions are bulk-inserted WITHOUT audit rows
and domain events: the seed describes the past, automation must not start processes for it, and the
demo (built for every test that asks for the demo company) stays fast. Values are still normalised and
checked exactly as the services do (validation.check_counterparty), so the data is what a save makes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from faker import Faker
from stdnum.ru import inn as stdnum_inn

from potok.access.models import Action, Scope
from potok.access.services import access_rule_set
from potok.accounts.services import role_assign, role_create
from potok.clients.models import (
    Contact,
    Counterparty,
    CounterpartyKey,
    CounterpartyKind,
    Interaction,
    InteractionKind,
)
from potok.clients.services import counterparty_create, interaction_create
from potok.clients.services.contacts import build_contact
from potok.clients.services.counterparties import build_counterparty, keys_of
from potok.clients.validation import check_contact, check_counterparty
from potok.core import clock

COUNTERPARTIES = 320
THROUGH_SERVICES = 24
SEGMENTS = ["VIP", "опт", "опт", "розница", "розница", "розница"]
CLIENT_ENTITIES = ("counterparty", "contact", "interaction")
CRUD = (Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE, Action.EXPORT)


def grant_rights(company: Any) -> None:
    """Sales managers own their clients and read the department's; the head of sales works the whole
    department tree (a plain role, since access comes from plainly held roles); the director and every
    employee (the service department handles complaints) read all counterparties and contacts."""
    roles = company.roles
    plan: list[tuple[Any, str, str, str]] = []  # role, entity type, action, scope
    for entity_type in CLIENT_ENTITIES:
        for action in CRUD:
            plan.append((roles["sales_manager"], entity_type, action, Scope.OWN))
        plan.append((roles["sales_manager"], entity_type, Action.READ, Scope.DEPARTMENT))
        plan.append((roles["director"], entity_type, Action.READ, Scope.ALL))
        plan.append((roles["director"], entity_type, Action.EXPORT, Scope.ALL))
    for entity_type in ("counterparty", "contact"):
        plan.append((roles["employee"], entity_type, Action.READ, Scope.ALL))
    sales_head = role_create(
        actor=None, code="sales_head", name_ru="Руководитель продаж", name_en="Head of sales"
    )
    role_assign(actor=None, role=sales_head, user=company.users["sales_head"])
    company.roles["sales_head"] = sales_head
    for entity_type in CLIENT_ENTITIES:
        for action in CRUD:
            plan.append((sales_head, entity_type, action, Scope.DEPARTMENT_TREE))
    for role, code, right, scope in plan:
        access_rule_set(actor=None, role=role, entity_type=code, action=right, scope=scope)


def _valid_inn(faker: Faker, individual: bool) -> str:
    while True:
        value = faker.individuals_inn() if individual else faker.businesses_inn()
        if stdnum_inn.is_valid(value):
            return str(value)


def _counterparty_fields(faker: Faker, company: Any, number: int, used_inn: set[str]) -> dict[str, Any]:
    rng = company.rng
    kind = CounterpartyKind.ENTREPRENEUR if number % 9 == 4 else CounterpartyKind.LEGAL
    inn = _valid_inn(faker, individual=kind == CounterpartyKind.ENTREPRENEUR)
    while inn in used_inn:
        inn = _valid_inn(faker, individual=kind == CounterpartyKind.ENTREPRENEUR)
    used_inn.add(inn)
    if kind == CounterpartyKind.LEGAL:
        prefix = rng.choice(["ООО", "ООО", "АО", "ПАО"])
        base = faker.large_company() if number % 5 == 0 else faker.company().replace("«", "").replace("»", "")
        base = base.removeprefix(faker.company_prefix()).strip()
        name = f"{prefix} «{base}»"
        kpp = inn[:4] + "01001"
    else:
        name = f"ИП {faker.last_name()} {faker.first_name()[0]}. {faker.middle_name()[0]}."
        kpp = ""
    segment = rng.choice(SEGMENTS)
    responsible = None
    if rng.random() < 0.6:
        responsible = company.users[rng.choice(["sales1", "sales1", "sales2", "sales2", "sales_head"])]
    return {
        "kind": kind,
        "name": name[:300],
        "inn": inn,
        "kpp": kpp,
        "phones": [
            f"+7{rng.choice([495, 499, 812, 343, 916, 903, 926])}{rng.randrange(1_000_000, 9_999_999)}"
        ],
        "emails": [f"info{number}@{faker.domain_word()}.example"],
        "legal_address": faker.address(),
        "segment": segment,
        "tags": ["ключевой"] if segment == "VIP" and rng.random() < 0.5 else [],
        "responsible": responsible,
    }


def build(company: Any) -> str:
    faker = Faker("ru_RU")
    faker.seed_instance(company.seed)
    rng = company.rng
    grant_rights(company)
    used_inn: set[str] = set()
    created: list[Counterparty] = []
    for number in range(THROUGH_SERVICES):
        created.append(
            counterparty_create(actor=None, fields=_counterparty_fields(faker, company, number, used_inn))
        )
    bulk = [
        build_counterparty(
            actor=None, cleaned=check_counterparty(_counterparty_fields(faker, company, n, used_inn))
        )
        for n in range(THROUGH_SERVICES, COUNTERPARTIES)
    ]
    Counterparty.objects.bulk_create(bulk, batch_size=500)
    CounterpartyKey.objects.bulk_create([key for record in bulk for key in keys_of(record)], batch_size=1000)
    everyone = created + bulk

    contacts: list[Contact] = []
    for counterparty in everyone:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            given = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 600))
            fields = {
                "last_name": faker.last_name_male(),
                "first_name": faker.first_name_male(),
                "middle_name": faker.middle_name_male(),
                "position": rng.choice(["директор", "главный бухгалтер", "менеджер по закупкам", "юрист"]),
                "phones": [f"+79{rng.randrange(100_000_000, 999_999_999)}"],
                "emails": [f"{faker.user_name()}{rng.randrange(100)}@{faker.free_email_domain()}"],
                "consent_given_on": given if rng.random() < 0.8 else None,
                "consent_purpose": "исполнение договора, информирование о поставках",
                "consent_source": rng.choice(["письменное согласие", "форма на сайте", "договор"]),
            }
            contacts.append(build_contact(counterparty=counterparty, cleaned=check_contact(fields)))
    Contact.objects.bulk_create(contacts, batch_size=500)

    now = clock.now()
    authors = [company.users[name] for name in ("sales1", "sales2", "sales_head")]
    interactions = []
    subjects = {
        InteractionKind.CALL: ["Уточнение заказа", "Сверка оплаты", "Звонок по отгрузке"],
        InteractionKind.MEETING: ["Встреча в офисе клиента", "Переговоры о скидке"],
        InteractionKind.EMAIL: ["Коммерческое предложение", "Счёт на оплату", "Акт сверки"],
        InteractionKind.NOTE: ["Клиент просит перезвонить", "Заметка по договору"],
    }
    for counterparty in everyone:
        for _ in range(rng.randrange(0, 9)):
            kind = rng.choice(list(InteractionKind))
            occurred = now - dt.timedelta(minutes=rng.randrange(60, 365 * 24 * 60))
            interactions.append(
                Interaction(
                    counterparty=counterparty,
                    kind=kind,
                    occurred_at=occurred,
                    subject=rng.choice(subjects[kind]),
                    outcome=rng.choice(["", "договорились", "ждём ответа", "отправлено КП"]),
                    author=counterparty.responsible or rng.choice(authors),
                    created_at=occurred,
                    updated_at=occurred,
                )
            )
    Interaction.objects.bulk_create(interactions, batch_size=500)
    # One interaction through the service, so the demo's outbox shows the `linked` event too.
    first = created[0]
    interaction_create(
        actor=company.users["sales1"],
        counterparty=first,
        fields={"kind": InteractionKind.CALL, "subject": "Первый звонок", "users": [company.users["sales1"]]},
    )
    vip = sum(1 for record in everyone if record.segment == "VIP")
    return (
        f"Client base: {len(everyone)} counterparties ({vip} VIP), {len(contacts)} contacts, "
        f"{len(interactions) + 1} interactions."
    )
