"""Importing contacts: each row names its counterparty by ИНН or by name; duplicates are the same phone
or email at the same counterparty."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from potok.access.selectors import visible_records
from potok.clients import normalize
from potok.clients.models import Contact, Counterparty
from potok.clients.selectors import may_create_child
from potok.clients.services.contacts import contacts_create_many
from potok.clients.validation import check_contact
from potok.core.errors import ValidationFailed
from potok.imports.entities.common import custom_defaults, ledger_hits, row_messages
from potok.imports.models import RowStatus
from potok.imports.registry import ImportField, RowResult, SourceRow


@dataclass
class _State:
    actor: Any
    file_sha256: str
    columns: dict[str, str]
    seen_hash: dict[str, int] = field(default_factory=dict)
    seen_keys: dict[tuple[int, str], int] = field(default_factory=dict)
    allowed: dict[int, bool] = field(default_factory=dict)


class ContactImporter:
    code = "contact"
    label = gettext_lazy("Contacts")
    fields = [
        ImportField(
            "counterparty_inn", gettext_lazy("ИНН of the counterparty"), ("инн контрагента", "инн", "inn")
        ),
        ImportField(
            "counterparty",
            gettext_lazy("Counterparty"),
            ("контрагент", "организация", "компания", "клиент", "company"),
        ),
        ImportField("full_name", gettext_lazy("Full name (ФИО)"), ("фио", "контактное лицо", "name")),
        ImportField("last_name", gettext_lazy("Last name"), ("фамилия",)),
        ImportField("first_name", gettext_lazy("First name"), ("имя",)),
        ImportField("middle_name", gettext_lazy("Middle name"), ("отчество",)),
        ImportField("position", gettext_lazy("Position"), ("должность",)),
        ImportField("phones", gettext_lazy("Phones"), ("телефон", "телефоны", "phone")),
        ImportField("emails", gettext_lazy("Emails"), ("email", "e-mail", "почта", "электронная почта")),
        ImportField(
            "consent_given_on",
            gettext_lazy("Consent given on"),
            ("дата согласия", "согласие на обработку пд"),
        ),
        ImportField("consent_purpose", gettext_lazy("Purpose of processing"), ("цель обработки", "цель")),
        ImportField("consent_source", gettext_lazy("Source of consent"), ("источник согласия",)),
        ImportField("comment", gettext_lazy("Comment"), ("комментарий", "примечание")),
    ]

    def new_state(self, *, actor: Any, file_sha256: str, columns: dict[str, str]) -> _State:
        return _State(actor=actor, file_sha256=file_sha256, columns=columns)

    def analyse(self, rows: list[SourceRow], state: _State) -> list[RowResult]:
        results = []
        prepared: list[tuple[RowResult, dict[str, Any], dict[str, str]]] = []
        defaults, custom_refusal = custom_defaults("contact", state.actor)
        for row in rows:
            result = RowResult(row_number=row.row_number, status=RowStatus.CREATE, row_hash=row.row_hash)
            results.append(result)
            if row.problems:
                result.status, result.messages = RowStatus.REJECTED, list(row.problems)
                continue
            given = {name: value.strip() for name, value in row.values.items() if value and value.strip()}
            fields = {
                key: value
                for key, value in given.items()
                if key not in ("counterparty", "counterparty_inn", "full_name")
            }
            if "full_name" in given and not ("first_name" in given or "last_name" in given):
                parts = given["full_name"].split()
                fields.update(
                    zip(
                        ("last_name", "first_name", "middle_name"),
                        [*parts[:2], " ".join(parts[2:])],
                        strict=False,
                    )
                )
                if len(parts) == 1:
                    fields = {**fields, "first_name": parts[0], "last_name": ""}
            try:
                cleaned = check_contact(fields)
                if custom_refusal is not None:
                    raise custom_refusal
                cleaned["custom_fields"] = dict(defaults)
            except ValidationFailed as error:
                result.status, result.messages = RowStatus.REJECTED, row_messages(error.errors, state.columns)
                continue
            result.values = {
                "name": " ".join(
                    filter(None, (cleaned["last_name"], cleaned["first_name"], cleaned["middle_name"]))
                ),
                "counterparty": given.get("counterparty_inn") or given.get("counterparty", ""),
                "phones": ", ".join(cleaned["phones"]),
                "emails": ", ".join(cleaned["emails"]),
            }
            prepared.append((result, cleaned, given))
        self._classify(prepared, state)
        return results

    def _classify(
        self, prepared: list[tuple[RowResult, dict[str, Any], dict[str, str]]], state: _State
    ) -> None:
        if not prepared:
            return
        ledger = ledger_hits(self.code, state.file_sha256, [result.row_hash for result, _c, _g in prepared])
        inns, names = set(), set()
        for _result, _cleaned, given in prepared:
            with contextlib.suppress(normalize.InvalidValue):
                inns.add(normalize.normalize_inn(given.get("counterparty_inn", "")))
            names.add(normalize.normalize_name(given.get("counterparty", "")))
        live = Counterparty.objects.filter(deleted_at__isnull=True)
        by_inn: dict[str, list[Counterparty]] = {}
        for counterparty in live.filter(inn__in=[inn for inn in inns if inn]):
            by_inn.setdefault(counterparty.inn, []).append(counterparty)
        by_name: dict[str, list[Counterparty]] = {}
        for counterparty in live.filter(name_normalized__in=[name for name in names if name]):
            by_name.setdefault(counterparty.name_normalized, []).append(counterparty)
        readable = set(
            visible_records(state.actor, "counterparty")
            .filter(pk__in=[c.pk for group in (*by_inn.values(), *by_name.values()) for c in group])
            .values_list("pk", flat=True)
        )
        targets: dict[int, Counterparty | None] = {}
        for result, _cleaned, given in prepared:
            targets[id(result)] = self._counterparty(result, given, by_inn, by_name, readable, state)
        existing: set[tuple[int, str]] = set()
        counterparty_ids = {target.pk for target in targets.values() if target is not None}
        for contact in Contact.objects.filter(counterparty_id__in=counterparty_ids, deleted_at__isnull=True):
            for value in (*contact.phones, *contact.emails):
                existing.add((contact.counterparty_id, value))
        for result, cleaned, _given in prepared:
            target = targets[id(result)]
            if target is None:
                continue
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
            keys = [(target.pk, value) for value in (*cleaned["phones"], *cleaned["emails"])]
            if any(key in existing for key in keys):
                result.status = RowStatus.DUPLICATE
                result.messages = [
                    _("%(counterparty)s already has a contact with this phone or email")
                    % {"counterparty": target.name}
                ]
                continue
            earlier = next((state.seen_keys[key] for key in keys if key in state.seen_keys), None)
            if earlier is not None:
                result.status = RowStatus.DUPLICATE
                result.messages = [_("same phone or email as row %(row)d") % {"row": earlier}]
                continue
            for key in keys:
                state.seen_keys[key] = result.row_number
            result.status, result.payload = RowStatus.CREATE, (target, cleaned)

    def _counterparty(
        self,
        result: RowResult,
        given: dict[str, str],
        by_inn: dict[str, list[Counterparty]],
        by_name: dict[str, list[Counterparty]],
        readable: set[int],
        state: _State,
    ) -> Counterparty | None:
        column = state.columns.get("counterparty_inn") or state.columns.get("counterparty") or ""
        found: list[Counterparty] = []
        if given.get("counterparty_inn"):
            try:
                found = by_inn.get(normalize.normalize_inn(given["counterparty_inn"]), [])
            except normalize.InvalidValue as error:
                result.status, result.messages = (
                    RowStatus.REJECTED,
                    row_messages({"counterparty_inn": [str(error)]}, state.columns),
                )
                return None
        elif given.get("counterparty"):
            found = by_name.get(normalize.normalize_name(given["counterparty"]), [])
        else:
            result.status = RowStatus.REJECTED
            result.messages = [_("name the counterparty by its ИНН or its name")]
            return None
        found = [counterparty for counterparty in found if counterparty.pk in readable]
        if len(found) != 1:
            result.status = RowStatus.REJECTED
            message = (
                _("no counterparty «%(value)s»")
                if not found
                else _("several counterparties match «%(value)s»; give the ИНН")
            )
            value = given.get("counterparty_inn") or given.get("counterparty", "")
            result.messages = (
                row_messages(
                    {
                        "counterparty_inn" if given.get("counterparty_inn") else "counterparty": [
                            message % {"value": value}
                        ]
                    },
                    state.columns,
                )
                if column
                else [message % {"value": value}]
            )
            return None
        target = found[0]
        if target.pk not in state.allowed:
            state.allowed[target.pk] = may_create_child(state.actor, "contact", target)
        if not state.allowed[target.pk]:
            result.status = RowStatus.REJECTED
            result.messages = [
                _("you may not add contacts to %(counterparty)s") % {"counterparty": target.name}
            ]
            return None
        return target

    def apply(self, results: list[RowResult], *, actor: Any) -> None:
        creating = [result for result in results if result.status == RowStatus.CREATE]
        records = contacts_create_many(actor=actor, rows=[result.payload for result in creating])
        for result, record in zip(creating, records, strict=True):
            result.status, result.record_id = RowStatus.CREATED, record.pk
