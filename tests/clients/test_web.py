"""Client-base pages: list with search, filters and export; forms that name the bad field and save
nothing; the counterparty page with its timeline, duplicates and merge; the import wizard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from potok.clients.models import Counterparty
from potok.clients.services import counterparty_create, interaction_create, interactions_create_many
from potok.imports.models import ImportJob, JobStatus
from tests.clients.conftest import inn10
from tests.imports.conftest import run_import_tasks

pytestmark = pytest.mark.django_db


def page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_list_searches_by_name_inn_and_phone_and_filters(client_as, person) -> None:
    counterparty_create(
        actor=None,
        fields={
            "name": "ООО «Полярная сова»",
            "inn": inn10(1201),
            "phones": "8 (916) 555-12-34",
            "segment": "VIP",
            "responsible": person("sales1"),
        },
    )
    client = client_as("sales_head")

    for query in ("полярная", inn10(1201)[:7], "8 (916) 555-12", "+7916555"):
        assert "Полярная сова" in page(client.get("/counterparties/", {"q": query})), query
    assert "Полярная сова" not in page(client.get("/counterparties/", {"q": "полярная", "segment": "опт"}))
    html = page(client.get("/counterparties/", {"segment": "VIP", "responsible": person("sales1").pk}))
    assert "Полярная сова" in html and "format=xlsx" in html and "format=csv" in html
    rows = page(client.get("/counterparties/", {"q": "полярная"}, HTTP_HX_REQUEST="true"))
    assert "<table" in rows and "<html" not in rows


def test_reception_cannot_open_the_client_base(client_as) -> None:
    client = client_as("reception")
    pk = Counterparty.objects.order_by("pk").first().pk
    assert client.get("/counterparties/").status_code == 403
    assert client.get(f"/counterparties/{pk}/").status_code == 404
    assert client.get("/contacts/").status_code == 403
    assert client.get("/counterparties/export/").status_code == 403
    assert 'href="/counterparties/"' not in page(client.get("/"))


def test_a_bad_inn_is_shown_next_to_the_field_and_nothing_is_saved(client_as) -> None:
    client = client_as("sales1")
    before = Counterparty.objects.count()

    response = client.post(
        "/counterparties/new/",
        {"kind": "legal", "name": "ООО «Ошибка»", "inn": "7707083894"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = page(response)
    assert 'data-field-error="inn"' in html
    assert "ИНН: wrong check digit" in html or "ИНН: неверная контрольная цифра" in html
    assert Counterparty.objects.count() == before


def test_create_warns_of_duplicates_then_creates_when_confirmed(client_as, person) -> None:
    existing = counterparty_create(actor=None, fields={"name": "ООО «Двойник»", "inn": inn10(1301)})
    client = client_as("sales1")
    data = {"kind": "legal", "name": "Двойник", "inn": "", "responsible": person("sales1").pk}

    warned = page(client.post("/counterparties/new/", data))
    assert 'data-testid="duplicate-warning"' in warned and f"/counterparties/{existing.pk}/" in warned

    created = client.post("/counterparties/new/", {**data, "confirm_duplicates": "1"})
    assert created.status_code == 302
    assert Counterparty.objects.filter(name="Двойник").exists()


def test_edit_with_a_stale_version_says_so(client_as, person) -> None:
    counterparty = counterparty_create(
        actor=None, fields={"name": "ООО «Версия»", "inn": inn10(1401), "responsible": person("sales1")}
    )
    client = client_as("sales1")
    form = {
        "kind": "legal",
        "name": "ООО «Версия 2»",
        "inn": inn10(1401),
        "version": 1,
        "responsible": person("sales1").pk,
    }
    assert client.post(f"/counterparties/{counterparty.pk}/edit/", form).status_code == 302
    stale = page(client.post(f"/counterparties/{counterparty.pk}/edit/", {**form, "name": "ООО «Версия 3»"}))
    assert "alert-danger" in stale
    assert Counterparty.objects.get(pk=counterparty.pk).name == "ООО «Версия 2»"


def test_the_page_shows_requisites_timeline_duplicates_and_history(client_as, person) -> None:
    counterparty = counterparty_create(
        actor=None, fields={"name": "ООО «Лента»", "inn": inn10(1501), "phones": "+79160001501"}
    )
    counterparty_create(actor=None, fields={"name": "Лента", "phones": "+79160001501"})
    start = timezone.now() - dt.timedelta(days=30)
    interactions_create_many(
        actor=None,
        counterparty=counterparty,
        rows=[
            {"kind": "call", "subject": f"Звонок {n}", "occurred_at": start + dt.timedelta(hours=n)}
            for n in range(25)
        ],
    )
    interaction_create(
        actor=person("sales1"),
        counterparty=counterparty,
        fields={"kind": "note", "subject": "Свежая заметка"},
    )
    client = client_as("admin")

    html = page(client.get(f"/counterparties/{counterparty.pk}/"))

    assert inn10(1501) in html and "Свежая заметка" in html and "Звонок 24" in html
    assert "Звонок 0" not in html  # on the next page
    assert 'data-testid="duplicates-panel"' in html
    assert "potok-audit" in html
    more = page(client.get(f"/counterparties/{counterparty.pk}/timeline/", {"after": _cursor(html)}))
    assert "Звонок 0" in more and "Звонок 24" not in more


def _cursor(html: str) -> str:
    import re
    from urllib.parse import unquote

    found = re.search(r"timeline/\?after=([^\"&]+)", html)
    assert found
    return unquote(found.group(1))


def test_merge_from_the_page_and_the_merged_page_redirects(client_as) -> None:
    survivor = counterparty_create(actor=None, fields={"name": "ООО «Главный»", "inn": inn10(1601)})
    duplicate = counterparty_create(actor=None, fields={"name": "Главный", "inn": ""})
    client = client_as("admin")

    response = client.post(f"/counterparties/{survivor.pk}/merge/", {"merged": duplicate.pk})

    assert response.status_code == 302
    redirected = client.get(f"/counterparties/{duplicate.pk}/")
    assert redirected.status_code == 302 and redirected["Location"] == f"/counterparties/{survivor.pk}/"


def test_contact_and_interaction_forms(client_as, person) -> None:
    counterparty = counterparty_create(
        actor=None, fields={"name": "ООО «Формы»", "inn": inn10(1701), "responsible": person("sales1")}
    )
    client = client_as("sales1")
    bad = page(
        client.post(
            f"/counterparties/{counterparty.pk}/contacts/new/", {"first_name": "Анна", "emails": "nope"}
        )
    )
    assert 'data-field-error="emails"' in bad
    assert (
        client.post(
            f"/counterparties/{counterparty.pk}/contacts/new/",
            {
                "first_name": "Анна",
                "phones": "8 916 000-17-01",
                "consent_given_on": "2025-02-01",
                "consent_purpose": "договор",
            },
        ).status_code
        == 302
    )
    contact = counterparty.contacts.get()
    assert page(client.get(f"/contacts/{contact.pk}/")).count("Анна") >= 1
    assert (
        client.post(
            f"/counterparties/{counterparty.pk}/interactions/new/",
            {
                "kind": "meeting",
                "occurred_at": "2025-03-01T10:00",
                "subject": "Встреча",
                "users": [person("sales1").pk],
                "contacts": [contact.pk],
            },
        ).status_code
        == 302
    )
    assert "Встреча" in page(client.get("/interactions/"))
    assert client_as("sales2").get(f"/counterparties/{counterparty.pk}/contacts/new/").status_code == 403


def test_exports_download_with_the_list_filters(client_as) -> None:
    counterparty_create(actor=None, fields={"name": "+Формула", "inn": inn10(1801), "segment": "Выгрузка"})
    response = client_as("director").get("/counterparties/export/", {"format": "csv", "segment": "Выгрузка"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.count("\r\n") == 2 and "'+Формула" in text
    xlsx = client_as("director").get("/contacts/export/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_picker_returns_json(client_as) -> None:
    counterparty_create(actor=None, fields={"name": "ООО «Выбор»", "inn": inn10(1901)})
    found = client_as("sales1").get("/counterparties/choices/", {"q": "выбор"}).json()
    assert found["items"][0]["name"] == "ООО «Выбор»" and set(found["items"][0]) == {"id", "name", "inn"}


def test_the_import_wizard(client_as, settings, django_capture_on_commit_callbacks) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_as("admin")
    content = (
        f"Название;ИНН;Тел.\r\nООО «Мастер»;{inn10(2001)};8 (916) 200-10-01\r\nООО «Брак»;123;\r\n".encode(
            "cp1251"
        )
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.post(
        "/imports/", {"entity_type": "counterparty", "file": SimpleUploadedFile("legacy.csv", content)}
    )
    assert upload.status_code == 302
    job = ImportJob.objects.get()
    mapping_page = page(client.get(upload["Location"]))
    assert "Название" in mapping_page and 'name="column_0"' in mapping_page

    missing = page(client.post(upload["Location"], {"column_0": "", "column_1": "inn", "column_2": "phones"}))
    assert "alert-danger" in missing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload["Location"], {"column_0": "name", "column_1": "inn", "column_2": "phones"})
    run_import_tasks()
    preview = page(client.get(upload["Location"]))
    assert 'data-testid="count-rejected"' in preview and 'data-testid="count-create"' in preview

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/apply/")
    run_import_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    report = page(client.get(upload["Location"]))
    assert "count-created" in report
    progress = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"
    assert Counterparty.objects.filter(inn=inn10(2001)).exists()

    bad = page(
        client.post(
            "/imports/", {"entity_type": "counterparty", "file": SimpleUploadedFile("x.pdf", b"%PDF\x00")}
        )
    )
    assert 'data-field-error="file"' in bad
    assert client_as("sales1").get(f"/imports/{job.pk}/").status_code == 404


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_renders_in_both_languages(client_as, language) -> None:
    counterparty = Counterparty.objects.filter(contacts__isnull=False, interactions__isnull=False).first()
    assert counterparty is not None
    contact = counterparty.contacts.first()
    interaction = counterparty.interactions.first()
    client = client_as("admin")
    client.cookies["django_language"] = language
    for url in (
        "/counterparties/",
        "/counterparties/new/",
        f"/counterparties/{counterparty.pk}/",
        f"/counterparties/{counterparty.pk}/edit/",
        f"/counterparties/{counterparty.pk}/contacts/new/",
        f"/counterparties/{counterparty.pk}/interactions/new/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/interactions/",
        f"/interactions/{interaction.pk}/",
        "/imports/",
    ):
        html = page(client.get(url))
        assert f'lang="{language}"' in html, url
