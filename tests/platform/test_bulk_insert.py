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


def test_rows_given_together_are_written_when_the_block_ends_and_a_rewound_savepoint_drops_its_own() -> None:
    from potok.core.bulk import insert_row, rows_mark, rows_rewind, rows_together

    def row(n: int) -> dict[str, object]:
        return {
            "occurred_at": dt.datetime(2026, 11, 27, 9, n, tzinfo=dt.UTC),
            "changes": {},
            "entity_type": "x",
            "record_id": str(n),
            "action": "a",
            "message": "",
            "origin": "system",
        }

    with rows_together():
        assert insert_row(AuditEvent, row(1)) is None
        mark = rows_mark()
        insert_row(AuditEvent, row(2))
        rows_rewind(mark)  # as when the savepoint that gave row 2 is rolled back
        insert_row(AuditEvent, row(3))
        assert not AuditEvent.objects.exists()  # nothing before the end of the block
    assert list(AuditEvent.objects.order_by("id").values_list("record_id", flat=True)) == ["1", "3"]
    assert insert_row(AuditEvent, row(4))  # outside a block: written at once, with its key


def test_a_block_that_raises_writes_none_of_its_rows() -> None:
    from potok.core.bulk import insert_row, rows_together

    with pytest.raises(RuntimeError), rows_together():
        insert_row(
            AuditEvent,
            {
                "occurred_at": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
                "changes": {},
                "entity_type": "x",
                "record_id": "1",
                "action": "a",
                "message": "",
                "origin": "system",
            },
        )
        raise RuntimeError("the batch failed")
    assert not AuditEvent.objects.exists()


def _audit_row(n: int) -> dict[str, object]:
    return {
        "occurred_at": dt.datetime(2026, 11, 27, 9, n, tzinfo=dt.UTC),
        "changes": {},
        "entity_type": "x",
        "record_id": str(n),
        "action": "a",
        "message": "",
        "origin": "system",
    }


def test_updates_given_together_are_sent_at_the_end_and_converted_as_the_orm_converts() -> None:
    from potok.core.bulk import insert_row, rows_together, update_row

    first, second = (insert_row(AuditEvent, _audit_row(n)) for n in (1, 2))
    moment = dt.datetime(2026, 11, 27, 12, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    with rows_together():
        update_row(AuditEvent, first, {"message": "one", "occurred_at": moment})
        update_row(AuditEvent, second, {"message": "two", "occurred_at": moment})
        assert set(AuditEvent.objects.values_list("message", flat=True)) == {""}
    assert dict(AuditEvent.objects.values_list("pk", "message")) == {first: "one", second: "two"}
    assert AuditEvent.objects.get(pk=first).occurred_at == moment
    update_row(AuditEvent, first, {"message": "now"})  # outside a block: at once
    assert AuditEvent.objects.get(pk=first).message == "now"


def test_rows_written_early_inside_a_rolled_back_savepoint_go_with_it_and_later_ones_are_dropped() -> None:
    from django.db import transaction

    from potok.core.bulk import insert_row, rows_mark, rows_rewind, rows_together, write_waiting_rows

    with rows_together():
        insert_row(AuditEvent, _audit_row(1))
        mark = rows_mark()
        try:
            with transaction.atomic():
                insert_row(AuditEvent, _audit_row(2))
                write_waiting_rows()  # a reader inside needs them: rows 1 and 2 are written now
                assert AuditEvent.objects.count() == 2
                insert_row(AuditEvent, _audit_row(3))
                raise RuntimeError("the savepoint fails")
        except RuntimeError:
            rows_rewind(mark)
        insert_row(AuditEvent, _audit_row(4))
    # row 1, given before the savepoint, is written again at the end; 2 and 3 went with the savepoint
    assert list(AuditEvent.objects.order_by("id").values_list("record_id", flat=True)) == ["1", "4"]
