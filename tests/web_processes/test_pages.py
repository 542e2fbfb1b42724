"""Process pages render for administrators; others get 403 (administration) or 404 (an instance they may
not know about, even by its id)."""

from __future__ import annotations

import json

import pytest

from potok.processes.models import Task

pytestmark = pytest.mark.django_db


def test_every_process_page_renders_for_an_administrator(client_as, started, published) -> None:
    # given a process with two versions and a running instance
    instance = started("approval")
    published("approval", task_name="Review v2")
    admin = client_as("admin")

    # then every page answers, showing what it is about
    monitor = admin.get("/processes/")
    assert monitor.status_code == 200 and "Approval approval" in monitor.content.decode()
    definition = admin.get("/processes/definitions/approval/")
    assert definition.status_code == 200 and 'data-version="2"' in definition.content.decode()
    listed = admin.get("/processes/instances/", {"process": "approval", "state": "running"})
    assert listed.status_code == 200 and instance.pk in listed.content.decode()
    page = admin.get(f"/processes/instances/{instance.pk}/")
    assert page.status_code == 200
    diagram = json.loads(page.context["diagram"] and json.dumps(page.context["diagram"]))
    assert diagram["state"]["active"] == ["review"] and "start" in diagram["state"]["completed"]
    assert "BPMNShape" in diagram["xml"]
    assert admin.get("/processes/definitions/approval/v1/heatmap/").status_code == 200
    diff = admin.get("/processes/definitions/approval/diff/", {"old": 1, "new": 2})
    assert diff.status_code == 200 and diff.context["changed"] == [("review", "Review v2")]
    assert admin.get("/process-designer/").status_code == 200
    assert admin.get("/process-designer/new/").status_code == 200
    designer = admin.get("/process-designer/edit/approval/", {"version": 1})
    assert designer.status_code == 200 and designer.context["config"]["version"] == 1
    download = admin.get("/processes/definitions/approval/v1/download/")
    assert download.status_code == 200 and b'<bpmn:process id="approval"' in download.content


def test_pages_of_unknown_things_are_404(client_as, demo_company) -> None:
    admin = client_as("admin")
    assert admin.get("/processes/definitions/nope/").status_code == 404
    assert admin.get("/processes/instances/nope/").status_code == 404
    assert admin.get("/process-designer/edit/nope/").status_code == 404


def test_a_receptionist_cannot_open_the_monitor_the_designer_or_an_instance(client_as, started) -> None:
    instance = started("approval")
    reception = client_as("reception")
    for url in (
        "/processes/",
        "/processes/instances/",
        "/processes/definitions/approval/",
        "/processes/definitions/approval/v1/heatmap/",
        "/processes/definitions/approval/diff/",
        "/process-designer/",
        "/process-designer/new/",
        "/process-designer/edit/approval/",
    ):
        assert reception.get(url).status_code == 403, url
    # not even by guessing the instance's id
    assert reception.get(f"/processes/instances/{instance.pk}/").status_code == 404
    for operation in ("suspend", "cancel", "skip", "move", "variables"):
        assert reception.post(f"/processes/instances/{instance.pk}/{operation}/").status_code == 403
    assert reception.post("/process-designer/save/", {"xml": "<x/>"}).status_code == 403
    assert reception.post("/process-designer/validate/", {"xml": "<x/>"}).status_code == 403
    instance.refresh_from_db()
    assert instance.state == "running"


def test_the_performer_of_a_task_sees_the_instance_but_not_its_operations(client_as, started, person) -> None:
    instance = started("approval")
    Task.objects.filter(instance=instance).update(assignee=person("investigator1"))
    page = client_as("investigator1").get(f"/processes/instances/{instance.pk}/")
    assert page.status_code == 200
    assert 'data-testid="op-suspend"' not in page.content.decode()
    assert client_as("investigator1").post(f"/processes/instances/{instance.pk}/suspend/").status_code == 403


def test_the_navigation_shows_processes_to_administrators_only(client_as, demo_company) -> None:
    assert 'href="/processes/"' in client_as("admin").get("/").content.decode()
    assert 'href="/process-designer/"' in client_as("admin").get("/").content.decode()
    assert 'href="/processes/"' not in client_as("reception").get("/").content.decode()
