"""Checking counterparty and contact input: one function per entity, used by the services (one record)
and by the importer (thousands of rows), so a value is accepted or refused the same way everywhere.

Each returns the cleaned values or raises ValidationFailed with a message per field; it writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from potok.clients import normalize
from potok.clients.models import CounterpartyKind
from potok.core.errors import ValidationFailed

COUNTERPARTY_FIELDS = (
    "kind",
    "name",
    "full_name",
    "inn",
    "kpp",
    "ogrn",
    "phones",
    "emails",
    "legal_address",
    "postal_address",
    "segment",
    "tags",
    "responsible",
    "department",
    "comment",
    "custom_fields",
)

CONTACT_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "position",
    "phones",
    "emails",
    "comment",
    "consent_given_on",
    "consent_purpose",
    "consent_source",
    "consent_withdrawn_on",
    "custom_fields",
)

_TEXT_LIMITS = {
    "name": 300,
    "full_name": 500,
    "segment": 64,
    "last_name": 150,
    "first_name": 150,
    "middle_name": 150,
    "position": 200,
    "consent_purpose": 500,
    "consent_source": 200,
}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _check_text(field: str, value: Any, errors: dict[str, str]) -> str:
    text = _text(value)
    limit = _TEXT_LIMITS.get(field)
    if limit and len(text) > limit:
        errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    return text


def _normalized(
    field: str, value: Any, function: Callable[[Any], Any], errors: dict[str, str], default: Any
) -> Any:
    try:
        return function(value if value is not None else "")
    except normalize.InvalidValue as error:
        errors[field] = str(error)
        return default


def _date(field: str, value: Any, errors: dict[str, str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    parsed = None
    try:
        parsed = parse_date(text)
        if parsed is None:
            parsed = dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        parsed = None
    if parsed is None:
        errors[field] = _("Enter a date as YYYY-MM-DD or DD.MM.YYYY.")
    return parsed


def check_counterparty(
    fields: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The cleaned values of `fields`; `current` holds the record's values when it is an update (the kind
    decides which ИНН length is right, so a partial update is checked against the whole)."""
    unknown = sorted(set(fields) - set(COUNTERPARTY_FIELDS))
    if unknown:
        raise ValidationFailed({name: _("Unknown field.") for name in unknown})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    merged = {**(current or {}), **fields}
    kind = _text(merged.get("kind")) or CounterpartyKind.LEGAL
    if "kind" in fields or current is None:
        if kind not in CounterpartyKind.values:
            errors["kind"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(CounterpartyKind.values)
            }
        cleaned["kind"] = kind
    for field in ("name", "full_name", "legal_address", "postal_address", "segment", "comment"):
        if field in fields or current is None:
            cleaned[field] = _check_text(field, fields.get(field), errors)
    if (current is None or "name" in fields) and not cleaned.get("name"):
        errors["name"] = _("Enter the name.")
    if "inn" in fields or current is None or "kind" in fields:
        inn = _normalized("inn", merged.get("inn"), normalize.normalize_inn, errors, "")
        if inn and "inn" not in errors:
            if kind == CounterpartyKind.LEGAL and len(inn) != 10:
                errors["inn"] = _("ИНН: a legal entity has a 10-digit ИНН")
            elif kind in (CounterpartyKind.ENTREPRENEUR, CounterpartyKind.PERSON) and len(inn) != 12:
                errors["inn"] = _("ИНН: a person or an entrepreneur has a 12-digit ИНН")
        cleaned["inn"] = inn
    if "kpp" in fields or current is None or "kind" in fields:
        kpp = _normalized("kpp", merged.get("kpp"), normalize.normalize_kpp, errors, "")
        if kpp and kind != CounterpartyKind.LEGAL:
            errors["kpp"] = _("КПП: only an organisation has a КПП")
        cleaned["kpp"] = kpp
    if "ogrn" in fields or current is None or "kind" in fields:
        ogrn = _normalized("ogrn", merged.get("ogrn"), normalize.normalize_ogrn, errors, "")
        if ogrn and "ogrn" not in errors:
            if kind == CounterpartyKind.LEGAL and len(ogrn) != 13:
                errors["ogrn"] = _("ОГРН: a legal entity has a 13-digit ОГРН")
            elif kind == CounterpartyKind.ENTREPRENEUR and len(ogrn) != 15:
                errors["ogrn"] = _("ОГРН: an entrepreneur has a 15-digit ОГРНИП")
        cleaned["ogrn"] = ogrn
    if "phones" in fields or current is None:
        cleaned["phones"] = _normalized(
            "phones", fields.get("phones") or [], normalize.normalize_phones, errors, []
        )
    if "emails" in fields or current is None:
        cleaned["emails"] = _normalized(
            "emails", fields.get("emails") or [], normalize.normalize_emails, errors, []
        )
    if "tags" in fields or current is None:
        cleaned["tags"] = normalize.normalize_tags(fields.get("tags") or [])
    for field in ("responsible", "department"):
        if field in fields or current is None:
            cleaned[field] = fields.get(field)
    if "custom_fields" in fields or current is None:
        custom = fields.get("custom_fields") or {}
        if not isinstance(custom, dict):
            errors["custom_fields"] = _("Custom fields are an object of names and values.")
        cleaned["custom_fields"] = custom
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def check_contact(fields: Mapping[str, Any], *, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(CONTACT_FIELDS) - {"counterparty"})
    if unknown:
        raise ValidationFailed({name: _("Unknown field.") for name in unknown})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field in (
        "last_name",
        "first_name",
        "middle_name",
        "position",
        "comment",
        "consent_purpose",
        "consent_source",
    ):
        if field in fields or current is None:
            cleaned[field] = _check_text(field, fields.get(field), errors)
    if (current is None or "first_name" in fields) and not cleaned.get("first_name"):
        errors["first_name"] = _("Enter the first name.")
    if "phones" in fields or current is None:
        cleaned["phones"] = _normalized(
            "phones", fields.get("phones") or [], normalize.normalize_phones, errors, []
        )
    if "emails" in fields or current is None:
        cleaned["emails"] = _normalized(
            "emails", fields.get("emails") or [], normalize.normalize_emails, errors, []
        )
    for field in ("consent_given_on", "consent_withdrawn_on"):
        if field in fields or current is None:
            cleaned[field] = _date(field, fields.get(field), errors)
    merged = {**(current or {}), **cleaned}
    if merged.get("consent_given_on") and not merged.get("consent_purpose"):
        errors["consent_purpose"] = _("Say for what purpose the personal data are processed (152-ФЗ).")
    given, withdrawn = merged.get("consent_given_on"), merged.get("consent_withdrawn_on")
    if withdrawn and not given:
        errors["consent_withdrawn_on"] = _("There is no consent to withdraw.")
    elif withdrawn and given and withdrawn < given:
        errors["consent_withdrawn_on"] = _("The consent cannot be withdrawn before it was given.")
    if "custom_fields" in fields or current is None:
        custom = fields.get("custom_fields") or {}
        if not isinstance(custom, dict):
            errors["custom_fields"] = _("Custom fields are an object of names and values.")
        cleaned["custom_fields"] = custom
    if errors:
        raise ValidationFailed(errors)
    return cleaned
