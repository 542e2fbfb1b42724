"""The task pages: the inbox with its tabs and overdue rows, a task with the document behind it, the
required objects with their pre-filled «create» button, completion blocked with what is missing, redirect
(one and many), the navigation badge; access by guessing ids."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from potok.core import clock
from potok.tasks.services import task_complete
from potok.tasks.wording import deadline_words
from tests.tasks.helpers import make_complaint, open_task, process, publish, start, user

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")

SALES_TASK = process(
    "sales_check_web",
    '<bpmn:userTask id="work" name="Проверить клиента"><bpmn:extensionElements>'
    '<potok:performer kind="user" user="sales1"/><potok:deadline duration="1 working day"/>'
    "</bpmn:extensionElements></bpmn:userTask>",
)


def investigation() -> tuple:  # type: ignore[no-untyped-def]
    complaint = make_complaint()
    instance = start("complaint_review_tasks", complaint)
    task_complete(
        actor=user("service_head"),
        task=open_task(instance, "assign"),
        values={"investigator": user("investigator1").pk},
    )
    return complaint, instance, open_task(instance, "investigate")


def test_the_inbox_shows_my_tasks_and_marks_overdue_ones(complaint_process, client_as, frozen) -> None:
    _complaint, _instance, task = investigation()
    vera = client_as("investigator1")
    page = vera.get("/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert task.name in html and f"/tasks/{task.pk}/" in html
    assert "data-overdue" not in html
    # the navigation badge counts my open tasks
    assert "badge rounded-pill text-bg-secondary" in vera.get("/").content.decode()
    # once the deadline has passed the row and the badge turn red
    frozen(task.due_at + timedelta(days=2, hours=1))
    vera = client_as("investigator1")  # a new session: the old one timed out meanwhile
    html = vera.get("/tasks/").content.decode()
    assert "data-overdue" in html and "potok-row-overdue" in html
    assert "badge rounded-pill text-bg-danger" in vera.get("/").content.decode()
    assert task.name in vera.get("/tasks/?queue=overdue").content.decode()
    assert task.name not in vera.get("/tasks/?queue=due_today").content.decode()
    assert task.name in vera.get("/tasks/?q=расслед").content.decode()
    assert task.name not in vera.get("/tasks/?q=зебра").content.decode()


def test_completion_is_blocked_in_the_ui_until_the_prefilled_act_exists(complaint_process, client_as) -> None:
    complaint, instance, task = investigation()
    vera = client_as("investigator1")
    page = vera.get(f"/tasks/{task.pk}/").content.decode()
    # the document behind the task, and the button that creates the act pre-filled
    assert complaint.number in page and "Разбита витрина" in page
    create_url = f"/documents/investigation_act/new/?complaint={complaint.pk}"
    assert create_url in page
    # completing now is refused with what is missing
    refused = vera.post(f"/tasks/{task.pk}/complete/", {"outcome": "done"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Акт расследования" in text and complaint.number in text
    # the documents' creation page opens with the complaint filled in
    form = vera.get(create_url)
    assert form.status_code == 200
    assert f'value="{complaint.pk}"' in form.content.decode()
    created = vera.post(
        "/documents/investigation_act/new/",
        {"complaint": complaint.pk, "findings": "Вина перевозчика", "cause": "carrier"},
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    done = vera.post(f"/tasks/{task.pk}/complete/", {"outcome": "done"})
    assert done.status_code == 302 and done["Location"] == "/tasks/"
    assert open_task(instance, "approve").assignee == user("director")


def test_the_form_shows_field_errors(complaint_process, client_as) -> None:
    instance = start("complaint_review_tasks", make_complaint())
    assign = open_task(instance, "assign")
    head = client_as("service_head")
    page = head.get(f"/tasks/{assign.pk}/").content.decode()
    assert 'name="investigator"' in page
    refused = head.post(f"/tasks/{assign.pk}/complete/", {"investigator": ""})
    assert refused.status_code == 400 and 'data-field-error="investigator"' in refused.content.decode()
    lookup = head.get(f"/tasks/{assign.pk}/lookup/investigator/?investigator__search=investigator1")
    assert lookup.status_code == 200 and "Вера" in lookup.content.decode()
    done = head.post(f"/tasks/{assign.pk}/complete/", {"investigator": user("investigator1").pk})
    assert done.status_code == 302


def test_the_performer_reads_the_document_only_while_the_task_is_his(demo_company, client_as) -> None:
    complaint = make_complaint()
    publish(SALES_TASK)
    task = open_task(start("sales_check_web", complaint), "work")
    zoya, igor = client_as("sales1"), client_as("sales2")
    url = f"/documents/complaint/{complaint.pk}/"
    assert zoya.get(url).status_code == 200
    assert igor.get(url).status_code == 404
    # Зоя redirects the task to Игорь from the task page
    moved = zoya.post(f"/tasks/{task.pk}/redirect/", {"to": user("sales2").pk, "reason": "Отпуск"})
    assert moved.status_code == 302
    assert zoya.get(url).status_code == 404
    assert igor.get(url).status_code == 200
    history = igor.get(f"/tasks/{task.pk}/").content.decode()
    assert "Зоя" in history and "Игорь" in history and "Отпуск" in history
    done = igor.post(f"/tasks/{task.pk}/complete/", {"outcome": ""})
    assert done.status_code == 302
    assert igor.get(url).status_code == 404


def test_other_people_cannot_open_a_task_not_even_by_guessing(complaint_process, client_as) -> None:
    _complaint, _instance, task = investigation()
    for username in ("reception", "lawyer", "sales1"):
        client = client_as(username)
        assert client.get(f"/tasks/{task.pk}/").status_code == 404
        assert client.post(f"/tasks/{task.pk}/complete/", {"outcome": "done"}).status_code == 404
    assert client_as("reception").get("/tasks/ffffffffffffffffffffffffffffffff/").status_code == 404
    assert client_as("service_head").get(f"/tasks/{task.pk}/").status_code == 200


def test_claiming_from_the_queue_page(demo_company, client_as) -> None:
    publish(
        process(
            "queue_web",
            '<bpmn:userTask id="work" name="Разобрать обращение"><bpmn:extensionElements>'
            '<potok:performer kind="role" role="service_specialist"/></bpmn:extensionElements></bpmn:userTask>',
        )
    )
    task = open_task(start("queue_web"), "work")
    vera, gleb = client_as("investigator1"), client_as("investigator2")
    assert task.name in vera.get("/tasks/?queue=claimable").content.decode()
    assert 'data-testid="claim"' in vera.get(f"/tasks/{task.pk}/").content.decode()
    assert vera.post(f"/tasks/{task.pk}/claim/").status_code == 302
    assert gleb.get(f"/tasks/{task.pk}/").status_code == 404  # no longer in his queue


def test_redirecting_many_tasks_after_a_preview(demo_company, client_as) -> None:
    publish(SALES_TASK)
    tasks = [open_task(start("sales_check_web"), "work") for _ in range(3)]
    head = client_as("sales_head")
    preview = head.post(
        "/tasks/redirect/", {"from": user("sales1").pk, "to": user("sales2").pk, "action": "preview"}
    )
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="redirect-summary"' in html
    assert "3" in html and "Зоя" in html and "Игорь" in html
    done = head.post(
        "/tasks/redirect/",
        {
            "from": user("sales1").pk,
            "to": user("sales2").pk,
            "action": "confirm",
            "task": [t.pk for t in tasks[:2]],
            "reason": "Отпуск",
        },
    )
    assert done.status_code == 302
    assert sum(1 for t in tasks if open_task(t.instance, "work").assignee == user("sales2")) == 2


@pytest.mark.parametrize(
    ("language", "due", "expected", "overdue"),
    [
        ("ru", datetime(2026, 3, 4, 18, 0, tzinfo=MSK), "сегодня до 18:00", False),
        ("en", datetime(2026, 3, 4, 18, 0, tzinfo=MSK), "today by 18:00", False),
        ("ru", datetime(2026, 3, 5, 18, 0, tzinfo=MSK), "завтра до 18:00", False),
        ("en", datetime(2026, 3, 5, 18, 0, tzinfo=MSK), "tomorrow by 18:00", False),
        ("ru", datetime(2026, 3, 2, 10, 0, tzinfo=MSK), "просрочено на 2 дня", True),
        ("en", datetime(2026, 3, 2, 10, 0, tzinfo=MSK), "2 days overdue", True),
        ("ru", datetime(2026, 2, 25, 10, 0, tzinfo=MSK), "просрочено на 7 дней", True),
        ("ru", datetime(2026, 3, 3, 11, 0, tzinfo=MSK), "просрочено на 1 день", True),
        ("en", datetime(2026, 3, 4, 9, 0, tzinfo=MSK), "3 hours overdue", True),
        ("ru", datetime(2026, 3, 10, 18, 0, tzinfo=MSK), "до 10 марта, 18:00", False),
        ("en", datetime(2026, 3, 10, 18, 0, tzinfo=MSK), "by 10 March, 18:00", False),
    ],
)
def test_deadlines_are_said_in_the_reader_s_terms(
    language: str, due: datetime, expected: str, overdue: bool
) -> None:
    now = datetime(2026, 3, 4, 12, 0, tzinfo=MSK)
    with translation.override(language):
        words = deadline_words(due, now=now, zone=MSK)
    assert words.text == expected and words.overdue is overdue


def test_the_template_filter_uses_the_clock_and_the_active_time_zone() -> None:
    from django.template import Context, Template
    from django.utils import timezone

    clock.freeze(datetime(2026, 3, 4, 12, 0, tzinfo=MSK))
    try:
        template = Template(
            "{% load potok_tasks %}{{ due|deadline }}|{{ due|deadline_state }}|{{ late|deadline_state }}"
        )
        with translation.override("ru"), timezone.override(MSK):
            rendered = template.render(
                Context(
                    {
                        "due": datetime(2026, 3, 4, 15, 0, tzinfo=MSK),
                        "late": datetime(2026, 3, 1, 15, 0, tzinfo=MSK),
                    }
                )
            )
    finally:
        clock.freeze(None)
    assert rendered == "сегодня до 15:00|soon|overdue"


def test_absences_and_deputies_are_recorded_on_their_page(demo_company, client_as) -> None:
    from potok.tasks.people import today

    head = client_as("service_head")
    period = {"starts_on": str(today()), "ends_on": str(today() + timedelta(days=4))}
    made = head.post(
        "/tasks/absences/", {"action": "absence", "user": user("investigator2").pk, "kind": "leave"} | period
    )
    assert made.status_code == 302
    made = head.post(
        "/tasks/absences/",
        {
            "action": "substitution",
            "absent": user("investigator2").pk,
            "deputy": user("investigator1").pk,
            "scope": "all",
        }
        | period,
    )
    assert made.status_code == 302
    page = head.get("/tasks/absences/").content.decode()
    assert "Глеб" in page and "Вера" in page
    # a task for Глеб now goes to Вера
    publish(
        process(
            "for_gleb",
            '<bpmn:userTask id="work" name="Перезвонить"><bpmn:extensionElements>'
            '<potok:performer kind="user" user="investigator2"/></bpmn:extensionElements></bpmn:userTask>',
        )
    )
    task = open_task(start("for_gleb"), "work")
    assert task.assignee == user("investigator1") and task.addressed_to == user("investigator2")
    # someone outside the department may not record Глеб's absence
    refused = client_as("lawyer").post(
        "/tasks/absences/", {"action": "absence", "user": user("investigator2").pk} | period
    )
    assert refused.status_code == 200 and "absence-errors" in refused.content.decode()
    # a missing date is named
    refused = head.post(
        "/tasks/absences/", {"action": "absence", "user": user("investigator2").pk, "starts_on": ""}
    )
    assert "absence-errors" in refused.content.decode()
