"""What can be imported: each entity type brings its fields (with the column titles it recognises) and
two functions — analyse a batch of rows (what would happen, and why) and apply analysed rows.

Example:
    >>> register(CounterpartyImporter())
    >>> get("counterparty").fields
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ImportField:
    name: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass
class SourceRow:
    """One row of the file with its cells already mapped to field names."""

    row_number: int
    values: dict[str, str]
    row_hash: str
    problems: list[str] = field(default_factory=list)


@dataclass
class RowResult:
    row_number: int
    status: str
    row_hash: str
    messages: list[str] = field(default_factory=list)
    record_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # what the preview shows
    payload: Any = None  # what `apply` needs (cleaned values); never stored


class Importable(Protocol):
    code: str
    label: Any
    fields: list[ImportField]

    def new_state(self, *, actor: Any, file_sha256: str, columns: dict[str, str]) -> Any:
        """Whatever the analysis carries from one batch to the next (keys seen earlier in the file);
        `columns` maps field names to the file's column titles, for messages."""

    def analyse(self, rows: list[SourceRow], state: Any) -> list[RowResult]:
        """What would happen to each row; writes nothing."""

    def apply(self, results: list[RowResult], *, actor: Any) -> None:
        """Write the rows marked create / update (in the caller's transaction) and set each result's
        final status and record id."""


_types: dict[str, Importable] = {}


def register(importable: Importable) -> None:
    _types[importable.code] = importable


def get(code: str) -> Importable:
    return _types[code]


def all_types() -> list[Importable]:
    return list(_types.values())


def header_key(header: str) -> str:
    return re.sub(r"[\s_.:\-]+", " ", header.strip().lower().replace("ё", "е")).strip()


def suggest_mapping(importable: Importable, headers: list[str]) -> dict[str, str]:
    """Column index → field name, for the headers that name a field (its label or an alias)."""
    known: dict[str, str] = {}
    for item in importable.fields:
        for title in (item.name, str(item.label), *item.aliases):
            known.setdefault(header_key(title), item.name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        name = known.get(header_key(header))
        if name and name not in used:
            mapping[str(index)] = name
            used.add(name)
    return mapping
