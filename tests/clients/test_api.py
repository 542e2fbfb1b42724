"""The client-base API: the same access rules as the pages, a message per field, 409 on a stale version,
the picker for receptionists, merge and export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from potok.access.models import AccessRule
from potok.access.selectors import forget_user_access
from potok.accounts.models import Role
from potok.clients.models import Counterparty
from potok.core.models import DomainEvent
from tests.clients.conftest import inn10
from tests.imports.conftest import run_import_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as):  # type: ignore[no-untyped-def]
    """API clients that remember whose token they carry."""

    def make(username: str):  # type: ignore[no-untyped-def]
        client = api_as(username)
        client.username = username
        return client

    return make


def create(client, **fields):  # type: ignore[no-untyped-def]
    from potok.accounts.models import User

    body = {"name": "ООО «API»", "inn": inn10(501), **fields}
    body.setdefault("responsible_id", User.objects.get(username=client.username).pk)
    return client.post("/api/v1/counterparties", body, content_type="application/json")


def test_create_read_update_delete_with_one_event_each(api) -> None:
    client = api("sales1")

    created = create(client, phones=["8 (916) 123-45-67"], segment="VIP")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["phones"] == ["+79161234567"] and body["version"] == 1
    pk = body["id"]

    assert client.get(f"/api/v1/counterparties/{pk}").json()["name"] == "ООО «API»"
    changed = client.patch(
        f"/api/v1/counterparties/{pk}", {"version": 1, "comment": "важный"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/counterparties/{pk}", {"version": 1, "comment": "x"}, content_type="application/json"
    )
    assert stale.status_code == 409 and set(stale.json()) == {"message", "errors"}
    assert client.delete(f"/api/v1/counterparties/{pk}?version=2").status_code == 204
    assert client.get(f"/api/v1/counterparties/{pk}").status_code == 404

    kinds = list(
        DomainEvent.objects.filter(record_id=pk, entity_type="counterparty").values_list("kind", "origin")
    )
    assert kinds == [("created", "api"), ("updated", "api"), ("deleted", "api")]


def test_a_bad_inn_is_a_400_with_a_message_for_the_field(api) -> None:
    response = create(api("sales1"), inn="7707083894", emails=["nope"])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"inn", "emails"}


def test_the_list_filters_and_follows_the_scopes(api, person) -> None:
    sales1, sales2 = api("sales1"), api("sales2")
    mine = create(sales1, name="ООО «Моё»", inn=inn10(601), segment="VIP", tags=["ключевой"]).json()["id"]
    create(sales2, name="ООО «Чужое»", inn=inn10(602))

    found = sales1.get("/api/v1/counterparties", {"q": "моё", "segment": "VIP", "tag": "Ключевой"}).json()
    assert [item["id"] for item in found["items"]] == [mine]
    by_inn = sales1.get("/api/v1/counterparties", {"q": inn10(601)[:9]}).json()["items"]
    assert [item["id"] for item in by_inn] == [mine]
    # A colleague's client: readable (department), not changeable (own scope for updates).
    other = Counterparty.objects.get(name="ООО «Чужое»")
    assert sales1.get(f"/api/v1/counterparties/{other.pk}").status_code == 200
    forbidden = sales1.patch(
        f"/api/v1/counterparties/{other.pk}", {"version": 1, "comment": "x"}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    # The receptionist sees no counterparty at all.
    reception = api("reception")
    assert reception.get("/api/v1/counterparties").json()["items"] == []
    assert reception.get(f"/api/v1/counterparties/{mine}").status_code == 404


def test_the_picker_gives_a_receptionist_id_name_and_inn_only(api, person) -> None:
    create(api("sales1"), name="ООО «Пикер Тест»", inn=inn10(701))
    from potok.accounts.services import role_assign, user_create

    stranger = user_create(actor=None, username="stranger", password=None)
    assert api("stranger").get("/api/v1/counterparties/choices", {"q": "Пикер"}).status_code == 403

    # The right to create a (user-defined) document, here a complaint, opens the picker.
    role = Role.objects.create(code="picker_test", name_ru="т", name_en="t")
    AccessRule.objects.create(role=role, entity_type="document.complaint", action="create", scope="own")
    role_assign(actor=None, role=role, user=stranger)
    forget_user_access(stranger)
    reception = api("stranger")

    found = reception.get("/api/v1/counterparties/choices", {"q": "пикер"})
    assert found.status_code == 200
    assert found.json() == [
        {"id": Counterparty.objects.get(inn=inn10(701)).pk, "name": "ООО «Пикер Тест»", "inn": inn10(701)}
    ]
    assert reception.get("/api/v1/counterparties/choices", {"q": inn10(701)}).json()[0]["inn"] == inn10(701)
    assert reception.get("/api/v1/counterparties/choices", {"q": "п"}).status_code == 400
    assert reception.get("/api/v1/counterparties").json()["items"] == []
    # The demo's receptionist can pick (her role may create complaints) and still lists nothing.
    if api("reception").get("/api/v1/counterparties/choices", {"q": "пикер"}).status_code == 200:
        assert api("reception").get("/api/v1/counterparties").json()["items"] == []


def test_duplicates_check_and_merge(api) -> None:
    client = api("admin")
    first = create(client, name="ООО «Дубль»", inn=inn10(801), phones=["+79160000801"]).json()
    second = create(client, name="Дубль", inn="", phones=["8 916 000-08-01"]).json()

    check = client.post(
        "/api/v1/counterparties/duplicates",
        {"name": "дубль", "phones": ["+7 916 000 08 01"]},
        content_type="application/json",
    ).json()
    assert {item["id"] for item in check} == {first["id"], second["id"]}
    assert client.get(f"/api/v1/counterparties/{first['id']}/duplicates").json()[0]["id"] == second["id"]

    merged = client.post(
        f"/api/v1/counterparties/{first['id']}/merge",
        {"merged_id": second["id"]},
        content_type="application/json",
    )
    assert merged.status_code == 200, merged.json()
    assert client.get(f"/api/v1/counterparties/{second['id']}").status_code == 404
    assert Counterparty.objects.get(pk=second["id"]).merged_into_id == first["id"]


def test_contacts_and_interactions_through_the_api(api, person) -> None:
    client = api("sales1")
    counterparty = create(client).json()["id"]
    contact = client.post(
        "/api/v1/contacts",
        {"counterparty_id": counterparty, "first_name": "Анна", "phones": ["89161112233"]},
        content_type="application/json",
    )
    assert contact.status_code == 201, contact.json()
    interaction = client.post(
        "/api/v1/interactions",
        {
            "counterparty_id": counterparty,
            "kind": "call",
            "subject": "Звонок",
            "user_ids": [person("sales1").pk],
            "contact_ids": [contact.json()["id"]],
        },
        content_type="application/json",
    )
    assert interaction.status_code == 201, interaction.json()
    timeline = client.get(f"/api/v1/counterparties/{counterparty}/timeline").json()
    assert [item["id"] for item in timeline["items"]] == [interaction.json()["id"]]
    assert timeline["items"][0]["contact_ids"] == [contact.json()["id"]]
    # sales2 may read the department's client but not add to it
    refused = api("sales2").post(
        "/api/v1/contacts",
        {"counterparty_id": counterparty, "first_name": "Чужой"},
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_export_neutralises_formulas_and_keeps_the_filters(api) -> None:
    client = api("director")
    create(api("admin"), name='=HYPERLINK("http://evil")', inn=inn10(901), segment="Экспорт")
    create(api("admin"), name="ООО «Другой сегмент»", inn=inn10(902))

    response = client.get("/api/v1/counterparties/export", {"format": "csv", "segment": "Экспорт"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][4] == inn10(901)

    xlsx = client.get("/api/v1/counterparties/export", {"format": "xlsx", "segment": "Экспорт"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=2).value == '\'=HYPERLINK("http://evil")'

    assert api("investigator1").get("/api/v1/counterparties/export").status_code == 403


def test_import_through_the_api(api, settings, django_capture_on_commit_callbacks) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = api("admin")
    content = f"Наименование;ИНН;Телефон\r\nООО «Файл»;{inn10(950)};8 (916) 123-45-99\r\nООО «Плохой»;7707083894;\r\n"
    upload = client.post(
        "/api/v1/imports",
        {"file": io.BytesIO(content.encode("cp1251")), "entity_type": "counterparty"},
    )
    assert upload.status_code == 201, upload.json()
    job = upload.json()
    assert job["encoding"] == "cp1251" and job["mapping"] == {"0": "name", "1": "inn", "2": "phones"}

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/imports/{job['id']}/preview")
        assert started.status_code == 200, started.json()
    run_import_tasks()
    preview = client.get(f"/api/v1/imports/{job['id']}").json()
    assert preview["status"] == "previewed" and preview["counts"] == {"create": 1, "rejected": 1}
    rows = client.get(f"/api/v1/imports/{job['id']}/rows", {"status": "rejected"}).json()["items"]
    assert rows[0]["row_number"] == 3 and "ИНН" in rows[0]["messages"][0]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/imports/{job['id']}/apply")
    run_import_tasks()
    assert client.get(f"/api/v1/imports/{job['id']}").json()["status"] == "done"
    assert Counterparty.objects.filter(inn=inn10(950)).exists()
    assert api("sales1").get(f"/api/v1/imports/{job['id']}").status_code == 404

    empty = client.post("/api/v1/imports", {"file": io.BytesIO(b""), "entity_type": "counterparty"})
    assert empty.status_code == 400 and "file" in empty.json()["errors"]
