"""Normalising and checking what people type about a counterparty: ИНН, КПП, ОГРН, phones, emails, names.

Pure functions, no database: the services, the duplicate finder and the importer share them, so a value is
normalised the same way wherever it comes from.

Example:
    >>> normalize_phone("8 (916) 123-45-67")
    '+79161234567'
    >>> normalize_name("ООО «Ромашка»")
    'ромашка'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

DEFAULT_REGION = "RU"

# Legal forms stripped before names are compared: "ООО «Ромашка»" and "Ромашка, ООО" are one company.
LEGAL_FORMS = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "непубличное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "ооо",
    "оао",
    "зао",
    "пао",
    "нао",
    "ао",
    "ип",
    "нпо",
    "llc",
    "ltd",
    "inc",
    "gmbh",
)
_LEGAL_FORM_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(form) for form in LEGAL_FORMS) + r")(?!\w)")
_PUNCTUATION_RE = re.compile(r"[«»\"'“”„`.,;:()\[\]{}!?/\\|]+")
_SPACES_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"\D+")


class InvalidValue(ValueError):
    """A value that cannot be normalised; the message is shown to the user next to the field."""


def digits(value: str) -> str:
    return _DIGITS_RE.sub("", value or "")


def normalize_inn(value: str) -> str:
    """The ИНН as 10 (organisation) or 12 (person, entrepreneur) digits, or InvalidValue with the reason."""
    raw = (value or "").strip()
    if not raw:
        return ""
    if re.search(r"[^\d\s-]", raw):
        raise InvalidValue(_("ИНН: only digits are allowed"))
    value = digits(raw)
    if len(value) in (9, 11) and _inn_valid("0" + value):
        # A spreadsheet that stored the ИНН as a number dropped its leading zero.
        value = "0" + value
    try:
        stdnum_inn.validate(value)
    except InvalidLength as error:
        raise InvalidValue(_("ИНН: must have 10 or 12 digits")) from error
    except InvalidChecksum as error:
        raise InvalidValue(_("ИНН: wrong check digit")) from error
    except StdnumError as error:
        raise InvalidValue(_("ИНН: not a valid number")) from error
    return value


def _inn_valid(value: str) -> bool:
    return bool(stdnum_inn.is_valid(value))


def normalize_kpp(value: str) -> str:
    """КПП: 9 characters — 4 digits (tax office), 2 digits or capital letters (reason), 3 digits."""
    value = (value or "").strip().upper().replace(" ", "")
    if not value:
        return ""
    if len(value) == 8 and value.isdigit():
        value = "0" + value  # a leading zero lost by a spreadsheet
    if not re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", value):
        raise InvalidValue(_("КПП: must have 9 characters: 4 digits, 2 digits or letters, 3 digits"))
    return value


def normalize_ogrn(value: str) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    if re.search(r"[^\d\s-]", raw):
        raise InvalidValue(_("ОГРН: only digits are allowed"))
    value = digits(raw)
    try:
        stdnum_ogrn.validate(value)
    except InvalidLength as error:
        raise InvalidValue(_("ОГРН: must have 13 digits (15 for an entrepreneur)")) from error
    except InvalidChecksum as error:
        raise InvalidValue(_("ОГРН: wrong check digit")) from error
    except StdnumError as error:
        raise InvalidValue(_("ОГРН: not a valid number")) from error
    return str(value)


@lru_cache(maxsize=65536)
def normalize_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """A phone in E.164 (+79161234567); numbers written the Russian way (8 916 …) are understood."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidValue(_("Phone: %(value)s is not a phone number") % {"value": value}) from error
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(_("Phone: %(value)s has a wrong number of digits") % {"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phones(values: Iterable[str] | str, region: str = DEFAULT_REGION) -> list[str]:
    """Several phones (a list, or one text separated by commas or semicolons), unique, in order."""
    if isinstance(values, str):
        values = re.split(r"[,;\n]+", values)
    result: list[str] = []
    for value in values:
        phone = normalize_phone(value, region)
        if phone and phone not in result:
            result.append(phone)
    return result


def normalize_email(value: str) -> str:
    value = (value or "").strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError as error:
        raise InvalidValue(_("Email: %(value)s is not an email address") % {"value": value}) from error
    return value


def normalize_emails(values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[,;\s]+", values)
    result: list[str] = []
    for value in values:
        email = normalize_email(value)
        if email and email not in result:
            result.append(email)
    return result


def normalize_tags(values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        values = values.split(",")
    result: list[str] = []
    for value in values:
        tag = _SPACES_RE.sub(" ", (value or "").strip())[:50]
        if tag and tag.lower() not in (existing.lower() for existing in result):
            result.append(tag)
    return result


def tag_keys(tags: Iterable[str]) -> str:
    """Tags as ",vip,опт," so that "has tag X" is a plain LIKE on every database."""
    keys = [tag.lower() for tag in tags]
    return "," + ",".join(keys) + "," if keys else ""


def normalize_name(value: str) -> str:
    """A company name for comparing: lower case, no legal form, no quotes or punctuation, single spaces."""
    value = (value or "").lower().replace("ё", "е")
    value = _PUNCTUATION_RE.sub(" ", value)
    value = _LEGAL_FORM_RE.sub(" ", value)
    return _SPACES_RE.sub(" ", value).strip()


def search_text(*parts: str | Iterable[str]) -> str:
    """One lower-cased column holding everything a user may search by (name, ИНН, phone digits, email)."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, str):
            items: Iterable[str] = [part]
        else:
            items = part
        for item in items:
            if not item:
                continue
            text = str(item)
            if text.startswith("+"):
                text = text[1:]  # phones are searched by their digits
            words.append(_SPACES_RE.sub(" ", text.lower().replace("ё", "е")).strip())
    return " | ".join(word for word in words if word)


def search_terms(query: str) -> list[str]:
    """What to look for in the search column: the lower-cased query, and for something that looks like
    a phone, its digits (with a Russian leading 8 also read as 7)."""
    query = _SPACES_RE.sub(" ", (query or "").strip().lower().replace("ё", "е"))
    if not query:
        return []
    terms = [query]
    only_digits = digits(query)
    if len(only_digits) >= 5 and re.fullmatch(r"[\d\s()+\-.]+", query):
        terms = [only_digits]
        if only_digits.startswith("8") and len(only_digits) >= 7:
            terms.append("7" + only_digits[1:])
    name = normalize_name(query)
    if name and name != query and name not in terms and not only_digits:
        terms.append(name)
    return terms
