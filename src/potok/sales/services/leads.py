"""Leads: registering an inquiry, qualifying it, and converting it in one step into a counterparty (new or
an existing one the user picked among the duplicates), a contact and a deal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from potok.clients import normalize
from potok.clients.duplicates import Candidate, find_duplicates
from potok.clients.models import Contact, Counterparty, CounterpartyKind
from potok.clients.services import contact_create, counterparty_create
from potok.core import clock
from potok.core.errors import Conflict, NotFound, ValidationFailed
from potok.core.models import EventKind
from potok.sales import validation
from potok.sales.lock_objects import lead_for_update
from potok.sales.models import Deal, Lead, LeadSource, LeadStatus, Pipeline
from potok.sales.services.common import creation_changes, diff, lead_snapshot, record_change
from potok.sales.services.deals import deal_create

ENTITY = "lead"
LEAD_FIELDS = (
    "source",
    "title",
    "company_name",
    "inn",
    "contact_name",
    "position",
    "phone",
    "email",
    "need",
    "budget",
    "comment",
    "responsible",
)

# The declared life of a lead: from each status, where it may go by hand (conversion is its own service).
TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.QUALIFYING, LeadStatus.QUALIFIED, LeadStatus.REJECTED},
    LeadStatus.QUALIFYING: {LeadStatus.QUALIFIED, LeadStatus.REJECTED, LeadStatus.NEW},
    LeadStatus.QUALIFIED: {LeadStatus.QUALIFYING, LeadStatus.REJECTED},
    LeadStatus.REJECTED: {LeadStatus.NEW},
    LeadStatus.CONVERTED: set(),
}
CONVERTIBLE = {LeadStatus.NEW, LeadStatus.QUALIFYING, LeadStatus.QUALIFIED}


def check_lead(fields: Mapping[str, Any], *, current: Lead | None = None) -> dict[str, Any]:
    errors = validation.unknown_fields(fields, LEAD_FIELDS)
    if errors:
        raise ValidationFailed(errors)
    creating = current is None
    cleaned: dict[str, Any] = {}
    if "source" in fields or creating:
        source = str(fields.get("source") or LeadSource.OTHER)
        if source not in LeadSource.values:
            errors["source"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(LeadSource.values)}
        cleaned["source"] = source
    limits = {
        "title": 300,
        "company_name": 300,
        "contact_name": 300,
        "position": 200,
        "need": 5000,
        "comment": 5000,
    }
    for field, limit in limits.items():
        if field in fields or creating:
            cleaned[field] = validation.text(
                field, fields.get(field), errors, limit=limit, required=field == "title"
            )
    if "inn" in fields or creating:
        try:
            cleaned["inn"] = normalize.normalize_inn(str(fields.get("inn") or ""))
        except normalize.InvalidValue as error:
            errors["inn"] = str(error)
    if "phone" in fields or creating:
        try:
            phones = normalize.normalize_phones([fields["phone"]] if fields.get("phone") else [])
            cleaned["phone"] = phones[0] if phones else ""
        except normalize.InvalidValue as error:
            errors["phone"] = str(error)
    if "email" in fields or creating:
        try:
            emails = normalize.normalize_emails([fields["email"]] if fields.get("email") else [])
            cleaned["email"] = emails[0] if emails else ""
        except normalize.InvalidValue as error:
            errors["email"] = str(error)
    if "budget" in fields:
        cleaned["budget"] = validation.decimal("budget", fields.get("budget"), errors, required=False)
    if "responsible" in fields:
        responsible = fields.get("responsible")
        if responsible is not None and not getattr(responsible, "is_active", False):
            errors["responsible"] = _("Choose an active user.")
        cleaned["responsible"] = responsible
    merged = {**(lead_snapshot(current) if current else {}), **cleaned}
    if not errors and not any(
        merged.get(name) for name in ("company_name", "contact_name", "phone", "email")
    ):
        errors["contact_name"] = _("Give at least a company, a person, a phone or an email.")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@transaction.atomic
def lead_create(*, actor: Any, fields: Mapping[str, Any]) -> Lead:
    fields = dict(fields)
    cleaned = check_lead(fields)
    responsible = cleaned.get("responsible")
    now = clock.now()
    lead = Lead.objects.create(
        **cleaned,
        department=getattr(responsible, "department", None),
        created_at=now,
        updated_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    snapshot = lead_snapshot(lead)
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=lead.pk,
        kind=EventKind.CREATED,
        changes=creation_changes(snapshot),
        snapshot=snapshot,
    )
    return lead


def _locked(lead: Lead, expected_version: int | None) -> Lead:
    locked = lead_for_update(lead.pk)
    if locked is None:
        raise NotFound(f"{ENTITY} {lead.pk}")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(_("The lead was changed by someone else meanwhile; reload it and try again."))
    return locked


def _save(*, actor: Any, lead: Lead, before: dict[str, Any]) -> Lead:
    after = lead_snapshot(lead)
    changes = diff(before, after)
    if not changes:
        return lead
    lead.version += 1
    lead.updated_at = clock.now()
    lead.save()
    after["version"] = lead.version
    record_change(
        actor=actor,
        entity_type=ENTITY,
        record_id=lead.pk,
        kind=EventKind.UPDATED,
        changes=changes,
        snapshot=after,
    )
    return lead


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, expected_version: int | None, fields: Mapping[str, Any]) -> Lead:
    locked = _locked(lead, expected_version)
    if locked.status == LeadStatus.CONVERTED:
        raise ValidationFailed({"status": _("A converted lead is kept as it was; change the deal instead.")})
    cleaned = check_lead(fields, current=locked)
    before = lead_snapshot(locked)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    if "responsible" in cleaned:
        locked.department = getattr(locked.responsible, "department", None)
    return _save(actor=actor, lead=locked, before=before)


@transaction.atomic
def lead_set_status(
    *, actor: Any, lead: Lead, status: str, expected_version: int | None, reason: str = ""
) -> Lead:
    """Qualify or reject a lead (or bring it back); the allowed moves are TRANSITIONS."""
    locked = _locked(lead, expected_version)
    if status not in TRANSITIONS.get(locked.status, set()):
        raise ValidationFailed(
            {
                "status": _("A lead that is «%(old)s» cannot become «%(new)s».")
                % {"old": locked.get_status_display(), "new": status}
            }
        )
    errors: dict[str, str] = {}
    reason = validation.text(
        "rejection_reason", reason, errors, limit=500, required=status == LeadStatus.REJECTED
    )
    if errors:
        raise ValidationFailed(errors)
    before = lead_snapshot(locked)
    locked.status = status
    locked.rejection_reason = reason if status == LeadStatus.REJECTED else ""
    return _save(actor=actor, lead=locked, before=before)


def lead_duplicates(lead: Lead, *, among: Any = None) -> list[Candidate]:
    """Counterparties the lead may already be (the client base's matcher)."""
    return find_duplicates(
        name=lead.company_name or lead.contact_name,
        inn=lead.inn,
        phones=[lead.phone] if lead.phone else [],
        emails=[lead.email] if lead.email else [],
        among=among,
    )


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    counterparty: Counterparty
    contact: Contact | None
    deal: Deal


def split_name(full_name: str) -> dict[str, str]:
    """«Иванов Иван Иванович» → last, first, middle; one word is a first name."""
    parts = full_name.split()
    if len(parts) == 1:
        return {"first_name": parts[0]}
    if len(parts) == 2:
        return {"last_name": parts[0], "first_name": parts[1]}
    return {"last_name": parts[0], "first_name": parts[1], "middle_name": " ".join(parts[2:])}


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    expected_version: int | None,
    pipeline: Pipeline | None,
    counterparty: Counterparty | None = None,
    create_counterparty: bool = False,
    deal_title: str = "",
    deal_custom_fields: Mapping[str, Any] | None = None,
) -> Conversion:
    """Counterparty + contact + deal from the lead, in one transaction.

    `counterparty` uses an existing one; `create_counterparty` creates a new one even though possible
    duplicates exist. With neither, a new one is created only when the matcher finds no candidate;
    otherwise the conversion is refused with the candidates named, for the user to pick.
    `deal_custom_fields`: values of the deal's custom fields (the others take their defaults); a required
    one left without a value refuses the conversion naming custom_fields.<code>, as a new deal would be."""
    locked = _locked(lead, expected_version)
    if locked.status not in CONVERTIBLE:
        raise ValidationFailed({"status": _("Only a new or qualified lead can be converted.")})
    if pipeline is None:
        raise ValidationFailed({"pipeline": _("Choose the pipeline of the new deal.")})
    owner = locked.responsible or (actor if getattr(actor, "pk", None) else None)
    if counterparty is None:
        if not create_counterparty:
            candidates = lead_duplicates(locked)
            if candidates:
                raise ValidationFailed(
                    {
                        "counterparty": _(
                            "The client base may have this client already: %(names)s. Choose one of them or "
                            "create a new counterparty."
                        )
                        % {
                            "names": "; ".join(
                                f"{c.counterparty.name} ({', '.join(c.reasons)})" for c in candidates[:5]
                            )
                        }
                    }
                )
        is_company = bool(locked.company_name)
        try:
            counterparty = counterparty_create(
                actor=actor,
                fields={
                    "kind": CounterpartyKind.LEGAL
                    if is_company or not locked.inn
                    else CounterpartyKind.PERSON,
                    "name": locked.company_name or locked.contact_name or locked.title,
                    "inn": locked.inn if not is_company or len(locked.inn) == 10 else "",
                    "phones": [locked.phone] if locked.phone else [],
                    "emails": [locked.email] if locked.email else [],
                    "responsible": owner,
                    "comment": locked.need,
                },
            )
        except ValidationFailed as error:
            # The new counterparty's refusal under "counterparty": its keys (custom_fields.<code>) would
            # otherwise name the deal's field of the same code, next to whose input the form shows them.
            raise ValidationFailed(
                {
                    "counterparty": [
                        _("The new counterparty: %(error)s") % {"error": message}
                        for messages in error.errors.values()
                        for message in messages
                    ]
                }
            ) from None
    elif counterparty.deleted_at is not None:
        raise ValidationFailed({"counterparty": _("Choose a counterparty of the client base.")})
    contact = _contact_for(actor=actor, lead=locked, counterparty=counterparty)
    deal = deal_create(
        actor=actor,
        fields={
            "title": deal_title.strip() or locked.title,
            "pipeline": pipeline,
            "counterparty": counterparty,
            "contacts": [contact] if contact else [],
            "amount": locked.budget or 0,
            "responsible": owner,
            "description": locked.need,
            **({"custom_fields": dict(deal_custom_fields)} if deal_custom_fields else {}),
        },
        lead=locked,
    )
    before = lead_snapshot(locked)
    locked.status = LeadStatus.CONVERTED
    locked.converted_at = clock.now()
    locked.counterparty, locked.contact, locked.deal = counterparty, contact, deal
    _save(actor=actor, lead=locked, before=before)
    return Conversion(lead=locked, counterparty=counterparty, contact=contact, deal=deal)


def _contact_for(*, actor: Any, lead: Lead, counterparty: Counterparty) -> Contact | None:
    """The counterparty's contact with the lead's email or phone, else a new one (when a person is named)."""
    if lead.email or lead.phone:
        for contact in Contact.objects.filter(counterparty=counterparty, deleted_at__isnull=True):
            if (lead.email and lead.email in contact.emails) or (lead.phone and lead.phone in contact.phones):
                return contact
    if not lead.contact_name:
        return None
    return contact_create(
        actor=actor,
        counterparty=counterparty,
        fields={
            **split_name(lead.contact_name),
            "position": lead.position,
            "phones": [lead.phone] if lead.phone else [],
            "emails": [lead.email] if lead.email else [],
        },
    )
