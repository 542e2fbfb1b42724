"""Finding possible duplicates of a counterparty: same ИНН (+КПП), phone, email, or a similar name.

Names are compared after `normalize_name` (no legal form, no quotes). On PostgreSQL similarity is the
pg_trgm `%` operator over the GIN-indexed `name_normalized`; on SQLite a prefilter by the name's longest
word narrows the rows and difflib's ratio decides.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from potok.clients import normalize
from potok.clients.models import Counterparty, CounterpartyKey, KeyKind

NAME_SIMILARITY = 0.8  # difflib ratio on SQLite
TRIGRAM_SIMILARITY = 0.55  # pg_trgm similarity on PostgreSQL


@dataclass
class Candidate:
    counterparty: Counterparty
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0


def live_counterparties() -> QuerySet[Counterparty]:
    return Counterparty.objects.filter(deleted_at__isnull=True)


def find_duplicates(
    *,
    name: str = "",
    inn: str = "",
    kpp: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_id: int | None = None,
    among: QuerySet[Counterparty] | None = None,
    limit: int = 10,
) -> list[Candidate]:
    """Counterparties that may be the same as the given (normalised) values, the likeliest first.

    `among` narrows the search to what the caller may see (the web panel); the importer searches all."""
    base = (among if among is not None else live_counterparties()).filter(deleted_at__isnull=True)
    if exclude_id is not None:
        base = base.exclude(pk=exclude_id)
    found: dict[int, Candidate] = {}

    def add(rows: Iterable[Counterparty], reason: str, score: float) -> None:
        for row in rows:
            candidate = found.setdefault(row.pk, Candidate(counterparty=row))
            candidate.reasons.append(reason)
            candidate.score += score

    if inn:
        for row in base.filter(inn=inn)[:limit]:
            if kpp and row.kpp and row.kpp != kpp:
                add([row], _("same ИНН, another КПП (a branch?)"), 0.5)
            else:
                add([row], _("same ИНН") if not kpp else _("same ИНН and КПП"), 1.0)
    phones, emails = list(phones), list(emails)
    if phones or emails:
        condition = Q(pk__in=[])
        if phones:
            condition |= Q(kind=KeyKind.PHONE, value__in=phones)
        if emails:
            condition |= Q(kind=KeyKind.EMAIL, value__in=emails)
        keys = CounterpartyKey.objects.filter(condition).values_list("counterparty_id", "kind", "value")[:200]
        by_record: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for record_id, kind, value in keys:
            by_record[record_id].append((kind, value))
        rows = {row.pk: row for row in base.filter(pk__in=list(by_record))}
        for record_id, matches in by_record.items():
            if record_id not in rows:
                continue
            for kind, value in matches:
                reason = _("same phone %(value)s") if kind == KeyKind.PHONE else _("same email %(value)s")
                add([rows[record_id]], reason % {"value": value}, 0.8)
    normalized = normalize.normalize_name(name)
    if normalized:
        for row, similarity in similar_names(base, normalized, limit=limit):
            add([row], _("similar name (%(percent)d%%)") % {"percent": round(similarity * 100)}, similarity)
    ranked = sorted(found.values(), key=lambda candidate: (-candidate.score, candidate.counterparty.pk))
    return ranked[:limit]


def find_duplicates_for(
    values: Mapping[str, Any], *, among: QuerySet[Counterparty] | None = None, exclude_id: int | None = None
) -> list[Candidate]:
    """Duplicates of what a user typed (a form, an API call): values are normalised where they can be,
    and a value that is not valid yet (a half-typed phone) is simply not compared."""

    def tolerant(function: Callable[[str], str], value: Any) -> str:
        try:
            return function(str(value or ""))
        except normalize.InvalidValue:
            return ""

    phones = values.get("phones") or []
    emails = values.get("emails") or []
    if isinstance(phones, str):
        phones = re.split(r"[,;\n]+", phones)
    if isinstance(emails, str):
        emails = re.split(r"[,;\s]+", emails)
    return find_duplicates(
        name=str(values.get("name") or ""),
        inn=tolerant(normalize.normalize_inn, values.get("inn")),
        kpp=tolerant(normalize.normalize_kpp, values.get("kpp")),
        phones=[phone for phone in (tolerant(normalize.normalize_phone, p) for p in phones) if phone],
        emails=[email for email in (tolerant(normalize.normalize_email, e) for e in emails) if email],
        exclude_id=exclude_id,
        among=among,
    )


def similar_names(
    base: QuerySet[Counterparty], normalized: str, *, limit: int
) -> list[tuple[Counterparty, float]]:
    if connection.vendor == "postgresql":
        rows = (
            base.filter(name_normalized__trigram_similar=normalized)
            .annotate(similarity=TrigramSimilarity("name_normalized", normalized))
            .filter(similarity__gte=TRIGRAM_SIMILARITY)
            .order_by("-similarity", "pk")[:limit]
        )
        return [(row, float(row.similarity)) for row in rows]
    words = sorted(normalized.split(), key=len, reverse=True)
    if not words or len(words[0]) < 3:
        prefilter = base.filter(name_normalized=normalized)
    else:
        prefilter = base.filter(name_normalized__contains=words[0])
    result = []
    for row in prefilter[:500]:
        similarity = name_similarity(normalized, row.name_normalized)
        if similarity >= NAME_SIMILARITY:
            result.append((row, similarity))
    result.sort(key=lambda pair: (-pair[1], pair[0].pk))
    return result[:limit]


def name_similarity(first: str, second: str) -> float:
    if first == second:
        return 1.0
    return difflib.SequenceMatcher(None, first, second).ratio()


@dataclass
class ExistingKeys:
    """What the database already holds for a batch of import rows, looked up with a few indexed queries."""

    by_inn: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # inn → [(id, kpp)]
    by_phone: dict[str, list[int]] = field(default_factory=dict)
    by_email: dict[str, list[int]] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    inn_of: dict[int, str] = field(default_factory=dict)  # the ИНН of every record found above


def existing_keys(
    *, inns: Iterable[str], phones: Iterable[str], emails: Iterable[str], names: Iterable[str]
) -> ExistingKeys:
    result = ExistingKeys()
    live = live_counterparties()
    for chunk in _chunks(sorted(set(filter(None, inns)))):
        for pk, inn, kpp in live.filter(inn__in=chunk).values_list("pk", "inn", "kpp"):
            result.by_inn.setdefault(inn, []).append((pk, kpp))
    for kind, values, target in (
        (KeyKind.PHONE, phones, result.by_phone),
        (KeyKind.EMAIL, emails, result.by_email),
    ):
        for chunk in _chunks(sorted(set(filter(None, values)))):
            keys = CounterpartyKey.objects.filter(kind=kind, value__in=chunk).values_list(
                "value", "counterparty_id"
            )
            for value, pk in keys:
                target.setdefault(value, []).append(pk)
    for chunk in _chunks(sorted(set(filter(None, names)))):
        for pk, name, inn in live.filter(name_normalized__in=chunk).values_list(
            "pk", "name_normalized", "inn"
        ):
            result.by_name.setdefault(name, []).append(pk)
            result.inn_of[pk] = inn
    for inn, records in result.by_inn.items():
        for pk, _kpp in records:
            result.inn_of[pk] = inn
    missing = sorted(
        {pk for ids in (*result.by_phone.values(), *result.by_email.values()) for pk in ids}
        - set(result.inn_of)
    )
    for chunk_ids in range(0, len(missing), 500):
        for pk, inn in live.filter(pk__in=missing[chunk_ids : chunk_ids + 500]).values_list("pk", "inn"):
            result.inn_of[pk] = inn
    # Keys of deleted records are removed with them; a key whose record is not live is ignored.
    for target in (result.by_phone, result.by_email):
        for value in list(target):
            target[value] = [pk for pk in target[value] if pk in result.inn_of]
            if not target[value]:
                del target[value]
    return result


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
