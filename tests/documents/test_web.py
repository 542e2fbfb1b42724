"""Document pages: the designer for administrators, list / page / form for the people of the demo, the
picker, optimistic locking in the form, access-checked downloads and the export."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from potok.documents.models import Document, DocumentType, FieldDefinition
from potok.documents.services import document_create, document_update
from tests.documents.conftest import events_of

pytestmark = pytest.mark.django_db


def page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the designer ----------------------------------------------------------------------------------


def test_only_administrators_reach_the_designer(client_as, complaint_type) -> None:
    assert client_as("admin").get("/settings/document-types/").status_code == 200
    for username in ("reception", "service_head", "director"):
        assert client_as(username).get("/settings/document-types/").status_code == 403
        assert client_as(username).get("/settings/document-types/complaint/").status_code == 403
        assert client_as(username).post("/settings/document-types/new/", {"code": "x"}).status_code == 403


def test_an_administrator_defines_a_type_with_a_field_and_a_status_in_the_browser(client_as) -> None:
    admin = client_as("admin")

    response = admin.post(
        "/settings/document-types/new/",
        {
            "code": "contract",
            "name_ru": "Договор",
            "name_en": "Contract",
            "number_prefix": "Д",
            "number_digits": 4,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/document-types/contract/"
    response = admin.post(
        "/settings/document-types/contract/fields/new/",
        {
            "code": "amount",
            "label_ru": "Сумма",
            "field_type": "money",
            "currency": "RUB",
            "required": "on",
            "indexed": "on",
            "in_list": "on",
            "min": "0",
        },
    )
    assert response.status_code == 302
    response = admin.post(
        "/settings/document-types/contract/fields/new/",
        {
            "code": "kind",
            "label_ru": "Вид",
            "field_type": "choice",
            "options": "supply | Поставка | Supply\nservice | Услуги | Services",
        },
    )
    assert response.status_code == 302
    response = admin.post(
        "/settings/document-types/contract/statuses/new/",
        {
            "code": "signed",
            "label_ru": "Подписан",
            "label_en": "Signed",
            "color": "success",
            "is_final": "on",
        },
    )
    assert response.status_code == 302

    detail = page(admin.get("/settings/document-types/contract/"))
    assert "Сумма" in detail and "Подписан" in detail and "Д-" in detail
    amount = FieldDefinition.objects.get(document_type__code="contract", code="amount")
    assert (amount.field_type, amount.required, amount.indexed, amount.settings["currency"]) == (
        "money",
        True,
        True,
        "RUB",
    )
    kind = FieldDefinition.objects.get(document_type__code="contract", code="kind")
    assert kind.settings["options"][1] == {"value": "service", "label_ru": "Услуги", "label_en": "Services"}


def test_designer_errors_are_shown_next_to_the_fields(client_as, complaint_type) -> None:
    admin = client_as("admin")
    text = page(
        admin.post(
            "/settings/document-types/new/",
            {"code": "memo", "name_ru": "", "name_en": "X", "number_digits": 5},
        )
    )
    assert 'data-field-error="name_ru"' in text
    text = page(
        admin.post(
            "/settings/document-types/new/",
            {"code": "complaint", "name_ru": "Ж", "name_en": "X", "number_digits": 5},
        )
    )
    assert 'data-field-error="code"' in text
    text = page(
        admin.post(
            "/settings/document-types/complaint/fields/new/",
            {"code": "pattern", "label_ru": "Шаблон", "field_type": "string", "regex": "(a+)+"},
        )
    )
    assert 'data-field-error="regex"' in text
    text = page(
        admin.post(
            "/settings/document-types/complaint/fields/new/",
            {"code": "photo", "label_ru": "Фото", "field_type": "file", "max_size_kb": "999999999"},
        )
    )
    assert 'data-field-error="max_size_kb"' in text


def test_archiving_and_restoring_a_field_in_the_designer(client_as, make_complaint, complaint_type) -> None:
    complaint = make_complaint(description="Подробности")
    admin = client_as("admin")

    assert (
        admin.post(
            "/settings/document-types/complaint/fields/description/archive/", {"archived": "1"}
        ).status_code
        == 302
    )

    form = page(admin.get(f"/documents/complaint/{complaint.pk}/edit/"))
    assert 'name="description"' not in form
    assert "Подробности" in page(
        admin.get(f"/documents/complaint/{complaint.pk}/")
    )  # the administrator sees kept values
    admin.post("/settings/document-types/complaint/fields/description/archive/", {"archived": "0"})
    assert 'name="description"' in page(admin.get(f"/documents/complaint/{complaint.pk}/edit/"))


def test_a_type_change_that_does_not_convert_is_refused_with_the_count(client_as, make_complaint) -> None:
    make_complaint(subject="Не число")
    admin = client_as("admin")

    text = page(
        admin.post(
            "/settings/document-types/complaint/fields/subject/edit/",
            {"label_ru": "Тема", "field_type": "integer"},
        )
    )

    assert 'data-field-error="field_type"' in text
    assert FieldDefinition.objects.get(document_type__code="complaint", code="subject").field_type == "string"


def test_fields_are_reordered_by_drag_and_drop_and_by_buttons(client_as, complaint_type) -> None:
    admin = client_as("admin")
    codes = list(complaint_type.fields.order_by("position").values_list("code", flat=True))

    response = admin.post(
        "/settings/document-types/complaint/fields/client/move/",
        {"order": '["' + '","'.join(reversed(codes)) + '"]'},
    )
    assert response.status_code == 204
    assert list(complaint_type.fields.order_by("position").values_list("code", flat=True)) == list(
        reversed(codes)
    )
    admin.post("/settings/document-types/complaint/fields/severity/move/", {"offset": "1"})
    assert list(complaint_type.fields.order_by("position").values_list("code", flat=True))[:2] == [
        codes[-2],
        codes[-1],
    ]


def test_custom_fields_of_counterparties_have_their_own_page(client_as) -> None:
    admin = client_as("admin")
    response = admin.post(
        "/settings/custom-fields/counterparty/new/",
        {"code": "loyalty", "label_ru": "Лояльность", "field_type": "string"},
    )
    assert response.status_code == 302
    assert "Лояльность" in page(admin.get("/settings/custom-fields/counterparty/"))
    assert admin.get("/settings/custom-fields/planet/").status_code == 404


# --- documents ---------------------------------------------------------------------------------------


def test_navigation_lists_the_types_each_person_may_see(client_as, complaint_type) -> None:
    reception = page(client_as("reception").get("/"))
    sales = page(client_as("sales1").get("/"))
    admin = page(client_as("admin").get("/"))

    assert 'href="/documents/complaint/"' in reception
    assert 'href="/documents/investigation_act/"' not in reception
    assert 'href="/documents/complaint/"' not in sales
    assert 'href="/settings/document-types/"' in admin
    assert 'href="/settings/document-types/"' not in reception


def test_reception_registers_a_complaint_through_the_form(client_as, clients, complaint_type) -> None:
    reception = client_as("reception")
    form = page(reception.get("/documents/complaint/new/"))
    assert 'name="client"' in form and 'hx-get="/documents/lookup/counterparty/"' in form

    response = reception.post(
        "/documents/complaint/new/",
        {
            "client": str(clients[0].pk),
            "subject": "Разбита витрина",
            "claimed_amount": "12 500,00",
            "severity": "high",
            "channel": "site",
        },
    )

    assert response.status_code == 302
    complaint = Document.objects.filter(document_type=complaint_type).latest("id")
    assert response["Location"] == f"/documents/complaint/{complaint.pk}/"
    assert complaint.data["claimed_amount"] == "12500.00"
    assert len(events_of(complaint)) == 1
    detail = page(reception.get(response["Location"]))
    assert "Разбита витрина" in detail and clients[0].name in detail and "12" in detail


def test_form_errors_appear_next_to_the_fields_and_nothing_is_saved(client_as, complaint_type) -> None:
    count = Document.objects.count()
    text = page(
        client_as("reception").post(
            "/documents/complaint/new/", {"subject": "", "claimed_amount": "много", "client": "999999"}
        )
    )
    for field in ("client", "subject", "claimed_amount"):
        assert f'data-field-error="{field}"' in text
    assert 'value="много"' in text
    assert Document.objects.count() == count


def test_the_create_page_takes_initial_values_from_the_query_string(
    client_as, make_complaint, clients
) -> None:
    complaint = make_complaint(client=clients[1].pk)
    text = page(
        client_as("investigator1").get(
            f"/documents/investigation_act/new/?complaint={complaint.pk}&cause=carrier"
        )
    )
    assert f'value="{complaint.pk}"' in text
    assert complaint.number in text
    assert '<option value="carrier" selected>' in text


def test_the_complaint_page_offers_an_act_and_shows_linked_documents(
    client_as, make_complaint, person, act_type
) -> None:
    complaint = make_complaint()
    investigator = client_as("investigator1")

    text = page(investigator.get(f"/documents/complaint/{complaint.pk}/"))
    assert f"/documents/investigation_act/new/?complaint={complaint.pk}" in text

    act = document_create(
        actor=person("investigator1"), document_type=act_type, values={"complaint": complaint.pk}
    )
    text = page(investigator.get(f"/documents/complaint/{complaint.pk}/"))
    assert f"/documents/investigation_act/{act.pk}/" in text and act.number in text
    assert f"/documents/complaint/{complaint.pk}/" in page(
        investigator.get(f"/documents/investigation_act/{act.pk}/")
    )


def test_reception_sees_only_her_own_complaints_and_404_for_another(
    client_as, make_complaint, person
) -> None:
    own = make_complaint(subject="Моя претензия")
    other = make_complaint("admin", subject="Чужая претензия")
    reception = client_as("reception")

    text = page(reception.get("/documents/complaint/"))

    assert own.number in text and other.number not in text
    assert reception.get(f"/documents/complaint/{other.pk}/").status_code == 404
    assert reception.get(f"/documents/complaint/{other.pk}/edit/").status_code == 404
    assert reception.get(f"/documents/complaint/{own.pk}/edit/").status_code == 403
    assert reception.post(f"/documents/complaint/{own.pk}/status/", {"status": "in_work"}).status_code == 403
    assert reception.get("/documents/investigation_act/new/").status_code == 403


def test_list_search_filters_and_sorting(client_as, make_complaint) -> None:
    cheap = make_complaint(subject="Царапина на ёлке", claimed_amount="100", severity="low")
    dear = make_complaint(subject="Потоп на складе", claimed_amount="900000", severity="critical")
    director = client_as("director")

    assert cheap.number in page(director.get("/documents/complaint/", {"q": "ЕЛКЕ"}))
    assert dear.number not in page(director.get("/documents/complaint/", {"q": "ЕЛКЕ"}))
    text = page(director.get("/documents/complaint/", {"f.claimed_amount.gte": "500000"}))
    assert dear.number in text and cheap.number not in text
    text = page(director.get("/documents/complaint/", {"f.severity": "low"}))
    assert cheap.number in text and dear.number not in text
    text = page(director.get("/documents/complaint/", {"status": "registered", "sort": "number"}))
    assert text.index(cheap.number) < text.index(dear.number)
    text = page(director.get("/documents/complaint/", {"f.subject": "x"}))
    assert "alert-warning" in text
    partial = page(director.get("/documents/complaint/", {"q": "потоп"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in partial and dear.number in partial


def test_list_pages_with_a_cursor(client_as, make_complaint) -> None:
    from potok.web.views.documents import listing

    for n in range(3):
        make_complaint(subject=f"Страница {n}")
    original = listing.document_list_spec

    def small(document_type):  # type: ignore[no-untyped-def]
        spec = original(document_type)
        object.__setattr__(spec, "page_size", 2)
        return spec

    from potok.web.views.documents import records

    records.document_list_spec = small
    try:
        director = client_as("director")
        first = director.get("/documents/complaint/", {"q": "страница"})
        assert first.context["next_url"]
        second = director.get("/documents/complaint/" + first.context["next_url"])
        assert len(second.context["rows"]) == 1
    finally:
        records.document_list_spec = original


def test_a_stale_edit_gets_a_conflict_message_and_keeps_the_other_change(
    client_as, make_complaint, person
) -> None:
    complaint = make_complaint(subject="Исходная")
    head = client_as("service_head")
    form = page(head.get(f"/documents/complaint/{complaint.pk}/edit/"))
    assert 'name="version" value="1"' in form
    document_update(
        actor=person("investigator1"),
        document=complaint,
        values={"subject": "Правка Веры"},
        expected_version=1,
    )

    response = head.post(
        f"/documents/complaint/{complaint.pk}/edit/",
        {
            "version": "1",
            "client": str(complaint.data["client"]),
            "subject": "Правка Бориса",
            "severity": "normal",
        },
    )

    text = page(response)
    assert 'data-testid="conflict"' in text and "Вера" in text
    assert 'value="Правка Бориса"' in text  # his input is still in the form
    complaint.refresh_from_db()
    assert complaint.data["subject"] == "Правка Веры"


def test_edit_and_status_buttons_for_the_service_department(client_as, make_complaint) -> None:
    complaint = make_complaint()
    head = client_as("service_head")

    text = page(head.get(f"/documents/complaint/{complaint.pk}/"))
    assert 'value="in_work"' in text and 'value="closed"' not in text
    response = head.post(
        f"/documents/complaint/{complaint.pk}/status/", {"status": "in_work", "version": "1"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "in_work"
    head.post(f"/documents/complaint/{complaint.pk}/status/", {"status": "registered", "version": "2"})
    complaint.refresh_from_db()
    assert complaint.status == "in_work"

    response = head.post(
        f"/documents/complaint/{complaint.pk}/edit/",
        {
            "version": "2",
            "client": str(complaint.data["client"]),
            "subject": "Уточнённая тема",
            "severity": "high",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.data["subject"], complaint.version) == ("Уточнённая тема", 3)


def test_the_picker_gives_reception_names_and_inn_only(client_as, clients, complaint_type) -> None:
    reception = client_as("reception")

    text = page(
        reception.get("/documents/lookup/counterparty/", {"field": "client", "client__search": "ромашк"})
    )
    assert clients[0].name in text and clients[0].inn in text and f'data-id="{clients[0].pk}"' in text
    assert "Вектор" not in text
    short = page(
        reception.get("/documents/lookup/counterparty/", {"field": "client", "client__search": "ро"})
    )
    assert 'data-id="' not in short
    # Someone who may neither list counterparties nor save a document with a counterparty field gets nothing.
    assert 'data-id="' not in page(
        client_as("sales1").get("/documents/lookup/counterparty/", {"q": "ромашк"})
    )
    assert clients[0].name in page(client_as("admin").get("/documents/lookup/counterparty/", {"q": "ромашк"}))


def test_the_document_picker_offers_only_readable_documents(client_as, make_complaint) -> None:
    own = make_complaint(subject="Своя")
    other = make_complaint("admin", subject="Чужая")
    text = page(client_as("investigator1").get("/documents/lookup/document.complaint/", {"q": own.number}))
    assert f'data-id="{own.pk}"' in text
    reception = page(client_as("reception").get("/documents/lookup/document.complaint/", {"q": "претензия"}))
    assert f'data-id="{other.pk}"' not in reception


def test_file_downloads_are_access_checked(
    client_as, person, complaint_type, make_complaint, settings, tmp_path
) -> None:
    from potok.documents.services import field_create

    settings.MEDIA_ROOT = str(tmp_path)
    field_create(
        actor=person("admin"), owner=complaint_type, code="photo", label_ru="Фото", field_type="file"
    )
    reception = client_as("reception")
    response = reception.post(
        "/documents/complaint/new/",
        {
            "client": str(make_complaint().data["client"]),
            "subject": "С фото",
            "severity": "normal",
            "photo": SimpleUploadedFile("витрина.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    complaint = Document.objects.filter(document_type=complaint_type).latest("id")
    url = f"/documents/complaint/{complaint.pk}/files/photo/"
    assert url in page(reception.get(f"/documents/complaint/{complaint.pk}/"))

    download = reception.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xff\xd8\xff fake jpeg"
    assert download["Content-Type"] == "image/jpeg"
    assert "attachment" in download["Content-Disposition"]
    assert client_as("sales1").get(url).status_code == 404
    assert client_as("lawyer").get(url).status_code == 200
    assert reception.get(f"/documents/complaint/{complaint.pk}/files/subject/").status_code == 404
    stored = list(tmp_path.rglob("*"))
    assert all("витрина" not in path.name for path in stored)


def test_an_html_upload_is_never_served_as_html(client_as, person, sampler, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    from potok.documents.services import field_update

    field_update(
        actor=person("admin"), definition=sampler.fields.get(code="scan"), settings={"extensions": ["html"]}
    )
    document = document_create(
        actor=person("admin"),
        document_type=sampler,
        values={"scan": SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")},
    )
    response = client_as("admin").get(f"/documents/sampler/{document.pk}/files/scan/")
    assert response["Content-Type"] == "application/octet-stream"


def test_export_keeps_filters_and_rights_and_neutralises_formulas(client_as, make_complaint) -> None:
    make_complaint(subject='=HYPERLINK("http://evil")', claimed_amount="500", severity="high")
    make_complaint(subject="@SUM(1)", claimed_amount="5", severity="low")
    director = client_as("director")

    response = director.get("/documents/complaint/export/", {"format": "csv", "f.severity": "high"})

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # number, status, created, author and the eight fields (the director sees the confidential one)
    assert len(rows[0]) == 4 + 8
    subjects = [row[rows[0].index("Тема")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in subjects
    assert "'@SUM(1)" not in subjects
    assert client_as("reception").get("/documents/complaint/export/").status_code == 403

    from openpyxl import load_workbook

    xlsx = director.get("/documents/complaint/export/", {"format": "xlsx", "q": "sum"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][values[0].index("Тема")] == "'@SUM(1)"
    assert values[1][values[0].index("Заявленная сумма")] == 5


def test_a_document_type_can_be_archived_and_brought_back(client_as, complaint_type) -> None:
    admin = client_as("admin")
    admin.post("/settings/document-types/complaint/archive/", {"archived": "1"})
    assert DocumentType.objects.get(code="complaint").archived_at is not None
    assert client_as("reception").get("/documents/complaint/new/").status_code == 404
    admin.post("/settings/document-types/complaint/archive/", {"archived": "0"})
    assert client_as("reception").get("/documents/complaint/new/").status_code == 200


def test_pages_render_in_english(client_as, make_complaint) -> None:
    complaint = make_complaint()
    director = client_as("director")
    director.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = page(director.get(f"/documents/complaint/{complaint.pk}/"))
    assert "Customer complaint" in text and "Registered" in text and "Linked documents" in text


def test_a_guessed_id_in_the_create_address_reveals_no_number(
    client_as, make_complaint, person, demo_company
) -> None:
    from potok.access.models import Action, Scope
    from potok.access.services import access_rule_set
    from potok.accounts.models import Role

    hidden = make_complaint("admin", subject="Секретная")
    access_rule_set(
        actor=None,
        role=Role.objects.get(code="sales_manager"),
        entity_type="document.investigation_act",
        action=Action.CREATE,
        scope=Scope.ALL,
    )
    text = page(client_as("sales1").get(f"/documents/investigation_act/new/?complaint={hidden.pk}"))
    assert hidden.number not in text


def test_the_picker_looks_up_contacts_users_and_departments(client_as, person, sampler) -> None:
    from potok.clients.models import Contact

    contact = Contact.objects.filter(deleted_at__isnull=True).exclude(last_name="").first()
    assert contact is not None
    reception = client_as("reception")
    query = f"{contact.last_name} {contact.first_name} {contact.middle_name}"
    text = page(reception.get("/documents/lookup/contact/", {"q": query}))
    assert f'data-id="{contact.pk}"' in text
    admin = client_as("admin")
    assert f'data-id="{person("lawyer").pk}"' in page(admin.get("/documents/lookup/user/", {"q": "Юрист"}))
    department = person("lawyer").department
    assert f'data-id="{department.pk}"' in page(
        admin.get("/documents/lookup/department/", {"q": department.name[:5]})
    )
    assert 'data-id="' not in page(client_as("sales1").get("/documents/lookup/user/", {"q": "Юрист"}))
    assert 'data-id="' not in page(admin.get("/documents/lookup/planet/", {"q": "x"}))
    assert 'data-id="' not in page(admin.get("/documents/lookup/document.nothing/", {"q": "x"}))
