"""The processes API: upload, validate, publish, download, start, inspect, operate — administrators only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.processes.test_durable_runtime import PARALLEL

pytestmark = pytest.mark.django_db


def upload(client, data: bytes = PARALLEL, publish: bool = True):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/process-definitions",
        {"file": SimpleUploadedFile("fanout.bpmn", data), "publish": "true" if publish else "false"},
    )


def test_upload_publish_start_and_inspect(api_as) -> None:
    admin = api_as("admin")
    response = upload(admin, publish=False)
    assert response.status_code == 201, response.json()
    assert response.json()["versions"] == [{"process": "fanout", "number": 1, "status": "draft"}]
    assert admin.post("/api/v1/process-definitions/fanout/versions/1/publish").json()["status"] == "published"

    download = admin.get("/api/v1/process-definitions/fanout/versions/1/bpmn")
    assert download.status_code == 200 and b'<bpmn:process id="fanout"' in download.content

    started = admin.post(
        "/api/v1/process-instances",
        {"process": "fanout", "variables": {"amount": 5}},
        content_type="application/json",
    )
    assert started.status_code == 201, started.json()
    instance_id = started.json()["id"]
    detail = admin.get(f"/api/v1/process-instances/{instance_id}").json()
    assert detail["diagram"]["active"] == ["a", "b"]
    assert {"start", "split"} <= set(detail["diagram"]["completed"])
    assert [t["node_id"] for t in detail["tasks"]] == ["a", "b"] or sorted(
        t["node_id"] for t in detail["tasks"]
    ) == ["a", "b"]

    listed = admin.get("/api/v1/process-instances", {"process": "fanout", "state": "running"}).json()
    assert [item["id"] for item in listed["items"]] == [instance_id]

    suspended = admin.post(f"/api/v1/process-instances/{instance_id}/suspend").json()
    assert suspended["state"] == "suspended"
    assert admin.post(f"/api/v1/process-instances/{instance_id}/resume").json()["state"] == "running"
    cancelled = admin.post(
        f"/api/v1/process-instances/{instance_id}/cancel", {"reason": "test"}, content_type="application/json"
    ).json()
    assert cancelled["state"] == "cancelled"


def test_validation_names_the_element(api_as) -> None:
    broken = PARALLEL.replace(b'targetRef="after"/>', b'targetRef="nowhere"/>')
    response = api_as("admin").post(
        "/api/v1/process-definitions/validate", {"file": SimpleUploadedFile("broken.bpmn", broken)}
    )
    body = response.json()
    assert response.status_code == 200 and body["valid"] is False
    assert any("nowhere" in p["message"] or p["element_id"] == "f9" for p in body["problems"])

    refused = upload(api_as("admin"), data=broken)
    assert refused.status_code == 400
    assert "f9" in str(refused.json()["errors"]) or "nowhere" in str(refused.json()["errors"])


def test_hostile_xml_is_refused_and_nothing_stored(api_as) -> None:
    from potok.processes.models import ProcessDefinition

    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&lol2;</bpmn:definitions>"""
    client = api_as("admin")
    before = ProcessDefinition.objects.count()
    response = upload(client, data=bomb)
    assert response.status_code == 400
    assert response.json()["errors"]["file"]
    assert ProcessDefinition.objects.count() == before


def test_other_users_may_not_administer_processes(api_as) -> None:
    assert upload(api_as("reception")).status_code == 403
    assert api_as("reception").get("/api/v1/process-definitions").status_code == 403
    assert api_as("reception").get("/api/v1/process-instances/nope").status_code == 404


def test_migration_dry_run_then_apply(api_as) -> None:
    from potok.processes.models import Task

    admin = api_as("admin")
    assert upload(admin).status_code == 201
    instance_id = admin.post(
        "/api/v1/process-instances", {"process": "fanout"}, content_type="application/json"
    ).json()["id"]
    renamed = (
        PARALLEL.replace(b'id="a" name="A"', b'id="a2" name="A two"')
        .replace(b'targetRef="a"/>', b'targetRef="a2"/>')
        .replace(b'sourceRef="a" ', b'sourceRef="a2" ')
    )
    assert upload(admin, data=renamed).status_code == 201

    conflict = admin.post(
        f"/api/v1/process-instances/{instance_id}/migrate", {"version": 2}, content_type="application/json"
    ).json()
    assert conflict["possible"] is False and conflict["conflicts"][0]["node_id"] == "a"

    plan = admin.post(
        f"/api/v1/process-instances/{instance_id}/migrate",
        {"version": 2, "mapping": {"a": "a2"}},
        content_type="application/json",
    ).json()
    assert plan["possible"] and not plan["applied"]
    assert Task.objects.filter(instance_id=instance_id, node_id="a", state="open").exists()

    applied = admin.post(
        "/api/v1/process-definitions/fanout/migrate",
        {"from_version": 1, "version": 2, "mapping": {"a": "a2"}, "dry_run": False},
        content_type="application/json",
    ).json()
    assert [p["applied"] for p in applied] == [True]
    detail = admin.get(f"/api/v1/process-instances/{instance_id}").json()
    assert detail["version"] == 2 and sorted(detail["diagram"]["active"]) == ["a2", "b"]


def test_publishing_refuses_unusable_task_declarations(api_as) -> None:
    broken = PARALLEL.replace(
        b'<bpmn:userTask id="a" name="A"/>',
        b'<bpmn:userTask id="a" name="A"><bpmn:extensionElements xmlns:potok="https://potok.dev/schema/bpmn/1.0">'
        b'<potok:performer kind="astrologer"/></bpmn:extensionElements></bpmn:userTask>',
    )
    response = upload(api_as("admin"), data=broken)
    assert response.status_code == 400
    assert "a: potok:performer" in " ".join(response.json()["errors"]["bpmn"])
