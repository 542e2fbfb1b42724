"""The administrator's designer: types, statuses and fields; changing a type never loses data."""

from __future__ import annotations

import re

import pytest

from potok.audit.models import AuditEvent
from potok.core.errors import ValidationFailed
from potok.documents.custom_fields import clean_custom_values, custom_field_definitions, custom_value_changes
from potok.documents.models import DocumentIndexValue, DocumentType
from potok.documents.selectors import apply_filters, field_definitions, parse_filters
from potok.documents.services import (
    document_create,
    document_status_create,
    document_status_delete,
    document_status_update,
    document_type_create,
    document_type_update,
    document_update,
    field_create,
    field_move,
    field_set_archived,
    field_update,
    fields_reorder,
)

pytestmark = pytest.mark.django_db


def test_a_type_is_created_with_a_default_initial_status_and_audited(person) -> None:
    document_type = document_type_create(
        actor=person("admin"), code="contract", name_ru="Договор", name_en="Contract", number_prefix="Д"
    )

    [status] = document_type.statuses.all()
    assert status.is_initial and status.code == "new"
    assert (
        AuditEvent.objects.filter(entity_type="document_type", record_id=str(document_type.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"code": "complaint"}, "code"),
        ({"name_ru": ""}, "name_ru"),
        ({"number_prefix": "ПР 1"}, "number_prefix"),
        ({"number_digits": 12}, "number_digits"),
        ({"statuses": [{"code": "a", "label_ru": "А"}]}, "statuses"),
        (
            {"statuses": [{"code": "a", "label_ru": "А", "is_initial": True, "next_statuses": ["zzz"]}]},
            "statuses",
        ),
    ],
)
def test_a_bad_type_definition_is_refused_naming_the_field(person, complaint_type, values, field) -> None:
    arguments = {"code": "memo", "name_ru": "Служебная записка", "name_en": "Memo", **values}
    with pytest.raises(ValidationFailed) as caught:
        document_type_create(actor=person("admin"), **arguments)
    assert field in caught.value.errors
    assert not DocumentType.objects.filter(code="memo").exists()


def test_renaming_a_type_and_its_numbering_keeps_existing_numbers(
    complaint_type, make_complaint, person
) -> None:
    first = make_complaint()
    document_type_update(
        actor=person("admin"), document_type=complaint_type, name_en="Claim", number_prefix="CL"
    )

    second = make_complaint()

    first.refresh_from_db()
    assert first.number.startswith("ПР-")
    assert second.number.startswith("CL-")
    assert complaint_type.code == "complaint"


def test_statuses_can_be_added_relabelled_and_removed_when_unused(
    complaint_type, make_complaint, person
) -> None:
    admin = person("admin")
    status = document_status_create(
        actor=admin,
        document_type=complaint_type,
        code="on_hold",
        label_ru="Приостановлена",
        label_en="On hold",
        next_statuses=["in_work"],
        leads_from=["in_work"],
    )
    assert "on_hold" in complaint_type.statuses.get(code="in_work").next_statuses

    document_status_update(actor=admin, status=status, label_ru="Отложена")
    assert complaint_type.statuses.get(code="on_hold").label_ru == "Отложена"

    registered = complaint_type.statuses.get(code="registered")
    make_complaint()
    with pytest.raises(ValidationFailed):
        document_status_delete(actor=admin, status=registered)
    with pytest.raises(ValidationFailed):
        document_status_update(actor=admin, status=status, is_final=True)
    document_status_delete(actor=admin, status=status)
    assert "on_hold" not in complaint_type.statuses.get(code="in_work").next_statuses


def test_marking_another_status_initial_moves_the_mark(complaint_type, person) -> None:
    in_work = complaint_type.statuses.get(code="in_work")
    document_status_update(actor=person("admin"), status=in_work, is_initial=True)
    assert list(complaint_type.statuses.filter(is_initial=True).values_list("code", flat=True)) == ["in_work"]


def test_adding_a_field_leaves_existing_documents_as_they_are(sampler, person) -> None:
    admin = person("admin")
    document = document_create(actor=admin, document_type=sampler, values={"title": "Старый"})

    field_create(actor=admin, owner=sampler, code="extra", label_ru="Доп", field_type="string", required=True)

    document.refresh_from_db()
    assert document.data["title"] == "Старый"
    assert "extra" not in document.data
    # A partial update need not give the new required field…
    document_update(actor=admin, document=document, values={"title": "Новый"}, expected_version=1)
    # …a full one must.
    with pytest.raises(ValidationFailed) as caught:
        document_update(
            actor=admin, document=document, values={"title": "Новый"}, expected_version=2, partial=False
        )
    assert "extra" in caught.value.errors


