"""The user guides' screenshots: each role walks through its pages in a real browser, and
`screenshot(page, "guide-<role>-<step>")` saves what it sees when POTOK_SCREENSHOTS is set
(`make screenshots`). Without it these are end-to-end tests of the same walk.

The guides (docs/guide/*.md, docs/admin/*.md) show these pictures; tests/docs/test_links.py checks that
every picture they show is taken here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.docs.worker import settle

pytestmark = pytest.mark.django_db(transaction=True)

# Task pages are long: a taller window shows the form and its buttons together.
TALL = (1366, 960)
CLIENT = {"name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "770701001", "segment": "опт"}


def user(username: str) -> Any:
    from potok.accounts.models import User

    return User.objects.get(username=username)


def the_client() -> Any:
    from potok.clients.models import Counterparty
    from potok.clients.services.counterparties import counterparty_create

    found = Counterparty.objects.filter(inn=CLIENT["inn"]).first()
    return found or counterparty_create(actor=user("sales1"), fields=dict(CLIENT))


def open_task(username: str, node: str) -> Any:
    from potok.processes.models import Task

    return Task.objects.filter(assignee__username=username, node_id=node, state="open").latest("created_at")


def wait_idle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def pick_reference(page: Any, field_id: str, text: str, option: str) -> None:
    """Type into a reference picker (client, user) and choose the option whose label contains `option`."""
    page.fill(f"#{field_id}", text)
    choice = page.locator(f"#{field_id}-options [data-reference-option]", has_text=option).first
    choice.wait_for()
    choice.click()


def submit_and_confirm(page: Any, button: str) -> None:
    """Press a button whose form asks first (the confirmation dialog of the process pages), then confirm."""
    page.locator(button).first.click()
    with page.expect_navigation():
        page.locator("#potok-confirm [data-confirm-ok]").click()
    wait_idle(page)


def add_comment(page: Any, text: str) -> None:
    page.fill("#new-comment", text)
    with page.expect_navigation():
        page.locator("form[action$='/comments/'] button[type=submit]").click()
    wait_idle(page)


def go(page: Any, path: str) -> None:
    page.goto(page.base_url + path)
    wait_idle(page)


def test_the_complaint_story_through_each_role(page_for: Callable[..., Any], screenshot: Any) -> None:
    from potok.core import clock
    from potok.documents.models import Document

    client = the_client()

    # -- the receptionist registers a complaint --------------------------------------------------------
    reception = page_for("reception")
    screenshot(reception, "guide-operator-home")
    go(reception, "/documents/complaint/new/")
    reception.fill("#id_client", "Ромаш")
    reception.locator("#id_client-options [data-reference-option]").first.wait_for()
    screenshot(reception, "guide-operator-client")
    reception.fill("#id_client", "")
    pick_reference(reception, "id_client", CLIENT["inn"][:7], CLIENT["name"])
    reception.select_option("#id_channel", "email")
    reception.fill("#id_subject", "Повреждена упаковка")
    reception.fill("#id_description", "Две коробки из десяти пришли мятыми, товар внутри поцарапан.")
    reception.fill("#id_claimed_amount", "15000")
    reception.select_option("#id_severity", "high")
    screenshot(reception, "guide-operator-form")
    with reception.expect_navigation():
        reception.locator("#main form button.btn-primary[type=submit]").click()
    wait_idle(reception)
    complaint = Document.objects.filter(document_type__code="complaint").latest("id")
    assert complaint.data["client"] == client.pk
    assert reception.url.endswith(f"/documents/complaint/{complaint.pk}/")
    screenshot(reception, "guide-operator-saved")
    go(reception, "/documents/complaint/")
    assert reception.get_by_text(complaint.number).count() >= 1
    screenshot(reception, "guide-operator-list")

    # -- nobody presses anything: the demo's rule «Претензия клиента» starts the review, and the head
    # gets «Назначить ответственного» --
    settle()
    assign = open_task("service_head", "assign")
    head = page_for("service_head", viewport=TALL)
    go(head, "/tasks/")
    assert head.get_by_role("link", name="Назначить ответственного").count() >= 1
    screenshot(head, "guide-head-inbox")
    go(head, f"/tasks/{assign.pk}/")
    add_comment(head, "Вера, посмотрите, пожалуйста: клиент оптовый, важный.")
    pick_reference(head, "id_investigator", "Вера", "Вера")
    head.evaluate("window.scrollTo(0, 0)")
    screenshot(head, "guide-head-assign")
    with head.expect_navigation():
        head.locator("[data-testid=outcomes] button").first.click()
    wait_idle(head)

    # -- the specialist investigates: the act first, then the result -----------------------------------
    settle()
    investigate = open_task("investigator1", "investigate")
    vera = page_for("investigator1", viewport=TALL)
    go(vera, "/tasks/")
    screenshot(vera, "guide-performer-inbox")
    go(vera, f"/tasks/{investigate.pk}/")
    create_act = vera.locator("[data-testid=create-required]")
    assert create_act.is_visible()
    screenshot(vera, "guide-performer-task")
    vera.fill("#id_compensation", "15000")
    with vera.expect_navigation():
        vera.locator("[data-testid=outcomes] button").first.click()
    wait_idle(vera)
    assert vera.locator("[data-testid=completion-errors]").is_visible()
    vera.locator("[data-testid=completion-errors]").scroll_into_view_if_needed()
    screenshot(vera, "guide-performer-refused")
    with vera.expect_navigation():
        vera.locator("[data-testid=create-required]").click()
    wait_idle(vera)
    vera.fill("#id_findings", "Коробки смяты при перевозке; у перевозчика есть фотографии погрузки.")
    vera.select_option("#id_cause", "carrier")
    vera.fill("#id_proposed_compensation", "15000")
    screenshot(vera, "guide-performer-act")
    with vera.expect_navigation():
        vera.locator("#main form button.btn-primary[type=submit]").click()
    wait_idle(vera)
    go(vera, f"/tasks/{investigate.pk}/")
    add_comment(vera, "Акт составлен, перевозчик признаёт повреждение.")
    vera.locator("[data-testid=comments]").scroll_into_view_if_needed()
    screenshot(vera, "guide-performer-comments")
    vera.evaluate("window.scrollTo(0, 0)")
    vera.fill("#id_compensation", "15000")
    vera.fill("#id_findings", "Вина перевозчика, компенсируем клиенту и выставим претензию перевозчику.")
    screenshot(vera, "guide-performer-ready")
    with vera.expect_navigation():
        vera.locator("[data-testid=outcomes] button").first.click()
    wait_idle(vera)

    # -- more than 10 000 ₽: the director approves ---------------------------------------------------------
    settle()
    approve = open_task("director", "approve")
    director = page_for("director", viewport=TALL)
    go(director, "/tasks/")
    screenshot(director, "guide-director-inbox")
    go(director, f"/tasks/{approve.pk}/")
    director.fill("#id_approval_comment", "Согласую. Претензию перевозчику выставить до конца месяца.")
    screenshot(director, "guide-director-approve")
    with director.expect_navigation():
        director.get_by_role("button", name="Согласовать").click()
    wait_idle(director)
    go(director, "/sales/reports/")
    screenshot(director, "guide-director-sales-reports")
    go(director, "/sales/board/")
    screenshot(director, "guide-director-deals")

    # -- the head redirects, sees his department's overdue work and the escalations ---------------------
    settle()
    answer = open_task("investigator1", "answer")
    go(head, f"/tasks/{answer.pk}/")
    head.locator("button[data-bs-target='#redirect-form']").click()
    head.locator("#redirect-form.collapse.show").wait_for()
    head.select_option("#redirect-to", str(user("investigator2").pk))
    head.fill("#redirect-reason", "Вера в командировке до пятницы")
    screenshot(head, "guide-head-redirect")
    with head.expect_navigation():
        head.locator("[data-testid=redirect-form] button[type=submit]").click()
    wait_idle(head)
    answer.refresh_from_db()
    assert answer.assignee == user("investigator2")
    go(head, "/tasks/redirect/")
    head.select_option("#from-user", str(user("investigator2").pk))
    head.select_option("#to-user", str(user("investigator1").pk))
    with head.expect_navigation():
        head.locator("button[name=action][value=preview]").click()
    wait_idle(head)
    assert head.locator("[data-testid=redirect-summary]").is_visible()
    screenshot(head, "guide-head-redirect-preview")

    # a second complaint whose investigation runs late: a week later it is overdue and escalated
    second = reception_complaint(client)
    settle()
    from potok.tasks.services import task_complete

    task_complete(
        actor=user("service_head"),
        task=open_task("service_head", "assign"),
        outcome="assigned",
        values={"investigator": user("investigator2").pk},
    )
    settle()
    late = open_task("investigator2", "investigate")
    clock.freeze(late.due_at + timedelta(days=5))
    try:
        settle()
        head = page_for("service_head")  # a week later his earlier session has timed out
        go(head, "/tasks/?queue=department")
        assert head.locator("tr[data-overdue]").count() >= 1
        screenshot(head, "guide-head-department")
        go(head, "/notifications/")
        screenshot(head, "guide-head-escalations")
    finally:
        clock.freeze(None)
    assert second.pk != complaint.pk

    # -- Глеб goes on leave next week with Вера as his deputy --------------------------------------------
    head = page_for("service_head", viewport=TALL)
    go(head, "/tasks/absences/")
    gleb, vera_user = str(user("investigator2").pk), str(user("investigator1").pk)
    monday = clock.now().date() + timedelta(days=7 - clock.now().weekday())
    head.select_option("#absence-user", gleb)
    head.select_option("#absence-kind", "leave")
    head.fill("#absence-from", monday.isoformat())
    head.fill("#absence-to", (monday + timedelta(days=11)).isoformat())
    head.fill("#absence-comment", "Ежегодный отпуск")
    with head.expect_navigation():
        head.locator("[data-testid=absence-form] button[type=submit]").click()
    wait_idle(head)
    head.select_option("#substitution-absent", gleb)
    head.select_option("#substitution-deputy", vera_user)
    head.fill("#substitution-from", monday.isoformat())
    head.fill("#substitution-to", (monday + timedelta(days=11)).isoformat())
    with head.expect_navigation():
        head.locator("[data-testid=substitution-form] button[type=submit]").click()
    wait_idle(head)
    assert head.locator("[data-testid=substitutions] li").first.inner_text().count("Вера") >= 1
    screenshot(head, "guide-head-absences")
    assert reception.js_errors == [] and head.js_errors == [] and vera.js_errors == []


def reception_complaint(client: Any) -> Any:
    from potok.documents.models import DocumentType
    from potok.documents.services import document_create

    return document_create(
        actor=user("reception"),
        document_type=DocumentType.objects.get(code="complaint"),
        values={"client": client.pk, "subject": "Недостача товара в партии", "claimed_amount": "4800"},
    )


# -- the administrator's pages --------------------------------------------------------------------------

# A process whose gateway needs a variable nobody set: it stops with an incident until the administrator
# sets the variable and retries.
BROKEN_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d_amount" targetNamespace="urn:potok:docs">
  <bpmn:process id="amount_check" name="Проверка суммы" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" name="Сумма больше 100 000 ₽?"/>
    <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="end_big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &gt; 100000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="end_small">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &lt;= 100000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end_big"/>
    <bpmn:endEvent id="end_small"/>
  </bpmn:process>
</bpmn:definitions>"""

