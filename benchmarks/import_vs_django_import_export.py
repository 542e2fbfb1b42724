"""Potok's importer against django-import-export, on the same CSV into the same model, in one run.

The file is the legacy export of SCENARIOS.md S5: windows-1251, ";", a Russian header, 2 % exact
duplicate rows, 2.5 % invalid ИНН, phones written as 8 (916) 123-45-67. Both importers find duplicates:
Potok by ИНН (+КПП), phone, email and name (within the file and against the database), django-import-export
by its `import_id_fields` (the ИНН), which is its own duplicate detection. django-import-export gets the
same normalised values (a row that fails the same checks is skipped), so both write the same rows; Potok
also writes an audit row and a domain event per record, django-import-export writes neither.

Timed: for Potok the preview (analysis) plus the apply; for django-import-export a dry run plus the
import — the same two steps a user takes in each.

    python benchmarks/import_vs_django_import_export.py            # 10,000 rows
    python benchmarks/import_vs_django_import_export.py --quick    # 2,000 rows, within a minute
    DATABASE_URL=postgres://… python benchmarks/import_vs_django_import_export.py

Without DATABASE_URL it uses a fresh SQLite database in a temporary directory; a PostgreSQL database named
in DATABASE_URL is dropped and created anew.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

HEADER = ["Наименование", "ИНН", "КПП", "Телефон", "E-mail", "Адрес", "Сегмент"]


def inn10(seed: int, region: str = "77") -> str:
    body = f"{region}{seed % 10_000_000:07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)


def legacy_csv(total: int) -> bytes:
    rows: list[list[str]] = []
    n = 0
    while len(rows) < total:
        n += 1
        if n % 50 == 0 and rows:
            rows.append(list(rows[-7]))
            continue
        region = "02" if n % 10 == 0 else "77"
        inn = inn10(n, region)
        if n % 40 == 0:
            inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)
        rows.append(
            [
                f"ООО «Торговый дом {n}»",
                inn,
                f"{region}7401001",
                f"8 (916) {n // 10000 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d}",
                f"Office{n}@Client{n}.RU",
                f"г. Москва; ул. Складская, д. {n}",
                "VIP" if n % 25 == 0 else "опт",
            ]
        )

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ';"\r\n') else value

    return "".join(";".join(cell(v) for v in row) + "\r\n" for row in [HEADER, *rows]).encode("cp1251")


def recreate_postgres_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    # As a server runs: without DEBUG (which logs every query, a cost no production run pays) and with
    # the embedded mode's generated secret key.
    os.environ["POTOK_DEBUG"] = "0"
    os.environ["POTOK_EMBEDDED"] = "1"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        recreate_postgres_database(os.environ["DATABASE_URL"])
    if "DATABASE_URL" not in os.environ:
        os.environ["POTOK_DATA_DIR"] = tempfile.mkdtemp(prefix="potok-bench-import-")
    else:
        os.environ.setdefault("POTOK_DATA_DIR", tempfile.mkdtemp(prefix="potok-bench-import-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "potok.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def potok_import(content: bytes, admin: Any) -> tuple[float, float, dict[str, int]]:
    from potok.imports import runner
    from potok.imports.models import ImportJob, JobStatus
    from potok.imports.services import import_upload

    started, cpu = time.perf_counter(), time.process_time()
    job = import_upload(actor=admin, entity_type="counterparty", file_name="legacy.csv", content=content)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.ANALYSING)
    runner.analyse_job(job.pk)  # the preview, as the worker runs it
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    runner.apply_job(job.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    return elapsed, cpu, job.counts


def import_export_resource() -> Any:
    from import_export import fields, resources, widgets

    from potok.clients import normalize
    from potok.clients.models import Counterparty
    from potok.clients.services.counterparties import derive_columns
    from potok.core import clock

    class PhonesWidget(widgets.Widget):  # type: ignore[misc]
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return normalize.normalize_phones(value or "")

    class EmailsWidget(widgets.Widget):  # type: ignore[misc]
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return normalize.normalize_emails(value or "")

    class InnWidget(widgets.CharWidget):  # type: ignore[misc]
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            try:
                return normalize.normalize_inn(value or "")
            except normalize.InvalidValue:
                return value  # the row is skipped by skip_row below

    class CounterpartyResource(resources.ModelResource):  # type: ignore[misc]
        name = fields.Field(attribute="name", column_name="Наименование")
        inn = fields.Field(attribute="inn", column_name="ИНН", widget=InnWidget())
        kpp = fields.Field(attribute="kpp", column_name="КПП")
        phones = fields.Field(attribute="phones", column_name="Телефон", widget=PhonesWidget())
        emails = fields.Field(attribute="emails", column_name="E-mail", widget=EmailsWidget())
        legal_address = fields.Field(attribute="legal_address", column_name="Адрес")
        segment = fields.Field(attribute="segment", column_name="Сегмент")

        class Meta:
            model = Counterparty
            fields = ("name", "inn", "kpp", "phones", "emails", "legal_address", "segment")
            import_id_fields = ("inn",)  # duplicate detection: a known ИНН updates instead of creating
            skip_unchanged = True
            report_skipped = True

        def skip_row(
            self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
        ) -> bool:
            try:
                normalize.normalize_inn(row.get("ИНН") or "")
            except normalize.InvalidValue:
                return True  # the same rows Potok rejects
            return bool(super().skip_row(instance, original, row, import_validation_errors))

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            now = clock.now()
            if instance.created_at is None:
                instance.created_at = now
            instance.updated_at = now
            derive_columns(instance)

    return CounterpartyResource()


def import_export_import(content: bytes) -> tuple[float, float, dict[str, int]]:
    import tablib

    resource = import_export_resource()
    started, cpu = time.perf_counter(), time.process_time()
    dataset = tablib.Dataset().load(content.decode("cp1251"), format="csv", delimiter=";")
    dry = resource.import_data(dataset, dry_run=True, raise_errors=False, collect_failed_rows=True)
    result = resource.import_data(
        dataset, dry_run=False, raise_errors=False, collect_failed_rows=True, use_transactions=True
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = {key: value for key, value in result.totals.items() if value}
    counts["invalid"] = len(result.invalid_rows) + len(result.failed_dataset or [])
    del dry
    return elapsed, cpu, counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 rows; finishes within a minute")
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or (2_000 if args.quick else 10_000)

    setup_django()
    from django.db import connection

    from potok.accounts.services import user_create
    from potok.clients.models import Counterparty, CounterpartyKey

    admin = user_create(actor=None, username="bench-import-admin", password=None, is_superuser=True)
    content = legacy_csv(rows)

    potok_seconds, potok_cpu, potok_counts = potok_import(content, admin)
    potok_rows = Counterparty.objects.count()
    CounterpartyKey.objects.all().delete()
    Counterparty.objects.all().delete()
    ie_seconds, ie_cpu, ie_counts = import_export_import(content)
    ie_rows = Counterparty.objects.count()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"database: {connection.vendor}; file: {rows:,} rows, {len(content) / 1024:.0f} KB, windows-1251, ';'"
    )
    print(f"potok:                    {potok_counts}  → {potok_rows:,} counterparties")
    print(f"django-import-export:     {ie_counts}  → {ie_rows:,} counterparties")
    print(
        f"potok                 {rows / potok_seconds:6.0f} rows/s wall ({potok_seconds:.2f} s), "
        f"{rows / potok_cpu:6.0f} rows/s CPU ({potok_cpu:.2f} s): preview + import, audit + events"
    )
    print(
        f"django-import-export  {rows / ie_seconds:6.0f} rows/s wall ({ie_seconds:.2f} s), "
        f"{rows / ie_cpu:6.0f} rows/s CPU ({ie_cpu:.2f} s): dry run + import"
    )
    # This process's CPU time is the steadier figure on a shared machine; on SQLite it includes the
    # database's own work, on PostgreSQL it does not (read the wall figures there).
    print(
        f"ratio potok / django-import-export: {ie_seconds / potok_seconds:.1f}x wall, {ie_cpu / potok_cpu:.1f}x CPU"
    )


if __name__ == "__main__":
    main()