def test_archiving_a_field_hides_it_and_keeps_its_values_until_restored(sampler, person) -> None:
    admin = person("admin")
    document = document_create(actor=admin, document_type=sampler, values={"title": "Отчёт", "quantity": 5})
    quantity = sampler.fields.get(code="quantity")

    field_set_archived(actor=admin, definition=quantity, archived=True)

    assert "quantity" not in [d.code for d in field_definitions(sampler)]
    document.refresh_from_db()
    assert document.data["quantity"] == 5
    with pytest.raises(ValidationFailed) as caught:
        document_update(actor=admin, document=document, values={"quantity": 6}, expected_version=1)
    assert "archived" in caught.value.errors["quantity"][0] or "архив" in caught.value.errors["quantity"][0]
    # A full save of the visible fields does not touch the archived one.
    document_update(
        actor=admin, document=document, values={"title": "Отчёт 2"}, expected_version=1, partial=False
    )
    document.refresh_from_db()
    assert document.data["quantity"] == 5

    field_set_archived(actor=admin, definition=quantity, archived=False)
    assert "quantity" in [d.code for d in field_definitions(sampler)]
    assert (
        document_update(actor=admin, document=document, values={"quantity": 6}, expected_version=2).data[
            "quantity"
        ]
        == 6
    )


def test_relabelling_a_field_keeps_values(sampler, person) -> None:
    admin = person("admin")
    document = document_create(actor=admin, document_type=sampler, values={"title": "Отчёт"})
    field_update(
        actor=admin, definition=sampler.fields.get(code="title"), label_ru="Заголовок", label_en="Heading"
    )
    document.refresh_from_db()
    assert document.data["title"] == "Отчёт"
    assert sampler.fields.get(code="title").label_en == "Heading"


def test_changing_a_type_converts_values_that_fit(sampler, person) -> None:
    admin = person("admin")
    document = document_create(actor=admin, document_type=sampler, values={"quantity": 42, "colour": "red"})

    field_update(actor=admin, definition=sampler.fields.get(code="quantity"), field_type="decimal")
    field_update(
        actor=admin, definition=sampler.fields.get(code="colour"), field_type="string", indexed=False
    )

    document.refresh_from_db()
    assert document.data["quantity"] == "42.00"
    assert document.data["colour"] == "Красный"
    assert [
        row.value_number
        for row in DocumentIndexValue.objects.filter(document=document, field_code="quantity")
    ] == [42]


def test_changing_a_type_is_refused_with_the_count_of_documents_that_do_not_convert(sampler, person) -> None:
    admin = person("admin")
    field_update(actor=admin, definition=sampler.fields.get(code="title"), settings={"max_length": 20})
    good = document_create(actor=admin, document_type=sampler, values={"title": "123"})
    bad = [
        document_create(actor=admin, document_type=sampler, values={"title": f"Текст {n}"}) for n in range(3)
    ]

    with pytest.raises(ValidationFailed) as caught:
        field_update(actor=admin, definition=sampler.fields.get(code="title"), field_type="integer")

    message = caught.value.errors["field_type"][0]
    assert re.search(r"\b3\b", message)
    assert bad[0].number in message
    good.refresh_from_db()
    assert good.data["title"] == "123"
    assert sampler.fields.get(code="title").field_type == "string"


def test_removing_a_choice_option_in_use_is_refused(sampler, person) -> None:
    admin = person("admin")
    document_create(actor=admin, document_type=sampler, values={"colour": "blue"})
    with pytest.raises(ValidationFailed) as caught:
        field_update(
            actor=admin,
            definition=sampler.fields.get(code="colour"),
            settings={"options": [{"value": "red"}]},
        )
    assert re.search(r"\b1\b", caught.value.errors["field_type"][0])


def test_a_reference_field_cannot_change_its_target_while_it_holds_values(sampler, person) -> None:
    admin = person("admin")
    document_create(actor=admin, document_type=sampler, values={"owner": admin.pk})
    with pytest.raises(ValidationFailed):
        field_update(
            actor=admin, definition=sampler.fields.get(code="owner"), settings={"target": "department"}
        )


