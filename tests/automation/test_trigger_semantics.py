"""Trigger semantics as a table: for each event and trigger mode, a sequence of saves and how many processes
the rule starts. "Only when it starts to match" is condition(old) = false and condition(new) = true, with
the old values rebuilt from the outbox row (snapshot minus changes) — which is what keeps the OR pitfall
away: a record that matched by one branch before does not start again when another branch turns true."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from potok.automation.models import RuleStart
from potok.automation.services import rule_create
from tests.automation.conftest import publish

pytestmark = pytest.mark.django_db

BIG = {"field": "claimed_amount", "op": "gt", "value": 100000}
BIG_OR_CRITICAL = {"any": [BIG, {"field": "severity", "op": "eq", "value": "critical"}]}


class World:
    """Saves through the documents' services; `step` is what the worker does between saves."""

    def __init__(self, make_complaint: Callable[..., Any], frozen: Callable[..., Any], act_type: Any) -> None:
        self.make_complaint = make_complaint
        self.frozen = frozen
        self.act_type = act_type
        self.complaint: Any = None
        self.act: Any = None

    def create(self, **values: Any) -> None:
        self.complaint = self.make_complaint(**values)

    def update(self, **values: Any) -> None:
        from potok.documents.services import document_update

        self.complaint = document_update(
            actor=None, document=self.complaint, values=values, expected_version=None
        )

    def status(self, code: str) -> None:
        from potok.documents.services import document_set_status

        self.complaint = document_set_status(actor=None, document=self.complaint, status=code)

    def delete(self) -> None:
        from potok.documents.services import document_delete

        document_delete(actor=None, document=self.complaint)

    def link_act(self) -> None:
        from potok.documents.services import document_create

        self.act = document_create(
            actor=None, document_type=self.act_type, values={"complaint": self.complaint.pk}
        )

    def unlink_act(self) -> None:
        from potok.documents.services import document_delete

        document_delete(actor=None, document=self.act)

    def wait(self, seconds: int) -> None:
        self.frozen(timedelta(seconds=seconds))


@dataclass
class Case:
    name: str
    event: str
    script: Callable[[World], None]
    starts: int
    condition: dict[str, Any] = field(default_factory=dict)
    mode: str = "every_time"
    options: dict[str, Any] = field(default_factory=dict)


def steps(*calls: Callable[[World], None]) -> Callable[[World], None]:
    def run(world: World) -> None:
        for call in calls:
            call(world)
            world.settle()  # type: ignore[attr-defined]

    return run


def create(**values: Any) -> Callable[[World], None]:
    return lambda world: world.create(**values)


def update(**values: Any) -> Callable[[World], None]:
    return lambda world: world.update(**values)


def status(code: str) -> Callable[[World], None]:
    return lambda world: world.status(code)


def wait(seconds: int) -> Callable[[World], None]:
    return lambda world: world.wait(seconds)


