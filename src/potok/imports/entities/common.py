"""Pieces the entity importers share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from potok.accounts.models import User
from potok.core.errors import ValidationFailed
from potok.imports.models import ImportLedger


def ledger_hits(entity_type: str, file_sha256: str, row_hashes: Iterable[str]) -> dict[str, int]:
    """Row hash → record id, for rows of this file imported before."""
    hashes = sorted(set(row_hashes))
    found: dict[str, int] = {}
    for start in range(0, len(hashes), 500):
        found.update(
            ImportLedger.objects.filter(
                entity_type=entity_type, file_sha256=file_sha256, row_hash__in=hashes[start : start + 500]
            ).values_list("row_hash", "record_id")
        )
    return found


def row_messages(errors: Mapping[str, list[str]], columns: Mapping[str, str]) -> list[str]:
    """Field errors as messages naming the file's column: «column «ИНН»: ИНН: wrong check digit»."""
    messages = []
    for name, texts in errors.items():
        column = columns.get(name)
        for text in texts:
            if column:
                messages.append(_("column «%(column)s»: %(message)s") % {"column": column, "message": text})
            else:
                messages.append(str(text))
    return messages


def user_lookup() -> dict[str, User]:
    """Active users by login, email and "First Last" / "Last First", lower-cased — how legacy files name
    a responsible manager."""
    found: dict[str, User] = {}
    for user in User.objects.filter(is_active=True).select_related("department"):
        keys = [
            user.username,
            user.email,
            f"{user.first_name} {user.last_name}",
            f"{user.last_name} {user.first_name}",
        ]
        for key in keys:
            key = " ".join(key.split()).lower()
            if key:
                found.setdefault(key, user)
    return found


def custom_defaults(entity_code: str, actor: Any) -> tuple[dict[str, Any], ValidationFailed | None]:
    """A new record's custom values when the file maps no custom columns (it cannot): the fields' defaults;
    a required custom field without a default rejects every new row, as a save without it would be refused.
    The same for each row, so it is worked out once per batch."""
    from potok.documents.custom_fields import check_custom_values, merge_custom_values

    try:
        return merge_custom_values({}, check_custom_values(entity_code, {}, actor=actor)), None
    except ValidationFailed as error:
        return {}, error
