"""The process monitor in a real browser: an instance's diagram marks where it waits; an incident caused
by an unregistered action is retried after the action is registered and the instance goes on; the
administrator's operations ask first and report their result; the heatmap shows its figures on the
diagram; the bpmn.io watermark stays visible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from potok.processes.models import HistoryEntry, Incident, ProcessInstance, Task
from potok.processes.runtime import ACTIONS
from potok.processes.services.definitions import process_publish_file
from potok.processes.services.instances import process_start, task_complete_in_engine
from tests.web_processes.bpmn import review_process

pytestmark = pytest.mark.django_db(transaction=True)

ACTION = "tests.monitor.notify"


def open_instance(page, instance_id: str):  # type: ignore[no-untyped-def]
    page.goto(f"{page.base_url}/processes/instances/{instance_id}/")
    page.wait_for_selector("#instance-canvas.potok-diagram-ready")
    return page


def node(page, element_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#instance-canvas g.djs-element[data-element-id="{element_id}"]')


def test_the_instance_page_highlights_where_the_instance_waits(page_for, demo_company, screenshot) -> None:
    process_publish_file(actor=None, data=review_process("approval"), source_name="approval.bpmn")
    instance = process_start(actor=None, process_key="approval", business_key="A-1", variables={"amount": 5})
    page = open_instance(page_for("admin", language="en"), instance.pk)
    assert "potok-active" in (node(page, "review").get_attribute("class") or "")
    assert "potok-completed" in (node(page, "start").get_attribute("class") or "")
    assert "potok-active" not in (node(page, "end").get_attribute("class") or "")
    assert page.locator("#instance-canvas .bjs-powered-by").is_visible()
    assert "Start" in page.inner_text("[data-testid=history]")
    screenshot(page, "process-instance")

    # when the administrator suspends it with the keyboard, he is asked first and then sees the result
    page.focus("[data-testid=op-suspend]")
    page.keyboard.press("Enter")
    page.locator("[data-testid=confirm-ok]:focus").wait_for()
    page.keyboard.press("Enter")
    page.locator("[data-testid=instance-state] [data-state=suspended]").wait_for()
    assert "suspended" in page.inner_text(".alert-success")
    assert ProcessInstance.objects.get(pk=instance.pk).state == "suspended"
    page.click("[data-testid=op-resume]")
    page.click("[data-testid=confirm-ok]")
    page.locator("[data-testid=instance-state] [data-state=running]").wait_for()

    # invalid JSON cannot be sent as variables; valid JSON is set
    page.click("text=Set variables")
    page.fill("#variables-json", '{"amount": ')
    assert page.locator("[data-testid=op-variables]").is_disabled()
    page.fill("#variables-json", '{"amount": 7, "note": "checked"}')
    page.click("[data-testid=op-variables]")
    page.click("[data-testid=confirm-ok]")
    page.locator(".alert-success").wait_for()
    assert ProcessInstance.objects.get(pk=instance.pk).variables["note"] == "checked"

    # skipping the waiting step, picked on the diagram, finishes the instance
    page.click("text=Skip a waiting step")
    page.click('[data-pick="skip-node"]')
    box = node(page, "review").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#skip-node") == "review"
    page.click("[data-testid=op-skip]")
    page.click("[data-testid=confirm-ok]")
    page.locator("[data-testid=instance-state] [data-state=completed]").wait_for()
    assert "potok-completed" in (node(page, "end").get_attribute("class") or "")
    assert page.js_errors == []


def test_an_incident_is_retried_after_its_cause_is_fixed(page_for, demo_company, screenshot) -> None:
    # given a process whose service task runs an action nobody registered
    process_publish_file(actor=None, data=review_process("notifying", action=ACTION), source_name="n.bpmn")
    instance = process_start(actor=None, process_key="notifying")
    task_complete_in_engine(actor=None, task_id=Task.objects.get(instance=instance, state="open").id)
    incident = Incident.objects.get(instance=instance, state="open")
    assert incident.node_id == "notify"
    page = open_instance(page_for("admin", language="en"), instance.pk)
    assert "potok-failed" in (node(page, "notify").get_attribute("class") or "")
    assert ACTION in page.inner_text("[data-testid=incidents]")

    # when the action is registered and the administrator retries
    ACTIONS.add(ACTION, lambda context: {"notified": True})
    try:
        page.click("[data-testid=retry]")
        page.click("[data-testid=confirm-ok]")
        page.locator(".alert-success").wait_for()
    finally:
        vars(ACTIONS)["_actions"].pop(ACTION, None)

    # then the instance went on to its end, and the incident is resolved
    page.locator("[data-testid=instance-state] [data-state=completed]").wait_for()
    instance.refresh_from_db()
    assert instance.state == "completed" and instance.variables["notified"] is True
    assert Incident.objects.get(pk=incident.pk).state == "resolved"
    assert "potok-failed" not in (node(page, "notify").get_attribute("class") or "")
    assert page.js_errors == []


def test_the_monitor_and_the_heatmap_of_a_version(page_for, demo_company, screenshot) -> None:
    process_publish_file(actor=None, data=review_process("approval"), source_name="approval.bpmn")
    done = []
    for number in range(4):
        instance = process_start(actor=None, process_key="approval", business_key=f"A-{number}")
        if number < 3:
            task_complete_in_engine(actor=None, task_id=Task.objects.get(instance=instance, state="open").id)
            done.append(instance)
    # the review took 1, 2 and 6 hours
    for instance, hours in zip(done, (1, 2, 6), strict=True):
        entry = HistoryEntry.objects.get(instance=instance, node_id="review")
        HistoryEntry.objects.filter(pk=entry.pk).update(started_at=entry.ended_at - timedelta(hours=hours))

    page = page_for("admin", language="en")
    page.goto(page.base_url + "/processes/")
    assert "Approval approval" in page.inner_text("[data-testid=definitions]")
    screenshot(page, "process-monitor")
    page.goto(page.base_url + "/processes/definitions/approval/v1/heatmap/")
    page.wait_for_selector("#heatmap-canvas.potok-diagram-ready")
    badge = page.locator('.potok-heat[data-node="review"]')
    assert (
        "2 h" in badge.inner_text() and "passed 3" in badge.inner_text() and "waiting 1" in badge.inner_text()
    )
    assert page.locator("#heatmap-canvas .bjs-powered-by").is_visible()
    screenshot(page, "process-heatmap")

    # a second version renames the task: the difference is listed and marked on the diagram
    process_publish_file(
        actor=None, data=review_process("approval", task_name="Review twice"), source_name="approval.bpmn"
    )
    page.goto(page.base_url + "/processes/definitions/approval/diff/?old=1&new=2")
    page.wait_for_selector("#diff-new-canvas.potok-diagram-ready")
    assert page.locator("[data-testid=diff-list] [data-kind=changed] [data-element]").all_inner_texts() == [
        "Review twice"
    ]
    changed = page.locator('#diff-new-canvas g.djs-element[data-element-id="review"]')
    assert "potok-diff-changed" in (changed.get_attribute("class") or "")
    assert page.js_errors == []


def test_a_record_page_shows_its_process_and_where_it_is_on_the_diagram(
    page_for, demo_company, screenshot
) -> None:
    from potok.clients.models import Counterparty

    counterparty = Counterparty.objects.filter(deleted_at__isnull=True).order_by("pk").first()
    process_publish_file(actor=None, data=review_process("approval"), source_name="approval.bpmn")
    instance = process_start(
        actor=None, process_key="approval", entity_type="counterparty", record_id=counterparty.pk
    )
    page = page_for("admin", language="en")
    page.goto(f"{page.base_url}/counterparties/{counterparty.pk}/")
    row = page.locator(f'[data-testid=record-processes] [data-instance="{instance.pk}"]')
    assert "Review" in row.locator("[data-testid=current-step]").inner_text()
    row.locator("summary").click()
    canvas = row.locator(".potok-diagram.potok-diagram-ready")
    canvas.wait_for()
    active = canvas.locator('g.djs-element[data-element-id="review"]')
    assert "potok-active" in (active.get_attribute("class") or "")
    assert canvas.locator(".bjs-powered-by").is_visible()
    row.scroll_into_view_if_needed()
    screenshot(page, "process-on-record")
    assert page.js_errors == []


def test_an_instance_is_migrated_to_a_new_version_after_its_dry_run(
    page_for, demo_company, screenshot
) -> None:
    # given an instance waiting at «review» and a new version where that step has the id «check»
    process_publish_file(actor=None, data=review_process("approval"), source_name="approval.bpmn")
    instance = process_start(actor=None, process_key="approval", business_key="M-1")
    renamed = review_process("approval", task_name="Check").replace(b'"review"', b'"check"')
    process_publish_file(actor=None, data=renamed, source_name="approval.bpmn")
    page = open_instance(page_for("admin", language="ru"), instance.pk)

    # when the administrator opens the migration and asks for the dry run to v2
    page.click("[data-testid=op-migrate]")
    page.select_option("#migrate-version", "2")
    page.click("[data-testid=migrate-preview]")
    # then the conflict is named and nothing can be applied yet
    assert "review" in page.inner_text("[data-testid=migrate-conflicts]")
    assert page.locator("[data-testid=migrate-apply]").is_disabled()

    # when he maps «review» to «check» and checks again, the task and its token move there
    page.select_option("#map-review", "check")
    page.click("[data-testid=migrate-recheck]")
    assert page.locator("[data-testid=migrate-conflicts]").count() == 0
    assert "check" in page.inner_text("[data-testid=migrate-moves]")
    screenshot(page, "process-migrate")
    page.click("[data-testid=migrate-apply]")
    page.click("[data-testid=confirm-ok]")

    # then the instance page shows v2, waiting at «check», with the migration in its history
    page.wait_for_selector("#instance-canvas.potok-diagram-ready")
    assert "v2" in page.inner_text("h1")
    assert "potok-active" in (node(page, "check").get_attribute("class") or "")
    assert "approval:2" in page.inner_text("[data-testid=history]")
    assert ProcessInstance.objects.get(pk=instance.pk).version.number == 2
    assert page.js_errors == []


def test_the_running_instances_of_a_version_are_migrated_from_the_definition_page(
    page_for, demo_company, screenshot
) -> None:
    process_publish_file(actor=None, data=review_process("approval"), source_name="approval.bpmn")
    instances = [process_start(actor=None, process_key="approval") for _ in range(2)]
    process_publish_file(
        actor=None, data=review_process("approval", task_name="Review v2"), source_name="approval.bpmn"
    )
    page = page_for("admin", language="en")
    page.goto(page.base_url + "/processes/definitions/approval/")
    page.select_option("#migrate-from", "1")
    page.select_option("#migrate-version", "2")
    page.click("[data-testid=migrate-version]")
    assert "Instances: 2; can be migrated: 2." in page.inner_text("[data-testid=migrate-summary]")
    screenshot(page, "process-migrate-version")
    page.click("[data-testid=migrate-apply]")
    page.click("[data-testid=confirm-ok]")
    page.locator(".alert-success").wait_for()
    assert page.url.endswith("/processes/definitions/approval/")
    assert all(ProcessInstance.objects.get(pk=i.pk).version.number == 2 for i in instances)
    assert page.js_errors == []