CASES = [
    # created
    Case("created, no match", "created", steps(create(claimed_amount="50")), 0, BIG),
    Case("created, match", "created", steps(create(claimed_amount="150000")), 1, BIG),
    Case("created, becomes true", "created", steps(create(claimed_amount="150000")), 1, BIG, "becomes_true"),
    # updated, every time vs becoming true
    Case(
        "updated every time: each matching save starts",
        "updated",
        steps(create(claimed_amount="50"), update(claimed_amount="150000"), update(claimed_amount="160000")),
        2,
        BIG,
    ),
    Case(
        "updated becomes true: only the crossing starts",
        "updated",
        steps(create(claimed_amount="50"), update(claimed_amount="150000"), update(claimed_amount="160000")),
        1,
        BIG,
        "becomes_true",
    ),
    Case(
        "becomes true again after it stopped matching",
        "updated",
        steps(
            create(claimed_amount="50"),
            update(claimed_amount="150000"),
            update(claimed_amount="10"),
            update(claimed_amount="150000"),
        ),
        2,
        BIG,
        "becomes_true",
    ),
    Case(
        "OR pitfall: matched by another branch before, no start",
        "updated",
        steps(create(claimed_amount="50", severity="critical"), update(claimed_amount="150000")),
        0,
        BIG_OR_CRITICAL,
        "becomes_true",
    ),
    Case(
        "OR pitfall every time: starts",
        "updated",
        steps(create(claimed_amount="50", severity="critical"), update(claimed_amount="150000")),
        1,
        BIG_OR_CRITICAL,
    ),
    Case(
        "OR: branches turning true one after the other start once",
        "updated",
        steps(
            create(claimed_amount="50", severity="normal"),
            update(claimed_amount="150000"),
            update(severity="critical"),
            update(claimed_amount="50"),
            update(severity="normal"),
            update(claimed_amount="200000"),
        ),
        2,
        BIG_OR_CRITICAL,
        "becomes_true",
    ),
    Case(
        "updated of listed fields only",
        "updated",
        steps(create(claimed_amount="150000"), update(subject="Другое")),
        0,
        BIG,
        options={"fields": ["claimed_amount"]},
    ),
    Case(
        "a change operator in every-time mode fires on the crossing only",
        "updated",
        steps(create(claimed_amount="50"), update(claimed_amount="150000"), update(claimed_amount="170000")),
        1,
        {"field": "claimed_amount", "op": "became_gt", "value": 100000},
    ),
    # field changed from / to
    Case(
        "severity from normal to high",
        "field_changed",
        steps(
            create(severity="normal"),
            update(severity="high"),
            update(severity="critical"),
            update(severity="high"),
        ),
        1,
        options={"field": "severity", "from": ["normal"], "to": ["high"]},
    ),
    Case(
        "severity to critical, from anything",
        "field_changed",
        steps(
            create(severity="low"),
            update(severity="critical"),
            update(severity="low"),
            update(severity="critical"),
        ),
        2,
        options={"field": "severity", "to": ["critical"]},
    ),
    # status
    Case(
        "status changed to closed",
        "status_changed",
        steps(create(), status("in_work"), status("closed")),
        1,
        options={"to": ["closed"]},
    ),
    Case("any status change", "status_changed", steps(create(), status("in_work"), status("closed")), 2),
    # deleted
    Case("deleted", "deleted", steps(create(claimed_amount="150000"), lambda w: w.delete()), 1, BIG),
    Case(
        "deleted, condition on the last values",
        "deleted",
        steps(create(claimed_amount="5"), lambda w: w.delete()),
        0,
        BIG,
    ),
    # linked records
    Case(
        "an act linked to the complaint",
        "linked",
        steps(create(), lambda w: w.link_act()),
        1,
        options={"related_entity_type": "document.investigation_act"},
    ),
    Case(
        "linked, another type listened to",
        "linked",
        steps(create(), lambda w: w.link_act()),
        0,
        options={"related_entity_type": "document.other"},
    ),
    Case(
        "an act unlinked (deleted)",
        "unlinked",
        steps(create(), lambda w: w.link_act(), lambda w: w.unlink_act()),
        1,
    ),
    # debounce
    Case(
        "debounce: three quick saves, one evaluation",
        "updated",
        steps(
            create(claimed_amount="50"),
            update(claimed_amount="150000"),
            wait(10),
            update(claimed_amount="160000"),
            wait(10),
            update(claimed_amount="170000"),
            wait(61),
        ),
        1,
        BIG,
        "debounce",
        {},
    ),
    Case(
        "debounce: two series, two evaluations",
        "updated",
        steps(
            create(claimed_amount="50"),
            update(claimed_amount="150000"),
            wait(61),
            update(claimed_amount="160000"),
            wait(61),
        ),
        2,
        BIG,
        "debounce",
    ),
    Case(
        "debounce: the series ends not matching",
        "updated",
        steps(
            create(claimed_amount="50"),
            update(claimed_amount="150000"),
            wait(5),
            update(claimed_amount="10"),
            wait(61),
        ),
        0,
        BIG,
        "debounce",
    ),
    Case(
        "debounce: nothing before the window ends",
        "updated",
        steps(create(claimed_amount="50"), update(claimed_amount="150000"), wait(30)),
        0,
        BIG,
        "debounce",
    ),
    # time
    Case(
        "time after creation, record deleted before",
        "time",
        steps(create(), lambda w: w.delete(), wait(3 * 86400)),
        0,
        options={"date_field": "created", "amount": 2, "unit": "days"},
    ),
    Case(
        "time after creation",
        "time",
        steps(create(), wait(3 * 86400)),
        1,
        options={"date_field": "created", "amount": 2, "unit": "days"},
    ),
]


