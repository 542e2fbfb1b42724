"""The tasks API: the inbox, one task with what is missing to complete it, completing, claiming,
redirecting (one, or many after a preview), comments, files, absences; access by guessing ids."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from potok.tasks.people import today
from tests.tasks.helpers import make_act, make_complaint, open_task, process, publish, start, user

pytestmark = pytest.mark.django_db

SALES_TASK = process(
    "sales_check",
    '<bpmn:userTask id="work" name="Проверить клиента"><bpmn:extensionElements>'
    '<potok:performer kind="user" user="sales1"/>'
    '<potok:deadline duration="1 working day"/>'
    '<potok:field code="note" type="string" label-ru="Заметка" label-en="Note" required="true"/>'
    "</bpmn:extensionElements></bpmn:userTask>",
)


def post(client, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def investigation(complaint_process) -> tuple:  # type: ignore[no-untyped-def]
    from potok.tasks.services import task_complete

    complaint = make_complaint()
    instance = start("complaint_review_tasks", complaint)
    task_complete(
        actor=user("service_head"),
        task=open_task(instance, "assign"),
        values={"investigator": user("investigator1").pk},
    )
    return complaint, instance, open_task(instance, "investigate")


def test_the_inbox_lists_my_tasks_by_deadline(complaint_process, api_as) -> None:
    _complaint, _instance, task = investigation(complaint_process)
    vera = api_as("investigator1")
    body = vera.get("/api/v1/tasks").json()
    assert [item["id"] for item in body["items"]] == [task.pk]
    item = body["items"][0]
    assert item["assignee"]["username"] == "investigator1" and item["entity_type"] == "document.complaint"
    assert item["deadline"] and item["overdue"] is False and item["number"] > 0
    assert vera.get("/api/v1/tasks/counts").json() == {"mine": 1, "overdue": 0}
    assert api_as("investigator2").get("/api/v1/tasks").json()["items"] == []
    assert vera.get("/api/v1/tasks?queue=nonsense").status_code == 400


def test_completion_is_refused_with_what_is_missing_then_the_prefilled_act_makes_it_possible(
    complaint_process, api_as
) -> None:
    complaint, instance, task = investigation(complaint_process)
    vera = api_as("investigator1")
    # the task says what it requires, and how to create it
    detail = vera.get(f"/api/v1/tasks/{task.pk}").json()
    [required] = detail["required_objects"]
    assert required["satisfied"] is False and required["document_type"] == "investigation_act"
    assert required["prefill"] == {"complaint": complaint.pk}
    assert required["create_url"] == f"/documents/investigation_act/new/?complaint={complaint.pk}"
    assert [o["code"] for o in detail["outcomes"]] == ["done"]
    assert detail["record"]["label"] == complaint.number and detail["record"]["readable"] is True
    # completing now is refused with the message
    refused = post(vera, f"/api/v1/tasks/{task.pk}/complete", {"outcome": "done"})
    assert refused.status_code == 400
    [message] = refused.json()["errors"]["requirements"]
    assert "Акт расследования" in message and complaint.number in message
    # the act created with the prefilled values through the documents API satisfies it
    created = post(
        vera,
        "/api/v1/documents/investigation_act",
        {"values": required["prefill"] | {"findings": "Вина перевозчика"}},
    )
    assert created.status_code == 201, created.content
    assert vera.get(f"/api/v1/tasks/{task.pk}").json()["required_objects"][0]["satisfied"] is True
    done = post(vera, f"/api/v1/tasks/{task.pk}/complete", {"outcome": "done"})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "completed"
    assert open_task(instance, "approve").assignee == user("director")


def test_form_fields_and_outcomes_are_checked(complaint_process, api_as) -> None:
    publish(SALES_TASK)
    task = open_task(start("sales_check"), "work")
    zoya = api_as("sales1")
    refused = post(zoya, f"/api/v1/tasks/{task.pk}/complete", {})
    assert refused.status_code == 400 and "note" in refused.json()["errors"]
    assert post(zoya, f"/api/v1/tasks/{task.pk}/complete", {"values": {"note": "ok"}}).status_code == 200


def test_a_rejection_needs_a_comment_and_skips_the_checks(complaint_process, api_as) -> None:
    complaint, instance, task = investigation(complaint_process)
    make_act(complaint)
    from potok.tasks.services import task_complete

    task_complete(actor=user("investigator1"), task=task, outcome="done")
    approve = open_task(instance, "approve")
    director = api_as("director")
    refused = post(director, f"/api/v1/tasks/{approve.pk}/complete", {"outcome": "reject"})
    assert refused.status_code == 400 and "comment" in refused.json()["errors"]
    done = post(
        director, f"/api/v1/tasks/{approve.pk}/complete", {"outcome": "reject", "comment": "Вина клиента"}
    )
    assert done.status_code == 200
    instance.refresh_from_db()
    assert instance.state == "completed"
    assert (
        instance.variables["approve_outcome"] == "reject"
        and instance.variables["approve_comment"] == "Вина клиента"
    )


def test_guessed_ids_and_other_people_s_tasks_are_not_found(complaint_process, api_as) -> None:
    _complaint, _instance, task = investigation(complaint_process)
    reception, lawyer = api_as("reception"), api_as("lawyer")
    for client in (reception, lawyer):
        assert client.get(f"/api/v1/tasks/{task.pk}").status_code == 404
        assert post(client, f"/api/v1/tasks/{task.pk}/complete", {"outcome": "done"}).status_code == 404
        assert post(client, f"/api/v1/tasks/{task.pk}/claim").status_code == 404
    assert reception.get("/api/v1/tasks/0123456789abcdef0123456789abcdef").status_code == 404
    # the head of the performer's department sees it
    assert api_as("service_head").get(f"/api/v1/tasks/{task.pk}").status_code == 200
    assert api_as("service_head").get("/api/v1/tasks?queue=department").json()["items"][0]["id"] == task.pk


def test_the_performer_reads_the_record_only_while_the_task_is_his(demo_company, api_as) -> None:
    # given a complaint task for Зоя, who has no right to read complaints
    complaint = make_complaint()
    publish(SALES_TASK)
    instance = start("sales_check", complaint)
    task = open_task(instance, "work")
    zoya, igor = api_as("sales1"), api_as("sales2")
    url = f"/api/v1/documents/complaint/{complaint.pk}"
    assert zoya.get(url).status_code == 200
    assert igor.get(url).status_code == 404
    # when the task is redirected to Игорь
    moved = post(zoya, f"/api/v1/tasks/{task.pk}/redirect", {"to": "sales2", "reason": "Мой отпуск"})
    assert moved.status_code == 200, moved.content
    assert zoya.get(url).status_code == 404
    assert igor.get(url).status_code == 200
    assert zoya.get("/api/v1/tasks?queue=delegated_by_me").json()["items"][0]["id"] == task.pk
    # when Игорь completes it, he no longer reads the complaint either
    assert post(igor, f"/api/v1/tasks/{task.pk}/complete", {"values": {"note": "ok"}}).status_code == 200
    assert igor.get(url).status_code == 404


def test_bulk_redirect_with_a_preview(complaint_process, api_as) -> None:
    publish(SALES_TASK)
    tasks = [open_task(start("sales_check"), "work") for _ in range(3)]
    head = api_as("sales_head")
    body = {"from_user": "sales1", "to_user": "sales2", "reason": "Отпуск Зои"}
    preview = post(head, "/api/v1/tasks/redirect-preview", body)
    assert preview.status_code == 200, preview.content
    assert (
        preview.json()["count"] == 3
        and "3" in preview.json()["summary"]
        and "Игорь" in preview.json()["summary"]
    )
    moved = post(head, "/api/v1/tasks/redirect", body | {"task_ids": [tasks[0].pk, tasks[1].pk]})
    assert moved.json()["moved"] == 2
    assert api_as("sales2").get("/api/v1/tasks/counts").json()["mine"] == 2
    # someone outside the department may not
    assert post(api_as("lawyer"), "/api/v1/tasks/redirect-preview", body).status_code == 403


def test_comments_and_files(complaint_process, api_as) -> None:
    _complaint, _instance, task = investigation(complaint_process)
    vera = api_as("investigator1")
    assert post(vera, f"/api/v1/tasks/{task.pk}/comments", {"text": "Запросила фото"}).status_code == 201
    upload = SimpleUploadedFile("акт.html", b"<script>alert(1)</script>", content_type="text/html")
    attached = vera.post(f"/api/v1/tasks/{task.pk}/attachments", {"file": upload})
    assert attached.status_code == 201, attached.content
    attachment_id = attached.json()["id"]
    download = vera.get(f"/api/v1/tasks/{task.pk}/attachments/{attachment_id}")
    assert download.status_code == 200 and download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    assert api_as("lawyer").get(f"/api/v1/tasks/{task.pk}/attachments/{attachment_id}").status_code == 404
    detail = vera.get(f"/api/v1/tasks/{task.pk}").json()
    assert [c["text"] for c in detail["comments"]] == ["Запросила фото"]
    assert {e["kind"] for e in detail["events"]} >= {"created", "assigned", "commented", "attached"}


def test_absences_and_substitutions(demo_company, api_as) -> None:
    gleb, head = api_as("investigator2"), api_as("service_head")
    period = {"starts_on": str(today()), "ends_on": str(today() + timedelta(days=5))}
    made = post(gleb, "/api/v1/absences", period | {"kind": "leave"})
    assert made.status_code == 201, made.content
    assert (
        post(
            head, "/api/v1/substitutions", period | {"absent": "investigator2", "deputy": "investigator1"}
        ).status_code
        == 201
    )
    assert post(api_as("lawyer"), "/api/v1/absences", period | {"user": "investigator2"}).status_code == 403
    assert [a["user"]["username"] for a in head.get("/api/v1/absences").json()] == ["investigator2"]
    assert api_as("lawyer").get("/api/v1/absences").json() == []
    [substitution] = api_as("investigator1").get("/api/v1/substitutions").json()
    assert substitution["deputy"]["username"] == "investigator1"
    assert gleb.delete(f"/api/v1/absences/{made.json()['id']}").status_code == 204
