"""Who a request under 152-ФЗ is about: a contact, or a counterparty that is a private person or an
individual entrepreneur, with the values that identify them.

Example:
    >>> subject = subject_get(entity_type="contact", record_id=17)
    >>> subject.needles.anywhere   # ("Петров Иван Сергеевич", "+79161234567", "petrov@example.ru", ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from potok.clients.models import Contact, Counterparty, CounterpartyKind
from potok.core.errors import NotFound, ValidationFailed
from potok.privacy.scrub import Needles, clean_needles

PERSON_KINDS = (CounterpartyKind.PERSON, CounterpartyKind.ENTREPRENEUR)
SUBJECT_TYPES = ("contact", "counterparty")


@dataclass
class Subject:
    """The person: `entity_type`/`record` is what was asked about; `contacts` are the contact records
    covered (the contact itself, or every contact of a person counterparty)."""

    entity_type: str
    record: Contact | Counterparty
    contacts: list[Contact] = field(default_factory=list)
    counterparty: Counterparty | None = None
    needles: Needles = field(default_factory=lambda: Needles(anywhere=()))

    @property
    def record_id(self) -> int:
        return int(self.record.pk)

    @property
    def label(self) -> str:
        return str(self.record)

    def own_records(self) -> list[tuple[str, int]]:
        """(entity type, id) of every record that is the person's own."""
        records = [("contact", int(contact.pk)) for contact in self.contacts]
        if self.counterparty is not None:
            records.append(("counterparty", int(self.counterparty.pk)))
        return records


def _name_forms(last: str, first: str, middle: str) -> list[str]:
    forms = [" ".join(part for part in (last, first, middle) if part)]
    if last and first:
        forms += [f"{last} {first}", f"{first} {last}", f"{first} {middle} {last}" if middle else ""]
        forms += [f"{last} {first[0]}.", f"{last} {first[0]}. {middle[0]}." if middle else ""]
    return forms


def _contact_values(contact: Contact) -> tuple[list[str], list[str]]:
    anywhere = [*_name_forms(contact.last_name, contact.first_name, contact.middle_name)]
    anywhere += [str(value) for value in contact.phones] + [str(value) for value in contact.emails]
    own = [
        contact.last_name,
        contact.first_name,
        contact.middle_name,
        contact.consent_source,
        contact.comment,
    ]
    return anywhere, own


def _counterparty_values(counterparty: Counterparty) -> tuple[list[str], list[str]]:
    anywhere = [counterparty.name, counterparty.full_name, counterparty.inn, counterparty.ogrn]
    anywhere += [str(value) for value in counterparty.phones] + [str(value) for value in counterparty.emails]
    anywhere += [counterparty.legal_address, counterparty.postal_address]
    for prefix in ("ИП ", "Индивидуальный предприниматель "):
        for name in (counterparty.name, counterparty.full_name):
            if name.startswith(prefix):
                anywhere.append(name.removeprefix(prefix))
    return anywhere, [counterparty.comment]


IDENTIFYING_KEYS = ("phones", "emails", "inn", "ogrn", "name", "full_name", "legal_address", "postal_address")
NAME_KEYS = ("last_name", "first_name", "middle_name")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _sides(changes: Any) -> list[dict[str, Any]]:
    """The old and the new values of a `changes` column ({field: [old, new]})."""
    pairs = {key: pair for key, pair in (changes or {}).items() if isinstance(pair, list) and len(pair) == 2}
    return [{key: pair[index] for key, pair in pairs.items()} for index in (0, 1)]


def _past_values(subject: Subject) -> tuple[list[str], list[str]]:
    """Values the person's records held before: an old phone is as personal as the current one."""
    from potok.audit.models import AuditEvent
    from potok.core.models import DomainEvent

    anywhere: list[str] = []
    own: list[str] = []
    versions: list[dict[str, Any]] = []
    for entity_type, record_id in subject.own_records():
        for changes in AuditEvent.objects.filter(
            entity_type=entity_type, record_id=str(record_id)
        ).values_list("changes", flat=True):
            versions += _sides(changes)
        for snapshot, changes in DomainEvent.objects.filter(
            entity_type=entity_type, record_id=record_id
        ).values_list("snapshot", "changes"):
            versions.append(snapshot or {})
            versions += _sides(changes)
    for version in versions:
        for key in IDENTIFYING_KEYS:
            anywhere += _strings(version.get(key))
        parts = [str(version.get(key) or "") for key in NAME_KEYS]
        anywhere += _name_forms(parts[0], parts[1], parts[2])
        own += [part for part in parts if part]
    return anywhere, own


def subject_get(*, entity_type: str, record_id: Any) -> Subject:
    """The person behind a contact or a person counterparty, erased or not (deleted records included:
    a request may come after the record was deleted)."""
    if entity_type not in SUBJECT_TYPES:
        raise ValidationFailed({"entity_type": [_("Personal data belong to a contact or a counterparty.")]})
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise NotFound(f"{entity_type} {record_id}") from None
    anywhere: list[str] = []
    own: list[str] = []
    if entity_type == "contact":
        contact = Contact.objects.filter(pk=pk).select_related("counterparty").first()
        if contact is None:
            raise NotFound(f"contact {pk}")
        subject = Subject(entity_type=entity_type, record=contact, contacts=[contact])
    else:
        counterparty = Counterparty.objects.filter(pk=pk).first()
        if counterparty is None:
            raise NotFound(f"counterparty {pk}")
        if counterparty.kind not in PERSON_KINDS:
            raise ValidationFailed(
                {
                    "kind": [
                        _(
                            "%(name)s is a legal entity: its data are not personal. Export or erase the "
                            "contacts of it instead."
                        )
                        % {"name": counterparty.name}
                    ]
                }
            )
        subject = Subject(
            entity_type=entity_type,
            record=counterparty,
            contacts=list(Contact.objects.filter(counterparty=counterparty).order_by("id")),
            counterparty=counterparty,
        )
        values = _counterparty_values(counterparty)
        anywhere += values[0]
        own += values[1]
    for contact in subject.contacts:
        values = _contact_values(contact)
        anywhere += values[0]
        own += values[1]
    past_anywhere, past_own = _past_values(subject)
    anywhere += past_anywhere
    own += past_own
    subject.needles = Needles(anywhere=clean_needles(anywhere), own=clean_needles(own))
    return subject
