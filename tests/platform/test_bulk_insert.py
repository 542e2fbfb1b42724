"""`insert_rows` stores values exactly as the ORM does: the audit trail and the outbox are written both
ways, and pages and rules read them back without knowing which."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from potok.audit.models import AuditEvent
from potok.core.bulk import insert_rows

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")


def _stored(pk: int) -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT occurred_at, changes FROM audit_auditevent WHERE id = %s", [pk])
        return tuple(cursor.fetchone())


@pytest.mark.parametrize(
    ("moment", "changes"),
    [
        (dt.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=MOSCOW), {"имя": ["Старое", "Новое"]}),
        (dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC), {}),
        (dt.datetime(2026, 3, 8, 23, 59, 59, tzinfo=MOSCOW), {"n": [1, None], "list": [[1, 2], {"a": True}]}),
    ],
)
def test_rows_inserted_in_bulk_are_stored_as_the_orm_stores_them(moment, changes) -> None:  # type: ignore[no-untyped-def]
    values = {"entity_type": "x", "record_id": "1", "action": "a", "message": "", "origin": "system"}
    by_orm = AuditEvent.objects.create(occurred_at=moment, changes=changes, **values)
    (by_bulk,) = insert_rows(
        AuditEvent, [{"occurred_at": moment, "changes": changes, **values}], returning_ids=True
    )

    assert _stored(by_bulk) == _stored(by_orm.pk)
    read = AuditEvent.objects.get(pk=by_bulk)
    assert (read.occurred_at, read.changes) == (moment, changes)


def test_objects_inserted_in_bulk_get_their_keys_and_auto_now_values() -> None:
    from potok.access.models import RecordGrant
    from potok.accounts.models import User
    from potok.core.bulk import insert_objects

    user = User.objects.create(username="reader")
    grants = [
        RecordGrant(user=user, entity_type="document", record_id=n, source="task", source_id=f"t{n}")
        for n in range(3)
    ]
    insert_objects(grants)

    assert all(grant.pk and not grant._state.adding for grant in grants)
    stored = {grant.pk: grant for grant in RecordGrant.objects.filter(user=user)}
    assert sorted(stored) == sorted(grant.pk for grant in grants)
    assert all(
        stored[grant.pk].record_id == grant.record_id and stored[grant.pk].created_at for grant in grants
    )
