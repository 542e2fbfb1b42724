"""The engine as the product runs it: the database store, published definitions, registered actions,
the company's business calendar and Potok's clock.

Domain apps add service-task actions with `ACTIONS.add("documents.set_fields", function)` from their
AppConfig.ready().
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from potok.core import clock
from potok.engine.calendar import WorkingTime
from potok.engine.runtime.actions import ActionRegistry
from potok.engine.runtime.engine import Engine, IdFactory
from potok.processes.definitions import DatabaseDefinitions
from potok.processes.store import DjangoStore

ACTIONS = ActionRegistry()


class CompanyCalendar:
    """Working-time arithmetic on the company's default business calendar, read when needed."""

    def add_working_time(self, start: datetime, amount: timedelta | WorkingTime) -> datetime:
        from potok.calendars.selectors import calendar_for

        result: datetime = calendar_for().add_working_time(start, amount)
        return result


def build_engine(*, instance_values: dict[str, Any] | None = None) -> Engine:
    definitions = DatabaseDefinitions()
    store = DjangoStore(version_ids=definitions.version_id, instance_values=instance_values)
    return Engine(
        store,
        definitions=definitions,
        actions=ACTIONS,
        calendar=CompanyCalendar(),
        clock=clock.now,
        new_id=IdFactory.shared(),
    )


def engine(*, instance_values: dict[str, Any] | None = None) -> Engine:
    """A fresh engine per unit of work: cheap, and it holds no state between requests or jobs."""
    return build_engine(instance_values=instance_values)
