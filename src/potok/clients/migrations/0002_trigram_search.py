"""Trigram search on PostgreSQL: the pg_trgm extension and GIN indexes on the normalised columns.

SQLite has neither; there the selectors fall back to LIKE on the same lower-cased columns, so this
migration does nothing on SQLite (and is reversible on both)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("clients_counterparty_search_trgm", "clients_counterparty", "search_text"),
    ("clients_counterparty_name_trgm", "clients_counterparty", "name_normalized"),
    ("clients_contact_search_trgm", "clients_contact", "search_text"),
]


def create_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
