"""The demo company's calendars: the company calendar from the Russian production calendar, a six-day
calendar for the sales department (they work Saturday mornings), and everyone's right to see them."""

from __future__ import annotations

from potok.access.models import Action, Scope
from potok.access.services import access_rule_set
from potok.calendars.services import calendar_assign, calendar_create, calendar_default_ensure
from potok.demo.company import DemoCompany


def build(company: DemoCompany) -> str:
    admin = company.users["admin"]
    default = calendar_default_ensure()
    for role in ("employee", "director"):
        access_rule_set(
            actor=admin,
            role=company.roles[role],
            entity_type="business_calendar",
            action=Action.READ,
            scope=Scope.ALL,
        )
    office = [["09:00", "13:00"], ["14:00", "18:00"]]
    sales = calendar_create(
        actor=admin,
        name="Отдел продаж: суббота до обеда",
        code="sales-saturdays",
        week={**{str(day): office for day in range(5)}, "5": [["10:00", "14:00"]]},
    )
    calendar_assign(actor=admin, calendar=sales, department=company.departments["sales"])
    return (
        f"Calendars: «{default.name}» (Russian production calendar {', '.join(map(str, default.seeded_years))}) "
        f"and «{sales.name}» for the sales department."
    )
