"""Fixtures of the document tests: the demo's complaint and act types, a few clients, a type with a field of
every kind, and helpers to make documents as the demo people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from potok.documents.models import Document, DocumentType


@pytest.fixture(scope="package")
def _demo_for_the_package(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo company built once for the document tests (each test still rolls its own changes back),
    and removed when they are done so other packages start from an empty database."""
    from potok.demo.company import build_demo_company, demo_company_exists

    with django_db_blocker.unblock():
        if not demo_company_exists():
            build_demo_company(seed=2026, history=False)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_company(_demo_for_the_package, db):  # type: ignore[no-untyped-def]
    from potok.demo.company import build_demo_company, demo_company_exists

    if not demo_company_exists():  # a transactional test before this one emptied the database
        build_demo_company(seed=2026, history=False)


@pytest.fixture
def complaint_type(demo_company) -> DocumentType:
    return DocumentType.objects.get(code="complaint")


@pytest.fixture
def act_type(demo_company) -> DocumentType:
    return DocumentType.objects.get(code="investigation_act")


@pytest.fixture
def clients(demo_company) -> list[Any]:
    """Three counterparties, made through the client base's own service."""
    from potok.clients.services.counterparties import counterparty_create

    return [
        counterparty_create(actor=None, fields={"kind": "legal", "name": name, "inn": inn})
        for name, inn in [
            ("ООО «Ромашка»", "7707083893"),
            ("АО «Северсталь-Тест»", "3528000597"),
            ("ООО «Вектор»", "7728168971"),
        ]
    ]


@pytest.fixture
def make_complaint(person, complaint_type, clients) -> Callable[..., Document]:
    from potok.documents.services import document_create

    def make(username: str = "reception", **values: Any) -> Document:
        values.setdefault("client", clients[0].pk)
        values.setdefault("subject", "Разбита витрина")
        return document_create(actor=person(username), document_type=complaint_type, values=values)

    return make


@pytest.fixture
def sampler(demo_company, person) -> DocumentType:
    """A type with one field of every kind (references to users, departments and complaints)."""
    from potok.documents.services import document_type_create, field_create

    admin = person("admin")
    document_type = document_type_create(
        actor=admin,
        code="sampler",
        name_ru="Образец",
        name_en="Sampler",
        number_prefix="ОБ",
        number_digits=4,
        statuses=[
            {
                "code": "new",
                "label_ru": "Новый",
                "label_en": "New",
                "is_initial": True,
                "next_statuses": ["done"],
            },
            {"code": "done", "label_ru": "Готов", "label_en": "Done", "is_final": True},
        ],
    )
    fields: list[dict[str, Any]] = [
        {"code": "title", "field_type": "string", "settings": {"max_length": 20, "regex": r"[A-ZА-Я].*"}},
        {"code": "notes", "field_type": "text", "settings": {"max_length": 50}},
        {"code": "quantity", "field_type": "integer", "settings": {"min": 1, "max": 100}, "indexed": True},
        {"code": "weight", "field_type": "decimal", "settings": {"decimal_places": 3}},
        {"code": "price", "field_type": "money", "settings": {"min": "0"}, "indexed": True},
        {"code": "due", "field_type": "date", "indexed": True},
        {"code": "meeting", "field_type": "datetime"},
        {"code": "urgent", "field_type": "boolean", "indexed": True},
        {
            "code": "colour",
            "field_type": "choice",
            "settings": {
                "options": [{"value": "red", "label_ru": "Красный", "label_en": "Red"}, {"value": "blue"}]
            },
            "indexed": True,
        },
        {
            "code": "tags",
            "field_type": "choice",
            "settings": {"multiple": True, "options": [{"value": "a"}, {"value": "b"}, {"value": "c"}]},
        },
        {"code": "owner", "field_type": "reference", "settings": {"target": "user"}, "indexed": True},
        {"code": "unit", "field_type": "reference", "settings": {"target": "department"}},
        {"code": "scan", "field_type": "file", "settings": {"max_size": 1000, "extensions": ["pdf", "txt"]}},
    ]
    for spec in fields:
        field_create(actor=admin, owner=document_type, label_ru=spec["code"].title(), **spec)
    return document_type


def events_of(document: Document) -> list[Any]:
    from potok.core.models import DomainEvent

    return list(
        DomainEvent.objects.filter(
            entity_type=document.document_type.entity_type, record_id=document.pk
        ).order_by("id")
    )
