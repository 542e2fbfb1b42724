"""S5: 10 000 counterparties from an Excel-made CSV (windows-1251, ";") with duplicate rows, invalid
ИНН, phones written as 8 (916) 123-45-67 and leading zeros; preview, then import; nothing partial on
cancel or rejection; a second run of the same file imports nothing twice."""

from __future__ import annotations

import time

import pytest
from django.utils import translation

from potok.audit.models import AuditEvent
from potok.clients.models import Counterparty
from potok.clients.services import counterparty_create
from potok.core.models import DomainEvent
from potok.imports import runner
from potok.imports.models import ImportJob, ImportLedger, ImportRow, JobStatus, RowStatus
from potok.imports.services import import_cancel, import_preview, import_start, import_upload
from tests.clients.conftest import inn10

pytestmark = pytest.mark.django_db

HEADER = [
    "Наименование",
    "Полное наименование",
    "ИНН",
    "КПП",
    "Телефон",
    "E-mail",
    "Адрес",
    "Сегмент",
    "Ответственный",
]


def excel_csv(rows: list[list[str]]) -> bytes:
    """What Excel's «CSV (разделители — точки с запятой)» writes: windows-1251, ";", CRLF, quotes only
    where needed."""

    def cell(value: str) -> str:
        if any(char in value for char in ';"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(";".join(cell(value) for value in row) + "\r\n" for row in [HEADER, *rows]).encode(
        "cp1251"
    )


def legacy_rows(total: int = 10_000) -> tuple[list[list[str]], dict[str, int]]:
    rows: list[list[str]] = []
    expected = {"create": 0, "duplicate": 0, "rejected": 0, "update": 0}
    n = 0
    while len(rows) < total:
        n += 1
        if n % 50 == 0 and rows:  # an exact copy of an earlier row
            rows.append(list(rows[-7]))
            expected["duplicate"] += 1
            continue
        region = "02" if n % 10 == 0 else "77"
        inn = inn10(n, region=region)
        kpp = f"{region}7401001"
        if n % 40 == 0:  # a wrong check digit
            inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)
            expected["rejected"] += 1
        elif n % 333 == 0:  # a client the database already has
            expected["update"] += 1
        else:
            expected["create"] += 1
        phone = f"8 (916) {n // 10000 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"
        segment = "VIP" if n % 25 == 0 else "опт"
        rows.append(
            [
                f"ООО «Торговый дом {n}»",
                f'Общество с ограниченной ответственностью "Торговый дом {n}"',
                inn,
                kpp,
                phone,
                f"Office{n}@Client{n}.RU",
                f"г. Москва; ул. Складская, д. {n}",
                segment,
                "Зоя Менеджер" if n % 3 == 0 else "",
            ]
        )
    return rows, expected


@pytest.fixture
def existing(demo_company) -> list[Counterparty]:
    """Clients the database already has: rows with their ИНН become updates."""
    return [
        counterparty_create(
            actor=None,
            fields={"name": f"Старое имя {n}", "inn": inn10(n, region="02" if n % 10 == 0 else "77")},
        )
        for n in range(333, 10_500, 333)
        if n % 40 and n % 50
    ]


def upload(person, content: bytes, **options) -> ImportJob:  # type: ignore[no-untyped-def]
    return import_upload(
        actor=person("admin"), entity_type="counterparty", file_name="клиенты.csv", content=content, **options
    )