@pytest.fixture
def act_type(complaint_type) -> Any:  # type: ignore[no-untyped-def]
    from potok.demo.documents import ACT_FIELDS, ACT_STATUSES
    from potok.documents.services import document_type_create, field_create

    document_type = document_type_create(
        actor=None, code="investigation_act", name_ru="Акт", name_en="Act", statuses=ACT_STATUSES
    )
    for spec in ACT_FIELDS:
        field_create(actor=None, owner=document_type, **spec)
    return document_type


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_trigger_semantics(case: Case, frozen, admin, act_type, make_complaint, worker) -> None:
    publish("p", "P")
    rule = rule_create(
        actor=admin,
        data={
            "name": case.name,
            "entity_type": "document.complaint",
            "event": case.event,
            "options": case.options,
            "condition": case.condition,
            "trigger_mode": case.mode,
            "process_key": "p",
            "enabled": True,
        },
    )
    world = World(make_complaint, frozen, act_type)
    world.settle = worker  # type: ignore[attr-defined]
    case.script(world)
    worker()
    assert RuleStart.objects.filter(rule=rule).count() == case.starts


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_fires_the_rules_and_queues_one_dispatch_task(admin, s2_processes, worker):
    from django_tasks_db.models import DBTaskResult

    from potok.clients.services.counterparties import counterparties_create_many
    from potok.clients.validation import check_counterparty
    from potok.core.context import acting

    rule_create(
        actor=admin,
        data={
            "name": "Imported VIP",
            "entity_type": "counterparty",
            "event": "created",
            "condition": {"field": "segment", "op": "eq", "value": "VIP"},
            "process_key": "client_distribution",
            "enabled": True,
        },
    )
    rows = [
        check_counterparty(
            {"kind": "legal", "name": f"ООО «Импорт {n}»", "segment": "VIP" if n % 10 == 0 else ""}
        )
        for n in range(1500)
    ]
    from potok.automation.tasks import dispatch_events_from
    from potok.core.models import DomainEvent

    tasks = DBTaskResult.objects.filter(task_path__endswith="dispatch_events_from")
    queued_before = set(tasks.values_list("id", flat=True))
    last = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with acting(origin="import", actor=admin), transaction.atomic():
        counterparties_create_many(actor=admin, rows=rows)
    # one transaction of 1 500 events: one dispatch task, queued in it, naming its first event
    imported = list(DomainEvent.objects.filter(id__gt=last).order_by("id"))
    assert len(imported) == 1500 and {event.origin for event in imported} == {"import"}
    queued = list(tasks.exclude(id__in=queued_before))
    assert len(queued) == 1
    assert queued[0].args_kwargs["args"] == [imported[0].pk]
    # and that task dispatches every event of the import, once; the worker finds nothing left
    assert dispatch_events_from.call(*queued[0].args_kwargs["args"]) == 1500
    assert not DomainEvent.objects.filter(id__gt=last, dispatched_at__isnull=True).exists()
    worker()
    assert RuleStart.objects.count() == 150
