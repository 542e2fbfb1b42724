"""The administrator's operations through the web pages: each one goes through the processes services,
is written to the operation log with who did it, and reports its result (or why it was refused)."""

from __future__ import annotations

import pytest

from potok.processes.models import Incident, OperationLog, ProcessInstance, Task
from potok.processes.runtime import ACTIONS
from potok.processes.services.instances import task_complete_in_engine

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in response.context["messages"]]


def test_suspend_resume_set_variables_move_skip_and_cancel(client_as, started, person) -> None:
    instance = started("approval", variables={"amount": 5})
    admin = client_as("admin")
    url = f"/processes/instances/{instance.pk}"

    assert admin.post(f"{url}/suspend/").status_code == 302
    assert ProcessInstance.objects.get(pk=instance.pk).state == "suspended"
    assert admin.post(f"{url}/resume/").status_code == 302
    refused = admin.post(f"{url}/variables/", {"variables": "[1, 2]"}, follow=True)
    assert any("JSON" in text for text in messages_of(refused))
    admin.post(f"{url}/variables/", {"variables": '{"amount": 7, "note": "ok"}'})
    assert ProcessInstance.objects.get(pk=instance.pk).variables == {"amount": 7, "note": "ok"}
    admin.post(f"{url}/move/", {"from_node_id": "review", "to_node_id": "review"})
    assert Task.objects.filter(instance=instance, state="open").count() == 1
    wrong = admin.post(f"{url}/skip/", {"node_id": "end"}, follow=True)
    assert messages_of(wrong) and ProcessInstance.objects.get(pk=instance.pk).state == "running"
    done = admin.post(f"{url}/skip/", {"node_id": "review"}, follow=True)
    assert done.status_code == 200 and ProcessInstance.objects.get(pk=instance.pk).state == "completed"

    operations = list(
        OperationLog.objects.filter(instance=instance).order_by("id").values_list("operation", flat=True)
    )
    assert operations == ["suspend", "resume", "set_variables", "move_token", "skip_node"]
    assert set(OperationLog.objects.filter(instance=instance).values_list("actor", flat=True)) == {
        person("admin").pk
    }
    # the instance page's history shows the operations with who did them, between the steps
    page = admin.get(f"{url}/")
    operated = [row for row in page.context["timeline"] if row["operation"]]
    assert len(operated) == 5 and all(row["who"] == person("admin") for row in operated)

    other = started("approval")
    admin.post(f"/processes/instances/{other.pk}/cancel/", {"reason": "duplicate"})
    assert ProcessInstance.objects.get(pk=other.pk).state == "cancelled"


def test_an_incident_is_retried_from_the_monitor(client_as, published, demo_company) -> None:
    from potok.processes.services.instances import process_start

    published("notifying", action="tests.web.notify")
    instance = process_start(actor=None, process_key="notifying")
    task_complete_in_engine(actor=None, task_id=Task.objects.get(instance=instance, state="open").id)
    incident = Incident.objects.get(instance=instance, state="open")
    admin = client_as("admin")
    assert incident.pk in admin.get("/processes/").content.decode()
    ACTIONS.add("tests.web.notify", lambda context: {"notified": True})
    try:
        response = admin.post(f"/processes/incidents/{incident.pk}/retry/", {"next": "monitor"})
    finally:
        vars(ACTIONS)["_actions"].pop("tests.web.notify", None)
    assert response.status_code == 302 and response["Location"] == "/processes/"
    assert ProcessInstance.objects.get(pk=instance.pk).state == "completed"
    assert admin.post("/processes/incidents/nope/retry/").status_code == 404


def test_the_instance_list_filters_and_pages_by_keyset(client_as, started, person, monkeypatch) -> None:
    from potok.web.views.processes import monitor

    first = started("approval", entity_type="counterparty", record_id=42)
    second = started("approval")
    third = started("approval")
    Task.objects.filter(instance=second).update(assignee=person("investigator1"))
    admin = client_as("admin")

    def listed(**params):  # type: ignore[no-untyped-def]
        return [
            instance.pk for instance, _steps in admin.get("/processes/instances/", params).context["rows"]
        ]

    assert set(listed(process="approval")) == {first.pk, second.pk, third.pk}
    assert listed(entity_type="counterparty", record_id=42) == [first.pk]
    assert listed(performer=person("investigator1").pk) == [second.pk]
    assert listed(state="completed") == []
    rows = admin.get("/processes/instances/", {"process": "approval"}).context["rows"]
    assert all(steps == ["Review"] for _instance, steps in rows)

    monkeypatch.setattr(monitor, "PAGE_SIZE", 2)
    page = admin.get("/processes/instances/", {"process": "approval"})
    assert len(page.context["rows"]) == 2 and page.context["next_url"]
    following = admin.get("/processes/instances/" + page.context["next_url"])
    seen = [i.pk for i, _ in page.context["rows"]] + [i.pk for i, _ in following.context["rows"]]
    assert sorted(seen) == sorted([first.pk, second.pk, third.pk])
    assert admin.get("/processes/instances/", {"after": "garbage"}).context["page_error"]