def test_s5_preview_then_import_ten_thousand_rows(person, existing, run_on_commit) -> None:
    # CPU time of the test process (SQLite runs in it): wall time on a shared CI machine says little.
    started = time.process_time()
    rows, expected = legacy_rows()
    content = excel_csv(rows)
    before = Counterparty.objects.count()
    events_before = DomainEvent.objects.count()

    job = upload(person, content)

    assert (job.encoding, job.delimiter, job.total_rows) == ("cp1251", ";", 10_000)
    assert set(job.mapping.values()) == {
        "name",
        "full_name",
        "inn",
        "kpp",
        "phones",
        "emails",
        "legal_address",
        "segment",
        "responsible",
    }

    with translation.override("en"):
        job = run_on_commit(import_preview, actor=person("admin"), job=job)
    assert job.status == JobStatus.PREVIEWED, job.message
    assert job.counts == {key: value for key, value in expected.items() if value}
    assert Counterparty.objects.count() == before and DomainEvent.objects.count() == events_before
    rejected = ImportRow.objects.filter(job=job, status=RowStatus.REJECTED).order_by("row_number").first()
    assert rejected is not None and rejected.row_number == 41  # the 40th data row, after the header
    assert rejected.messages == ["column «ИНН»: ИНН: wrong check digit"]
    duplicate = ImportRow.objects.filter(job=job, status=RowStatus.DUPLICATE).order_by("row_number").first()
    assert duplicate is not None and duplicate.messages[0].startswith("the same row as row ")
    update = ImportRow.objects.filter(job=job, status=RowStatus.UPDATE).first()
    assert update is not None and "same ИНН as counterparty" in update.messages[0]

    job = run_on_commit(import_start, actor=person("admin"), job=job)

    assert job.status == JobStatus.DONE, job.message
    assert job.counts == {
        "created": expected["create"],
        "updated": expected["update"],
        "duplicate": expected["duplicate"],
        "rejected": expected["rejected"],
    }
    assert Counterparty.objects.count() == before + expected["create"]
    leading_zero = Counterparty.objects.get(inn=inn10(10, region="02"))
    assert leading_zero.kpp == "027401001"
    assert leading_zero.phones == ["+79160000010"]
    assert leading_zero.emails == ["office10@client10.ru"]
    updated = Counterparty.objects.get(inn=inn10(333))
    assert (updated.name, updated.version) == ("ООО «Торговый дом 333»", 2)
    assert Counterparty.objects.filter(responsible__username="sales1").count() > 3000
    imported = DomainEvent.objects.filter(entity_type="counterparty", origin="import")
    assert imported.filter(kind="created").count() == expected["create"]
    assert imported.filter(kind="updated").count() == expected["update"]
    assert AuditEvent.objects.filter(entity_type="counterparty", origin="import").count() == imported.count()
    assert time.process_time() - started < 60

    # The same file again: every row was imported already and nothing is written twice.
    again = run_on_commit(import_preview, actor=person("admin"), job=upload(person, content))
    # (exact copies of imported rows have the same row hash, so they are skipped as well)
    assert again.counts == {
        "skipped": expected["create"] + expected["update"] + expected["duplicate"],
        "rejected": expected["rejected"],
    }
    again = run_on_commit(import_start, actor=person("admin"), job=again)
    assert again.status == JobStatus.DONE
    assert Counterparty.objects.count() == before + expected["create"]
    assert ImportLedger.objects.count() == expected["create"] + expected["update"]


def small_file(count: int = 1200) -> bytes:
    rows, _expected = legacy_rows(count)
    return excel_csv(rows)


def test_cancel_before_the_start_writes_nothing(person, demo_company, run_on_commit) -> None:
    before = Counterparty.objects.count()
    job = run_on_commit(import_preview, actor=person("admin"), job=upload(person, small_file(100)))

    job = import_cancel(actor=person("admin"), job=job)

    assert job.status == JobStatus.CANCELLED
    with translation.override("en"), pytest.raises(Exception, match="cannot become"):
        import_start(actor=person("admin"), job=job)
    assert Counterparty.objects.count() == before


def test_cancel_during_the_import_rolls_everything_back(
    person, demo_company, run_on_commit, monkeypatch
) -> None:
    job = run_on_commit(import_preview, actor=person("admin"), job=upload(person, small_file(1200)))
    events_before, before = DomainEvent.objects.count(), Counterparty.objects.count()

    class CancelAfterFirstBatch:
        def __init__(self) -> None:
            self.reports: list[int] = []

        def report(self, processed: int) -> None:
            self.reports.append(processed)

        def cancel_requested(self) -> bool:
            return bool(self.reports)

        def close(self) -> None:
            pass

    channel = CancelAfterFirstBatch()
    monkeypatch.setattr(runner, "ProgressChannel", lambda job_id: channel)
    job = run_on_commit(import_start, actor=person("admin"), job=job)

    assert channel.reports, "the first batch was written before the cancel"
    assert job.status == JobStatus.CANCELLED
    assert Counterparty.objects.count() == before
    assert DomainEvent.objects.count() == events_before
    assert ImportLedger.objects.count() == 0