def test_turning_indexing_on_fills_the_index_for_existing_documents(sampler, person) -> None:
    admin = person("admin")
    document = document_create(actor=admin, document_type=sampler, values={"weight": "2.5"})
    assert not DocumentIndexValue.objects.filter(document=document, field_code="weight").exists()

    field_update(actor=admin, definition=sampler.fields.get(code="weight"), indexed=True)

    queryset = apply_filters(sampler.documents.all(), sampler, parse_filters({"f.weight.gte": ["2"]}))
    assert list(queryset) == [document]


def test_file_fields_cannot_be_indexed(sampler, person) -> None:
    with pytest.raises(ValidationFailed) as caught:
        field_update(actor=person("admin"), definition=sampler.fields.get(code="scan"), indexed=True)
    assert "indexed" in caught.value.errors


def test_reserved_codes_are_refused(sampler, person) -> None:
    with pytest.raises(ValidationFailed) as caught:
        field_create(
            actor=person("admin"), owner=sampler, code="status", label_ru="Статус", field_type="string"
        )
    assert "code" in caught.value.errors


def test_fields_are_reordered(sampler, person) -> None:
    admin = person("admin")
    codes = [d.code for d in field_definitions(sampler, include_archived=True)]
    fields_reorder(actor=admin, owner=sampler, codes=list(reversed(codes)))
    assert [d.code for d in field_definitions(sampler)] == list(reversed(codes))

    field_move(actor=admin, definition=sampler.fields.get(code="scan"), offset=1)
    assert [d.code for d in field_definitions(sampler)][:2] == [codes[-2], codes[-1]]
    with pytest.raises(ValidationFailed):
        fields_reorder(actor=admin, owner=sampler, codes=codes[:-1])


def test_filters_on_indexed_fields(sampler, person) -> None:
    admin = person("admin")
    cheap = document_create(
        actor=admin, document_type=sampler, values={"price": "10", "colour": "red", "urgent": True}
    )
    dear = document_create(
        actor=admin, document_type=sampler, values={"price": "1000", "colour": "blue", "due": "2026-05-01"}
    )
    everything = sampler.documents.all()

    def found(params: dict[str, list[str]]) -> set[int]:
        return {d.pk for d in apply_filters(everything, sampler, parse_filters(params))}

    assert found({"f.price.gte": ["100"]}) == {dear.pk}
    assert found({"f.price.lte": ["100,5"]}) == {cheap.pk}
    assert found({"f.colour": ["red", "blue"]}) == {cheap.pk, dear.pk}
    assert found({"f.colour": ["Красный"]}) == {cheap.pk}
    assert found({"f.urgent": ["yes"]}) == {cheap.pk}
    assert found({"f.due.gte": ["01.04.2026"], "f.due.lte": ["2026-06-01"]}) == {dear.pk}
    for bad, key in [
        ({"f.nothing": ["1"]}, "f.nothing"),
        ({"f.title": ["x"]}, "f.title"),
        ({"f.price.gte": ["lots"]}, "f.price.gte"),
        ({"f.colour.gte": ["red"]}, "f.colour.gte"),
        ({"f.price.like": ["1"]}, "f.price.like"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            found(bad)
        assert key in caught.value.errors


def test_custom_fields_of_a_built_in_entity(person, demo_company) -> None:
    admin = person("admin")
    field_create(
        actor=admin,
        owner="counterparty",
        code="loyalty",
        label_ru="Лояльность",
        field_type="choice",
        settings={"options": [{"value": "gold"}, {"value": "silver"}]},
        required=True,
    )
    field_create(
        actor=admin, owner="counterparty", code="credit_limit", label_ru="Кредитный лимит", field_type="money"
    )

    assert [d.code for d in custom_field_definitions("counterparty")] == ["loyalty", "credit_limit"]
    assert clean_custom_values(
        "counterparty", {"loyalty": "gold", "credit_limit": "1 000"}, partial=False
    ) == {
        "loyalty": "gold",
        "credit_limit": "1000.00",
    }
    assert clean_custom_values("counterparty", {"credit_limit": "5"}, partial=True) == {
        "credit_limit": "5.00"
    }
    with pytest.raises(ValidationFailed) as caught:
        clean_custom_values("counterparty", {"credit_limit": "x", "nope": 1}, partial=False)
    assert set(caught.value.errors) == {"loyalty", "credit_limit", "nope"}
    assert custom_value_changes({"loyalty": "gold"}, {"loyalty": "silver"}, prefix="custom_fields.") == {
        "custom_fields.loyalty": ("gold", "silver")
    }
    with pytest.raises(ValidationFailed):
        field_create(actor=admin, owner="planet", code="x", label_ru="X", field_type="string")
