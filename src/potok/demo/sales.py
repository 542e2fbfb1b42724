"""The demo company's sales: two pipelines with stage requirements, products and a price list, about a
hundred deals over the stages and the three sales people (some won, some lost with reasons), a few leads.

Settings (pipelines, stages, catalogue, requisites) go through the services. The deals describe the past,
so like the client base's seed they are bulk-inserted with their stage history and lines WITHOUT audit
rows and domain events: automation must not start «Передача в исполнение» for a deal won last spring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from potok.access.models import Action, Scope
from potok.access.services import access_rule_set
from potok.accounts.services import role_assign, role_create
from potok.clients.models import Contact, Counterparty
from potok.core import clock
from potok.sales.models import (
    Deal,
    DealLine,
    LeadSource,
    Pipeline,
    Product,
    Stage,
    StageKind,
    StageVisit,
    VatRate,
)
from potok.sales.reference_data import ensure_loaded
from potok.sales.services import (
    company_settings_update,
    lead_create,
    lead_set_status,
    loss_reason_create,
    pipeline_create,
    price_list_create,
    price_set,
    product_create,
    stage_create,
)
from potok.sales.totals import compute_line

DEALS = 100
CRUD = (Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE, Action.EXPORT)

WHOLESALE_STAGES: list[dict[str, Any]] = [
    {"code": "new", "name": "Новая", "probability": 10, "hints": "Свяжитесь с клиентом в течение дня."},
    {
        "code": "qualification",
        "name": "Квалификация",
        "probability": 25,
        "required_fields": ["counterparty", "expected_close_date"],
        "checklist": [
            {"code": "need", "text": "Выяснена потребность"},
            {"code": "decision-maker", "text": "Известно, кто принимает решение"},
        ],
        "hints": "Спросите о бюджете, сроках и о том, кто подписывает договор.",
    },
    {
        "code": "proposal",
        "name": "Предложение",
        "probability": 50,
        "required_fields": ["lines"],
        "checklist": [{"code": "quote-sent", "text": "Коммерческое предложение отправлено"}],
        "hints": "Соберите товары сделки и отправьте коммерческое предложение из карточки.",
    },
    {
        "code": "negotiation",
        "name": "Переговоры",
        "probability": 75,
        "checklist": [{"code": "terms-agreed", "text": "Согласованы цена и условия поставки"}],
        "hints": "Зафиксируйте договорённости; выставите счёт.",
    },
    {"code": "won", "name": "Выиграна", "kind": StageKind.WON, "probability": 100},
    {"code": "lost", "name": "Проиграна", "kind": StageKind.LOST, "probability": 0},
]
SERVICE_STAGES: list[dict[str, Any]] = [
    {"code": "request", "name": "Заявка", "probability": 20},
    {
        "code": "inspection",
        "name": "Обследование",
        "probability": 40,
        "checklist": [{"code": "visit", "text": "Объект обследован"}],
    },
    {"code": "contract", "name": "Договор", "probability": 70, "required_fields": ["amount"]},
    {"code": "won", "name": "Заключён", "kind": StageKind.WON, "probability": 100},
    {"code": "lost", "name": "Отказ", "kind": StageKind.LOST, "probability": 0},
]
PRODUCTS: list[tuple[str, str, str, str, str]] = [
    # name, article, kind, unit code, price
    ("Поддон деревянный 1200×800", "PAL-1208", "goods", "796", "450.00"),
    ("Плёнка стрейч 500 мм", "STR-500", "goods", "736", "890.00"),
    ("Коробка картонная 600×400×400", "BOX-644", "goods", "796", "95.50"),
    ("Лента упаковочная 48 мм", "TAPE-48", "goods", "796", "72.00"),
    ("Гофрокартон листовой", "CARD-L", "goods", "055", "38.40"),
    ("Мешок полипропиленовый 50 кг", "BAG-50", "goods", "796", "18.90"),
    ("Скотч брендированный", "TAPE-BR", "goods", "796", "145.00"),
    ("Стеллаж складской", "RACK-2", "goods", "839", "18500.00"),
    ("Доставка по городу", "DLV-CITY", "service", "876", "3500.00"),
    ("Монтаж стеллажей", "MNT-RACK", "service", "356", "1200.00"),
    ("Сервисное обслуживание (месяц)", "SRV-M", "service", "362", "25000.00"),
]
LOSS_REASONS = ["Дорого", "Выбрали конкурента", "Нет бюджета", "Не устроили сроки", "Пропала потребность"]


def grant_rights(company: Any) -> None:
    """The head of sales works the whole department tree (the plain role the client base's demo made, so
    that access rules apply); sales managers' and the director's rights come from company.RIGHTS."""
    role = company.roles.get("sales_head")
    if role is None:
        role = role_create(
            actor=None, code="sales_head", name_ru="Руководитель продаж", name_en="Head of sales"
        )
        role_assign(actor=None, role=role, user=company.users["sales_head"])
        company.roles["sales_head"] = role
    for entity_type in ("deal", "lead"):
        for action in CRUD:
            access_rule_set(
                actor=None, role=role, entity_type=entity_type, action=action, scope=Scope.DEPARTMENT_TREE
            )
    for action in CRUD:
        access_rule_set(actor=None, role=role, entity_type="product", action=action, scope=Scope.ALL)


def _pipeline(code: str, name: str, sort: int, stages: list[dict[str, Any]]) -> tuple[Pipeline, list[Stage]]:
    pipeline = pipeline_create(actor=None, code=code, name=name, sort=sort)
    made = []
    for position, fields in enumerate(stages, start=1):
        made.append(stage_create(actor=None, pipeline=pipeline, fields={**fields, "order": position * 10}))
    return pipeline, made


def build(company: Any) -> str:
    rng = company.rng
    ensure_loaded()
    grant_rights(company)
    company_settings_update(
        actor=None,
        fields={
            "name": "ООО «Северный ветер»",
            "inn": "7707083893",
            "kpp": "770701001",
            "ogrn": "1027700132195",
            "address": "125009, г. Москва, ул. Тверская, д. 7, офис 12",
            "phone": "+7 495 123-45-67",
            "email": "sales@severny-veter.example",
            "bank_name": "ПАО «Банк Пример», г. Москва",
            "bik": "044525225",
            "correspondent_account": "30101810400000000225",
            "settlement_account": "40702810938000012345",
            "director": "Директор Е. Евгеньев",
            "accountant": "Главный бухгалтер М. Счётова",
        },
    )
    reasons = [loss_reason_create(actor=None, name=name, sort=n) for n, name in enumerate(LOSS_REASONS)]
    wholesale, wholesale_stages = _pipeline("wholesale", "Оптовые продажи", 10, WHOLESALE_STAGES)
    service, service_stages = _pipeline("service", "Сервисные контракты", 20, SERVICE_STAGES)
    price_list = price_list_create(actor=None, name="Базовый прайс-лист", vat_included=True, is_default=True)
    vat = {rate.code: rate for rate in VatRate.objects.all()}
    products: list[Product] = []
    for name, article, kind, unit, price in PRODUCTS:
        product = product_create(
            actor=None,
            fields={"name": name, "article": article, "kind": kind, "unit": unit, "vat_rate": "vat22"},
        )
        price_set(actor=None, price_list=price_list, product=product, price=price)
        products.append(product)
    prices = {product.pk: Decimal(price) for product, (*_, price) in zip(products, PRODUCTS, strict=True)}

    managers = [company.users[name] for name in ("sales1", "sales2", "sales_head")]
    counterparties = list(Counterparty.objects.filter(deleted_at__isnull=True).order_by("id")[:120])
    contacts_by_counterparty: dict[int, list[int]] = {}
    for contact_id, counterparty_id in Contact.objects.filter(counterparty__in=counterparties).values_list(
        "id", "counterparty_id"
    ):
        contacts_by_counterparty.setdefault(counterparty_id, []).append(contact_id)
    now = clock.now()
    deals: list[Deal] = []
    visits: list[tuple[int, list[tuple[Stage, dt.datetime, dt.datetime | None]]]] = []
    plans: list[list[tuple[Product, Decimal, Decimal]]] = []
    for number in range(DEALS):
        pipeline, stages = (service, service_stages) if number % 5 == 4 else (wholesale, wholesale_stages)
        open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
        won = next(stage for stage in stages if stage.kind == StageKind.WON)
        lost = next(stage for stage in stages if stage.kind == StageKind.LOST)
        created = now - dt.timedelta(days=rng.randrange(5, 300), hours=rng.randrange(0, 10))
        outcome = rng.random()
        if outcome < 0.22:
            path = [*open_stages, won]
        elif outcome < 0.40:
            path = [*open_stages[: rng.randrange(1, len(open_stages) + 1)], lost]
        else:
            path = open_stages[: rng.randrange(1, len(open_stages) + 1)]
        moments = [created]
        for _ in path[1:]:
            step = dt.timedelta(days=rng.randrange(1, 15), hours=rng.randrange(0, 8))
            moments.append(min(moments[-1] + step, now - dt.timedelta(hours=1)))
        counterparty = counterparties[number % len(counterparties)] if counterparties else None
        responsible = managers[number % 3 if number % 7 else 2]
        lines = [
            (product, Decimal(rng.randrange(1, 40)), Decimal(rng.choice([0, 0, 0, 5, 10])))
            for product in rng.sample(products, rng.randrange(1, 4))
        ]
        final = path[-1]
        deal = Deal(
            title=f"{'Сервис' if pipeline is service else 'Поставка'}: {counterparty.name if counterparty else 'клиент'}"[
                :300
            ],
            pipeline=pipeline,
            stage=final,
            stage_entered_at=moments[-1],
            counterparty=counterparty,
            currency="RUB",
            vat_included=True,
            price_list=price_list,
            expected_close_date=(created + dt.timedelta(days=rng.randrange(20, 150))).date(),
            responsible=responsible,
            department=responsible.department,
            loss_reason=rng.choice(reasons) if final.kind == StageKind.LOST else None,
            closed_at=moments[-1] if final.kind != StageKind.OPEN else None,
            created_at=created,
            updated_at=moments[-1],
        )
        checklist = {str(stage.pk): [item["code"] for item in stage.checklist] for stage in path[:-1]}
        deal.checklist = checklist
        deals.append(deal)
        plans.append(lines)
        visits.append(
            (
                number,
                [
                    (stage, moments[i], moments[i + 1] if i + 1 < len(path) else None)
                    for i, stage in enumerate(path)
                ],
            )
        )
    Deal.objects.bulk_create(deals, batch_size=200)
    rows: list[DealLine] = []
    for deal, lines in zip(deals, plans, strict=True):
        total = Decimal(0)
        for position, (product, quantity, discount) in enumerate(lines, start=1):
            amounts = compute_line(
                quantity=quantity,
                price=prices[product.pk],
                discount_percent=discount,
                vat_percent=vat["vat22"].percent,
                vat_included=True,
            )
            rows.append(
                DealLine(
                    deal=deal,
                    position=position,
                    product=product,
                    name=product.name,
                    unit=product.unit.symbol,
                    unit_code=product.unit.code,
                    quantity=quantity,
                    price=prices[product.pk],
                    discount_percent=discount,
                    vat_rate=vat["vat22"],
                    discount_amount=amounts.discount_amount,
                    net_amount=amounts.net_amount,
                    vat_amount=amounts.vat_amount,
                    total=amounts.total,
                )
            )
            total += amounts.total
        deal.amount = total
    DealLine.objects.bulk_create(rows, batch_size=500)
    Deal.objects.bulk_update(deals, ["amount"], batch_size=200)
    StageVisit.objects.bulk_create(
        [
            StageVisit(
                deal=deals[number],
                pipeline=deals[number].pipeline,
                stage=stage,
                entered_at=entered,
                left_at=left,
                entered_by=deals[number].responsible,
                left_by=deals[number].responsible if left else None,
            )
            for number, stays in visits
            for stage, entered, left in stays
        ],
        batch_size=500,
    )
    through = Deal.contacts.through
    through.objects.bulk_create(
        [
            through(deal_id=deal.pk, contact_id=contacts_by_counterparty[deal.counterparty_id][0])
            for deal in deals
            if deal.counterparty_id in contacts_by_counterparty
        ]
    )
    leads = [
        (
            "Запрос прайса на упаковку",
            "site_form",
            "ООО «Новая Волна»",
            "Светлана Петрова",
            "+79161230001",
            "zakupki@volna.example",
        ),
        ("Стеллажи для нового склада", "call", "ИП Корнеев", "Алексей Корнеев", "+79161230002", ""),
        (
            "Выставка «Упаковка-2026»: визитка",
            "exhibition",
            "АО «Полимер-Трейд»",
            "Ирина Лаптева",
            "",
            "laptev@polimer.example",
        ),
        ("Письмо: нужна доставка паллет", "email", "", "Дмитрий Орлов", "", "orlov@mail.example"),
        ("Повторный запрос от клиента", "call", counterparties[0].name if counterparties else "", "", "", ""),
    ]
    made_leads = []
    for position, (title, source, company_name, person_name, phone, email) in enumerate(leads):
        made_leads.append(
            lead_create(
                actor=None,
                fields={
                    "title": title,
                    "source": source if source in LeadSource.values else "other",
                    "company_name": company_name,
                    "contact_name": person_name or ("Менеджер по закупкам" if not company_name else ""),
                    "phone": phone,
                    "email": email,
                    "responsible": managers[position % 3],
                },
            )
        )
    lead_set_status(actor=None, lead=made_leads[0], status="qualified", expected_version=None)
    won_count = sum(1 for deal in deals if deal.stage.kind == StageKind.WON)
    lost_count = sum(1 for deal in deals if deal.stage.kind == StageKind.LOST)
    return (
        f"Sales: 2 pipelines, {len(products)} products, {len(deals)} deals ({won_count} won, {lost_count} lost), "
        f"{len(made_leads)} leads."
    )
