"""Counterparties: checked requisites, normalised phones and emails, one event and one audit row per
change, optimistic locking, soft deletion."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation

from potok.audit.models import AuditEvent
from potok.clients.models import Counterparty, CounterpartyKey
from potok.clients.services import counterparty_create, counterparty_delete, counterparty_update
from potok.core.context import acting
from potok.core.errors import Conflict, ValidationFailed
from potok.core.models import DomainEvent
from tests.clients.conftest import inn10, inn12

pytestmark = pytest.mark.django_db


def events(record_id: int | None = None, entity_type: str = "counterparty") -> list[DomainEvent]:
    found = DomainEvent.objects.filter(entity_type=entity_type)
    if record_id is not None:
        found = found.filter(record_id=record_id)
    return list(found.order_by("id"))


def test_create_normalises_values_and_writes_one_event_and_one_audit_row(person) -> None:
    manager = person("sales1")

    with acting(origin="web", actor=manager):
        counterparty = counterparty_create(
            actor=manager,
            fields={
                "name": "ООО «Ромашка»",
                "inn": inn10(1),
                "kpp": "773001001",
                "phones": "8 (916) 123-45-67; +7 495 111-22-33",
                "emails": "Info@Romashka.RU",
                "segment": "VIP",
                "tags": "ключевой, VIP",
                "responsible": manager,
            },
        )

    assert counterparty.phones == ["+79161234567", "+74951112233"]
    assert counterparty.emails == ["info@romashka.ru"]
    assert counterparty.name_normalized == "ромашка"
    assert counterparty.department == manager.department
    assert set(CounterpartyKey.objects.filter(counterparty=counterparty).values_list("value", flat=True)) == {
        "+79161234567",
        "+74951112233",
        "info@romashka.ru",
    }
    [event] = events(counterparty.pk)
    assert (event.kind, event.record_id, event.origin, event.actor) == (
        "created",
        counterparty.pk,
        "web",
        manager,
    )
    assert event.changes["inn"] == [None, inn10(1)]
    assert event.snapshot["is_vip"] is True
    assert event.snapshot["responsible"]["id"] == manager.pk
    audit = AuditEvent.objects.get(entity_type="counterparty", record_id=str(counterparty.pk))
    assert (audit.action, audit.origin) == ("created", "web")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"inn": "7707083894"}, "inn", "ИНН: wrong check digit"),
        ({"inn": "77070838"}, "inn", "ИНН: must have 10 or 12 digits"),
        ({"inn": "77O7083893"}, "inn", "ИНН: only digits are allowed"),
        ({"kind": "legal", "inn": inn12(5)}, "inn", "ИНН: a legal entity has a 10-digit ИНН"),
        ({"kpp": "77300100"}, "kpp", None),
        ({"kpp": "7730AB1"}, "kpp", "КПП: must have 9 characters"),
        ({"ogrn": "1027700132194"}, "ogrn", "ОГРН: wrong check digit"),
        ({"phones": "12"}, "phones", "Phone"),
        ({"emails": "not-an-address"}, "emails", "Email: not-an-address is not an email address"),
        ({"name": "  "}, "name", "Enter the name."),
        ({"kind": "martian"}, "kind", "Choose one of"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(db, fields, field, message) -> None:
    values = {"name": "ООО «Тест»", "inn": inn10(2), **fields}

    with translation.override("en"):
        if message is None:  # an 8-digit КПП is a number that lost its leading zero: accepted
            assert counterparty_create(actor=None, fields=values).kpp == "077300100"
            return
        with pytest.raises(ValidationFailed) as error:
            counterparty_create(actor=None, fields=values)

    assert field in error.value.errors
    assert message in error.value.errors[field][0]
    assert Counterparty.objects.count() == 0
    assert DomainEvent.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_the_message_is_russian_in_the_russian_interface(db) -> None:
    with translation.override("ru"), pytest.raises(ValidationFailed) as error:
        counterparty_create(actor=None, fields={"name": "X", "inn": "7707083894"})
    assert error.value.errors["inn"] == ["ИНН: неверная контрольная цифра"]


def test_an_inn_that_lost_its_leading_zero_is_recovered(db) -> None:
    valid = inn10(42, region="02")  # Башкортостан: the ИНН starts with 0

    counterparty = counterparty_create(actor=None, fields={"name": "Башкирия", "inn": valid[1:]})

    assert counterparty.inn == valid


def test_update_records_old_and_new_values_and_bumps_the_version(make_counterparty, person) -> None:
    counterparty = make_counterparty(segment="regular")

    updated = counterparty_update(
        actor=person("sales1"), counterparty=counterparty, expected_version=1, fields={"segment": "VIP"}
    )

    assert updated.version == 2
    _created, changed = events(counterparty.pk)
    assert changed.kind == "updated"
    assert changed.changes == {"segment": ["regular", "VIP"], "is_vip": [False, True]}
    assert changed.snapshot["version"] == 2
    assert AuditEvent.objects.filter(record_id=str(counterparty.pk), action="updated").count() == 1


def test_an_update_that_changes_nothing_writes_nothing(make_counterparty) -> None:
    counterparty = make_counterparty(segment="regular")

    counterparty_update(
        actor=None, counterparty=counterparty, expected_version=1, fields={"segment": "regular"}
    )

    assert len(events()) == 1
    assert Counterparty.objects.get().version == 1


def test_a_stale_version_is_a_conflict_and_changes_nothing(make_counterparty) -> None:
    counterparty = make_counterparty()
    counterparty_update(actor=None, counterparty=counterparty, expected_version=1, fields={"segment": "A"})

    with pytest.raises(Conflict):
        counterparty_update(
            actor=None, counterparty=counterparty, expected_version=1, fields={"segment": "B"}
        )

    assert Counterparty.objects.get().segment == "A"
    assert len(events()) == 2


def test_a_rolled_back_transaction_leaves_no_event_and_no_row(db) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        counterparty_create(actor=None, fields={"name": "Откат", "inn": inn10(7)})
        raise RuntimeError("the surrounding work failed")

    assert Counterparty.objects.count() == 0
    assert DomainEvent.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_phone_keys_follow_the_phones(make_counterparty) -> None:
    counterparty = make_counterparty(phones=["+79161234567"])

    counterparty_update(
        actor=None, counterparty=counterparty, expected_version=1, fields={"phones": "8 903 000-00-01"}
    )

    assert list(CounterpartyKey.objects.values_list("value", flat=True)) == ["+79030000001"]


def test_delete_is_soft_and_emits_one_deleted_event_with_the_last_snapshot(make_counterparty) -> None:
    counterparty = make_counterparty(name="ООО «Удаляемый»", phones=["+79161234567"])

    counterparty_delete(actor=None, counterparty=counterparty, expected_version=1)

    row = Counterparty.objects.get(pk=counterparty.pk)
    assert row.deleted_at is not None
    assert CounterpartyKey.objects.count() == 0
    deleted = events()[-1]
    assert deleted.kind == "deleted" and deleted.snapshot["name"] == "ООО «Удаляемый»"
    with pytest.raises(Exception, match="counterparty"):
        counterparty_update(actor=None, counterparty=row, expected_version=None, fields={"segment": "X"})


def test_kpp_belongs_to_organisations_only(db) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        counterparty_create(
            actor=None,
            fields={"name": "ИП Петров", "kind": "entrepreneur", "inn": inn12(1), "kpp": "773001001"},
        )
    assert "kpp" in error.value.errors
