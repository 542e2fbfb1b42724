"""Retention: with the clock moved on, the worker's periodic purge deletes what is older than each
setting, in batches, and keeps everything younger, everything still needed, and everything set to 0."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from potok.accounts.services import user_create
from potok.audit.models import AuditEvent
from potok.audit.services import audit_record
from potok.core import clock
from potok.core.events import emit_domain_event
from potok.core.models import DomainEvent
from potok.notifications import kinds
from potok.notifications.models import Notification
from potok.notifications.services.inbox import notification_mark_read
from potok.notifications.services.notify import notify
from potok.privacy.retention import history_purge, retention_purge
from potok.processes.models import HistoryEntry, ProcessInstance
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
STRAIGHT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <bpmn:process id="straight" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:userTask id="wait" name="Wait"/><bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def at() -> Iterator[object]:
    def move(days: float) -> None:
        clock.freeze(START + timedelta(days=days))

    move(0)
    yield move
    clock.freeze(None)


def _event(number: int, *, dispatched: bool) -> DomainEvent:
    event = emit_domain_event(entity_type="counterparty", record_id=number, kind="updated")
    if dispatched:  # as the dispatcher marks what it has matched against the rules
        DomainEvent.objects.filter(pk=event.pk).update(dispatched_at=clock.now())
    return event


def test_each_kind_is_purged_after_its_own_retention(at, settings) -> None:  # type: ignore[no-untyped-def]
    settings.POTOK_EVENT_RETENTION_DAYS = 30
    settings.POTOK_NOTIFICATION_RETENTION_DAYS = 60
    settings.POTOK_SIGN_IN_AUDIT_RETENTION_DAYS = 365
    settings.POTOK_HISTORY_RETENTION_DAYS = 0  # kept forever
    reader = user_create(actor=None, username="reader", password=None, email="")

    # given, on day 0: processed and unprocessed events, a read and an unread notification, a sign-in
    old_done = _event(1, dispatched=True)
    old_waiting = _event(2, dispatched=False)
    [read, unread] = [notify(recipients=[reader], kind=kinds.MENTION, title=f"Note {n}")[0] for n in (1, 2)]
    notification_mark_read(actor=reader, notification=read)
    sign_in = audit_record(actor=reader, entity_type="user", record_id=reader.pk, action="logged_in")
    other_audit = audit_record(actor=reader, entity_type="user", record_id=reader.pk, action="updated")
    # and on day 25 one more processed event
    at(25)
    young_done = _event(3, dispatched=True)

    # when the worker runs its periodic work on day 40
    at(40)
    assert retention_purge() == 1
    # then only the processed event older than 30 days went
    assert set(DomainEvent.objects.values_list("pk", flat=True)) == {old_waiting.pk, young_done.pk}
    assert old_done.pk not in DomainEvent.objects.values_list("pk", flat=True)
    assert Notification.objects.count() == 2

    # on day 61 the read notification goes, the unread one stays; audit rows stay (sign-ins: a year)
    at(61)
    assert retention_purge() == 2  # the read notification and the event of day 25
    assert list(Notification.objects.values_list("pk", flat=True)) == [unread.pk]
    assert AuditEvent.objects.filter(pk__in=[sign_in.pk, other_audit.pk]).count() == 2

    # after a year the sign-in goes, other audit stays
    at(366)
    assert retention_purge() == 1
    assert not AuditEvent.objects.filter(pk=sign_in.pk).exists()
    assert AuditEvent.objects.filter(pk=other_audit.pk).exists()
    assert retention_purge() == 0


def test_history_of_ended_instances_goes_in_batches_and_running_ones_keep_theirs(at, settings) -> None:  # type: ignore[no-untyped-def]
    from potok.processes.models import Task
    from potok.processes.services.instances import task_complete_in_engine

    settings.POTOK_HISTORY_RETENTION_DAYS = 90
    process_publish_file(actor=None, data=STRAIGHT, source_name="straight.bpmn")
    ended = [process_start(actor=None, process_key="straight") for _ in range(3)]
    running = process_start(actor=None, process_key="straight")
    for instance in ended:
        task = Task.objects.get(instance=instance, state="open")
        task_complete_in_engine(actor=None, task_id=task.pk)
    assert set(
        ProcessInstance.objects.filter(pk__in=[i.pk for i in ended]).values_list("state", flat=True)
    ) == {"completed"}
    ended_rows = HistoryEntry.objects.filter(instance__in=ended).count()
    assert ended_rows >= 6

    at(89)
    assert history_purge() == 0
    at(91)
    assert history_purge(limit=4) == 4  # one batch
    while history_purge(limit=4):
        pass
    assert not HistoryEntry.objects.filter(instance__in=ended).exists()
    # the instances themselves stay, and the running one keeps its history
    assert ProcessInstance.objects.filter(pk__in=[i.pk for i in ended]).count() == 3
    assert HistoryEntry.objects.filter(instance=running).exists()
