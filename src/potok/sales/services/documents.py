"""The company's requisites, and quotes and invoices issued from deals: numbered per kind and year without
gaps or duplicates, printed as PDF, sent by email with the interaction recorded on the counterparty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from potok.access.selectors import is_administrator
from potok.audit.services import audit_record
from potok.clients.models import Contact, InteractionKind
from potok.clients.services import interaction_create
from potok.core import clock
from potok.core.errors import Conflict, PermissionDenied, ValidationFailed
from potok.core.models import EventKind
from potok.sales import validation
from potok.sales.lock_objects import counter_for_update
from potok.sales.models import CompanySettings, Deal, DocumentCounter, SalesDocument, SalesDocumentKind
from potok.sales.services.common import record_change
from potok.sales.services.deals import locked_deal
from potok.sales.totals import sum_lines

COMPANY_FIELDS = {
    "name": 300,
    "inn": 12,
    "kpp": 9,
    "ogrn": 15,
    "address": 500,
    "phone": 64,
    "email": 254,
    "bank_name": 300,
    "bik": 9,
    "correspondent_account": 20,
    "settlement_account": 20,
    "director": 200,
    "accountant": 200,
}
DIGIT_FIELDS = {
    "inn": (10, 12),
    "kpp": (9,),
    "ogrn": (13, 15),
    "bik": (9,),
    "correspondent_account": (20,),
    "settlement_account": (20,),
}


def company_settings() -> CompanySettings:
    found = CompanySettings.objects.filter(pk=1).first()
    return found if found is not None else CompanySettings(pk=1)


@transaction.atomic
def company_settings_update(
    *, actor: Any, fields: Mapping[str, Any], expected_version: int | None = None
) -> CompanySettings:
    """Change the requisites printed on documents. Administrators only."""
    if actor is not None and not is_administrator(actor):
        raise PermissionDenied("only administrators change the company's requisites")
    errors = validation.unknown_fields(fields, tuple(COMPANY_FIELDS))
    if errors:
        raise ValidationFailed(errors)
    current = CompanySettings.objects.select_for_update().filter(pk=1).first() or CompanySettings(
        pk=1, version=0
    )
    if expected_version is not None and current.version != expected_version:
        raise Conflict(_("The requisites were changed by someone else meanwhile; reload and try again."))
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in fields.items():
        cleaned = validation.text(field, value, errors, limit=COMPANY_FIELDS[field])
        lengths = DIGIT_FIELDS.get(field)
        if cleaned and lengths and (not cleaned.isdigit() or len(cleaned) not in lengths):
            errors[field] = _("Enter %(lengths)s digits.") % {"lengths": _(" or ").join(map(str, lengths))}
        if cleaned != getattr(current, field):
            changes[field] = (getattr(current, field), cleaned)
            setattr(current, field, cleaned)
    if errors:
        raise ValidationFailed(errors)
    if changes:
        current.version += 1
        current.save()
        audit_record(
            actor=actor, entity_type="company_settings", record_id=1, action="updated", changes=changes
        )
    return current


def next_number(kind: str, year: int) -> int:
    """The next number of `kind` in `year`, taken under the counter's row lock in the caller's
    transaction: a rolled-back document gives its number back, two concurrent ones never share one."""
    counter = counter_for_update(kind, year).first()
    if counter is None:
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(kind=kind, year=year, last_number=0)
        except IntegrityError:
            pass  # another transaction created it first; lock the row it made
        counter = counter_for_update(kind, year).get()
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def seller_requisites() -> dict[str, str]:
    company = company_settings()
    return {field: getattr(company, field) for field in COMPANY_FIELDS}


def buyer_requisites(deal: Deal) -> dict[str, str]:
    counterparty = deal.counterparty
    if counterparty is None:
        return {}
    return {
        "name": counterparty.full_name or counterparty.name,
        "inn": counterparty.inn,
        "kpp": counterparty.kpp,
        "address": counterparty.legal_address or counterparty.postal_address,
        "phone": ", ".join(counterparty.phones),
        "email": ", ".join(counterparty.emails),
    }


def line_rows(deal: Deal) -> list[dict[str, Any]]:
    return [
        {
            "name": line.name,
            "article": line.product.article if line.product_id else "",  # type: ignore[union-attr]
            "unit": line.unit,
            "unit_code": line.unit_code,
            "quantity": str(line.quantity.normalize())
            if line.quantity == line.quantity.to_integral()
            else str(line.quantity),
            "price": str(line.price),
            "discount_percent": str(line.discount_percent),
            "discount_amount": str(line.discount_amount),
            "vat_rate": line.vat_rate.name,
            "vat_percent": str(line.vat_rate.percent),
            "vat_exempt": line.vat_rate.exempt,
            "net_amount": str(line.net_amount),
            "vat_amount": str(line.vat_amount),
            "total": str(line.total),
        }
        for line in deal.lines.select_related("vat_rate", "product").order_by("position", "id")
    ]


@transaction.atomic
def sales_document_issue(
    *,
    actor: Any,
    deal: Deal,
    kind: str,
    issued_on: dt.date | None = None,
    valid_until: Any = None,
    comment: str = "",
) -> SalesDocument:
    """Issue a quote or an invoice from the deal's lines, with the next number of its year."""
    if kind not in SalesDocumentKind.values:
        raise ValidationFailed(
            {"kind": _("Choose one of: %(choices)s.") % {"choices": ", ".join(SalesDocumentKind.values)}}
        )
    locked = locked_deal(deal, None)
    errors: dict[str, str] = {}
    lines = line_rows(locked)
    if not lines:
        errors["lines"] = _("Add products or services to the deal first.")
    if kind == SalesDocumentKind.INVOICE and locked.counterparty is None:
        errors["counterparty"] = _("An invoice needs the buyer: choose the deal's counterparty.")
    until = validation.date("valid_until", valid_until, errors)
    text = validation.text("comment", comment, errors, limit=2000)
    if errors:
        raise ValidationFailed(errors)
    issued_on = issued_on or timezone.localdate(clock.now())
    totals = sum_lines(locked.lines.all())  # type: ignore[arg-type]
    document = SalesDocument.objects.create(
        kind=kind,
        year=issued_on.year,
        number=next_number(kind, issued_on.year),
        issued_on=issued_on,
        valid_until=until,
        deal=locked,
        currency=locked.currency,
        vat_included=locked.vat_included,
        net_amount=totals.net_amount,
        vat_amount=totals.vat_amount,
        total=totals.total,
        lines=lines,
        seller=seller_requisites(),
        buyer=buyer_requisites(locked),
        comment=text,
        created_at=clock.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_change(
        actor=actor,
        entity_type=kind,
        record_id=document.pk,
        kind=EventKind.CREATED,
        changes={"number": (None, document.number), "total": (None, document.total)},
        snapshot=document_snapshot(document),
        related_entity_type="deal",
        related_record_id=locked.pk,
    )
    return document


def document_snapshot(document: SalesDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "number": document.number,
        "year": document.year,
        "issued_on": document.issued_on,
        "deal": document.deal_id,
        "currency": document.currency,
        "net_amount": document.net_amount,
        "vat_amount": document.vat_amount,
        "total": document.total,
        "sent_at": document.sent_at,
    }


@transaction.atomic
def sales_document_send(
    *,
    actor: Any,
    document: SalesDocument,
    to: list[str],
    subject: str = "",
    message: str = "",
    contacts: list[Contact] | None = None,
) -> SalesDocument:
    """Email the document as a PDF after commit, and record the email on the counterparty's timeline."""
    from potok.sales.pdf import document_filename, render_document

    errors: dict[str, str] = {}
    addresses = [address.strip() for address in to if address and address.strip()]
    if not addresses:
        errors["to"] = _("Enter at least one email address.")
    for address in addresses:
        try:
            validate_email(address)
        except Exception:
            errors["to"] = _("«%(address)s» is not an email address.") % {"address": address}
    deal = document.deal
    if deal.counterparty is None:
        errors["counterparty"] = _("The deal has no counterparty to record the email on.")
    subject = (
        validation.text("subject", subject, errors, limit=300)
        or f"{document.get_kind_display()} № {document.number}"
    )
    body = validation.text("message", message, errors, limit=10000)
    if errors:
        raise ValidationFailed(errors)
    pdf = render_document(document)
    filename = document_filename(document)
    now = clock.now()
    old = document.sent_at
    SalesDocument.objects.filter(pk=document.pk).update(sent_at=now, sent_to=", ".join(addresses)[:500])
    document.sent_at, document.sent_to = now, ", ".join(addresses)[:500]
    interaction_create(
        actor=actor,
        counterparty=deal.counterparty,
        fields={
            "kind": InteractionKind.EMAIL,
            "occurred_at": now,
            "subject": subject[:300],
            "description": body,
            "outcome": _("Sent %(file)s to %(to)s") % {"file": filename, "to": ", ".join(addresses)},
            "contacts": list(contacts or []),
        },
    )
    record_change(
        actor=actor,
        entity_type=document.kind,
        record_id=document.pk,
        kind=EventKind.UPDATED,
        changes={"sent_at": (old, now), "sent_to": ("", document.sent_to)},
        snapshot=document_snapshot(document),
        related_entity_type="deal",
        related_record_id=deal.pk,
    )
    sender = settings.DEFAULT_FROM_EMAIL

    def send() -> None:
        email = EmailMessage(subject=subject, body=body, from_email=sender, to=addresses)
        email.attach(filename, pdf, "application/pdf")
        email.send(fail_silently=False)

    transaction.on_commit(send)
    return document
