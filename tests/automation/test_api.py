"""The automation API: rules with versions, test, dry run and application, enable / disable, the inbound
webhook (bearer secret or HMAC signature), evaluations with the "why not" answer, incidents with retry,
and the manual start from a record."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from potok.automation.models import RuleApplication, StartRule
from potok.automation.services.webhooks import signature_of
from tests.automation.conftest import publish, started

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin) -> Client:  # type: ignore[no-untyped-def]
    from potok.accounts.services import api_token_create

    return Client(headers={"Authorization": f"Bearer {api_token_create(actor=None, user=admin)}"})


def post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


VIP_RULE = {
    "name": "VIP",
    "entity_type": "document.complaint",
    "event": "created",
    "condition": {"field": "client.segment", "op": "eq", "value": "VIP"},
    "process_key": "complaint_review_vip",
    "priority": 10,
    "stop_after_match": True,
    "variable_mapping": [{"target": "complaint_id", "source": "id"}],
    "enabled": True,
}


def test_rules_crud_with_versions(api, s2_processes, complaint_type):
    created = post(api, "/api/v1/start-rules", VIP_RULE)
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (
        rule["version"] == 1
        and rule["enabled"]
        and rule["variable_mapping"] == [{"target": "complaint_id", "source": "id"}]
    )
    changed = api.patch(
        f"/api/v1/start-rules/{rule['id']}",
        data=json.dumps({"priority": 20, "comment": "higher"}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    versions = api.get(f"/api/v1/start-rules/{rule['id']}/versions").json()
    assert [(v["number"], v["definition"]["priority"], v["comment"]) for v in versions] == [
        (2, 20, "higher"),
        (1, 10, ""),
    ]
    assert api.get(f"/api/v1/start-rules/{rule['id']}/versions/1").json()["definition"]["priority"] == 10
    assert post(api, f"/api/v1/start-rules/{rule['id']}/disable").json()["enabled"] is False
    assert post(api, f"/api/v1/start-rules/{rule['id']}/enable").json()["enabled"] is True
    listed = api.get("/api/v1/start-rules?entity_type=document.complaint").json()
    assert [item["id"] for item in listed["items"]] == [rule["id"]]
    assert api.delete(f"/api/v1/start-rules/{rule['id']}").status_code == 204
    assert not StartRule.objects.exists()


def test_bad_rules_get_field_errors(api, s2_processes, complaint_type):
    response = post(
        api,
        "/api/v1/start-rules",
        {**VIP_RULE, "condition": {"field": "client.sgment", "op": "eq", "value": "VIP"}},
    )
    assert response.status_code == 400
    assert "sgment" in response.json()["errors"]["condition"][0]
    unknown = post(api, "/api/v1/start-rules", {**VIP_RULE, "colour": "red"})
    assert unknown.status_code == 400


def test_only_administrators_manage_rules(s2_processes, complaint_type):
    from potok.accounts.services import api_token_create, user_create

    someone = user_create(actor=None, username="someone", password=None)
    client = Client(headers={"Authorization": f"Bearer {api_token_create(actor=None, user=someone)}"})
    assert client.get("/api/v1/start-rules").status_code == 403
    assert post(client, "/api/v1/start-rules", VIP_RULE).status_code == 403
    assert client.get("/api/v1/rule-evaluations").status_code == 403


def test_schema_test_dry_run_and_apply(
    api, s2_processes, complaint_type, make_complaint, make_counterparty, worker
):
    schema = api.get("/api/v1/start-rules/schema?entity_type=document.complaint").json()
    assert any(field["code"] == "claimed_amount" and field["type"] == "money" for field in schema["fields"])
    vip = make_counterparty("ООО «ВИП»", segment="VIP")
    complaints = [make_complaint(client=vip.pk) for _ in range(3)] + [make_complaint()]
    worker()
    rule = post(api, "/api/v1/start-rules", {**VIP_RULE, "enabled": False}).json()
    tested = post(api, f"/api/v1/start-rules/{rule['id']}/test", {"record_id": complaints[0].pk}).json()
    assert tested["matched"] and tested["trace"][0]["value"] == "VIP"
    assert tested["variables"]["complaint_id"] == complaints[0].pk
    dry = post(api, f"/api/v1/start-rules/{rule['id']}/dry-run", {}).json()
    assert dry["would_start"] == 3 and dry["complete"] is True
    assert {item["id"] for item in dry["records"]} == {c.pk for c in complaints[:3]}
    applied = post(api, f"/api/v1/start-rules/{rule['id']}/apply")
    assert applied.status_code == 202
    worker()
    application = api.get(f"/api/v1/rule-applications/{applied.json()['id']}").json()
    assert (application["state"], application["started"], application["processed"]) == ("done", 3, 3)
    assert started("complaint_review_vip") == 3
    # the batch's starts were written together: each linked to its complaint, each with its first task
    from potok.processes.models import ProcessInstance, Task

    vip_runs = ProcessInstance.objects.filter(process_id="complaint_review_vip")
    assert set(vip_runs.values_list("record_id", flat=True)) == {c.pk for c in complaints[:3]}
    assert set(
        Task.objects.filter(instance__in=vip_runs, state="open").values_list("record_id", flat=True)
    ) == {c.pk for c in complaints[:3]}
    # applying again is a new operation; running the same one again starts nothing twice
    from potok.automation.models import ApplicationState

    RuleApplication.objects.filter(pk=application["id"]).update(state=ApplicationState.QUEUED, cursor=0)
    worker()
    assert started("complaint_review_vip") == 3


def test_why_not_for_a_record_without_evaluations(api, s2_processes, complaint_type, make_complaint, worker):
    complaint = make_complaint()
    worker()
    rule = post(api, "/api/v1/start-rules", VIP_RULE).json()
    answer = api.get(
        f"/api/v1/rule-evaluations?rule={rule['id']}&entity_type=document.complaint&record={complaint.pk}"
    ).json()
    assert answer["items"] == []
    assert "did not exist yet" in answer["explanation"][0]["reason"]
    other = api.get(f"/api/v1/rule-evaluations?rule={rule['id']}&entity_type=counterparty&record=1").json()
    assert "this record is of type counterparty" in other["explanation"][0]["reason"]
    # a record saved after the rule has its evaluation, filtered by outcome
    second = make_complaint()
    worker()
    found = api.get(
        f"/api/v1/rule-evaluations?rule={rule['id']}&entity_type=document.complaint&record={second.pk}"
    ).json()
    assert [item["outcome"] for item in found["items"]] == ["not_matched"]
    assert found["items"][0]["trace"][0]["description"] == "client.segment = 'VIP'"
    assert api.get(f"/api/v1/rule-evaluations?rule={rule['id']}&outcome=matched").json()["items"] == []


def test_why_not_for_an_update_the_rule_does_not_listen_to(
    api, s2_processes, complaint_type, make_complaint, worker
):
    from potok.documents.services import document_update

    rule = post(
        api,
        "/api/v1/start-rules",
        {**VIP_RULE, "event": "updated", "options": {"fields": ["claimed_amount"]}, "condition": {}},
    ).json()
    complaint = make_complaint()
    document_update(actor=None, document=complaint, values={"subject": "Другое"}, expected_version=None)
    worker()
    answer = api.get(
        f"/api/v1/rule-evaluations?rule={rule['id']}&entity_type=document.complaint&record={complaint.pk}"
    ).json()
    reasons = [item["reason"] for item in answer["explanation"]]
    assert any("changes of claimed_amount; this change touched subject" in reason for reason in reasons)
    assert any("listens to" in reason and "created" in reason for reason in reasons)


def test_incidents_listed_and_retried(api, admin, complaint_type, make_complaint, worker):
    publish("later", "Later")
    rule = post(
        api,
        "/api/v1/start-rules",
        {
            **VIP_RULE,
            "condition": {},
            "process_key": "later",
            "variable_mapping": [{"target": "x", "expr": "1 / 0"}],
        },
    ).json()
    make_complaint()
    worker()
    incidents = api.get("/api/v1/rule-incidents").json()["items"]
    assert [(i["rule_id"], i["kind"]) for i in incidents] == [(rule["id"], "mapping")]
    api.patch(
        f"/api/v1/start-rules/{rule['id']}",
        data=json.dumps({"variable_mapping": [{"target": "x", "expr": "1"}]}),
        content_type="application/json",
    )
    retried = post(api, f"/api/v1/rule-incidents/{incidents[0]['id']}/retry").json()
    assert retried["state"] == "resolved" and started("later") == 1
    assert api.get("/api/v1/rule-incidents").json()["items"] == []


def test_the_webhook_takes_a_bearer_secret_or_an_hmac_signature(api, s2_processes):
    rule = post(
        api,
        "/api/v1/start-rules",
        {
            "name": "Order from the shop",
            "event": "webhook",
            "condition": {"field": "order.amount", "op": "gt", "value": 10},
            "process_key": "deal_handover",
            "variable_mapping": [{"target": "amount", "source": "order.amount"}],
            "enabled": True,
        },
    ).json()
    secret = rule["webhook_secret"]
    url = rule["webhook_url"]
    body = json.dumps({"order": {"amount": 25}}).encode()
    anonymous = Client()
    assert anonymous.post(url, data=body, content_type="application/json").status_code == 403
    bad = anonymous.post(
        url, data=body, content_type="application/json", headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 403
    by_bearer = anonymous.post(
        url,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "o-1"},
    )
    assert by_bearer.status_code == 202 and by_bearer.json()["outcome"] == "matched"
    again = anonymous.post(
        url,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "o-1"},
    )
    assert again.json()["outcome"] == "skipped"
    signed = anonymous.post(
        url,
        data=body,
        content_type="application/json",
        headers={"X-Potok-Signature": signature_of(secret, body)},
    )
    assert signed.json()["outcome"] == "matched"
    small = json.dumps({"order": {"amount": 5}}).encode()
    not_matched = anonymous.post(
        url,
        data=small,
        content_type="application/json",
        headers={"X-Potok-Signature": signature_of(secret, small)},
    )
    assert not_matched.json()["outcome"] == "not_matched"
    assert started("deal_handover") == 2
    from potok.processes.models import ProcessInstance

    assert ProcessInstance.objects.filter(process_id="deal_handover").first().variables["amount"] == 25


def test_start_from_record_needs_read_access(api, admin, complaint_type, make_complaint):
    from potok.accounts.services import api_token_create, user_create
    from potok.processes.models import ProcessDefinition

    publish("call_back", "Перезвонить")
    ProcessDefinition.objects.filter(key="call_back").update(manual_start_entity_types=["document.*"])
    complaint = make_complaint()
    body = {"entity_type": "document.complaint", "record_id": complaint.pk, "process": "call_back"}
    queued = post(api, "/api/v1/process-instances/start-from-record", body)
    assert queued.status_code == 202 and queued.json()["state"] == "queued"
    at_once = post(api, "/api/v1/process-instances/start-from-record", {**body, "background": False})
    assert at_once.status_code == 201 and at_once.json()["state"] == "started"
    assert api.get(f"/api/v1/manual-starts/{queued.json()['id']}").status_code == 200
    not_allowed = post(
        api, "/api/v1/process-instances/start-from-record", {**body, "process": "complaint_review"}
    )
    assert not_allowed.status_code == 403
    stranger = user_create(actor=None, username="stranger", password=None)
    client = Client(headers={"Authorization": f"Bearer {api_token_create(actor=None, user=stranger)}"})
    assert post(client, "/api/v1/process-instances/start-from-record", body).status_code == 404


def test_the_openapi_document_lists_the_automation_resources(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/start-rules",
        "/api/v1/start-rules/{rule_id}/webhook",
        "/api/v1/rule-evaluations",
        "/api/v1/rule-incidents",
        "/api/v1/process-instances/start-from-record",
    ):
        assert path in paths
