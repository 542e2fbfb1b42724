"""Building the demo company: organisation, roles and rights; later domains add their parts here."""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from potok.access.models import Action, Scope
from potok.access.services import access_rule_set
from potok.accounts.models import AddressingKind, Department, Role, User
from potok.accounts.services import (
    department_create,
    position_get_or_create,
    role_assign,
    role_create,
    user_create,
)

DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the demo users

DEMO_USERS: list[tuple[str, str]] = [
    ("admin", "Администратор — administrator"),
    ("reception", "Оператор Анна — registers complaints"),
    ("service_head", "Руководитель сервиса Борис — head of the service department"),
    ("investigator1", "Специалист Вера — service specialist"),
    ("investigator2", "Специалист Глеб — service specialist"),
    ("lawyer", "Юрист Дарья — lawyer"),
    ("director", "Директор Евгений — director"),
    ("sales_head", "Жанна — head of sales"),
    ("sales1", "Зоя — sales manager"),
    ("sales2", "Игорь — sales manager"),
]

# login, first name, last name, department code, position, roles
PEOPLE = [
    ("admin", "Администратор", "", None, "Администратор системы", ["administrator"]),
    ("reception", "Анна", "Оператор", "service", "Оператор", ["complaint_registrar"]),
    (
        "service_head",
        "Борис",
        "Руководитель",
        "service",
        "Руководитель сервиса",
        ["department_head@service", "employee"],
    ),
    (
        "investigator1",
        "Вера",
        "Специалист",
        "service",
        "Специалист сервиса",
        ["service_specialist", "employee"],
    ),
    (
        "investigator2",
        "Глеб",
        "Специалист",
        "service",
        "Специалист сервиса",
        ["service_specialist", "employee"],
    ),
    ("lawyer", "Дарья", "Юрист", "legal", "Юрист", ["lawyer", "employee"]),
    ("director", "Евгений", "Директор", "management", "Генеральный директор", ["director", "employee"]),
    (
        "sales_head",
        "Жанна",
        "Продажи",
        "sales",
        "Руководитель отдела продаж",
        ["department_head@sales", "employee"],
    ),
    ("sales1", "Зоя", "Менеджер", "sales", "Менеджер по продажам", ["sales_manager", "employee"]),
    ("sales2", "Игорь", "Менеджер", "sales", "Менеджер по продажам", ["sales_manager", "employee"]),
]

ROLES = [
    ("administrator", "Администратор", "Administrator", AddressingKind.NONE, True),
    ("employee", "Сотрудник", "Employee", AddressingKind.NONE, False),
    ("complaint_registrar", "Регистратор претензий", "Complaint registrar", AddressingKind.NONE, False),
    ("department_head", "Руководитель подразделения", "Head of department", AddressingKind.DEPARTMENT, False),
    ("service_specialist", "Специалист сервиса", "Service specialist", AddressingKind.NONE, False),
    ("lawyer", "Юрист", "Lawyer", AddressingKind.NONE, False),
    ("director", "Директор", "Director", AddressingKind.NONE, False),
    ("sales_manager", "Менеджер по продажам", "Sales manager", AddressingKind.NONE, False),
    (
        "responsible_manager",
        "Ответственный менеджер",
        "Responsible manager",
        AddressingKind.COUNTERPARTY,
        False,
    ),
]

