"""Fixtures of the task tests: the demo company built once for the package, a frozen clock, the complaint
review process with Potok's task declarations, and helpers to start it for a complaint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core.management import call_command

from tests.tasks.helpers import COMPLAINT_REVIEW, publish


@pytest.fixture(scope="package")
def _demo_for_the_package(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo company built once for the task tests (each test still rolls its own changes back), and
    removed when they are done so other packages start from an empty database."""
    from potok.demo.company import build_demo_company, demo_company_exists

    with django_db_blocker.unblock():
        if not demo_company_exists():
            build_demo_company(seed=2026, history=False)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_company(_demo_for_the_package, db):  # type: ignore[no-untyped-def]
    from potok.demo.company import build_demo_company, demo_company_exists

    if not demo_company_exists():  # a transactional test before this one emptied the database
        build_demo_company(seed=2026, history=False)


@pytest.fixture
def frozen() -> Iterator[Callable[[datetime], None]]:
    """Freeze Potok's clock at a moment (call again to move it); released after the test."""
    from potok.calendars.selectors import forget_cached_calendars
    from potok.core import clock

    forget_cached_calendars()
    yield clock.freeze
    clock.freeze(None)


@pytest.fixture
def complaint_process(demo_company) -> Any:
    return publish(COMPLAINT_REVIEW)
