"""A person with data in every place Potok keeps it, and a search of the whole database for a value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from potok.accounts.models import User
from potok.clients.models import Contact, Counterparty
from potok.documents.models import Document, DocumentType

PHONE = "+79165551234"
OLD_PHONE = "+79035550011"
EMAIL = "zyablikova@example.ru"
LAST_NAME = "Зябликова"
FULL_NAME = "Зябликова Серафима Олеговна"


@dataclass
class World:
    contact: Contact
    complaint: Document
    instance: Any


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_person() -> World:
    """A contact whose name, phones and email reach the audit, events, an interaction, a complaint, a
    running process (variables) and a consent file."""
    from potok.clients.services import contact_create, contact_update, interaction_create
    from potok.documents.services import document_create
    from potok.documents.services.fields import field_create
    from potok.processes.models import Task
    from potok.processes.services.instances import process_start
    from potok.tasks.services.discussion import task_comment_add

    admin = user("admin")
    company = Counterparty.objects.filter(kind="legal", deleted_at__isnull=True).order_by("id").first()
    assert company is not None
    field_create(
        actor=admin,
        owner="contact",
        code="consent_scan",
        label_ru="Скан согласия",
        label_en="Consent scan",
        field_type="file",
    )
    contact = contact_create(
        actor=admin,
        counterparty=company,
        fields={
            "last_name": LAST_NAME,
            "first_name": "Серафима",
            "middle_name": "Олеговна",
            "position": "главный бухгалтер",
            "phones": [OLD_PHONE],
            "emails": [EMAIL],
            "consent_given_on": "2025-03-15",
            "consent_purpose": "исполнение договора поставки",
            "consent_source": "письменное согласие",
        },
    )
    # The consent scan is uploaded through the service, as the contact form sends it.
    scan = SimpleUploadedFile("soglasie.pdf", b"%PDF-1.4 consent", "application/pdf")
    contact = contact_update(
        actor=admin,
        contact=contact,
        expected_version=contact.version,
        fields={"phones": [PHONE], "custom_fields": {"consent_scan": scan}},
    )
    interaction_create(
        actor=admin,
        counterparty=company,
        fields={
            "kind": "call",
            "occurred_at": "2026-11-20T10:00:00+03:00",
            "subject": "Звонок о претензии",
            "description": f"Звонила {LAST_NAME} Серафима, просила перезвонить на {PHONE}.",
            "contacts": [contact],
        },
    )
    complaint = document_create(
        actor=user("reception"),
        document_type=DocumentType.objects.get(code="complaint"),
        values={
            "client": company.pk,
            "contact": contact.pk,
            "subject": "Разбита витрина",
            "description": f"Ответ прислать на {EMAIL}",
            "claimed_amount": "25000",
        },
    )
    instance = process_start(
        actor=user("reception"),
        process_key="complaint_review",
        entity_type=complaint.entity_type,
        record_id=complaint.pk,
        variables={"caller_phone": PHONE, "caller_name": FULL_NAME},
    )
    task = Task.objects.get(instance=instance, state="open")
    task_comment_add(
        actor=task.assignee or admin, task=task, text=f"{LAST_NAME} Серафима просит звонить на {PHONE}"
    )
    return World(contact=contact, complaint=complaint, instance=instance)


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def find_everywhere(value: str) -> list[str]:
    """Every row of every table that holds `value` in a text or JSON column, as "model#pk.field"."""
    found: list[str] = []
    spellings = {value, json.dumps(value)[1:-1]}
    for model in apps.get_models():
        if model._meta.app_label == "sessions":
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            alias = f"search_{field.attname}"
            condition = Q(pk__in=[])
            for spelling in spellings:
                condition |= Q(**{f"{alias}__icontains": spelling})
            rows = (
                model._default_manager.annotate(**{alias: Cast(field.attname, models.TextField())})
                .filter(condition)
                .values_list("pk", flat=True)
            )
            found += [f"{model._meta.label}#{pk}.{field.attname}" for pk in rows]
    return found
