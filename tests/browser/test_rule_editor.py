"""The start-rule editor in a real Chromium: the administrator builds a condition with the builder (a
field of the linked client, an operator, a value, a NOT group), saves, tests the rule on a complaint and
dry-runs it — under the Content Security Policy, with no script error."""

from __future__ import annotations

import json

import pytest

from potok.automation.models import StartRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_builds_tests_and_dry_runs_a_rule(page_for) -> None:
    page = page_for("admin", language="en")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{page.base_url}/settings/start-rules/new/")
    page.fill("#id_name", "VIP complaints, not critical")
    with page.expect_response(lambda response: "/settings/start-rules/schema/" in response.url):
        page.select_option("#id_entity_type", "document.complaint")
    builder = page.locator("[data-testid=condition-builder]")
    builder.get_by_role("button", name="Condition").first.click()
    leaf = builder.locator(".potok-condition-leaf").first
    leaf.get_by_label("Field").select_option("client.segment")
    leaf.get_by_label("Operator").select_option("eq")
    leaf.get_by_label("Value").fill("VIP")
    builder.get_by_role("button", name="Condition").first.click()
    second = builder.locator(".potok-condition-leaf").nth(1)
    second.get_by_label("Field").select_option("severity")
    second.get_by_label("Operator").select_option("eq")
    second.get_by_label("Value").select_option("critical")
    second.get_by_role("button", name="Negate").click()
    page.select_option("#id_process_key", "complaint_review_vip")
    page.check("#id_enabled")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/start-rules/*/")
    rule = StartRule.objects.get(name="VIP complaints, not critical")
    assert rule.condition == {
        "all": [
            {"field": "client.segment", "op": "eq", "value": "VIP"},
            {"not": {"field": "severity", "op": "eq", "value": "critical"}},
        ]
    }, json.dumps(rule.condition)
    # test it on a complaint: each clause with its value
    from potok.documents.models import Document

    complaint = Document.objects.filter(document_type__code="complaint").order_by("id").first()
    page.fill("#test-record", str(complaint.pk))
    page.get_by_role("button", name="Test", exact=True).click()
    page.locator("[data-testid=test-result]").wait_for()
    assert "client.segment = 'VIP'" in page.locator("[data-testid=test-result]").inner_text()
    # and dry-run it over the existing complaints
    page.get_by_role("button", name="Dry run").click()
    page.locator("[data-testid=dry-run]").wait_for()
    assert "process" in page.locator("[data-testid=dry-run]").inner_text()
    assert violations == [], violations
    assert page.js_errors == []
