"""Each field type takes a valid value and refuses an invalid one with the field named; defaults, required."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from potok.core.errors import ValidationFailed
from potok.documents.models import Document
from potok.documents.services import document_create, field_create, field_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "raw", "stored"),
    [
        ("title", "  Отчёт  ", "Отчёт"),
        ("notes", "многострочный\nтекст", "многострочный\nтекст"),
        ("quantity", "42", 42),
        ("quantity", 7, 7),
        ("weight", "1,125", "1.125"),
        ("price", "12 500,5", "12500.50"),
        ("price", 99.99, "99.99"),
        ("due", "31.12.2026", "2026-12-31"),
        ("due", "2026-01-15", "2026-01-15"),
        ("meeting", "2026-03-02T10:30:00+03:00", "2026-03-02T07:30:00+00:00"),
        ("urgent", "yes", True),
        ("urgent", False, False),
        ("colour", "red", "red"),
        ("colour", "Красный", "red"),
        ("tags", ["c", "a", "c"], ["a", "c"]),
        ("tags", "b,a", ["a", "b"]),
    ],
)
def test_a_valid_value_is_stored_in_its_canonical_form(sampler, person, code, raw, stored) -> None:
    document = document_create(actor=person("admin"), document_type=sampler, values={code: raw})

    assert document.data[code] == stored


@pytest.mark.parametrize(
    ("code", "raw", "message_part"),
    [
        ("title", "x" * 21, "20"),
        ("title", "lower case", "[A-ZА-Я]"),
        ("title", {"not": "text"}, ""),
        ("notes", "y" * 51, "50"),
        ("quantity", "many", ""),
        ("quantity", "4.5", ""),
        ("quantity", 0, "1"),
        ("quantity", 101, "100"),
        ("quantity", True, ""),
        ("weight", "1.0001", "3"),
        ("price", "-1", "0"),
        ("price", "12.345", "2"),
        ("price", "twelve", ""),
        ("due", "31/12/2026", ""),
        ("due", "2026-02-30", ""),
        ("meeting", "tomorrow", ""),
        ("urgent", "maybe", ""),
        ("colour", "green", "red"),
        ("tags", ["a", "z"], "z"),
        ("owner", 999_999, "999999"),
        ("owner", "somebody", ""),
        ("unit", -3, ""),
    ],
)
def test_an_invalid_value_is_refused_naming_the_field_and_nothing_is_written(
    sampler, person, code, raw, message_part
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        document_create(actor=person("admin"), document_type=sampler, values={code: raw})

    assert list(caught.value.errors) == [code]
    message = caught.value.errors[code][0]
    assert message.startswith(code.title() + ":")
    assert message_part in message
    assert Document.objects.filter(document_type=sampler).count() == 0


def test_references_to_users_and_departments_are_kept_as_ids(sampler, person) -> None:
    director = person("director")

    document = document_create(
        actor=person("admin"),
        document_type=sampler,
        values={"owner": str(director.pk), "unit": {"id": director.department_id}},
    )

    assert document.data["owner"] == director.pk
    assert document.data["unit"] == director.department_id


def test_a_file_within_the_limits_is_stored_and_one_too_large_is_refused(
    sampler, person, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    admin = person("admin")

    document = document_create(
        actor=admin,
        document_type=sampler,
        values={"scan": SimpleUploadedFile("акт.pdf", b"%PDF-1.4 test", content_type="application/pdf")},
    )
    assert document.data["scan"]["name"] == "акт.pdf"
    assert document.data["scan"]["content_type"] == "application/pdf"
    assert document.data["scan"]["size"] == 13

    with pytest.raises(ValidationFailed) as too_large:
        document_create(
            actor=admin, document_type=sampler, values={"scan": SimpleUploadedFile("big.pdf", b"x" * 1001)}
        )
    assert "scan" in too_large.value.errors
    with pytest.raises(ValidationFailed) as wrong_kind:
        document_create(
            actor=admin, document_type=sampler, values={"scan": SimpleUploadedFile("run.exe", b"MZ")}
        )
    assert "exe" in wrong_kind.value.errors["scan"][0]
    with pytest.raises(ValidationFailed):
        document_create(actor=admin, document_type=sampler, values={"scan": "not a file"})
    assert Document.objects.filter(document_type=sampler).count() == 1
    assert len(list(tmp_path.rglob("*"))) > 0
    assert not [path for path in tmp_path.rglob("*") if path.is_file() and "big" in path.name]


def test_defaults_fill_empty_fields_of_a_new_document_only(sampler, person) -> None:
    admin = person("admin")
    field_create(
        actor=admin, owner=sampler, code="country", label_ru="Страна", field_type="string", default="Россия"
    )
    field_create(
        actor=admin, owner=sampler, code="opened", label_ru="Открыт", field_type="date", default="today"
    )

    document = document_create(actor=admin, document_type=sampler, values={})

    assert document.data["country"] == "Россия"
    assert len(document.data["opened"]) == 10
    assert document.data["urgent"] is False


def test_a_default_that_does_not_fit_the_field_is_refused(sampler, person) -> None:
    with pytest.raises(ValidationFailed) as caught:
        field_create(
            actor=person("admin"),
            owner=sampler,
            code="size",
            label_ru="Размер",
            field_type="integer",
            default="big",
        )
    assert "default" in caught.value.errors


def test_required_fields_must_be_given(sampler, person) -> None:
    admin = person("admin")
    definition = sampler.fields.get(code="quantity")
    field_update(actor=admin, definition=definition, required=True)

    with pytest.raises(ValidationFailed) as caught:
        document_create(actor=admin, document_type=sampler, values={"title": "Отчёт"})

    assert "quantity" in caught.value.errors
    assert (
        "required" in caught.value.errors["quantity"][0] or "обязательн" in caught.value.errors["quantity"][0]
    )
    assert document_create(actor=admin, document_type=sampler, values={"quantity": 3}).data["quantity"] == 3


def test_unknown_fields_are_refused_by_name(sampler, person) -> None:
    with pytest.raises(ValidationFailed) as caught:
        document_create(
            actor=person("admin"), document_type=sampler, values={"title": "Отчёт", "colour_x": "red"}
        )
    assert list(caught.value.errors) == ["colour_x"]


def test_several_bad_fields_are_reported_together(sampler, person) -> None:
    with pytest.raises(ValidationFailed) as caught:
        document_create(actor=person("admin"), document_type=sampler, values={"quantity": "x", "price": "y"})
    assert set(caught.value.errors) == {"quantity", "price"}


def test_regex_settings_are_checked_when_the_field_is_defined(sampler, person) -> None:
    admin = person("admin")
    for pattern in ["(a+)+$", "[", "x" * 201]:
        with pytest.raises(ValidationFailed) as caught:
            field_create(
                actor=admin,
                owner=sampler,
                code="code_x",
                label_ru="Код",
                field_type="string",
                settings={"regex": pattern},
            )
        assert "settings.regex" in caught.value.errors


def test_money_keeps_two_places_and_its_currency(sampler, person) -> None:
    admin = person("admin")
    field_create(
        actor=admin,
        owner=sampler,
        code="fee",
        label_ru="Сбор",
        field_type="money",
        settings={"currency": "usd"},
    )
    definition = sampler.fields.get(code="fee")
    assert definition.settings["currency"] == "USD"

    document = document_create(actor=admin, document_type=sampler, values={"fee": 10})

    assert document.data["fee"] == "10.00"
    assert Decimal(document.data["fee"]) == Decimal("10")