# role → (entity type, action, scope); later domains extend this table.
RIGHTS: dict[str, list[tuple[str, str, str]]] = {
    # Administrators may do everything anyway; the rows make the personal data right visible on the role's
    # rights page, where it is handed to a personal data officer.
    "administrator": [
        ("personal_data", Action.EXPORT, Scope.ALL),
        ("personal_data", Action.DELETE, Scope.ALL),
    ],
    "employee": [("user", Action.READ, Scope.ALL), ("department", Action.READ, Scope.ALL)],
    "director": [
        ("user", Action.READ, Scope.ALL),
        ("department", Action.READ, Scope.ALL),
        ("deal", Action.READ, Scope.ALL),
        ("deal", Action.EXPORT, Scope.ALL),
        ("lead", Action.READ, Scope.ALL),
        ("product", Action.READ, Scope.ALL),
        # "view processes": the monitor, instance lists and pages, heatmaps; operations stay with administrators
        ("process_instance", Action.READ, Scope.ALL),
    ],
    # Sales managers work their own deals and leads and read the department's; the catalogue is for all.
    "sales_manager": [
        *[(entity, action, Scope.OWN) for entity in ("deal", "lead") for action in Action.values],
        ("deal", Action.READ, Scope.DEPARTMENT),
        ("lead", Action.READ, Scope.DEPARTMENT),
        ("product", Action.READ, Scope.ALL),
    ],
}


# Each later domain adds a module potok.demo.<name> with `build(company: DemoCompany) -> str`, run in this
# order after the organisation exists; it returns a short summary of what it made.
DEMO_MODULES: list[str] = ["clients", "documents", "calendars", "sales", "processes", "automation", "history"]


@dataclass
class DemoCompany:
    """What the demo builders share: the people, departments and roles, and one seeded random source."""

    seed: int
    rng: random.Random
    users: dict[str, User]
    departments: dict[str, Department]
    roles: dict[str, Role]
    extra: dict[str, Any] = field(default_factory=dict)


def demo_company_exists() -> bool:
    return User.objects.filter(username="reception").exists()


@transaction.atomic
def build_demo_company(*, seed: int = 2026, history: bool = True) -> str:
    """Create the demo company; returns a one-paragraph summary of what was made.

    `history=False` leaves out the weeks of worked complaints (tests that count inboxes start clean)."""
    company = department_create(actor=None, name="ООО «Северный ветер»", code="company")
    departments = {"company": company}
    for code, name in [
        ("management", "Дирекция"),
        ("service", "Сервисный отдел"),
        ("legal", "Юридический отдел"),
        ("sales", "Отдел продаж"),
    ]:
        departments[code] = department_create(actor=None, name=name, code=code, parent=company)
    roles: dict[str, Role] = {}
    for code, name_ru, name_en, addressing, is_admin in ROLES:
        roles[code] = role_create(
            actor=None,
            code=code,
            name_ru=name_ru,
            name_en=name_en,
            addressing=addressing,
            is_administrator=is_admin,
        )
    users: dict[str, User] = {}
    for username, first, last, department_code, position, role_codes in PEOPLE:
        user = user_create(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@severny-veter.example",
            department=departments.get(department_code or ""),
            position=position_get_or_create(name=position),
            is_superuser=False,
            check_password_strength=False,
        )
        users[username] = user
        for role_code in role_codes:
            code, _, department_code_for = role_code.partition("@")
            if department_code_for:
                department = departments[department_code_for]
                role_assign(
                    actor=None, role=roles[code], user=user, object_type="department", object_id=department.pk
                )
                department.head = user
                department.save(update_fields=["head"])
            else:
                role_assign(actor=None, role=roles[code], user=user)
    departments["company"].head = users["director"]
    departments["company"].save(update_fields=["head"])
    departments["management"].head = users["director"]
    departments["management"].save(update_fields=["head"])
    for role_code, rights in RIGHTS.items():
        for entity_type, action, scope in rights:
            access_rule_set(
                actor=None, role=roles[role_code], entity_type=entity_type, action=action, scope=scope
            )
    roles["department_head"].owner = users["director"]
    roles["department_head"].save(update_fields=["owner"])
    company_data = DemoCompany(
        seed=seed, rng=random.Random(seed), users=users, departments=departments, roles=roles
    )
    summaries = [
        f"Demo company built (seed {seed}): {Department.objects.count()} departments, "
        f"{User.objects.count()} users, {Role.objects.count()} roles."
    ]
    for module_name in DEMO_MODULES:
        if module_name == "history" and not history:
            continue
        module = importlib.import_module(f"potok.demo.{module_name}")
        summaries.append(module.build(company_data))
    return "\n".join(summaries)