def test_a_failure_in_the_middle_rolls_everything_back(
    person, demo_company, run_on_commit, monkeypatch
) -> None:
    job = run_on_commit(import_preview, actor=person("admin"), job=upload(person, small_file(1200)))
    before = Counterparty.objects.count()
    from potok.imports.entities import counterparties

    original = counterparties.counterparties_create_many
    calls = []

    def failing(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(counterparties, "counterparties_create_many", failing)
    with translation.override("en"):
        job = run_on_commit(import_start, actor=person("admin"), job=job)

    assert job.status == JobStatus.FAILED and "nothing was imported" in job.message.lower()
    assert Counterparty.objects.count() == before


def test_a_job_whose_worker_died_can_be_cancelled(person, demo_company, run_on_commit) -> None:
    import datetime as dt

    from potok.core import clock

    job = run_on_commit(import_preview, actor=person("admin"), job=upload(person, small_file(50)))
    started = clock.now() - dt.timedelta(hours=2)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=started)
    job.refresh_from_db()

    job = import_cancel(actor=person("admin"), job=job)

    assert job.status == JobStatus.CANCELLED and job.message


def _run_queued_imports() -> list[int]:
    """Run the queued import task (its transaction commits for real); the first event id named by each
    dispatch task that transaction queued (one per committed transaction that wrote events)."""
    from django_tasks import default_task_backend

    from potok.automation.tasks import dispatch_events_from
    from tests.imports.conftest import run_import_tasks

    run_import_tasks()
    queued = [
        int(result.args[0])
        for result in default_task_backend.results  # type: ignore[attr-defined]
        if result.task.name == dispatch_events_from.name
    ]
    default_task_backend.clear()  # type: ignore[attr-defined]
    return queued


def _queue_the_import(person, content: bytes) -> ImportJob:  # type: ignore[no-untyped-def]
    """Upload and preview (committed), then ask for the import; nothing queued but the import itself."""
    from django_tasks import default_task_backend

    from tests.imports.conftest import run_import_tasks

    job = import_preview(actor=person("admin"), job=upload(person, content))
    run_import_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED, job.message
    default_task_backend.clear()  # type: ignore[attr-defined]  (the demo company's own dispatches)
    return import_start(actor=person("admin"), job=job)


@pytest.mark.django_db(transaction=True)
def test_an_import_writes_one_event_per_created_record_handed_to_automation_once(
    person, demo_company, committed_tasks
) -> None:
    events_before = DomainEvent.objects.count()
    known = set(Counterparty.objects.values_list("pk", flat=True))
    job = _queue_the_import(person, small_file(1200))

    dispatched = _run_queued_imports()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    created = set(Counterparty.objects.values_list("pk", flat=True)) - known
    events = list(DomainEvent.objects.order_by("pk")[events_before:])
    imported = [event for event in events if event.entity_type == "counterparty"]
    assert len(created) == job.counts["created"] > 1000
    assert sorted(event.record_id for event in imported) == sorted(created)
    assert {(event.kind, event.origin, event.actor_id) for event in imported} == {
        ("created", "import", person("admin").pk)
    }
    one = next(event for event in imported if event.record_id == min(created))
    record = Counterparty.objects.get(pk=one.record_id)
    assert one.snapshot["inn"] == record.inn and one.changes["inn"] == [None, record.inn]
    assert AuditEvent.objects.filter(
        entity_type="counterparty", origin="import", action="created"
    ).count() == len(created)
    # one dispatch task, visible with the import's commit, names its first event; running it dispatches
    # every event of the import exactly once (the dispatcher counts the events it marks dispatched)
    from potok.automation.tasks import dispatch_events_from

    assert dispatched == [events[0].pk]
    assert dispatch_events_from.call(dispatched[0]) == len(events)
    assert not DomainEvent.objects.filter(pk__gte=events[0].pk, dispatched_at__isnull=True).exists()
    assert dispatch_events_from.call(dispatched[0]) == 0


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_leaves_no_event_and_queues_no_dispatch(
    person, demo_company, monkeypatch, committed_tasks
) -> None:
    job = _queue_the_import(person, small_file(1200))
    events_before, audit_before = DomainEvent.objects.count(), AuditEvent.objects.count()
    counterparties_before = Counterparty.objects.count()
    from potok.clients.services import counterparties

    original = counterparties.record_creations
    calls = []

    def failing_after_the_first_batch(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        original(**kwargs)  # the first batch's events are written, then the second batch fails
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(counterparties, "record_creations", failing_after_the_first_batch)

    with translation.override("en"):
        dispatched = _run_queued_imports()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and len(calls) == 2
    assert Counterparty.objects.count() == counterparties_before
    assert DomainEvent.objects.count() == events_before
    assert AuditEvent.objects.count() == audit_before
    assert dispatched == []
