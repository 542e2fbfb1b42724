"""Shared fixtures: the demo company's people (as Zulip's tests name their seed users), clients logged in
as them, API clients with tokens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def fresh_process_caches() -> None:
    """Each test starts with no cached process versions: rolled-back ids may be reused by the next test."""
    from potok.processes.definitions import forget_cached_definitions

    forget_cached_definitions()


@pytest.fixture
def demo_company(db):  # type: ignore[no-untyped-def]
    from potok.demo.company import build_demo_company

    build_demo_company(seed=2026, history=False)


@pytest.fixture
def person(demo_company) -> Callable[[str], object]:  # type: ignore[no-untyped-def]
    from potok.accounts.models import User

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def client_as(demo_company, client):  # type: ignore[no-untyped-def]
    from django.test import Client

    from potok.accounts.models import User

    def login(username: str) -> Client:
        logged_in = Client()
        logged_in.force_login(User.objects.get(username=username))
        return logged_in

    return login


@pytest.fixture
def api_as(demo_company):  # type: ignore[no-untyped-def]
    from django.test import Client

    from potok.accounts.models import User
    from potok.accounts.services import api_token_create

    def make(username: str) -> Client:
        token = api_token_create(actor=None, user=User.objects.get(username=username))
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make