# An Excel-made CSV of a legacy client base: windows-1251, «;», a repeated row, an invalid ИНН, phones
# written by hand.
LEGACY_CSV = (
    "Наименование;ИНН;КПП;Телефон;E-mail;Категория\r\n"
    "ООО «Вектор»;7702070139;770201001;8 (916) 123-45-67;info@vektor.example;опт\r\n"
    "ООО «Вектор»;7702070139;770201001;8 (916) 123-45-67;info@vektor.example;опт\r\n"
    "ИП Сидоров Пётр;500100732259;;+7 495 765-43-21;;розница\r\n"
    "АО «Неверный ИНН»;7707083894;770701001;84951234567;;опт\r\n"
    "ООО «Ромашка»;7707083893;770701001;8-916-555-00-11;zakaz@romashka.example;VIP\r\n"
)


def test_the_administrator_pages(page_for: Callable[..., Any], screenshot: Any, tmp_path: Any) -> None:
    from potok.automation.models import StartRule
    from potok.documents.models import Document
    from potok.processes.services.definitions import process_publish_file
    from potok.processes.services.instances import process_start

    complaint = reception_complaint(the_client())
    settle()
    admin = page_for("admin", viewport=TALL)

    # document types, roles, calendars
    go(admin, "/settings/document-types/complaint/")
    screenshot(admin, "guide-admin-document-type")
    go(admin, "/roles/")
    screenshot(admin, "guide-admin-roles")
    go(admin, "/settings/calendars/")
    with admin.expect_navigation():
        admin.locator("#main a[href^='/settings/calendars/']").first.click()
    wait_idle(admin)
    screenshot(admin, "guide-admin-calendar")

    # the process designer with Potok's panel for a user task
    go(admin, "/process-designer/edit/complaint_review/")
    admin.locator(".potok-designer-ready").wait_for(timeout=20_000)
    admin.locator("g[data-element-id=investigate]").first.click()
    screenshot(admin, "guide-admin-designer")

    # a start rule: the editor, a test on a record, a dry run, the why page
    vip = StartRule.objects.get(name="Претензия VIP-клиента")
    go(admin, f"/settings/start-rules/{vip.pk}/edit/")
    screenshot(admin, "guide-admin-rule-editor")
    go(admin, f"/settings/start-rules/{vip.pk}/")
    admin.fill("#test-record", str(complaint.pk))
    admin.locator("form[hx-post$='/test/'] button").click()
    admin.locator("#test-result > *").first.wait_for()
    screenshot(admin, "guide-admin-rule-test")
    admin.locator("button[hx-post$='/dry-run/']").click()
    admin.locator("#dry-run > *").first.wait_for()
    admin.locator("#dry-run").scroll_into_view_if_needed()
    screenshot(admin, "guide-admin-rule-dry-run")
    go(admin, f"/settings/start-rules/why/?entity_type=document.complaint&record={complaint.pk}")
    for clauses in admin.locator("details > summary").all():
        clauses.click()
    screenshot(admin, "guide-admin-rule-why")
    # a complaint saved before the rules existed: no evaluation, and the page says why
    older = Document.objects.filter(document_type__code="complaint").order_by("id").first()
    go(admin, f"/settings/start-rules/why/?rule={vip.pk}&entity_type=document.complaint&record={older.pk}")
    assert admin.locator("[data-testid=explanation]").is_visible()
    screenshot(admin, "guide-admin-rule-why-not")

    # a process that stops on a step: the incident, the fix (a variable), the retry
    process_publish_file(actor=user("admin"), data=BROKEN_PROCESS.encode(), source_name="amount.bpmn")
    broken = process_start(
        actor=user("admin"),
        process_key="amount_check",
        variables={},
        entity_type="document.complaint",
        record_id=complaint.pk,
        reason="docs",
    )
    assert broken.incidents.filter(state="open").exists()
    go(admin, "/processes/")
    screenshot(admin, "guide-admin-monitor")
    go(admin, f"/processes/instances/{broken.pk}/")
    admin.locator("[data-testid=retry]").first.scroll_into_view_if_needed()
    screenshot(admin, "guide-admin-incident")
    admin.locator("summary", has_text="переменные").or_(
        admin.locator("summary", has_text="variables")
    ).first.click()
    admin.fill("#variables-json", '{"amount": 5000}')
    admin.locator("#variables-json").scroll_into_view_if_needed()
    screenshot(admin, "guide-admin-incident-fix")
    submit_and_confirm(admin, "[data-testid=op-variables]")
    submit_and_confirm(admin, "[data-testid=retry]")
    broken.refresh_from_db()
    assert broken.state == "completed"
    go(admin, "/processes/definitions/complaint_review/v1/heatmap/")
    admin.locator(".potok-diagram-ready").first.wait_for(timeout=20_000)
    screenshot(admin, "guide-admin-heatmap")

    # importing a legacy client base: upload, columns, preview
    legacy = tmp_path / "клиенты.csv"
    legacy.write_bytes(LEGACY_CSV.encode("cp1251"))
    go(admin, "/imports/")
    admin.set_input_files("#id_file", str(legacy))
    screenshot(admin, "guide-admin-import-upload")
    with admin.expect_navigation():
        admin.locator("#main form[enctype] button[type=submit]").click()
    wait_idle(admin)
    settle()
    go(admin, admin.url.replace(admin.base_url, ""))
    screenshot(admin, "guide-admin-import-mapping")
    with admin.expect_navigation():
        admin.locator("#main form.card button[type=submit]").first.click()
    wait_idle(admin)
    settle()
    go(admin, admin.url.replace(admin.base_url, ""))
    assert admin.locator("[data-testid=count-rejected]").count() == 1
    screenshot(admin, "guide-admin-import-preview")
    assert admin.js_errors == []
