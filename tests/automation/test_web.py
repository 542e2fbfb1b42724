"""The automation pages: administrators write, test and dry-run rules; record pages show the panel; a
person starts a process by hand in the background from a record he may read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from potok.automation.models import ManualStart, RuleIncident, StartRule
from potok.automation.services import rule_create
from tests.automation.conftest import publish, started

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def vip_rule(admin, s2_processes, complaint_type) -> Any:  # type: ignore[no-untyped-def]
    return rule_create(
        actor=admin,
        data={
            "name": "VIP complaint",
            "entity_type": "document.complaint",
            "event": "created",
            "condition": {"field": "client.segment", "op": "eq", "value": "VIP"},
            "process_key": "complaint_review_vip",
            "enabled": True,
        },
    )


def test_the_editor_saves_a_rule_from_the_condition_builders_json(browser, s2_processes, complaint_type):
    page = browser.get("/settings/start-rules/new/")
    assert page.status_code == 200 and b"condition-builder" in page.content
    condition = {"all": [{"field": "client.segment", "op": "eq", "value": "VIP"}]}
    response = browser.post(
        "/settings/start-rules/new/",
        {
            "name": "VIP",
            "entity_type": "document.complaint",
            "event": "created",
            "condition": json.dumps(condition),
            "trigger_mode": "every_time",
            "debounce_seconds": "60",
            "process_key": "complaint_review_vip",
            "variable_mapping": "complaint_id = id\nbig = expr: claimed_amount > 100000",
            "priority": "10",
            "stop_after_match": "on",
            "enabled": "on",
            "amount": "0",
        },
    )
    rule = StartRule.objects.get(name="VIP")
    assert response.status_code == 302 and response["Location"].endswith(f"/settings/start-rules/{rule.pk}/")
    assert rule.condition == condition and rule.enabled and rule.stop_after_match
    assert rule.variable_mapping == [
        {"target": "complaint_id", "source": "id"},
        {"target": "big", "expr": "claimed_amount > 100000"},
    ]


def test_the_editor_shows_a_bad_field_next_to_the_condition(browser, s2_processes, complaint_type):
    response = browser.post(
        "/settings/start-rules/new/",
        {
            "name": "Broken",
            "entity_type": "document.complaint",
            "event": "created",
            "condition": json.dumps({"all": [{"field": "client.sgment", "op": "eq", "value": "VIP"}]}),
            "trigger_mode": "every_time",
            "debounce_seconds": "60",
            "process_key": "complaint_review",
            "priority": "0",
            "amount": "0",
        },
    )
    assert response.status_code == 200
    assert "sgment" in response.content.decode() and "all[0]" in response.content.decode()
    assert not StartRule.objects.exists()


def test_the_schema_for_the_builder_lists_referenced_fields(browser, complaint_type):
    schema = browser.get("/settings/start-rules/schema/?entity_type=document.complaint").json()
    client = next(field for field in schema["fields"] if field["code"] == "client")
    assert any(sub["code"] == "segment" for sub in client["fields"])
    amount = next(field for field in schema["fields"] if field["code"] == "claimed_amount")
    assert "became_gt" in amount["operators"]


def test_rule_pages_test_and_dry_run(browser, vip_rule, make_complaint, make_counterparty, worker):
    vip = make_counterparty("ООО «ВИП»", segment="VIP")
    complaint = make_complaint(client=vip.pk)
    make_complaint()
    worker()
    for url in (
        "/settings/start-rules/",
        f"/settings/start-rules/{vip_rule.pk}/",
        f"/settings/start-rules/{vip_rule.pk}/?outcome=matched",
        f"/settings/start-rules/{vip_rule.pk}/edit/",
        f"/settings/start-rules/{vip_rule.pk}/versions/1/",
        "/settings/rule-incidents/",
        f"/settings/start-rules/why/?rule={vip_rule.pk}&entity_type=document.complaint&record={complaint.pk}",
    ):
        assert browser.get(url).status_code == 200, url
    tested = browser.post(f"/settings/start-rules/{vip_rule.pk}/test/", {"record_id": complaint.pk})
    content = tested.content.decode()
    assert "client.segment = &#x27;VIP&#x27;" in content and "подошло" in content  # the interface is Russian
    dry = browser.post(f"/settings/start-rules/{vip_rule.pk}/dry-run/")
    assert "It would start 1 process" in dry.content.decode() or "1 процесс" in dry.content.decode()


def test_the_why_screen_explains_a_rule_created_after_the_record(
    browser, s2_processes, complaint_type, admin, make_complaint, worker
):
    complaint = make_complaint()
    worker()
    later = rule_create(
        actor=admin,
        data={
            "name": "Later",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "complaint_review",
            "enabled": True,
        },
    )
    page = browser.get(
        f"/settings/start-rules/why/?rule={later.pk}&entity_type=document.complaint&record={complaint.pk}"
    )
    assert b'data-testid="explanation"' in page.content


def test_the_record_panel_and_a_background_manual_start(admin, complaint_type, make_complaint, worker):
    from potok.processes.models import ProcessDefinition

    publish("complaint_call", "Позвонить клиенту")
    ProcessDefinition.objects.filter(key="complaint_call").update(
        manual_start_entity_types=["document.complaint"]
    )
    complaint = make_complaint()
    browser = Client()
    browser.force_login(admin)
    panel = browser.get(f"/automation/record-panel/?entity_type=document.complaint&record_id={complaint.pk}")
    assert panel.status_code == 200 and b"complaint_call" in panel.content
    detail = browser.get(f"/documents/complaint/{complaint.pk}/")
    assert b"automation/record-panel" in detail.content
    response = browser.post(
        "/automation/start-from-record/",
        {
            "entity_type": "document.complaint",
            "record_id": complaint.pk,
            "process": "complaint_call",
            "background": "on",
        },
        HTTP_REFERER=f"/documents/complaint/{complaint.pk}/",
    )
    assert response.status_code == 302
    request = ManualStart.objects.get()
    assert request.state == "queued" and started("complaint_call") == 0
    from potok.automation.services.manual import manual_start_run

    manual_start_run(request.pk)
    assert started("complaint_call", record_id=complaint.pk) == 1
    assert browser.get(f"/automation/manual-starts/{request.pk}/").status_code == 200


def test_people_who_cannot_read_the_record_cannot_start_from_it(complaint_type, make_complaint):
    from potok.accounts.services import user_create

    stranger = user_create(actor=None, username="stranger", password=None)
    complaint = make_complaint()
    browser = Client()
    browser.force_login(stranger)
    assert (
        browser.get(
            f"/automation/record-panel/?entity_type=document.complaint&record_id={complaint.pk}"
        ).status_code
        == 404
    )
    assert browser.get("/settings/start-rules/").status_code == 403
    response = browser.post(
        "/automation/start-from-record/",
        {"entity_type": "document.complaint", "record_id": complaint.pk, "process": "x"},
    )
    assert response.status_code == 404 and not ManualStart.objects.exists()


def test_an_incident_is_retried_from_its_page(browser, admin, complaint_type, make_complaint, worker):
    publish("flaky", "Flaky")
    rule = rule_create(
        actor=admin,
        data={
            "name": "Needs a variable",
            "entity_type": "document.complaint",
            "event": "created",
            "process_key": "flaky",
            "variable_mapping": [{"target": "ratio", "expr": "1 / (claimed_amount - claimed_amount)"}],
            "enabled": True,
        },
    )
    make_complaint(claimed_amount="10.00")
    worker()
    incident = RuleIncident.objects.get(rule=rule)
    assert incident.kind == "mapping" and "division" in incident.message
    # the fix: a mapping that works
    from potok.automation.services import rule_update

    rule_update(actor=admin, rule=rule, data={"variable_mapping": [{"target": "ratio", "expr": "1"}]})
    response = browser.post(f"/settings/rule-incidents/{incident.pk}/retry/")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "resolved" and started("flaky") == 1
