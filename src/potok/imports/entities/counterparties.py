"""Importing counterparties: columns, checks (the same as a manual save), duplicates within the file and
against the database, then bulk creation with an event and an audit row per record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from potok.access.models import Action
from potok.access.selectors import visible_records
from potok.accounts.models import User
from potok.clients import normalize
from potok.clients.duplicates import existing_keys
from potok.clients.lock_objects import counterparties_for_update
from potok.clients.models import CounterpartyKind
from potok.clients.services.counterparties import apply_counterparty_changes, counterparties_create_many
from potok.clients.validation import check_counterparty
from potok.core.errors import ValidationFailed
from potok.imports.entities.common import custom_defaults, ledger_hits, row_messages, user_lookup
from potok.imports.models import RowStatus
from potok.imports.registry import ImportField, RowResult, SourceRow

KIND_WORDS = {
    CounterpartyKind.LEGAL: {
        "юл",
        "юр лицо",
        "юрлицо",
        "юридическое лицо",
        "организация",
        "legal",
        "company",
    },
    CounterpartyKind.ENTREPRENEUR: {"ип", "индивидуальный предприниматель", "entrepreneur"},
    CounterpartyKind.PERSON: {"фл", "физ лицо", "физлицо", "физическое лицо", "person", "private person"},
}


@dataclass
class _State:
    actor: Any
    file_sha256: str
    columns: dict[str, str]
    users: dict[str, User]
    updatable: set[int] = field(default_factory=set)
    seen_hash: dict[str, int] = field(default_factory=dict)
    seen_inn: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    seen_phone: dict[str, int] = field(default_factory=dict)
    seen_email: dict[str, int] = field(default_factory=dict)
    seen_name: dict[str, tuple[int, str]] = field(default_factory=dict)
    # A new record's custom values (the file maps no custom columns), or why new records are refused.
    custom_defaults: dict[str, Any] = field(default_factory=dict)
    custom_refusal: ValidationFailed | None = None


class CounterpartyImporter:
    code = "counterparty"
    label = gettext_lazy("Counterparties")
    fields = [
        ImportField(
            "name",
            pgettext_lazy("counterparty", "Name"),
            ("наименование", "название", "краткое наименование", "контрагент", "клиент", "company"),
            required=True,
        ),
        ImportField("full_name", gettext_lazy("Full name"), ("полное наименование", "полное название")),
        ImportField("kind", gettext_lazy("Kind"), ("вид", "тип", "вид контрагента", "type")),
        ImportField("inn", gettext_lazy("ИНН"), ("inn", "инн контрагента")),
        ImportField("kpp", gettext_lazy("КПП"), ("kpp",)),
        ImportField("ogrn", gettext_lazy("ОГРН"), ("ogrn", "огрнип")),
        ImportField(
            "phones", gettext_lazy("Phones"), ("телефон", "телефоны", "тел", "phone", "номер телефона")
        ),
        ImportField(
            "emails", gettext_lazy("Emails"), ("email", "e-mail", "эл почта", "электронная почта", "почта")
        ),
        ImportField(
            "legal_address", gettext_lazy("Legal address"), ("юридический адрес", "адрес", "address")
        ),
        ImportField(
            "postal_address", gettext_lazy("Postal address"), ("почтовый адрес", "фактический адрес")
        ),
        ImportField("segment", gettext_lazy("Segment"), ("сегмент", "категория", "категория клиента")),
        ImportField("tags", gettext_lazy("Tags"), ("теги", "метки")),
        ImportField(
            "responsible", gettext_lazy("Responsible manager"), ("ответственный", "менеджер", "manager")
        ),
        ImportField("comment", gettext_lazy("Comment"), ("комментарий", "примечание", "заметки")),
    ]

    def new_state(self, *, actor: Any, file_sha256: str, columns: dict[str, str]) -> _State:
        return _State(actor=actor, file_sha256=file_sha256, columns=columns, users=user_lookup())

    def analyse(self, rows: list[SourceRow], state: _State) -> list[RowResult]:
        results: list[RowResult] = []
        checked: list[tuple[RowResult, dict[str, Any], set[str]]] = []
        state.custom_defaults, state.custom_refusal = custom_defaults("counterparty", state.actor)
        for row in rows:
            result = RowResult(row_number=row.row_number, status=RowStatus.CREATE, row_hash=row.row_hash)
            results.append(result)
            if row.problems:
                result.status, result.messages = RowStatus.REJECTED, list(row.problems)
                continue
            given = {name: value.strip() for name, value in row.values.items() if value and value.strip()}
            result.values = {name: given.get(name, "") for name in ("name", "inn", "kpp", "phones", "emails")}
            fields: dict[str, Any] = dict(given)
            errors: dict[str, str] = {}
            fields["kind"] = _kind(given, errors)
            if "responsible" in given:
                user = state.users.get(" ".join(given["responsible"].split()).lower())
                if user is None:
                    errors["responsible"] = _("no active user «%(name)s»") % {"name": given["responsible"]}
                fields["responsible"] = user
            try:
                if errors:
                    raise ValidationFailed(errors)
                cleaned = check_counterparty(fields)
            except ValidationFailed as error:
                result.status = RowStatus.REJECTED
                result.messages = row_messages(
                    {**error.errors, **{k: [v] for k, v in errors.items()}}, state.columns
                )
                continue
            result.values = {
                "name": cleaned["name"],
                "inn": cleaned["inn"],
                "kpp": cleaned["kpp"],
                "phones": ", ".join(cleaned["phones"]),
                "emails": ", ".join(cleaned["emails"]),
            }
            checked.append((result, cleaned, set(given)))
        self._classify(checked, state)
        return results

    def _classify(self, checked: list[tuple[RowResult, dict[str, Any], set[str]]], state: _State) -> None:
        if not checked:
            return
        ledger = ledger_hits(self.code, state.file_sha256, [result.row_hash for result, _c, _g in checked])
        names = {id(cleaned): normalize.normalize_name(cleaned["name"]) for _r, cleaned, _g in checked}
        keys = existing_keys(
            inns=[cleaned["inn"] for _r, cleaned, _g in checked],
            phones=[phone for _r, cleaned, _g in checked for phone in cleaned["phones"]],
            emails=[email for _r, cleaned, _g in checked for email in cleaned["emails"]],
            names=list(names.values()),
        )
        candidates = [pk for records in keys.by_inn.values() for pk, _kpp in records]
        state.updatable |= set(
            visible_records(state.actor, "counterparty", Action.UPDATE)
            .filter(pk__in=candidates)
            .values_list("pk", flat=True)
        )
        for result, cleaned, given in checked:
            inn, kpp, name = cleaned["inn"], cleaned["kpp"], names[id(cleaned)]
            if result.row_hash in ledger:
                result.status, result.record_id = RowStatus.SKIPPED, ledger[result.row_hash]
                result.messages = [
                    _("already imported from this file (record #%(id)d)") % {"id": result.record_id}
                ]
                continue
            if result.row_hash in state.seen_hash:
                result.status = RowStatus.DUPLICATE
                result.messages = [
                    _("the same row as row %(row)d") % {"row": state.seen_hash[result.row_hash]}
                ]
                continue
            state.seen_hash[result.row_hash] = result.row_number
            earlier = _same_inn(state.seen_inn.get(inn, []), kpp) if inn else None
            if earlier is not None:
                result.status = RowStatus.DUPLICATE
                result.messages = [_("same ИНН as row %(row)d") % {"row": earlier}]
                continue
            existing = [
                pk
                for pk, other_kpp in keys.by_inn.get(inn, [])
                if not kpp or not other_kpp or kpp == other_kpp
            ]
            if len(existing) > 1:
                result.status = RowStatus.DUPLICATE
                result.messages = [
                    _("ИНН found in several counterparties: %(ids)s")
                    % {"ids": ", ".join(f"#{pk}" for pk in existing)}
                ]
                continue
            if existing:
                result.record_id = existing[0]
                if existing[0] in state.updatable:
                    result.status = RowStatus.UPDATE
                    result.messages = [
                        _("same ИНН as counterparty #%(id)d: its values will be updated")
                        % {"id": existing[0]}
                    ]
                    result.payload = {key: cleaned[key] for key in given if key in cleaned}
                else:
                    result.status = RowStatus.DUPLICATE
                    result.messages = [
                        _("counterparty #%(id)d has this ИНН and you may not change it") % {"id": existing[0]}
                    ]
                self._remember(state, result, cleaned, name)
                continue
            reason = self._soft_duplicate(state, keys, cleaned, name)
            if reason:
                result.status, result.messages = RowStatus.DUPLICATE, [reason]
                continue
            if state.custom_refusal is not None:
                result.status = RowStatus.REJECTED
                result.messages = row_messages(state.custom_refusal.errors, state.columns)
                continue
            cleaned["custom_fields"] = dict(state.custom_defaults)
            result.status, result.payload = RowStatus.CREATE, cleaned
            self._remember(state, result, cleaned, name)

    @staticmethod
    def _remember(state: _State, result: RowResult, cleaned: dict[str, Any], name: str) -> None:
        if cleaned["inn"]:
            state.seen_inn.setdefault(cleaned["inn"], []).append((result.row_number, cleaned["kpp"]))
        for phone in cleaned["phones"]:
            state.seen_phone.setdefault(phone, result.row_number)
        for email in cleaned["emails"]:
            state.seen_email.setdefault(email, result.row_number)
        if name:
            state.seen_name.setdefault(name, (result.row_number, cleaned["inn"]))

    @staticmethod
    def _soft_duplicate(state: _State, keys: Any, cleaned: dict[str, Any], name: str) -> str:
        """Same phone, email or name — unless both sides have an ИНН and they differ (two companies)."""
        inn = cleaned["inn"]

        def conflicts(other_inn: str) -> bool:
            return bool(inn and other_inn and inn != other_inn)

        for phone in cleaned["phones"]:
            for pk in keys.by_phone.get(phone, []):
                if not conflicts(keys.inn_of.get(pk, "")):
                    return _("same phone %(value)s as counterparty #%(id)d") % {"value": phone, "id": pk}
            if phone in state.seen_phone and not inn:
                return _("same phone %(value)s as row %(row)d") % {
                    "value": phone,
                    "row": state.seen_phone[phone],
                }
        for email in cleaned["emails"]:
            for pk in keys.by_email.get(email, []):
                if not conflicts(keys.inn_of.get(pk, "")):
                    return _("same email %(value)s as counterparty #%(id)d") % {"value": email, "id": pk}
            if email in state.seen_email and not inn:
                return _("same email %(value)s as row %(row)d") % {
                    "value": email,
                    "row": state.seen_email[email],
                }
        if name:
            for pk in keys.by_name.get(name, []):
                if not conflicts(keys.inn_of.get(pk, "")):
                    return _("same name as counterparty #%(id)d") % {"id": pk}
            seen = state.seen_name.get(name)
            if seen and not conflicts(seen[1]):
                return _("same name as row %(row)d") % {"row": seen[0]}
        return ""

    def apply(self, results: list[RowResult], *, actor: Any) -> None:
        creating = [result for result in results if result.status == RowStatus.CREATE]
        records = counterparties_create_many(actor=actor, rows=[result.payload for result in creating])
        for result, record in zip(creating, records, strict=True):
            result.status, result.record_id = RowStatus.CREATED, record.pk
        updating = {result.record_id: result for result in results if result.status == RowStatus.UPDATE}
        if updating:
            for counterparty in counterparties_for_update(
                *[pk for pk in updating if pk is not None]
            ).select_related("responsible", "department"):
                result = updating[counterparty.pk]
                version = counterparty.version
                apply_counterparty_changes(actor=actor, counterparty=counterparty, cleaned=result.payload)
                result.status = RowStatus.UPDATED if counterparty.version != version else RowStatus.UNCHANGED


def _same_inn(seen: list[tuple[int, str]], kpp: str) -> int | None:
    for row_number, other_kpp in seen:
        if not kpp or not other_kpp or kpp == other_kpp:
            return row_number
    return None


def _kind(given: dict[str, str], errors: dict[str, str]) -> str:
    word = re.sub(r"[.\s]+", " ", given.get("kind", "").lower()).strip()
    if word:
        for kind, words in KIND_WORDS.items():
            if word in words or word == kind:
                return kind
        errors["kind"] = _("unknown kind «%(value)s»: use ЮЛ, ИП or ФЛ") % {"value": given["kind"]}
        return CounterpartyKind.LEGAL
    inn_digits = normalize.digits(given.get("inn", ""))
    if len(inn_digits) in (11, 12):
        name = given.get("name", "").lower()
        if (
            name.startswith(("ип ", "ип.", "индивидуальный предприниматель"))
            or len(normalize.digits(given.get("ogrn", ""))) == 15
        ):
            return CounterpartyKind.ENTREPRENEUR
        return CounterpartyKind.PERSON
    return CounterpartyKind.LEGAL
