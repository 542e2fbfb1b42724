"""Every page a user of the demo company reaches renders in Russian and in English, and the Russian page
shows no interface string left in English: a text (or a title, label, placeholder, confirmation) that is
exactly a msgid the Russian catalogue translates means a string rendered outside gettext, a lazy string
evaluated too early, or a msgid never extracted.

A single lowercase word with underscores only (`director`, `counterparty`, `due_at`) is taken for a code —
a username, a role or entity code, a field name — and not reported: codes are data, shown as such."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "src" / "potok" / "locale"
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-ask", "data-bs-original-title")
SKIPPED_ELEMENTS = ("script", "style", "code", "pre", "textarea")
CODE = re.compile(r"[a-z][a-z0-9_]*")

pytestmark = pytest.mark.django_db


def english_msgids() -> set[str]:
    """Msgids whose Russian translation differs from them, without placeholders (those never show bare)."""
    catalogue = polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))
    return {
        entry.msgid.strip()
        for entry in catalogue
        if not entry.obsolete
        and entry.msgstr.strip() not in ("", entry.msgid.strip())
        and "%" not in entry.msgid
        and "{" not in entry.msgid
        and any(letter.isalpha() and letter.isascii() for letter in entry.msgid)
        and len(entry.msgid.strip()) > 1
    }


class ShownTexts(HTMLParser):
    """The texts a person sees or hears on a page: text nodes and the attributes read out or shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.append(data)


def untranslated(html: str, msgids: set[str]) -> set[str]:
    parser = ShownTexts()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for candidate in {text.strip(), text.strip().rstrip(":·…").strip()}:
            if candidate in msgids and not CODE.fullmatch(candidate):
                found.add(candidate)
    return found


