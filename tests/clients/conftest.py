"""Factories for the client-base tests: valid ИНН are computed, never hard-coded by hand."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

_serial = itertools.count(1)


def inn10(seed: int, region: str = "77") -> str:
    """A valid 10-digit (organisation) ИНН derived from `seed`."""
    body = f"{region}{seed % 10_000_000:07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    return body + str(check)


def inn12(seed: int) -> str:
    body = f"50{seed % 100_000_000:08d}"
    w1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    first = sum(int(d) * w for d, w in zip(body, w1, strict=True)) % 11 % 10
    body += str(first)
    w2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    second = sum(int(d) * w for d, w in zip(body, w2, strict=True)) % 11 % 10
    return body + str(second)


@pytest.fixture(autouse=True)
def own_merge_hooks_only():  # type: ignore[no-untyped-def]
    """The client-base tests test the merge itself; other apps test their own MERGE_HOOKS."""
    from potok.clients import MERGE_HOOKS

    saved = list(MERGE_HOOKS)
    MERGE_HOOKS.clear()
    yield
    MERGE_HOOKS[:] = saved


@pytest.fixture
def make_counterparty():
    from potok.clients.services import counterparty_create

    def make(actor: Any = None, **fields: Any):  # type: ignore[no-untyped-def]
        number = next(_serial)
        fields.setdefault("name", f"ООО «Клиент {number}»")
        fields.setdefault("inn", inn10(1000 + number))
        return counterparty_create(actor=actor, fields=fields)

    return make