@pytest.fixture
def walk(demo_company):  # type: ignore[no-untyped-def]
    """The demo company with one process in every state the pages show: a task, a second version, an
    instance to migrate, an incident; returns (username, url) of each page."""
    from potok.accounts.models import User
    from potok.automation.models import StartRule
    from potok.calendars.models import Calendar
    from potok.documents.models import Document
    from potok.notifications.models import WebhookEndpoint
    from potok.processes.models import Task
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start, task_complete_in_engine
    from potok.sales.models import Deal, Lead
    from tests.web_processes.bpmn import review_process

    def russian_process(task_name: str) -> bytes:
        data = review_process("walk", task_name=task_name)
        return data.replace(b'name="Start"', 'name="Начало"'.encode()).replace(
            b'name="Done"', 'name="Готово"'.encode()
        )

    process_publish_file(actor=None, data=russian_process("Проверка"), source_name="walk.bpmn")
    instance = process_start(actor=None, process_key="walk", business_key="W-1")
    process_publish_file(actor=None, data=russian_process("Проверка v2"), source_name="walk.bpmn")
    task = Task.objects.get(instance=instance, state="open")
    # an instance stopped by an incident (its service task's action is not registered)
    failing_process = review_process("walk_failing", task_name="Проверка", action="walk.missing")
    for english, russian in (
        (b'name="Start"', "Начало"),
        (b'name="Done"', "Готово"),
        (b'name="Notify"', "Уведомить"),
    ):
        failing_process = failing_process.replace(english, f'name="{russian}"'.encode())
    process_publish_file(actor=None, data=failing_process, source_name="walk_failing.bpmn")
    failing = process_start(actor=None, process_key="walk_failing")
    task_complete_in_engine(actor=None, task_id=Task.objects.get(instance=failing, state="open").id)
    rule = StartRule.objects.order_by("pk").first()
    document = Document.objects.filter(document_type__code="complaint").order_by("pk").first()
    deal = Deal.objects.order_by("pk").first()
    lead = Lead.objects.order_by("pk").first()
    calendar = Calendar.objects.order_by("pk").first()
    webhook = WebhookEndpoint.objects.order_by("pk").first()
    admin = User.objects.get(username="admin")
    assert rule and document and deal and lead and calendar
    pages = [
        ("admin", "/"),
        ("admin", "/tasks/"),
        ("admin", f"/tasks/{task.pk}/"),
        ("admin", "/tasks/redirect/"),
        ("admin", "/tasks/absences/"),
        ("investigator1", "/tasks/"),
        ("admin", "/process-designer/"),
        ("admin", "/process-designer/new/"),
        ("admin", "/process-designer/edit/walk/"),
        ("admin", "/processes/"),
        ("admin", "/processes/instances/"),
        ("admin", f"/processes/instances/{instance.pk}/"),
        ("admin", f"/processes/instances/{failing.pk}/"),
        ("admin", f"/processes/instances/{instance.pk}/migrate/?version=2"),
        ("admin", "/processes/definitions/walk/"),
        ("admin", "/processes/definitions/walk/migrate/?from=1&version=2"),
        ("admin", "/processes/definitions/walk/v1/heatmap/"),
        ("admin", "/processes/definitions/walk/diff/?old=1&new=2"),
        ("director", "/processes/"),
        ("director", "/processes/definitions/walk/"),
        ("admin", "/settings/start-rules/"),
        ("admin", "/settings/start-rules/new/"),
        ("admin", f"/settings/start-rules/{rule.pk}/"),
        ("admin", f"/settings/start-rules/{rule.pk}/edit/"),
        ("admin", "/settings/start-rules/why/"),
        ("admin", "/settings/rule-incidents/"),
        ("admin", "/settings/document-types/"),
        ("admin", "/settings/document-types/complaint/"),
        ("admin", "/settings/custom-fields/counterparty/"),
        ("admin", "/documents/complaint/"),
        ("admin", "/documents/complaint/new/"),
        ("admin", f"/documents/complaint/{document.pk}/"),
        ("admin", f"/documents/complaint/{document.pk}/edit/"),
        ("admin", "/sales/board/"),
        ("admin", "/sales/deals/"),
        ("admin", "/sales/deals/new/"),
        ("admin", f"/sales/deals/{deal.pk}/"),
        ("admin", f"/sales/deals/{deal.pk}/edit/"),
        ("admin", "/sales/leads/"),
        ("admin", "/sales/leads/new/"),
        ("admin", f"/sales/leads/{lead.pk}/"),
        ("admin", "/sales/products/"),
        ("admin", "/sales/reports/"),
        ("admin", "/sales/settings/"),
        ("admin", "/users/"),
        ("admin", "/users/new/"),
        ("admin", f"/users/{admin.pk}/"),
        ("admin", "/departments/"),
        ("admin", "/roles/"),
        ("admin", "/roles/director/rights/"),
        ("admin", "/imports/"),
        ("admin", "/settings/calendars/"),
        ("admin", f"/settings/calendars/{calendar.pk}/"),
        ("admin", "/settings/webhooks/"),
        ("admin", "/settings/webhooks/dead-letters/"),
        ("admin", "/settings/mail/"),
        ("admin", "/security/"),
        ("admin", "/security/users/"),
        ("admin", "/notifications/"),
        ("admin", "/notifications/preferences/"),
        ("reception", "/"),
    ]
    if webhook is not None:
        pages.append(("admin", f"/settings/webhooks/{webhook.pk}/"))
    return pages


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_speaks_the_language_of_its_user(client_as, walk, language) -> None:  # type: ignore[no-untyped-def]
    msgids = english_msgids() if language == "ru" else set()
    clients = {}
    problems = {}
    for username, url in walk:
        if username not in clients:
            clients[username] = client_as(username)
            clients[username].cookies["django_language"] = language
        response = clients[username].get(url, follow=True)
        if response.status_code != 200:
            problems[url] = [f"HTTP {response.status_code} for {username}"]
            continue
        html = response.content.decode()
        assert f'lang="{language}"' in html, url
        left = untranslated(html, msgids)
        if left:
            problems[url] = sorted(left)
    assert problems == {}, "\n".join(f"{url}: {texts}" for url, texts in problems.items())
